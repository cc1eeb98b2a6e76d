// Reproduces GroupMQ 1.1.0's wedged group (issues #12/#14) with the real library:
// node wedge.mjs <redisUrl> <namespace> <groupId> <jobId>
// A job is reserved with a 200 ms visibility and never completed (its worker "crashed"); after the
// deadline the next reserve() runs the inline stalled recovery, which re-queues the job but leaves its
// id in g:<gid>:active. Prints the resulting layout.
import Redis from 'ioredis';
import { Queue } from 'groupmq';

const [url, namespace, groupId, jobId] = process.argv.slice(2);
const redis = new Redis(url);
const queue = new Queue({ redis, namespace, jobTimeoutMs: 200, autoBatch: false });
await queue.add({ groupId, data: { wedged: true, i: 0 }, jobId });
const first = await queue.reserve();
await new Promise((r) => setTimeout(r, 400));
const second = await queue.reserve();
const p = `groupmq:${namespace}:`;
console.log(JSON.stringify({
  first: first && first.id,
  second: second && second.id,
  active: await redis.lrange(`${p}g:${groupId}:active`, 0, -1),
  processing: await redis.zrange(`${p}processing`, 0, -1),
  inGroup: await redis.zrange(`${p}g:${groupId}`, 0, -1),
  status: await redis.hget(`${p}job:${jobId}`, 'status'),
}));
await queue.close();
