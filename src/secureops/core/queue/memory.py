"""The ``memory`` queue driver: the same semantics as the Redis driver, in process, for the quick start and tests.

It mirrors the Lua scripts step by step (same names: ``_ready_add``, ``_settle``, ``_recover``, …) so that
the shared behavioural tests hold for both. State lives in one object guarded by a lock; nothing persists.
"""

from __future__ import annotations

import bisect
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from secureops.core.config import Settings
from secureops.core.queue.base import (
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
    QueueBackend,
    QueueError,
    QueueEvent,
    Repeat,
    dump_json,
    validate_job_id,
)
from secureops.core.tiers import TierTable

__all__ = ["MemoryQueue"]

EPOCH = 1704067200000


def _now() -> int:
    return int(time.time() * 1000)


@dataclass
class _Rec:
    id: str
    group_id: str
    data: str
    max_attempts: int
    score: int
    order_ms: int
    timestamp: int
    status: str
    backoff: str = ""
    tenant: str = ""
    attempts: int = 0
    lease: int = 0
    stalled: int = 0
    cancel: bool = False
    error: str | None = None
    finished_on: int | None = None
    result: str | None = None


@dataclass
class _Repeat:
    gid: str
    data: str
    tenant: str
    max_attempts: int
    repeat: Repeat
    next_run: int


@dataclass
class _State:
    jobs: dict[str, _Rec] = field(default_factory=dict)
    groups: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    active: dict[str, str] = field(default_factory=dict)
    ready: dict[str, float] = field(default_factory=dict)
    processing: dict[str, int] = field(default_factory=dict)
    delayed: dict[str, int] = field(default_factory=dict)
    completed: OrderedDict[str, int] = field(default_factory=OrderedDict)
    failed: OrderedDict[str, int] = field(default_factory=OrderedDict)
    repeats: dict[str, _Repeat] = field(default_factory=dict)
    events: list[QueueEvent] = field(default_factory=list)
    paused: bool = False
    seq_last: int = 0
    seq_last_order: int = 0
    event_seq: int = 0


