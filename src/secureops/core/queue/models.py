"""The value types that cross the queue interface, and the checks every driver applies to its input.

Drivers and callers import them from :mod:`secureops.core.queue.base` or :mod:`secureops.core.queue`.
"""

from __future__ import annotations

import enum
import hashlib
import json
import random
from dataclasses import dataclass, field
from typing import Any, Literal

from secureops.core.errors import SecureopsError

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

MAX_GROUP_ID = 200
MAX_JOB_ID = 200


class QueueError(SecureopsError):
    """A queue request was refused: bad group/job id, unserialisable payload, unknown tier …"""


class QueueConnectionError(QueueError):
    """The queue's server could not be reached; the request may be retried (adds are idempotent by job id)."""


def validate_group_id(group_id: str) -> str:
    """Refuse group ids that would break the key layout (empty, huge, or ending in ``:active``)."""
    if not isinstance(group_id, str) or not group_id or len(group_id) > MAX_GROUP_ID:
        raise QueueError(f"group id must be a non-empty string of at most {MAX_GROUP_ID} characters")
    if group_id.endswith(":active") or group_id.startswith("@"):
        raise QueueError(f"group id {group_id!r} may not end in ':active' or start with '@'")
    return group_id


def validate_job_id(job_id: str) -> str:
    """Refuse empty or huge job ids."""
    if not isinstance(job_id, str) or not job_id or len(job_id) > MAX_JOB_ID:
        raise QueueError(f"job id must be a non-empty string of at most {MAX_JOB_ID} characters")
    return job_id


# One encoder for every call: json.dumps() with options builds a new encoder each time (≈ 2 µs of an add).
_ENCODER = json.JSONEncoder(allow_nan=False, separators=(",", ":"))


def dump_json(data: Any) -> str:
    """Strict JSON (no NaN/Infinity: Node's ``JSON.parse`` would throw), or :class:`QueueError`."""
    try:
        return _ENCODER.encode(data)
    except (TypeError, ValueError) as err:
        raise QueueError(f"job data is not JSON-serialisable: {err}") from err


def tenant_of_group(group_id: str) -> str:
    """The tenant a slot group ``<tenant>:<k>`` belongs to; any other group id is its own tenant."""
    head, sep, tail = group_id.rpartition(":")
    return head if sep and tail.isdigit() else group_id


def slot_group(tenant: str, limit: int, key: str) -> str:
    """The slot group of ``key`` (e.g. a scan target) among a tenant's ``limit`` slots: a stable hash."""
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return f"{tenant}:{int.from_bytes(digest, 'big') % limit}"


@dataclass(frozen=True, slots=True)
class Backoff:
    """Delay before retry ``n`` (1-based): ``fixed`` = ``delay_ms``; ``exponential`` = ``delay_ms·2^(n-1)``,
    capped at ``max_ms``, plus up to ``jitter`` times that of random spread (so retries of a burst disperse)."""

    kind: Literal["fixed", "exponential"] = "exponential"
    delay_ms: int = 500
    max_ms: int = 30_000
    jitter: float = 0.0

    def delay_for(self, attempt: int) -> int:
        """Milliseconds to wait before retrying after failed attempt number ``attempt`` (1-based)."""
        base = self.delay_ms if self.kind == "fixed" else self.delay_ms * 2 ** max(0, attempt - 1)
        base = min(base, self.max_ms)
        if self.jitter:
            base += int(base * self.jitter * random.random())  # noqa: S311 - spreading retries, not security
        return int(base)

    def dumps(self) -> str:
        """The compact JSON stored in the job hash's ``backoff`` field."""
        return json.dumps([self.kind, self.delay_ms, self.max_ms, self.jitter], separators=(",", ":"))

    @classmethod
    def loads(cls, text: str | None) -> Backoff | None:
        """Parse :meth:`dumps` output; empty or malformed (written by someone else) → ``None``."""
        if not text:
            return None
        try:
            kind, delay, cap, jitter = json.loads(text)
            return cls(kind=kind, delay_ms=int(delay), max_ms=int(cap), jitter=float(jitter))
        except (ValueError, TypeError):
            return None


@dataclass(frozen=True, slots=True)
class Repeat:
    """A repeat schedule: every ``every_ms`` milliseconds, or a 5-field ``cron`` pattern (UTC)."""

    every_ms: int | None = None
    cron: str | None = None

    def __post_init__(self) -> None:
        if (self.every_ms is None) == (self.cron is None):
            raise QueueError("a repeat needs exactly one of every_ms and cron")
        if self.every_ms is not None and self.every_ms < 10:
            raise QueueError("repeat every_ms must be at least 10")
        if self.cron is not None:
            from croniter import croniter

            if not croniter.is_valid(self.cron):
                raise QueueError(f"invalid cron pattern {self.cron!r}")

    def next_after(self, now_ms: int) -> int:
        """The first run time strictly after ``now_ms``."""
        if self.every_ms is not None:
            return now_ms + self.every_ms
        import datetime as dt

        from croniter import croniter

        start = dt.datetime.fromtimestamp(now_ms / 1000, tz=dt.UTC)
        nxt = croniter(str(self.cron), start).get_next(dt.datetime)
        return int(nxt.timestamp() * 1000)

    def as_groupmq(self) -> dict[str, Any]:
        """GroupMQ's own shape (``{"every": ms}`` or ``{"pattern": cron}``), so Node schedulers run it too."""
        return {"every": self.every_ms} if self.every_ms is not None else {"pattern": self.cron}


