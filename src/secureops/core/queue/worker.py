"""A small worker loop over any queue driver: reserve → handler → complete/fail, heartbeats, graceful stop.

A round trip completes the jobs that finished and reserves jobs for free slots (on Redis: two scripts in one
write). Up to two round trips are in flight, each for at most half the slots and sent one event-loop turn
apart, so Redis works on one half's trip while this process runs the other half's jobs. Heartbeats for all
running jobs go in one call. A job whose lease is lost (it stalled and
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
        # Up to two round trips in flight, each for at most half the slots, and at most one sent per wake-up:
        # while this process runs one half's jobs, Redis works on the other half's trip. (Sent together, two trips
        # reach Redis in one read and come back in one write, and the halves stay in step: no overlap.)
        self._max_trips = 2
        self._per_trip = max(1, -(-concurrency // 2))
        self._in_flight = 0  # round trips on the wire
        self._reserving = 0  # slots promised to reservations still on the wire
        self._found: bool | None = None  # whether the reservations that came back since we last looked found work
        self._trouble = False  # a round trip met a connection error: pause before the next
        self._error: Exception | None = None  # a round trip failed otherwise: run() raises it

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
        trips: set[asyncio.Task[None]] = set()
        idle = self.idle_ms[0]
        last_maint = 0.0
        try:
            while not self._stop.is_set():
                # Cleared before looking at the state, so a wake-up set during the awaits below is never lost.
                self._wake.clear()
                if time.monotonic() - last_maint >= self.maintenance_ms / 1000:
                    last_maint = time.monotonic()
                    try:
                        await self.queue.maintain()
                    except QueueConnectionError as err:
                        log.warning("queue unavailable, retrying: %s", err)
                        await self._sleep(0.2)
                        continue
                if self._error is not None:
                    raise self._error
                if self._trouble:
                    self._trouble = False
                    await self._sleep(0.2)
                    continue
                if self._found is not None:  # a reservation came back
                    idle = self.idle_ms[0] if self._found else min(idle * 2, self.idle_ms[1])
                    if not self._found and not self._done:
                        self._found = None
                        await self._sleep(idle / 1000)  # nothing to run: back off (a finishing job wakes us)
                        continue
                    self._found = None
                free = min(self.concurrency - len(self._running) - self._reserving, self._per_trip)
                # A second trip only while reservations find work: an idle worker polls with one.
                trips_allowed = self._max_trips if idle == self.idle_ms[0] else 1
                if self._in_flight < trips_allowed and (self._done or free > 0):
                    done, self._done = self._done, []
                    self._reserving += free
                    self._in_flight += 1
                    trip = asyncio.create_task(self._trip(done, free))
                    trips.add(trip)
                    trip.add_done_callback(trips.discard)
                    await asyncio.sleep(0)  # let this trip go out before the next: see _max_trips
                    continue
                await self._sleep(None)
        finally:
            if trips:
                await asyncio.wait(trips)  # their reservations are started (and drained) like any other
            await self._drain(grace_s)
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat

    async def _trip(self, done: list[tuple[Job, Any]], want: int) -> None:
        """One round trip: complete ``done`` and reserve up to ``want`` jobs, then start them."""
        try:
            _, jobs = await self.queue.complete_and_reserve(
                done, want, visibility_ms=self.visibility_ms, worker_id=self.worker_id
            )
        except BaseException as err:
            self._done[:0] = done  # not confirmed: completing again is harmless (lease-checked)
            self._reserving -= want
            self._in_flight -= 1
            self._wake.set()
            if isinstance(err, QueueConnectionError):
                log.warning("queue unavailable, retrying: %s", err)
                self._trouble = True
            elif isinstance(err, Exception):
                self._error = err  # raised by run(), as when the loop made the call itself
            else:
                raise
            return
        self._reserving -= want
        self._in_flight -= 1  # here, not in a done-callback: the loop may look before callbacks run
        for job in jobs:
            self._running[job.id] = (job, asyncio.create_task(self._execute(job)))
        if want:
            self._found = bool(jobs) or bool(self._found)
        self._wake.set()

    async def _sleep(self, seconds: float | None) -> None:
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
