// What the two Node sides of bench/postgres-vs-peers share: the measured shapes and how a finished job is seen.
// Neither pg-boss nor graphile-worker hands a job's completion to another process, so the client watches the
// table: a count for the batch (every 10 ms), the job's own row for a round trip (every 1 ms). That watching is
// the only addition to the libraries' own paths, and it costs them little: one indexed read per look.
import pg from 'pg';

export const connectionString = process.env.PG_URL || 'postgres://127.0.0.1:5432/test';
export const sleep = ms => new Promise(r => setTimeout(r, ms));

export async function measure(label, { submitBatch, batchDone, submitOne, oneDone }, tasks, roundTrips, budgetSeconds) {
  const runBatch = async n => {
    const before = await batchDone();
    await submitBatch(n);
    const deadline = Date.now() + 600_000;
    while ((await batchDone()) - before < n) {
      if (Date.now() > deadline) throw new Error(`${label}: batch did not finish`);
      await sleep(10);
    }
  };
  const roundTrip = async i => {
    const t0 = process.hrtime.bigint();
    const id = await submitOne(i);
    while (!(await oneDone(id))) await sleep(1);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  // warm-up, untimed, as the Java side's: V8 optimises hot code after many calls too
  await runBatch(tasks);
  const warmEnd = Date.now() + 10_000;
  for (let i = 0; i < 300 && Date.now() < warmEnd; i++) await roundTrip(i);

  const start = process.hrtime.bigint();
  await runBatch(tasks);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`${label} throughput: ${(tasks / seconds).toFixed(0)} tasks/s (${tasks} tasks in ${seconds.toFixed(2)} s)`);
  // a peer that polls for work takes its polling interval per round trip: the round trips stop at a time budget
  const times = [];
  const end = Date.now() + budgetSeconds * 1000;
  for (let i = 0; i < roundTrips && Date.now() < end; i++) times.push(await roundTrip(i));
  times.sort((a, b) => a - b);
  console.log(`${label} round trip: p50 ${times[Math.floor(times.length / 2)].toFixed(3)} ms, `
    + `p99 ${times[Math.floor(times.length * 0.99)].toFixed(3)} ms (${times.length} round trips)`);
}

export function watcher() {
  return new pg.Pool({ connectionString, max: 1 });
}
