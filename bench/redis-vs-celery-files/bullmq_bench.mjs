// The BullMQ side of bench/redis-vs-celery: node bullmq_bench.mjs worker|client <tasks> <roundtrips>
import { Queue, Worker, QueueEvents } from 'bullmq';

const connection = { host: '127.0.0.1', port: Number(process.env.REDIS_PORT || 6379), db: 14 };
const name = 'bench';

if (process.argv[2] === 'worker') {
  new Worker(name, async job => job.data.n, { connection, concurrency: 100 });
  console.log('READY');
} else {
  const tasks = Number(process.argv[3]);
  const roundTrips = Number(process.argv[4]);
  const queue = new Queue(name, { connection });
  const events = new QueueEvents(name, { connection });
  await events.waitUntilReady();
  const opts = { removeOnComplete: false };
  const runBatch = async n => {
    let done = 0;
    const finished = new Promise(resolve => {
      const onDone = () => { if (++done === n) { events.off('completed', onDone); resolve(); } };
      events.on('completed', onDone);
    });
    const jobs = [];
    for (let i = 0; i < n; i++) jobs.push({ name: 'noop', data: { n: i }, opts });
    for (let i = 0; i < jobs.length; i += 1000) await queue.addBulk(jobs.slice(i, i + 1000));
    await finished;
  };
  // warm-up, untimed, the same as the Java side's: V8 optimises hot code after many calls too, so both
  // measured shapes take turns, three times
  for (let round = 0; round < 3; round++) {
    await runBatch(tasks);
    for (let i = 0; i < 3000; i++) {
      const job = await queue.add('noop', { n: i }, opts);
      await job.waitUntilFinished(events, 10000);
    }
  }
  const start = process.hrtime.bigint();
  await runBatch(tasks);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`bullmq throughput: ${(tasks / seconds).toFixed(0)} jobs/s (${tasks} jobs in ${seconds.toFixed(2)} s)`);
  const times = [];
  for (let i = 0; i < roundTrips; i++) {
    const t0 = process.hrtime.bigint();
    const job = await queue.add('noop', { n: i }, opts);
    await job.waitUntilFinished(events, 10000);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  console.log(`bullmq round trip: p50 ${times[Math.floor(times.length / 2)].toFixed(3)} ms, p99 ${times[Math.floor(times.length * 0.99)].toFixed(3)} ms`);
  await events.close();
  await queue.close();
  process.exit(0);
}
