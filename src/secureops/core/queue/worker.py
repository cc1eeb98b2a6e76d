"""A small worker loop over any queue driver: reserve → handler → complete/fail, heartbeats, graceful stop.

One loop iteration completes the jobs that finished and reserves as many as there are free slots, in one
round trip on Redis. Heartbeats for all running jobs go in one call. A job whose lease is lost (it stalled and
was recovered elsewhere) or whose cancel was requested has its handler cancelled, so a job never runs in two
places at once for long. Connection errors are retried with a pause; nothing is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any

from secureops.core.queue.base import Heartbeat, Job, QueueBackend, QueueConnectionError

__all__ = ["Handler", "JobCancelled", "PermanentJobError", "Worker"]

log = logging.getLogger(__name__)

Handler = Callable[[Job], Awaitable[Any]]


class JobCancelled(Exception):  # noqa: N818 - it is an outcome, not a programming error
    """The job was cancelled by request while it ran."""


class PermanentJobError(Exception):
    """Raise from a handler when retrying cannot help (bad payload, refused target): the job fails now."""


class Worker:
    """Run ``handler`` on jobs of ``queue``, ``concurrency`` at a time.

    :param visibility_ms: a reserved job's deadline; heartbeats push it forward every ``visibility_ms / 3``.
    :param maintenance_ms: how often this worker recovers stalled jobs, promotes delayed ones and runs repeats.
    """

    def __init__(
        self,
        queue: QueueBackend,
        handler: Handler,
        *,
        concurrency: int = 1,
        visibility_ms: int | None = None,
        heartbeat_ms: int | None = None,
        maintenance_ms: int = 1000,
        idle_ms: tuple[int, int] = (2, 100),
        worker_id: str | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.queue = queue
        self.handler = handler
        self.concurrency = concurrency
        self.visibility_ms = visibility_ms or queue.visibility_ms
        self.heartbeat_ms = heartbeat_ms or max(50, self.visibility_ms // 3)
        self.maintenance_ms = maintenance_ms
        self.idle_ms = idle_ms
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.processed = 0
        self.failed = 0
        self._running: dict[str, tuple[Job, asyncio.Task[None]]] = {}
        self._done: list[tuple[Job, Any]] = []
        self._stop = asyncio.Event()
        self._wake = asyncio.Event()

    @property
    def busy(self) -> int:
        """How many jobs this worker is running right now."""
        return len(self._running)

    @property
    def stopping(self) -> bool:
        """Whether :meth:`stop` was called (the worker takes no new jobs)."""
        return self._stop.is_set()

    def stop(self) -> None:
        """Ask the loop to stop taking jobs; :meth:`run` returns once running jobs end (see ``grace_s``)."""
        self._stop.set()
        self._wake.set()

    async def run(self, *, grace_s: float = 30.0) -> None:
        """Process jobs until :meth:`stop`; then wait up to ``grace_s`` for running jobs, release the rest."""
        beat = asyncio.create_task(self._heartbeats())
        idle = self.idle_ms[0]
        last_maint = 0.0
        try:
            while not self._stop.is_set():
                try:
                    if time.monotonic() - last_maint >= self.maintenance_ms / 1000:
                        last_maint = time.monotonic()
                        await self.queue.maintain()
                    done, self._done = self._done, []
                    free = self.concurrency - len(self._running)
                    try:
                        _, jobs = await self.queue.complete_and_reserve(
                            done, free, visibility_ms=self.visibility_ms, worker_id=self.worker_id
                        )
                    except BaseException:
                        self._done[:0] = done  # not confirmed: completing again is harmless (lease-checked)
                        raise
                except QueueConnectionError as err:
                    log.warning("queue unavailable, retrying: %s", err)
                    await self._sleep(0.2)
                    continue
                for job in jobs:
                    self._running[job.id] = (job, asyncio.create_task(self._execute(job)))
                if jobs or self._done:
                    idle = self.idle_ms[0]
                    if len(self._running) >= self.concurrency and not self._done:
                        await self._sleep(None)
                    continue
                await self._sleep(idle / 1000 if len(self._running) < self.concurrency else None)
                idle = min(idle * 2, self.idle_ms[1])
        finally:
            await self._drain(grace_s)
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat

    async def _sleep(self, seconds: float | None) -> None:
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    async def _execute(self, job: Job) -> None:
        try:
            result = await self.handler(job)
        except asyncio.CancelledError:
            self._running.pop(job.id, None)
            self._wake.set()
            raise
        except Exception as err:  # the handler's failure is the job's failure, never the worker's
            log.info("job %s of group %s failed: %s", job.id, job.group_id, err)
            self._running.pop(job.id, None)
            self.failed += 1
            error: Exception = err
            retry = not isinstance(error, JobCancelled | PermanentJobError)
            await self._retrying(lambda: self.queue.fail(job, error, retry=retry))
        else:
            self._running.pop(job.id, None)
            self.processed += 1
            self._done.append((job, result))
        self._wake.set()

    async def _retrying(self, call: Callable[[], Awaitable[Any]]) -> Any:
        for _ in range(100):
            try:
                return await call()
            except QueueConnectionError as err:
                log.warning("queue unavailable, retrying: %s", err)
                await asyncio.sleep(0.2)
        return None

    async def _heartbeats(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_ms / 1000)
            running = list(self._running.values())
            if not running:
                continue
            try:
                states = await self.queue.heartbeat([job for job, _ in running], self.visibility_ms)
            except QueueConnectionError as err:
                log.warning("heartbeat failed: %s", err)
                continue
            for (job, task), state in zip(running, states, strict=True):
                if state is Heartbeat.LOST:
                    log.warning("lost the lease of job %s; stopping its handler", job.id)
                    task.cancel()
                elif state is Heartbeat.CANCEL:
                    task.cancel()
                    self._running.pop(job.id, None)
                    await self._retrying(
                        lambda job=job: self.queue.fail(job, JobCancelled("cancelled by request"), retry=False)  # type: ignore[misc]
                    )

    async def _drain(self, grace_s: float) -> None:
        tasks = [task for _, task in self._running.values()]
        if tasks:
            await asyncio.wait(tasks, timeout=grace_s)
        for job, task in list(self._running.values()):
            # Still running after the grace period: stop it and give the job back to its group now (this
            # counts as an attempt, like any interrupted run) rather than leaving it locked until its deadline.
            task.cancel()
            await self._retrying(lambda job=job: self.queue.fail(job, "worker stopped", retry=True))  # type: ignore[misc]
        if self._done:
            done, self._done = self._done, []
            await self._retrying(lambda: self.queue.complete_many(done))
