// Node GroupMQ producer: node producer.mjs <redisUrl> <namespace> <count> <groups> <idPrefix>
// Adds jobs one by one (await add), job i -> group g(i % groups), id `${prefix}-${i}`, data {g, i, src}.
import Redis from 'ioredis';
import { Queue } from 'groupmq';

const [url, namespace, count, groups, prefix] = process.argv.slice(2);
const redis = new Redis(url);
const queue = new Queue({ redis, namespace, autoBatch: false });
for (let i = 0; i < Number(count); i++) {
  const g = i % Number(groups);
  await queue.add({ groupId: `g${g}`, data: { g, i, src: 'node' }, jobId: `${prefix}-${i}` });
}
await queue.close();
console.log(JSON.stringify({ added: Number(count) }));
