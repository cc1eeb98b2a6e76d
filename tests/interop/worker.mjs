// Node GroupMQ worker: node worker.mjs <redisUrl> <namespace> <expected> <concurrency> <workMs> <idleExitMs>
// Prints one JSON line per job start and end ({ev, id, gid, data, t}); exits after `expected` jobs
// (0 = no limit) or after `idleExitMs` without a job (0 = never).
import Redis from 'ioredis';
import { Queue, Worker } from 'groupmq';

const [url, namespace, expected, concurrency, workMs, idleExitMs] = process.argv.slice(2).map((v, i) => (i < 2 ? v : Number(v)));
const redis = new Redis(url, { maxRetriesPerRequest: null });
const queue = new Queue({ redis, namespace, jobTimeoutMs: 30000, autoBatch: false });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let done = 0;
let last = Date.now();
const worker = new Worker({
  queue,
  concurrency,
  blockingTimeoutSec: 1,
  schedulerIntervalMs: 100,
  handler: async (job) => {
    console.log(JSON.stringify({ ev: 'start', id: job.id, gid: job.groupId, data: job.data, t: Date.now() }));
    if (workMs > 0) await sleep(workMs);
    console.log(JSON.stringify({ ev: 'end', id: job.id, gid: job.groupId, t: Date.now() }));
    done++;
    last = Date.now();
    return { ok: true };
  },
});
console.log(JSON.stringify({ ev: 'ready' }));
while (true) {
  await sleep(20);
  if ((expected > 0 && done >= expected) || (idleExitMs > 0 && Date.now() - last > idleExitMs)) break;
}
await worker.close(5000);
await queue.close();
process.exit(0);
