// Node side of bench/queue.py: node bench.mjs <redisUrl> <namespace> <mode> <count> <groups|concurrency>
// modes: enqueue-seq (await add() one at a time), enqueue-batch (autoBatch 100, 100 adds in flight),
//        process (a Worker with the given concurrency, until `count` jobs are done).
// Prints {"mode", "count", "seconds", "rate"}.
import Redis from 'ioredis';
import { Queue, Worker } from 'groupmq';

const [url, namespace, mode, countArg, arg] = process.argv.slice(2);
const count = Number(countArg);
const redis = new Redis(url, { maxRetriesPerRequest: null });
let seconds;
if (mode === 'enqueue-seq' || mode === 'enqueue-batch') {
  const groups = Number(arg);
  const batch = mode === 'enqueue-batch';
  const queue = new Queue({ redis, namespace, autoBatch: batch ? { size: 100, maxWaitMs: 2 } : false });
  const t0 = performance.now();
  if (batch) {
    for (let i = 0; i < count; i += 100) {
      const adds = [];
      for (let j = i; j < Math.min(count, i + 100); j++) adds.push(queue.add({ groupId: `g${j % groups}`, data: { i: j } }));
      await Promise.all(adds);
    }
  } else {
    for (let i = 0; i < count; i++) await queue.add({ groupId: `g${i % groups}`, data: { i } });
  }
  seconds = (performance.now() - t0) / 1000;
  await queue.close();
} else {
  const queue = new Queue({ redis, namespace, autoBatch: false });
  let done = 0;
  let resolve;
  const finished = new Promise((r) => (resolve = r));
  const t0 = performance.now();
  const worker = new Worker({
    queue, concurrency: Number(arg), blockingTimeoutSec: 1,
    handler: async () => { if (++done === count) resolve(); return null; },
  });
  await finished;
  seconds = (performance.now() - t0) / 1000;
  await worker.close(1000);
  await queue.close();
}
console.log(JSON.stringify({ mode, count, seconds, rate: count / seconds }));
process.exit(0);
