// The pg-boss side of bench/postgres-vs-peers: node pgboss_bench.mjs worker|client <tasks> <roundtrips> <budget-s>
// Worker settings for tiny jobs from pg-boss's docs: batches (batchSize) rather than one job per fetch, two
// workers (the others' concurrency 2), and the shortest polling interval it allows (0.5 s); pg-boss polls, it has
// no wake-up on insert.
import PgBoss from 'pg-boss';
import { connectionString, measure, watcher } from './common.mjs';

const schema = 'pgboss_bench';
const name = 'bench';
const boss = new PgBoss({ connectionString, schema, max: 4, supervise: false, schedule: false });
boss.on('error', e => console.error(e));
await boss.start();
await boss.createQueue(name);

if (process.argv[2] === 'worker') {
  for (let w = 0; w < 2; w++) {
    await boss.work(name, { batchSize: 1000, pollingIntervalSeconds: 0.5 }, async jobs => jobs.map(j => j.data.n));
  }
  console.log('READY');
} else {
  const [tasks, roundTrips, budget] = process.argv.slice(3).map(Number);
  const db = watcher();
  await measure('pg-boss', {
    submitBatch: async n => {
      for (let i = 0; i < n; i += 1000) {
        const jobs = [];
        for (let k = i; k < Math.min(n, i + 1000); k++) jobs.push({ name, data: { n: k } });
        await boss.insert(jobs);
      }
    },
    batchDone: async () => Number((await db.query(
      `select count(*) from ${schema}.job where name = $1 and state = 'completed'`, [name])).rows[0].count),
    submitOne: i => boss.send(name, { n: i }),
    oneDone: async id => (await db.query(`select state from ${schema}.job where name = $1 and id = $2`, [name, id]))
      .rows[0]?.state === 'completed',
  }, tasks, roundTrips, budget);
  await db.end();
  await boss.stop({ graceful: false, wait: false });
  process.exit(0);
}