class MemoryQueue(QueueBackend):
    """An in-process queue with the Redis driver's semantics (see :class:`~secureops.core.queue.base.QueueBackend`)."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        namespace: str = "scans",
        name: str | None = None,
        visibility_ms: int = 30_000,
        max_attempts: int = 3,
        keep_completed: int = 0,
        keep_failed: int = 1000,
        max_stalled: int = 1,
        events: bool = True,
        events_maxlen: int = 10_000,
        topics: EventTopics | None = None,
        tiers: TierTable | None = None,
        **_ignored: Any,
    ) -> None:
        settings = settings or Settings()
        self.name = name or namespace
        self.tiers = tiers or settings.tier_table
        self.visibility_ms = visibility_ms
        self.default_max_attempts = max_attempts
        self.keep_completed = keep_completed
        self.keep_failed = keep_failed
        self.max_stalled = max_stalled
        self.events_on = events
        self.events_maxlen = events_maxlen
        self.topics = topics or EventTopics.for_queue(self.name)
        self._s = _State()
        self._lock = threading.Lock()

    # ---- the script equivalents (call with the lock held) ---------------------------------------
    def _emit(self, topic: str, job_id: str, gid: str, tenant: str, data: str, now: int) -> str:
        s = self._s
        s.event_seq += 1
        ev = QueueEvent(f"{now}-{s.event_seq}", topic, job_id, gid, tenant, data, now)
        s.events.append(ev)
        if len(s.events) > self.events_maxlen:
            del s.events[: len(s.events) - self.events_maxlen]
        return ev.id

    def _ready_add(self, gid: str, fair: float | None) -> bool:
        members = self._s.groups.get(gid)
        if not members:
            return False
        score = float(members[0][0])
        self._s.ready[gid] = max(score, fair) if fair is not None else score
        return True

    def _settle(self, gid: str, fair: float | None) -> None:
        if not self._ready_add(gid, fair):
            self._s.ready.pop(gid, None)
            if gid not in self._s.active:
                self._s.groups.pop(gid, None)

    @staticmethod
    def _fair(now: int) -> float:
        return float((now - EPOCH) * 1000 + 999)

    def _gremove(self, gid: str, rec: _Rec) -> None:
        members = self._s.groups.get(gid)
        if members and (rec.score, rec.id) in members:
            members.remove((rec.score, rec.id))

    def _ginsert(self, gid: str, rec: _Rec) -> None:
        bisect.insort(self._s.groups.setdefault(gid, []), (rec.score, rec.id))

    def _unlock(self, rec: _Rec) -> None:
        self._s.processing.pop(rec.id, None)
        if self._s.active.get(rec.group_id) == rec.id:
            del self._s.active[rec.group_id]

    def _drop(self, job_id: str) -> None:
        self._s.jobs.pop(job_id, None)

    def _trim(self, zset: OrderedDict[str, int], keep: int) -> None:
        while len(zset) > keep:
            old, _ = zset.popitem(last=False)
            self._drop(old)

    def _bury(self, rec: _Rec, now: int, reason: str) -> None:
        if self.keep_failed > 0:
            rec.status, rec.error, rec.finished_on = "failed", reason, now
            self._s.failed[rec.id] = now
            self._trim(self._s.failed, self.keep_failed)
        else:
            self._drop(rec.id)

    def _recover(self, now: int) -> tuple[list[str], list[str]]:
        recovered, failed = [], []
        for job_id, deadline in list(self._s.processing.items()):
            if deadline > now:
                continue
            rec = self._s.jobs.get(job_id)
            if rec is None:
                self._s.processing.pop(job_id, None)
                continue
            self._unlock(rec)
            rec.stalled += 1
            rec.lease += 1
            if rec.stalled > self.max_stalled:
                self._bury(rec, now, f"job stalled {rec.stalled} times (max {self.max_stalled})")
                failed.append(job_id)
            else:
                rec.status = "waiting"
                self._ginsert(rec.group_id, rec)
                recovered.append(job_id)
            self._settle(rec.group_id, None)
        return recovered, failed

    def _promote(self, now: int) -> None:
        for job_id, run_at in list(self._s.delayed.items()):
            if run_at <= now:
                del self._s.delayed[job_id]
                rec = self._s.jobs.get(job_id)
                if rec is not None:
                    rec.status = "waiting"
                    self._ready_add(rec.group_id, None)

    def _enqueue(self, job: NewJob, now: int, gid: str, tenant: str, job_id: str) -> AddResult:
        s = self._s
        if job_id in s.jobs:
            return AddResult(job_id, s.jobs[job_id].group_id, False)
        if gid.startswith("@"):
            gid = self._pick_slot(tenant, int(gid[1:]))
        order_ms = int(job.order_ms) if job.order_ms is not None else now
        base = (order_ms - EPOCH) * 1000
        if order_ms >= s.seq_last_order:
            score = max(base + 1, s.seq_last + 1)
            s.seq_last, s.seq_last_order = score, order_ms
        else:
            same = [sc for sc, _ in s.groups.get(gid, []) if base < sc < base + 1000]
            score = base + min(len(same) + 1, 999)
        run_at = job.run_at_ms if job.run_at_ms is not None else (now + job.delay_ms if job.delay_ms > 0 else 0)
        attempts = job.max_attempts if job.max_attempts is not None else self.default_max_attempts
        rec = _Rec(
            id=job_id, group_id=gid, data=dump_json(job.data), max_attempts=attempts, score=score,
            order_ms=order_ms, timestamp=now, status="delayed" if run_at > now else "waiting",
            backoff=job.backoff.dumps() if job.backoff else "", tenant=tenant,
        )  # fmt: skip
        s.jobs[job_id] = rec
        self._ginsert(gid, rec)
        if rec.status == "delayed":
            s.delayed[job_id] = run_at
        head = s.groups[gid][0][1]
        if (rec.status == "waiting" or head != job_id) and gid not in s.active and gid not in s.ready:
            s.ready[gid] = float(s.groups[gid][0][0])
        if self.events_on and self.topics.queued:
            self._emit(EventTopics.render(self.topics.queued, self.name, tenant=tenant, job=job_id), job_id, gid,
                       tenant, "", now)  # fmt: skip
        return AddResult(job_id, gid, True)

    def _pick_slot(self, tenant: str, limit: int) -> str:
        best, best_load = "", -1
        for k in range(limit):
            gid = f"{tenant}:{k}"
            load = len(self._s.groups.get(gid, [])) + (1 if gid in self._s.active else 0)
            if best_load < 0 or load < best_load:
                best, best_load = gid, load
                if load == 0:
                    break
        return best

    # ---- producer -------------------------------------------------------------------------------
    async def add_many(self, jobs: Sequence[NewJob]) -> list[AddResult]:
        """Add jobs atomically (one lock hold)."""
        prepared = []
        for job in jobs:
            gid, tenant = self._resolve_group(job)
            job_id = validate_job_id(job.job_id) if job.job_id is not None else self._new_job_id()
            if job.max_attempts is not None and job.max_attempts < 1:
                raise QueueError("max_attempts must be at least 1")
            dump_json(job.data)
            prepared.append((job, gid, tenant, job_id))
        now = _now()
        with self._lock:
            return [self._enqueue(job, now, gid, tenant, job_id) for job, gid, tenant, job_id in prepared]

    # ---- worker ---------------------------------------------------------------------------------
    def _reserve(self, max_jobs: int, visibility_ms: int | None, worker_id: str) -> list[Job]:
        s = self._s
        now = _now()
        if s.paused:
            return []
        self._recover(now)
        self._promote(now)
        out: list[Job] = []
        for gid, _score in sorted(s.ready.items(), key=lambda kv: (kv[1], kv[0])):
            if len(out) >= max_jobs:
                break
            members = s.groups.get(gid)
            if gid in s.active or not members:
                s.ready.pop(gid, None)
                continue
            rec = s.jobs[members[0][1]]
            if rec.status == "delayed":
                if s.delayed.get(rec.id, 0) > now:
                    s.ready.pop(gid, None)
                    continue
                s.delayed.pop(rec.id, None)
            members.pop(0)
            s.ready.pop(gid, None)
            deadline = now + (visibility_ms or self.visibility_ms)
            rec.lease += 1
            rec.status = "processing"
            s.active[gid] = rec.id
            s.processing[rec.id] = deadline
            out.append(
                Job(
                    id=rec.id, group_id=gid, data=json.loads(rec.data), attempts=rec.attempts,
                    max_attempts=rec.max_attempts, timestamp=rec.timestamp, order_ms=rec.order_ms,
                    score=float(rec.score), deadline=deadline, lease=str(rec.lease), backoff=Backoff.loads(rec.backoff),
                    tenant_id=rec.tenant or None,
                )
            )  # fmt: skip
            if self.events_on and self.topics.assigned:
                topic = EventTopics.render(self.topics.assigned, self.name, worker=worker_id)
                self._emit(topic, rec.id, gid, rec.tenant, "", now)
        return out

    async def reserve(self, max_jobs: int = 1, *, visibility_ms: int | None = None, worker_id: str = "") -> list[Job]:
        """Reserve up to ``max_jobs`` jobs from distinct groups, round robin."""
        with self._lock:
            return self._reserve(max_jobs, visibility_ms, worker_id)

    def _owned(self, job: Job) -> _Rec | None:
        rec = self._s.jobs.get(job.id)
        if rec and rec.status == "processing" and str(rec.lease) == job.lease and job.id in self._s.processing:
            return rec
        return None

    async def complete_many(self, done: Sequence[tuple[Job, Any]]) -> list[bool]:
        """Complete jobs whose lease is still ours."""
        results = [dump_json(r) for _, r in done]
        now = _now()
        out = []
        with self._lock:
            for (job, _), result in zip(done, results, strict=True):
                rec = self._owned(job)
                if rec is None:
                    out.append(False)
                    continue
                self._unlock(rec)
                if self.keep_completed > 0:
                    rec.status, rec.finished_on, rec.result = "completed", now, result
                    self._s.completed[rec.id] = now
                    self._trim(self._s.completed, self.keep_completed)
                else:
                    self._drop(rec.id)
                self._settle(rec.group_id, self._fair(now))
                if self.events_on and self.topics.completed:
                    topic = EventTopics.render(self.topics.completed, self.name, tenant=rec.tenant, job=rec.id)
                    self._emit(topic, rec.id, rec.group_id, rec.tenant, "", now)
                out.append(True)
        return out

    async def fail(self, job: Job, error: BaseException | str, *, retry: bool = True) -> FailResult:
        """Retry after the job's backoff or dead-letter it (attempts counted against the job's maxAttempts)."""
        message = (str(error) or type(error).__name__) if isinstance(error, BaseException) else str(error)
        backoff = job.backoff.delay_for(job.attempts + 1) if job.backoff else 0
        now = _now()
        with self._lock:
            rec = self._owned(job)
            if rec is None:
                return FailResult("lost", 0)
            self._unlock(rec)
            rec.attempts += 1
            rec.error = message[:4000]
            if retry and rec.attempts < rec.max_attempts:
                self._ginsert(rec.group_id, rec)
                run_at = 0
                if backoff > 0:
                    run_at = now + backoff
                    rec.status = "delayed"
                    self._s.delayed[rec.id] = run_at
                else:
                    rec.status = "waiting"
                self._settle(rec.group_id, self._fair(now))
                return FailResult("retry", rec.attempts, run_at)
            self._bury(rec, now, rec.error)
            self._settle(rec.group_id, self._fair(now))
            if self.events_on and self.topics.failed:
                topic = EventTopics.render(self.topics.failed, self.name, tenant=rec.tenant, job=rec.id)
                self._emit(topic, rec.id, rec.group_id, rec.tenant, rec.error, now)
            return FailResult("dead", rec.attempts)

    async def heartbeat(self, jobs: Sequence[Job], extend_ms: int | None = None) -> list[Heartbeat]:
        """Extend deadlines of jobs still ours."""
        now = _now()
        out = []
        with self._lock:
            for job in jobs:
                rec = self._owned(job)
                if rec is None:
                    out.append(Heartbeat.LOST)
                    continue
                self._s.processing[job.id] = now + (extend_ms or self.visibility_ms)
                out.append(Heartbeat.CANCEL if rec.cancel else Heartbeat.OK)
        return out

    async def maintain(self, *, repair: bool = True) -> MaintenanceReport:
        """Recover stalled jobs, promote delayed ones, run due repeats (nothing can wedge in memory)."""
        now = _now()
        with self._lock:
            recovered, failed = self._recover(now)
            self._promote(now)
            repeats = 0
            for key, rep in self._s.repeats.items():
                if rep.next_run <= now:
                    job_id = f"repeat-{key}-{rep.next_run}"
                    job = NewJob(data=json.loads(rep.data), max_attempts=rep.max_attempts)
                    rep.next_run = rep.repeat.next_after(max(now, rep.next_run))
                    self._enqueue(job, now, rep.gid, rep.tenant, job_id)
                    repeats += 1
        return MaintenanceReport(recovered=recovered, failed=failed, repaired=0, repeats=repeats)

    # ---- control --------------------------------------------------------------------------------
    async def cancel(self, job_id: str) -> CancelResult:
        """Remove a waiting/delayed job or flag a running one."""
        with self._lock:
            rec = self._s.jobs.get(job_id)
            if rec is None:
                return CancelResult.NOT_FOUND
            if rec.status in ("waiting", "delayed"):
                self._gremove(rec.group_id, rec)
                self._s.delayed.pop(job_id, None)
                self._drop(job_id)
                self._settle(rec.group_id, None)
                return CancelResult.REMOVED
            if rec.status == "processing":
                rec.cancel = True
                return CancelResult.REQUESTED
            return CancelResult.NOT_FOUND

    async def pause(self) -> None:
        """Stop handing out jobs."""
        self._s.paused = True

    async def resume(self) -> None:
        """Hand out jobs again."""
        self._s.paused = False

    async def is_paused(self) -> bool:
        """Whether paused."""
        return self._s.paused

    async def add_repeat(
        self, data: Any, repeat: Repeat, *, group_id: str | None = None, tenant: str | None = None,
        tier: str | None = None, key: str | None = None, max_attempts: int | None = None,
    ) -> str:  # fmt: skip
        """Register a repeating job; the first run is one period away."""
        gid, tenant_id = self._resolve_group(NewJob(group_id=group_id, tenant=tenant, tier=tier, key=key or "repeat"))
        key_ = f"{gid}:{json.dumps(repeat.as_groupmq())}:{self._new_job_id()[:8]}"
        with self._lock:
            self._s.repeats[key_] = _Repeat(
                gid, dump_json(data), tenant_id, max_attempts or self.default_max_attempts, repeat,
                repeat.next_after(_now()),
            )  # fmt: skip
        return key_

    async def remove_repeat(self, repeat_key: str) -> bool:
        """Stop a repeating job."""
        with self._lock:
            return self._s.repeats.pop(repeat_key, None) is not None

    # ---- operator -------------------------------------------------------------------------------
    async def depth(self) -> Depth:
        """A snapshot under the lock."""
        now = _now()
        with self._lock:
            s = self._s
            groups = []
            for gid in sorted(set(s.groups) | set(s.active)):
                members = s.groups.get(gid, [])
                delayed = sum(1 for _, jid in members if jid in s.delayed)
                active = 1 if gid in s.active else 0
                runnable = bool(members) and not active and s.delayed.get(members[0][1], 0) <= now
                if members or active:
                    groups.append(GroupDepth(gid, len(members) - delayed, delayed, active, runnable))
            return Depth(
                groups=tuple(groups), waiting=sum(g.waiting for g in groups), delayed=len(s.delayed),
                active=len(s.processing), failed=len(s.failed), completed=len(s.completed),
                runnable_groups=sum(1 for g in groups if g.runnable), paused=s.paused,
            )  # fmt: skip

    def _record(self, rec: _Rec) -> JobRecord:
        return JobRecord(
            id=rec.id, group_id=rec.group_id, status=rec.status, data=json.loads(rec.data), attempts=rec.attempts,
            max_attempts=rec.max_attempts, tenant_id=rec.tenant or None, error=rec.error, finished_on=rec.finished_on,
        )  # fmt: skip

    async def get_job(self, job_id: str) -> JobRecord | None:
        """A stored job, or None."""
        with self._lock:
            rec = self._s.jobs.get(job_id)
            return self._record(rec) if rec else None

    async def dead_letters(self, limit: int = 100) -> list[JobRecord]:
        """Oldest first."""
        with self._lock:
            return [self._record(self._s.jobs[i]) for i in list(self._s.failed)[:limit] if i in self._s.jobs]

    def _dead(self, action: str, job_ids: Sequence[str] | None) -> int:
        n = 0
        with self._lock:
            for job_id in list(job_ids) if job_ids else list(self._s.failed):
                if self._s.failed.pop(job_id, None) is None:
                    continue
                n += 1
                rec = self._s.jobs.get(job_id)
                if action == "retry" and rec is not None:
                    rec.status, rec.attempts, rec.stalled, rec.error, rec.cancel = "waiting", 0, 0, None, False
                    self._ginsert(rec.group_id, rec)
                    if rec.group_id not in self._s.active:
                        self._ready_add(rec.group_id, None)
                else:
                    self._drop(job_id)
        return n

    async def retry_dead(self, job_ids: Sequence[str] | None = None) -> int:
        """Back to waiting, attempts reset."""
        return self._dead("retry", job_ids)

    async def purge_dead(self, job_ids: Sequence[str] | None = None) -> int:
        """Delete dead-lettered jobs."""
        return self._dead("purge", job_ids)

    # ---- events ---------------------------------------------------------------------------------
    async def publish(self, topic: str, data: Any = None, *, tenant: str = "", job_id: str = "") -> str:
        """Append an event."""
        if not topic:
            raise QueueError("an event needs a topic")
        with self._lock:
            return self._emit(topic, job_id, "", tenant, dump_json(data), _now())

    async def read_events(self, after: str = "0", count: int = 100, block_ms: int | None = None) -> list[QueueEvent]:
        """Events after ``after`` (``block_ms`` polls until something arrives or time is up)."""
        import asyncio

        def key(eid: str) -> tuple[int, int]:
            a, _, b = eid.partition("-")
            return int(a), int(b or 0)

        deadline = time.monotonic() + (block_ms or 0) / 1000
        while True:
            with self._lock:
                out = [e for e in self._s.events if key(e.id) > key(after)][:count]
            if out or time.monotonic() >= deadline:
                return out
            await asyncio.sleep(0.01)

    async def close(self) -> None:
        """Nothing to release."""
