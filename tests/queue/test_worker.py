"""The Worker loop on both drivers: processing, retries, heartbeats, cancellation, graceful stop."""

from __future__ import annotations

import asyncio
import itertools
import time

from secureops.core.queue.base import Backoff, Job, NewJob, QueueBackend
from secureops.core.queue.worker import Worker


def test_worker_processes_all_groups_in_fifo_order(qrun) -> None:
    async def body(q: QueueBackend) -> None:
        await q.add_many([NewJob(data={"i": i}, group_id=f"g{i % 7}", job_id=f"j{i}") for i in range(140)])
        seen: dict[str, list[int]] = {}

        async def handler(job: Job) -> int:
            seen.setdefault(job.group_id, []).append(job.data["i"])
            await asyncio.sleep(0)
            return int(job.data["i"])

        worker = Worker(q, handler, concurrency=4)
        task = asyncio.create_task(worker.run())
        while worker.processed < 140:
            await asyncio.sleep(0.01)
        worker.stop()
        await task
        assert all(v == sorted(v) for v in seen.values()) and sum(map(len, seen.values())) == 140
        assert (await q.depth()).groups == ()

    qrun(body)


def test_worker_retries_with_backoff_then_dead_letters(qrun) -> None:
    async def body(q: QueueBackend) -> None:
        await q.add("x", group_id="g", job_id="bad", max_attempts=3, backoff=Backoff(kind="fixed", delay_ms=30))
        times: list[float] = []

        async def handler(job: Job) -> None:
            times.append(time.monotonic())
            raise RuntimeError(f"attempt {job.attempts + 1}")

        worker = Worker(q, handler, maintenance_ms=10)
        task = asyncio.create_task(worker.run())
        while not (await q.dead_letters()):
            await asyncio.sleep(0.01)
        worker.stop()
        await task
        assert len(times) == 3
        assert all(b - a >= 0.025 for a, b in itertools.pairwise(times))
        [dead] = await q.dead_letters()
        assert dead.error == "attempt 3" and dead.attempts == 3

    qrun(body, keep_failed=5)


def test_heartbeats_keep_a_long_job_and_cancel_stops_it(qrun) -> None:
    async def body(q: QueueBackend) -> None:
        await q.add("long", group_id="g", job_id="long")
        started = asyncio.Event()
        cancelled = asyncio.Event()

        async def handler(job: Job) -> None:
            started.set()
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                cancelled.set()
                raise

        worker = Worker(q, handler, visibility_ms=300, heartbeat_ms=50, maintenance_ms=20)
        task = asyncio.create_task(worker.run())
        await started.wait()
        await asyncio.sleep(0.7)  # > 2 visibility periods: heartbeats kept it
        assert (await q.depth()).active == 1
        await q.cancel("long")
        await asyncio.wait_for(cancelled.wait(), 2)
        worker.stop()
        await task
        d = await q.depth()
        assert (d.active, d.waiting) == (0, 0)

    qrun(body)


def test_graceful_stop_waits_for_running_jobs_and_releases_the_rest(qrun) -> None:
    async def body(q: QueueBackend) -> None:
        await q.add("quick", group_id="a", job_id="quick")
        await q.add("slow", group_id="b", job_id="slow")

        async def handler(job: Job) -> None:
            await asyncio.sleep(0.05 if job.id == "quick" else 5)

        worker = Worker(q, handler, concurrency=2)
        task = asyncio.create_task(worker.run(grace_s=0.2))
        await asyncio.sleep(0.1)
        worker.stop()
        await task
        assert worker.processed == 1
        d = await q.depth()
        assert (d.active, d.waiting) == (0, 1)  # the slow job is back in its group, not lost
        assert (await q.get_job("slow")).status == "waiting"  # type: ignore[union-attr]

    qrun(body)


def test_a_worker_never_runs_more_than_its_concurrency_and_fills_every_slot(qrun) -> None:
    """Two round trips may be in flight at once; the slots they reserve for must still add up."""

    async def body(q: QueueBackend) -> None:
        await q.add_many([NewJob(data={"i": i}, group_id=f"g{i % 40}") for i in range(400)])
        running = 0
        peak = 0

        async def handler(job: Job) -> None:
            nonlocal running, peak
            running += 1
            peak = max(peak, running)
            await asyncio.sleep(0.002 * (job.data["i"] % 3))  # mixed lengths: slots free at different times
            running -= 1

        worker = Worker(q, handler, concurrency=5)
        task = asyncio.create_task(worker.run())
        while worker.processed < 400:
            await asyncio.sleep(0.01)
        worker.stop()
        await task
        assert peak == 5
        assert (await q.depth()).groups == ()

    qrun(body)
