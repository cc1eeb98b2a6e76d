"""The queue interface both drivers implement (the value types are in :mod:`secureops.core.queue.models`).

The model is GroupMQ's: every job belongs to a *group*; a group runs one job at a time, in FIFO order; a
worker *reserves* jobs (a visibility deadline it extends with heartbeats), then completes or fails them.
Tier concurrency is built on groups: a tenant's jobs go to its *slot groups* ``<tenant>:0`` …
``<tenant>:<limit-1>``, so at most ``limit`` of them run at once (see ``docs/queue.md``).
"""

from __future__ import annotations

import abc
import os
from collections.abc import Sequence
from typing import Any

from secureops.core.queue.models import (
    AddResult,
    Backoff,
    CancelResult,
    Depth,
    EventTopics,
    FailResult,
    GroupDepth,
    Heartbeat,
    Job,
    JobRecord,
    MaintenanceReport,
    NewJob,
    QueueConnectionError,
    QueueError,
    QueueEvent,
    Repeat,
    dump_json,
    slot_group,
    tenant_of_group,
    validate_group_id,
    validate_job_id,
)
from secureops.core.tiers import TierTable

__all__ = [
    "AddResult",
    "Backoff",
    "CancelResult",
    "Depth",
    "EventTopics",
    "FailResult",
    "GroupDepth",
    "Heartbeat",
    "Job",
    "JobRecord",
    "MaintenanceReport",
    "NewJob",
    "QueueBackend",
    "QueueConnectionError",
    "QueueError",
    "QueueEvent",
    "Repeat",
    "dump_json",
    "slot_group",
    "tenant_of_group",
    "validate_group_id",
    "validate_job_id",
]