@dataclass(frozen=True, slots=True)
class NewJob:
    """One job to add. Give ``group_id``, or ``tenant`` + ``tier`` to use the tenant's slot groups."""

    data: Any = None
    group_id: str | None = None
    tenant: str | None = None
    tier: str | None = None
    key: str | None = None
    job_id: str | None = None
    delay_ms: int = 0
    run_at_ms: int | None = None
    order_ms: int | None = None
    max_attempts: int | None = None
    backoff: Backoff | None = None


@dataclass(frozen=True, slots=True)
class AddResult:
    """What :meth:`QueueBackend.add` did: ``added`` is False when the job id already existed."""

    job_id: str
    group_id: str
    added: bool


@dataclass(frozen=True, slots=True)
class Job:
    """A reserved job, as a worker's handler sees it. ``lease`` proves the reservation is still ours."""

    id: str
    group_id: str
    data: Any
    attempts: int
    max_attempts: int
    timestamp: int
    order_ms: int
    score: float
    deadline: int
    lease: str
    backoff: Backoff | None = None
    tenant_id: str | None = None


class Heartbeat(enum.Enum):
    """Answer to a heartbeat: extended, extended but cancel was requested, or the job is no longer ours."""

    OK = 1
    CANCEL = 2
    LOST = 0


class CancelResult(enum.Enum):
    """Answer to :meth:`QueueBackend.cancel`."""

    REMOVED = 1
    REQUESTED = 2
    NOT_FOUND = 0


@dataclass(frozen=True, slots=True)
class FailResult:
    """What happened to a failed job: ``retry`` (``run_at`` ms, 0 = now), ``dead`` (dead-lettered), ``lost``."""

    outcome: Literal["retry", "dead", "lost"]
    attempts: int
    run_at: int = 0


@dataclass(frozen=True, slots=True)
class GroupDepth:
    """One group's depth: ``waiting`` may start once the group is free, ``delayed`` waits for its time."""

    group_id: str
    waiting: int
    delayed: int
    active: int
    runnable: bool

    @property
    def tenant(self) -> str:
        """The tenant of a slot group (``acme:3`` → ``acme``)."""
        return tenant_of_group(self.group_id)


@dataclass(frozen=True, slots=True)
class Depth:
    """A consistent snapshot of the queue (the autoscaler scales on ``runnable_groups``, not on jobs)."""

    groups: tuple[GroupDepth, ...]
    waiting: int
    delayed: int
    active: int
    failed: int
    completed: int
    runnable_groups: int
    paused: bool

    def by_tenant(self) -> dict[str, dict[str, int]]:
        """Totals per tenant: waiting, delayed, active, runnable_groups."""
        out: dict[str, dict[str, int]] = {}
        for g in self.groups:
            t = out.setdefault(g.tenant, {"waiting": 0, "delayed": 0, "active": 0, "runnable_groups": 0})
            t["waiting"] += g.waiting
            t["delayed"] += g.delayed
            t["active"] += g.active
            t["runnable_groups"] += int(g.runnable)
        return out

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the documented shape of ``secureops queue stats --json``)."""
        return {
            "waiting": self.waiting,
            "delayed": self.delayed,
            "running": self.active,
            "failed": self.failed,
            "completed": self.completed,
            "runnable_groups": self.runnable_groups,
            "paused": self.paused,
            "tenants": self.by_tenant(),
            "groups": [
                {"group": g.group_id, "waiting": g.waiting, "delayed": g.delayed, "running": g.active,
                 "runnable": g.runnable}
                for g in self.groups
            ],
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class JobRecord:
    """A stored job as an operator sees it (status, attempts, last error)."""

    id: str
    group_id: str
    status: str
    data: Any
    attempts: int
    max_attempts: int
    tenant_id: str | None = None
    error: str | None = None
    finished_on: int | None = None


@dataclass(frozen=True, slots=True)
class MaintenanceReport:
    """What a maintenance pass did."""

    recovered: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    repaired: int = 0
    repeats: int = 0


@dataclass(frozen=True, slots=True)
class QueueEvent:
    """One event from the queue's event stream. ``id`` orders events; pass it as ``after`` to resume."""

    id: str
    topic: str
    job_id: str = ""
    group_id: str = ""
    tenant_id: str = ""
    data: str = ""
    time_ms: int = 0


@dataclass(frozen=True, slots=True)
class EventTopics:
    """Topic templates of a queue's lifecycle events (the seed's names). Placeholders: ``{queue}``,
    ``{tenant}``, ``{job}``, ``{worker}``. An empty template turns that event off."""

    queued: str = "{queue}/queued"
    assigned: str = "{queue}/assigned"
    progress: str = "{queue}/progress/{job}"
    completed: str = "{queue}/completed/{tenant}"
    failed: str = "{queue}/failed/{job}"

    @classmethod
    def for_queue(cls, name: str) -> EventTopics:
        """The seed's topics for a queue name: ``triage`` uses ``triage/pending/{tenant}`` etc."""
        if name == "triage":
            return cls(
                queued="triage/pending/{tenant}",
                assigned="triage/in_progress/{worker}",
                progress="triage/progress/{job}",
                completed="triage/completed/{tenant}",
                failed="triage/failed/{job}",
            )
        return cls()

    @staticmethod
    def render(template: str, queue: str, *, tenant: str = "", job: str = "", worker: str = "") -> str:
        """Fill a template (missing values render as ``-``)."""
        if not template:
            return ""
        return template.format(queue=queue, tenant=tenant or "-", job=job or "-", worker=worker or "-")
