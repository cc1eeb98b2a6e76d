"""A consumer process for the SIGKILL test: ``python consumer_proc.py <redis_url> <namespace> <visibility_ms>``.

Runs our Worker; prints ``start <id> <ms>`` / ``end <id> <ms>`` lines (flushed). A job whose data has
``"hang": true`` never finishes, so the test can kill the process while it holds that job.
"""

from __future__ import annotations

import asyncio
import sys
import time

from secureops.core.config import Settings
from secureops.core.queue.base import Job
from secureops.core.queue.redis_driver import RedisQueue
from secureops.core.queue.worker import Worker


async def main(url: str, namespace: str, visibility_ms: int) -> None:
    queue = RedisQueue(Settings(redis_url=url), namespace=namespace, visibility_ms=visibility_ms)

    async def handler(job: Job) -> None:
        print(f"start {job.id} {time.time() * 1000:.0f}", flush=True)
        if job.data.get("hang"):
            await asyncio.sleep(3600)
        await asyncio.sleep(0.005)
        print(f"end {job.id} {time.time() * 1000:.0f}", flush=True)

    await Worker(queue, handler, concurrency=2, maintenance_ms=100).run()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