class QueueBackend(abc.ABC):
    """The queue: producer, worker and operator sides. Both drivers (``memory``, ``redis``) implement it.

    Constructed as ``cls(settings=settings, namespace=…, …)`` by ``load_driver("queue", settings)``.
    All methods are coroutines; none blocks the event loop for long.
    """

    name: str = "jobs"
    tiers: TierTable
    default_max_attempts: int = 3
    visibility_ms: int = 30_000

    # ---- producer -------------------------------------------------------------------------------
    async def add(self, data: Any = None, **options: Any) -> AddResult:
        """Add one job; ``options`` are :class:`NewJob`'s fields. Returns the (existing) id on a duplicate.

        :raises QueueError: bad ids, unknown tier, non-JSON data.
        """
        return (await self.add_many([NewJob(data=data, **options)]))[0]

    @abc.abstractmethod
    async def add_many(self, jobs: Sequence[NewJob]) -> list[AddResult]:
        """Add several jobs in one round trip (each deduplicated by its id)."""

    def _resolve_group(self, job: NewJob) -> tuple[str, str]:
        """(group id or ``@<limit>`` for "least-loaded slot", tenant) for a new job."""
        tenant = job.tenant or ""
        if job.group_id is not None:
            if job.tier is not None:
                raise QueueError("give either group_id or tenant+tier, not both")
            return validate_group_id(job.group_id), tenant
        if not tenant or job.tier is None:
            raise QueueError("a job needs a group_id, or a tenant and its tier")
        validate_group_id(tenant)
        limit = self.tiers.concurrency(job.tier)
        if job.key is not None:
            return slot_group(tenant, limit, job.key), tenant
        return f"@{limit}", tenant

    # ---- worker ---------------------------------------------------------------------------------
    @abc.abstractmethod
    async def reserve(self, max_jobs: int = 1, *, visibility_ms: int | None = None, worker_id: str = "") -> list[Job]:
        """Reserve up to ``max_jobs`` jobs from distinct groups, round robin; ``[]`` when none may start."""

    @abc.abstractmethod
    async def complete_many(self, done: Sequence[tuple[Job, Any]]) -> list[bool]:
        """Complete jobs with their results; False for a job whose lease was lost (recovered elsewhere)."""

    async def complete(self, job: Job, result: Any = None) -> bool:
        """Complete one job; False when its lease was lost."""
        return (await self.complete_many([(job, result)]))[0]

    async def complete_and_reserve(
        self, done: Sequence[tuple[Job, Any]], max_jobs: int, *, visibility_ms: int | None = None, worker_id: str = ""
    ) -> tuple[list[bool], list[Job]]:
        """Complete ``done`` then reserve up to ``max_jobs`` (one round trip where the driver can)."""
        results = await self.complete_many(done) if done else []
        jobs = await self.reserve(max_jobs, visibility_ms=visibility_ms, worker_id=worker_id) if max_jobs else []
        return results, jobs

    @abc.abstractmethod
    async def fail(self, job: Job, error: BaseException | str, *, retry: bool = True) -> FailResult:
        """Count a failed attempt: retry after the job's backoff, or dead-letter when attempts are used up."""

    @abc.abstractmethod
    async def heartbeat(self, jobs: Sequence[Job], extend_ms: int | None = None) -> list[Heartbeat]:
        """Push the jobs' deadlines ``extend_ms`` (default: visibility) from now."""

    @abc.abstractmethod
    async def maintain(self, *, repair: bool = True) -> MaintenanceReport:
        """Recover stalled jobs, promote due delayed jobs, unwedge groups, run due repeats."""

    # ---- control --------------------------------------------------------------------------------
    @abc.abstractmethod
    async def cancel(self, job_id: str) -> CancelResult:
        """Remove a waiting/delayed job, or ask the worker running it to stop."""

    @abc.abstractmethod
    async def pause(self) -> None:
        """Stop handing out jobs (running ones finish)."""

    @abc.abstractmethod
    async def resume(self) -> None:
        """Hand out jobs again."""

    @abc.abstractmethod
    async def is_paused(self) -> bool:
        """Whether the queue is paused."""

    @abc.abstractmethod
    async def add_repeat(
        self, data: Any, repeat: Repeat, *, group_id: str | None = None, tenant: str | None = None,
        tier: str | None = None, key: str | None = None, max_attempts: int | None = None,
    ) -> str:  # fmt: skip
        """Register a repeating job (scheduled scans); returns its repeat key. The first run is one period away."""

    @abc.abstractmethod
    async def remove_repeat(self, repeat_key: str) -> bool:
        """Stop a repeating job; False if unknown."""

    # ---- operator -------------------------------------------------------------------------------
    @abc.abstractmethod
    async def depth(self) -> Depth:
        """Depth per group, totals and runnable groups, as one consistent read."""

    @abc.abstractmethod
    async def get_job(self, job_id: str) -> JobRecord | None:
        """A stored job, or None."""

    @abc.abstractmethod
    async def dead_letters(self, limit: int = 100) -> list[JobRecord]:
        """Dead-lettered jobs, oldest first."""

    @abc.abstractmethod
    async def retry_dead(self, job_ids: Sequence[str] | None = None) -> int:
        """Put dead-lettered jobs (all when ``job_ids`` is None) back to waiting; returns how many."""

    @abc.abstractmethod
    async def purge_dead(self, job_ids: Sequence[str] | None = None) -> int:
        """Delete dead-lettered jobs (all when ``job_ids`` is None); returns how many."""

    # ---- events ---------------------------------------------------------------------------------
    @abc.abstractmethod
    async def publish(self, topic: str, data: Any = None, *, tenant: str = "", job_id: str = "") -> str:
        """Append an event (e.g. ``scans/progress/{scan}``) to the stream; returns its id."""

    async def progress(self, job: Job, data: Any) -> str:
        """Publish a progress event for a running job."""
        topic = EventTopics.render(self.topics.progress, self.name, tenant=job.tenant_id or "", job=job.id)
        return await self.publish(topic, data, tenant=job.tenant_id or "", job_id=job.id)

    @abc.abstractmethod
    async def read_events(self, after: str = "0", count: int = 100, block_ms: int | None = None) -> list[QueueEvent]:
        """Events after id ``after`` (``"0"`` = from the start), optionally waiting up to ``block_ms``."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Release connections."""

    topics: EventTopics = EventTopics()

    def _new_job_id(self) -> str:
        # A random (version 4) UUID in its usual text form, as GroupMQ's ids; built from the bytes directly
        # because uuid.uuid4() + str() cost more than the rest of an add's own work.
        b = bytearray(os.urandom(16))
        b[6] = (b[6] & 0x0F) | 0x40
        b[8] = (b[8] & 0x3F) | 0x80
        h = b.hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
