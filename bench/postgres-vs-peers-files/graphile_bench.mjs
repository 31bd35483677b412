// The graphile-worker side of bench/postgres-vs-peers: node graphile_bench.mjs worker|client <tasks> <roundtrips> <budget-s>
// Worker settings from graphile-worker's performance page for many small jobs: a local queue (jobs fetched in a
// batch), completions batched, concurrentJobs 24 with a pool one larger. It wakes on LISTEN/NOTIFY. A finished
// job's row is deleted, so "done" is "the row is gone".
import { run, makeWorkerUtils } from 'graphile-worker';
import { connectionString, measure, watcher } from './common.mjs';

const schema = 'graphile_worker_bench';
if (process.argv[2] === 'worker') {
  await run({
    connectionString,
    schema,
    concurrency: 24,
    maxPoolSize: 25,
    noHandleSignals: false,
    pollInterval: 2000,
    preset: { worker: { localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
    taskList: { noop: async payload => payload.n },
  });
  console.log('READY');
} else {
  const [tasks, roundTrips, budget] = process.argv.slice(3).map(Number);
  const utils = await makeWorkerUtils({ connectionString, schema });
  await utils.migrate();
  const db = watcher();
  let added = 0;
  await measure('graphile-worker', {
    submitBatch: async n => {
      for (let i = 0; i < n; i += 1000) {
        const specs = [];
        for (let k = i; k < Math.min(n, i + 1000); k++) specs.push({ identifier: 'noop', payload: { n: k } });
        await utils.addJobs(specs);
      }
      added += n;
    },
    // done = everything added so far has left the table
    batchDone: async () => added - Number((await db.query(`select count(*) from ${schema}._private_jobs`)).rows[0].count),
    submitOne: async i => { added++; return (await utils.addJob('noop', { n: i })).id; },
    oneDone: async id => (await db.query(`select 1 from ${schema}._private_jobs where id = $1`, [id])).rowCount === 0,
  }, tasks, roundTrips, budget);
  await db.end();
  await utils.release();
  process.exit(0);
}
