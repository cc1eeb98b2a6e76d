"""The ``redis`` queue driver: GroupMQ 1.1.0's Redis layout, our own Lua scripts (``lua/``), bugs fixed.

Node GroupMQ producers and workers can share a namespace with it (see ``docs/queue.md`` and
``tests/interop``). Every state change is one Lua script, so it is atomic; timing uses the server's clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import time
from collections.abc import AsyncIterator, Sequence
from importlib import resources
from typing import Any

import redis.asyncio as aioredis
from redis import exceptions as redis_errors
from redis.asyncio.connection import UnixDomainSocketConnection

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
    QueueConnectionError,
    QueueError,
    QueueEvent,
    Repeat,
    dump_json,
    validate_job_id,
)
from secureops.core.queue.lane import Lane
from secureops.core.tiers import TierTable

__all__ = ["RedisQueue"]

log = logging.getLogger(__name__)

_SCRIPTS = ("enqueue", "reserve", "complete", "fail", "heartbeat", "cancel", "maintain", "depth", "dead", "repeat_tick")
_HB = {1: Heartbeat.OK, 2: Heartbeat.CANCEL, 0: Heartbeat.LOST}


def _script_source(name: str) -> str:
    """The prelude + the script body (a ``#!lua`` flags line must stay first)."""
    folder = resources.files("secureops.core.queue") / "lua"
    prelude = (folder / "_prelude.lua").read_text()
    body = (folder / f"{name}.lua").read_text()
    if body.startswith("#!"):
        first, _, rest = body.partition("\n")
        return f"{first}\n{prelude}\n{rest}"
    return f"{prelude}\n{body}"


_UNAVAILABLE = (redis_errors.ConnectionError, redis_errors.TimeoutError, OSError)


def _unavailable(err: Exception) -> QueueConnectionError | None:
    """The :class:`QueueConnectionError` for an error that means "Redis cannot answer now", else ``None``."""
    if isinstance(err, _UNAVAILABLE):
        return QueueConnectionError(f"Redis unavailable: {err}")
    if isinstance(err, redis_errors.ResponseError) and ("LOADING" in str(err) or "BUSY" in str(err)):
        return QueueConnectionError(f"Redis not ready: {err}")
    return None


@contextlib.asynccontextmanager
async def _connection_errors() -> AsyncIterator[None]:
    try:
        yield
    except (*_UNAVAILABLE, redis_errors.ResponseError) as err:
        translated = _unavailable(err)
        if translated is None:
            raise
        raise translated from err


class RedisQueue(QueueBackend):
    """A GroupMQ-compatible queue in Redis namespace ``groupmq:<namespace>``.

    :param settings: SecureOps settings (``redis_url``, ``tiers``).
    :param namespace: the GroupMQ namespace (``scans``).
    :param name: the queue's name in event topics (default: the namespace).
    :param keep_completed: completed jobs kept for inspection (0 = delete at once, as GroupMQ's default).
    :param keep_failed: dead-lettered jobs kept for ``queue retry|purge``.
    :param max_stalled: how many times a job may be recovered after its worker vanished before it is
        dead-lettered (GroupMQ 1.1.0 fails it on the first stall).
    :param repair_every_ms: how often (across all workers) maintenance walks every group to unwedge it.
    :param events: append lifecycle events to the stream ``groupmq:<namespace>:events``.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        namespace: str = "scans",
        name: str | None = None,
        url: str | None = None,
        client: aioredis.Redis | None = None,
        visibility_ms: int = 30_000,
        max_attempts: int = 3,
        keep_completed: int = 0,
        keep_failed: int = 1000,
        max_stalled: int = 1,
        repair_every_ms: int = 30_000,
        events: bool = True,
        events_maxlen: int = 10_000,
        topics: EventTopics | None = None,
        tiers: TierTable | None = None,
    ) -> None:
        settings = settings or Settings()
        if not namespace or ":" in namespace:
            raise QueueError("namespace must be non-empty and contain no ':'")
        self.name = name or namespace
        self.key = f"groupmq:{namespace}"
        self.tiers = tiers or settings.tier_table
        self.visibility_ms = visibility_ms
        self.default_max_attempts = max_attempts
        self.keep_completed = keep_completed
        self.keep_failed = keep_failed
        self.max_stalled = max_stalled
        self.repair_every_ms = repair_every_ms
        self.stream = f"{self.key}:events" if events else ""
        self.events_maxlen = str(events_maxlen)
        self.topics = topics or EventTopics.for_queue(self.name)
        self._own_client = client is None
        # Any: redis-py's reply types are unions of bytes/str/awaitables that say nothing useful here.
        self.redis: Any = client or aioredis.Redis.from_url(
            url or settings.redis_url, decode_responses=True, health_check_interval=30
        )
        self._sources = {n: _script_source(n) for n in _SCRIPTS}
        self._sha = {n: hashlib.sha1(src.encode()).hexdigest() for n, src in self._sources.items()}  # noqa: S324
        self._pending: list[tuple[list[str], str, asyncio.Future[AddResult]]] = []
        self._flushes: set[asyncio.Future[None]] = set()
        self._sending = False
        pool = self.redis.connection_pool
        unix = pool.connection_class is UnixDomainSocketConnection
        self._lane = (
            Lane(pool.connection_kwargs, unix=unix)
            if Lane.supports(pool.connection_class, pool.connection_kwargs)
            else None
        )

    async def _load_scripts(self) -> None:
        for name, source in self._sources.items():
            self._sha[name] = await self.redis.script_load(source)

    async def _call(self, *args: Any) -> Any:
        """One command on the hot path: on our pipelined :class:`Lane` when the client's settings allow it
        (see ``lane.py`` for why), else through redis-py."""
        if self._lane is not None:
            return await self._lane.execute(*args)
        return await self.redis.execute_command(*args)

    async def _call_many(self, *commands: tuple[Any, ...]) -> list[Any]:
        """Several commands in one round trip; error replies come back as exception objects."""
        if self._lane is not None:
            return await self._lane.execute_many(*commands)
        pipe = self.redis.pipeline(transaction=False)
        for command in commands:
            pipe.execute_command(*command)
        return list(await pipe.execute(raise_on_error=False))

    async def _run(self, name: str, args: Sequence[Any]) -> Any:
        # EVALSHA straight away (redis-py's Script objects add a SCRIPT EXISTS round trip in pipelines);
        # NOSCRIPT after a server restart or flush: load them all and try once more.
        # (try/except rather than _connection_errors(): an async context manager costs ≈ 3 µs, and this is
        # every add.)
        try:
            try:
                return await self._call("EVALSHA", self._sha[name], 1, self.key, *args)
            except redis_errors.NoScriptError:
                await self._load_scripts()
                return await self._call("EVALSHA", self._sha[name], 1, self.key, *args)
        except (*_UNAVAILABLE, redis_errors.ResponseError) as err:
            translated = _unavailable(err)
            if translated is None:
                raise
            raise translated from err

    # ---- producer -------------------------------------------------------------------------------
    def _job_args(self, job: NewJob, now: int) -> tuple[list[str], str]:
        gid, tenant = self._resolve_group(job)
        job_id = validate_job_id(job.job_id) if job.job_id is not None else self._new_job_id()
        run_at = job.run_at_ms if job.run_at_ms is not None else (now + job.delay_ms if job.delay_ms > 0 else 0)
        attempts = job.max_attempts if job.max_attempts is not None else self.default_max_attempts
        if attempts < 1:
            raise QueueError("max_attempts must be at least 1")
        topic = EventTopics.render(self.topics.queued, self.name, tenant=tenant, job=job_id) if self.stream else ""
        return [
            gid, dump_json(job.data), str(attempts), "" if job.order_ms is None else str(int(job.order_ms)),
            str(int(run_at)), job_id, str(now), job.backoff.dumps() if job.backoff else "", tenant, topic,
        ], job_id  # fmt: skip

    async def add(self, data: Any = None, **options: Any) -> AddResult:
        """Add one job. Adds made while another is on the wire (e.g. many API requests at once) are sent
        together in one script call as soon as it returns (group commit); a lone add goes out at once.

        The input is validated here, so a bad job raises at once and never fails the others of its batch.
        """
        fields, job_id = self._job_args(NewJob(data=data, **options), int(time.time() * 1000))
        if self._sending:
            future: asyncio.Future[AddResult] = asyncio.get_running_loop().create_future()
            self._pending.append((fields, job_id, future))
            return await future
        self._sending = True
        try:
            out = await self._run("enqueue", [self.stream, self.events_maxlen, *fields])
        finally:
            if self._pending:
                task = asyncio.ensure_future(self._send_pending())
                self._flushes.add(task)
                task.add_done_callback(self._flushes.discard)
            else:
                self._sending = False
        return AddResult(job_id, out[1], out[0] == 1)

    async def _send_pending(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending[:500], self._pending[500:]
                await self._send(batch)
        finally:
            self._sending = False
            left, self._pending = self._pending, []  # only when cancelled: nobody may wait forever
            for _, _, future in left:
                if not future.done():
                    future.set_exception(QueueError("add aborted: the queue's sender was cancelled"))

    async def _send(self, batch: list[tuple[list[str], str, asyncio.Future[AddResult]]]) -> None:
        args: list[str] = [self.stream, self.events_maxlen]
        for fields, _, _ in batch:
            args.extend(fields)
        try:
            out = await self._run("enqueue", args)
        except Exception as err:
            for _, _, future in batch:
                if not future.done():
                    future.set_exception(err)
            return
        except asyncio.CancelledError:
            for _, _, future in batch:
                future.cancel()
            raise
        for i, (_, job_id, future) in enumerate(batch):
            if not future.done():
                future.set_result(AddResult(job_id, out[2 * i + 1], out[2 * i] == 1))

    async def add_many(self, jobs: Sequence[NewJob]) -> list[AddResult]:
        """Add jobs in one script call (atomic as a whole); duplicates by id are reported, not re-added."""
        if not jobs:
            return []
        now = int(time.time() * 1000)
        args: list[str] = [self.stream, self.events_maxlen]
        ids = []
        for job in jobs:
            fields, job_id = self._job_args(job, now)
            args.extend(fields)
            ids.append(job_id)
        out = await self._run("enqueue", args)
        return [AddResult(job_id, out[2 * i + 1], out[2 * i] == 1) for i, job_id in enumerate(ids)]

    # ---- worker ---------------------------------------------------------------------------------
    def _reserve_args(self, max_jobs: int, visibility_ms: int | None, worker_id: str) -> list[Any]:
        topic = ""
        if self.stream and self.topics.assigned:
            topic = EventTopics.render(self.topics.assigned, self.name, worker=worker_id)
        vt = visibility_ms or self.visibility_ms
        return [vt, max_jobs, self.max_stalled, self.keep_failed, self.stream, self.events_maxlen, topic]

    @staticmethod
    def _parse_jobs(out: list[Any]) -> list[Job]:
        jobs = []
        for i in range(2, len(out), 12):
            (jid, gid, data, attempts, max_attempts, ts, order_ms, score, deadline, lease, backoff, tenant) = out[
                i : i + 12
            ]
            try:
                payload = json.loads(data)
            except ValueError:
                payload = data  # written by someone else: hand the raw text to the handler
            jobs.append(
                Job(
                    id=jid, group_id=gid, data=payload, attempts=int(attempts), max_attempts=int(max_attempts),
                    timestamp=int(float(ts or 0)), order_ms=int(float(order_ms or 0)), score=float(score),
                    deadline=int(deadline), lease=str(lease), backoff=Backoff.loads(backoff), tenant_id=tenant or None,
                )
            )  # fmt: skip
        return jobs

    async def reserve(self, max_jobs: int = 1, *, visibility_ms: int | None = None, worker_id: str = "") -> list[Job]:
        """Reserve up to ``max_jobs`` jobs (one per group, round robin)."""
        out = await self._run("reserve", self._reserve_args(max_jobs, visibility_ms, worker_id))
        return self._parse_jobs(out)

    def _complete_args(self, done: Sequence[tuple[Job, Any]]) -> list[str]:
        args = [str(self.keep_completed), self.stream, self.events_maxlen]
        for job, result in done:
            topic = ""
            if self.stream and self.topics.completed:
                topic = EventTopics.render(self.topics.completed, self.name, tenant=job.tenant_id or "", job=job.id)
            args.extend([job.id, job.lease, dump_json(result), topic, ""])
        return args

    async def complete_many(self, done: Sequence[tuple[Job, Any]]) -> list[bool]:
        """Complete jobs in one script call."""
        if not done:
            return []
        out = await self._run("complete", self._complete_args(done))
        return [x == 1 for x in out]

    async def complete_and_reserve(
        self, done: Sequence[tuple[Job, Any]], max_jobs: int, *, visibility_ms: int | None = None, worker_id: str = ""
    ) -> tuple[list[bool], list[Job]]:
        """Complete and reserve in one pipelined round trip."""
        if not done or not max_jobs:
            return await super().complete_and_reserve(done, max_jobs, visibility_ms=visibility_ms, worker_id=worker_id)
        complete_args = self._complete_args(done)
        reserve_args = self._reserve_args(max_jobs, visibility_ms, worker_id)
        complete_cmd = ("EVALSHA", self._sha["complete"], 1, self.key, *complete_args)
        reserve_cmd = ("EVALSHA", self._sha["reserve"], 1, self.key, *reserve_args)
        async with _connection_errors():
            for attempt in range(2):
                completed, reserved = await self._call_many(complete_cmd, reserve_cmd)
                if not attempt and any(isinstance(r, redis_errors.NoScriptError) for r in (completed, reserved)):
                    await self._load_scripts()  # completing twice is harmless: leases are checked
                    continue
                for reply in (completed, reserved):
                    if isinstance(reply, Exception):
                        raise reply
                break
        return [x == 1 for x in completed], self._parse_jobs(reserved)

    async def fail(self, job: Job, error: BaseException | str, *, retry: bool = True) -> FailResult:
        """One atomic step: retry after the job's backoff, or dead-letter it."""
        if isinstance(error, BaseException):
            message, name = str(error) or type(error).__name__, type(error).__name__
        else:
            message, name = str(error), "Error"
        backoff = job.backoff.delay_for(job.attempts + 1) if job.backoff else 0
        topic = ""
        if self.stream and self.topics.failed:
            topic = EventTopics.render(self.topics.failed, self.name, tenant=job.tenant_id or "", job=job.id)
        out = await self._run(
            "fail",
            [job.id, job.lease, message[:4000], name, "", backoff, "1" if retry else "0", self.keep_failed,
             self.stream, self.events_maxlen, topic],
        )  # fmt: skip
        return FailResult(out[0], int(out[1]), int(out[2]))

    async def heartbeat(self, jobs: Sequence[Job], extend_ms: int | None = None) -> list[Heartbeat]:
        """Extend the jobs' deadlines; LOST for a job recovered by someone else, CANCEL when asked to stop."""
        if not jobs:
            return []
        args: list[Any] = [extend_ms or self.visibility_ms]
        for job in jobs:
            args.extend([job.id, job.lease])
        out = await self._run("heartbeat", args)
        return [_HB[int(x)] for x in out]

    async def maintain(self, *, repair: bool = True) -> MaintenanceReport:
        """Recover stalled jobs, promote delayed ones, run due repeats, and unwedge groups (the last at most
        once per ``repair_every_ms`` across all workers: it walks every group)."""
        out = await self._run("maintain", [self.max_stalled, self.keep_failed, self.repair_every_ms if repair else 0])
        recovered = [out[i] for i in range(0, len(out) - 1, 3) if out[i + 2] == "recovered"]
        failed = [out[i] for i in range(0, len(out) - 1, 3) if out[i + 2] == "failed"]
        repeats = await self.run_repeats()
        return MaintenanceReport(recovered=recovered, failed=failed, repaired=int(out[-1]), repeats=repeats)

    # ---- control --------------------------------------------------------------------------------
    async def cancel(self, job_id: str) -> CancelResult:
        """Remove a waiting/delayed job or flag a running one."""
        return CancelResult(int(await self._run("cancel", [job_id])))

    async def pause(self) -> None:
        """Set ``paused`` (GroupMQ's flag: Node workers honour it too)."""
        async with _connection_errors():
            await self.redis.set(f"{self.key}:paused", "1")

    async def resume(self) -> None:
        """Clear ``paused``."""
        async with _connection_errors():
            await self.redis.delete(f"{self.key}:paused")

    async def is_paused(self) -> bool:
        """Whether ``paused`` is set."""
        async with _connection_errors():
            return bool(await self.redis.exists(f"{self.key}:paused"))

    async def add_repeat(
        self, data: Any, repeat: Repeat, *, group_id: str | None = None, tenant: str | None = None,
        tier: str | None = None, key: str | None = None, max_attempts: int | None = None,
    ) -> str:  # fmt: skip
        """Store the definition in GroupMQ's shape (``repeat:<key>`` JSON + ``repeat:schedule``)."""
        gid, tenant_id = self._resolve_group(NewJob(group_id=group_id, tenant=tenant, tier=tier, key=key or "repeat"))
        now = int(time.time() * 1000)
        repeat_key = f"{gid}:{json.dumps(repeat.as_groupmq(), separators=(',', ':'))}:{now}:{self._new_job_id()[:8]}"
        definition = {
            "groupId": gid, "data": json.loads(dump_json(data)),
            "maxAttempts": max_attempts or self.default_max_attempts, "orderMs": None,
            "repeat": repeat.as_groupmq(), "nextRunTime": repeat.next_after(now), "lastRunTime": None,
            "removed": False, "tenantId": tenant_id,
        }  # fmt: skip
        async with _connection_errors():
            pipe = self.redis.pipeline(transaction=True)
            pipe.set(f"{self.key}:repeat:{repeat_key}", json.dumps(definition))
            pipe.zadd(f"{self.key}:repeat:schedule", {repeat_key: definition["nextRunTime"]})
            pipe.set(f"{self.key}:repeat:lookup:{gid}:{json.dumps(repeat.as_groupmq())}", repeat_key)
            await pipe.execute()
        return repeat_key

    async def remove_repeat(self, repeat_key: str) -> bool:
        """Delete the definition and its schedule entry."""
        async with _connection_errors():
            pipe = self.redis.pipeline(transaction=True)
            pipe.zrem(f"{self.key}:repeat:schedule", repeat_key)
            pipe.delete(f"{self.key}:repeat:{repeat_key}")
            removed, _ = await pipe.execute()
        return bool(removed)

    async def run_repeats(self, limit: int = 16) -> int:
        """Enqueue the due instances of repeating jobs (exactly once each, even with many workers)."""
        async with _connection_errors():
            due = await self.redis.zrangebyscore(
                f"{self.key}:repeat:schedule", "-inf", int(time.time() * 1000), start=0, num=limit, withscores=True
            )
        count = 0
        for repeat_key, when in due:
            async with _connection_errors():
                raw = await self.redis.get(f"{self.key}:repeat:{repeat_key}")
            if raw is None:
                await self.redis.zrem(f"{self.key}:repeat:schedule", repeat_key)
                continue
            definition = json.loads(raw)
            spec = definition.get("repeat") or {}
            rep = Repeat(every_ms=spec.get("every"), cron=spec.get("pattern"))
            now = int(time.time() * 1000)
            nxt = rep.next_after(max(now, int(when)))
            definition.update(nextRunTime=nxt, lastRunTime=now)
            tenant = definition.get("tenantId") or ""
            job_id = f"repeat-{hashlib.blake2b(repeat_key.encode(), digest_size=8).hexdigest()}-{int(when)}"
            topic = EventTopics.render(self.topics.queued, self.name, tenant=tenant, job=job_id) if self.stream else ""
            args = [
                repeat_key, int(when), nxt, json.dumps(definition), definition["groupId"],
                dump_json(definition.get("data")), str(definition.get("maxAttempts") or self.default_max_attempts),
                "", "0", job_id, str(now), "", tenant, topic, self.stream, self.events_maxlen,
            ]  # fmt: skip
            count += int(await self._run("repeat_tick", args))
        return count

    # ---- operator -------------------------------------------------------------------------------
    async def depth(self) -> Depth:
        """One read-only script: a consistent snapshot."""
        raw = json.loads(await self._run("depth", []))
        groups = tuple(
            GroupDepth(group_id=str(g[0]), waiting=int(g[1]), delayed=int(g[2]), active=int(g[3]), runnable=g[4] == 1)
            for g in (raw["groups"] or [])
            if isinstance(g, list)
        )
        return Depth(
            groups=tuple(sorted(groups, key=lambda g: g.group_id)), waiting=int(raw["waiting"]),
            delayed=int(raw["delayed"]), active=int(raw["active"]), failed=int(raw["failed"]),
            completed=int(raw["completed"]), runnable_groups=int(raw["runnable_groups"]), paused=raw["paused"] == 1,
        )  # fmt: skip

    async def get_job(self, job_id: str) -> JobRecord | None:
        """Read a job hash."""
        async with _connection_errors():
            h = await self.redis.hgetall(f"{self.key}:job:{job_id}")
        if not h:
            return None
        try:
            data = json.loads(h.get("data", "null"))
        except ValueError:
            data = h.get("data")
        return JobRecord(
            id=h.get("id", job_id), group_id=h.get("groupId", ""), status=h.get("status", ""), data=data,
            attempts=int(h.get("attempts") or 0), max_attempts=int(h.get("maxAttempts") or 0),
            tenant_id=h.get("tenantId"), error=h.get("failedReason") or h.get("lastErrorMessage"),
            finished_on=int(h["finishedOn"]) if h.get("finishedOn") else None,
        )  # fmt: skip

    async def dead_letters(self, limit: int = 100) -> list[JobRecord]:
        """Oldest dead-lettered jobs first."""
        async with _connection_errors():
            ids = await self.redis.zrange(f"{self.key}:failed", 0, limit - 1)
        records = [await self.get_job(i) for i in ids]
        return [r for r in records if r is not None]

    async def retry_dead(self, job_ids: Sequence[str] | None = None) -> int:
        """Back to waiting, attempts reset."""
        return int(await self._run("dead", ["retry", *(job_ids or [])]))

    async def purge_dead(self, job_ids: Sequence[str] | None = None) -> int:
        """Delete dead-lettered jobs."""
        return int(await self._run("dead", ["purge", *(job_ids or [])]))

    # ---- events ---------------------------------------------------------------------------------
    async def publish(self, topic: str, data: Any = None, *, tenant: str = "", job_id: str = "") -> str:
        """XADD to ``groupmq:<ns>:events`` (bounded by ``events_maxlen``)."""
        if not topic:
            raise QueueError("an event needs a topic")
        stream = self.stream or f"{self.key}:events"
        async with _connection_errors():
            return str(
                await self.redis.xadd(
                    stream,
                    {"topic": topic, "job": job_id, "group": "", "tenant": tenant, "data": dump_json(data)},
                    maxlen=int(self.events_maxlen),
                    approximate=True,
                )
            )

    async def read_events(self, after: str = "0", count: int = 100, block_ms: int | None = None) -> list[QueueEvent]:
        """XREAD from the event stream."""
        stream = self.stream or f"{self.key}:events"
        async with _connection_errors():
            out = await self.redis.xread({stream: after}, count=count, block=block_ms)
        events = []
        for _, entries in out or []:
            for eid, f in entries:
                events.append(
                    QueueEvent(
                        id=eid, topic=f.get("topic", ""), job_id=f.get("job", ""), group_id=f.get("group", ""),
                        tenant_id=f.get("tenant", ""), data=f.get("data", ""), time_ms=int(eid.split("-")[0]),
                    )
                )  # fmt: skip
        return events

    async def close(self) -> None:
        """Close our connection, and the client if we created it."""
        if self._lane is not None:
            await self._lane.close()
        if self._own_client:
            await self.redis.aclose()
