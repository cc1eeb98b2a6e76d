"""The queue's behaviour, run against both drivers (``memory`` and ``redis``) by the ``qrun`` fixture."""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any

import pytest

from secureops.core.errors import ConfigError
from secureops.core.queue.base import (
    Backoff,
    CancelResult,
    Heartbeat,
    NewJob,
    QueueBackend,
    QueueError,
    Repeat,
)


async def reserve_ids(q: QueueBackend, n: int = 50, **kw: Any) -> list[str]:
    return [j.id for j in await q.reserve(n, **kw)]


def test_fifo_per_group_and_one_active_job_per_group(qrun) -> None:
    async def body(q: QueueBackend) -> None:
        for i in range(5):
            await q.add({"i": i}, group_id="g1", job_id=f"g1-{i}")
        await q.add({"i": 0}, group_id="g2", job_id="g2-0")
        first = await q.reserve(10)
        assert sorted(j.id for j in first) == ["g1-0", "g2-0"]  # one per group
        assert await q.reserve(10) == []  # both groups locked
        seen = []
        job = next(j for j in first if j.group_id == "g1")
        while job is not None:
            seen.append(job.id)
            assert await q.complete(job, {"ok": True})
            nxt = [j for j in await q.reserve(10) if j.group_id == "g1"]
            job = nxt[0] if nxt else None
        assert seen == [f"g1-{i}" for i in range(5)]

    qrun(body)


def test_job_id_deduplicates_while_the_job_exists(qrun) -> None:
    async def body(q: QueueBackend) -> None:
        a = await q.add({"v": 1}, group_id="g", job_id="same")
        b = await q.add({"v": 2}, group_id="g", job_id="same")
        assert a.added and not b.added and b.job_id == "same"
        [job] = await q.reserve(5)
        assert job.data == {"v": 1}
        assert not (await q.add({"v": 3}, group_id="g", job_id="same")).added  # running: still a duplicate
        await q.complete(job)
        assert (await q.add({"v": 4}, group_id="g", job_id="same")).added  # finished and not retained: new job

    qrun(body)


def test_delay_is_honoured_even_behind_an_active_job_of_the_same_group(qrun) -> None:
    # GroupMQ 1.1.0 chained straight into a delayed job (10 s delay ran after 57 ms).
    async def body(q: QueueBackend) -> None:
        await q.add("first", group_id="g", job_id="a")
        [a] = await q.reserve(5)
        added = time.monotonic()
        await q.add("delayed", group_id="g", job_id="b", delay_ms=400)
        await q.complete(a)
        early = await reserve_ids(q)
        if time.monotonic() - added < 0.35:  # (a stalled machine may have slept past the delay)
            assert early == []
        await asyncio.sleep(0.45)
        assert early + await reserve_ids(q) == ["b"]

    qrun(body)


def test_delayed_head_blocks_its_group_but_not_others(qrun) -> None:
    async def body(q: QueueBackend) -> None:
        await q.add(1, group_id="g", job_id="d", delay_ms=200)
        await q.add(2, group_id="g", job_id="after")
        await q.add(3, group_id="h", job_id="other")
        assert await reserve_ids(q) == ["other"]
        await asyncio.sleep(0.25)
        assert await reserve_ids(q) == ["d"]

    qrun(body)


def test_order_ms_orders_within_a_group(qrun) -> None:
    async def body(q: QueueBackend) -> None:
        await q.add(1, group_id="g", job_id="late", order_ms=2_000_000_000_000)
        await q.add(2, group_id="g", job_id="early", order_ms=1_900_000_000_000)
        assert await reserve_ids(q) == ["early"]

    qrun(body)


@pytest.mark.parametrize("max_attempts", [1, 3, 5])
def test_max_attempts_is_exactly_how_many_times_a_job_runs(qrun, max_attempts: int) -> None:
    # GroupMQ 1.1.0: maxAttempts=1 ran twice, =5 ran three times (capped by the worker's).
    async def body(q: QueueBackend) -> None:
        await q.add("x", group_id="g", job_id="j", max_attempts=max_attempts)
        runs = 0
        while jobs := await q.reserve(1):
            runs += 1
            outcome = await q.fail(jobs[0], RuntimeError("boom"))
            assert outcome.attempts == runs
        assert runs == max_attempts
        assert outcome.outcome == "dead"
        [dead] = await q.dead_letters()
        assert dead.id == "j" and dead.error == "boom" and dead.status == "failed"

    qrun(body, keep_failed=10)


def test_backoff_delays_the_retry_and_keeps_the_group_in_order(qrun) -> None:
    async def body(q: QueueBackend) -> None:
        await q.add("a", group_id="g", job_id="a", backoff=Backoff(kind="fixed", delay_ms=250))
        await q.add("b", group_id="g", job_id="b")
        [a] = await q.reserve(5)
        result = await q.fail(a, "flaky")
        assert result.outcome == "retry" and result.run_at > 0
        assert await reserve_ids(q) == []  # b waits behind a's retry: FIFO kept
        await asyncio.sleep(0.35)
        [again] = await q.reserve(5)
        assert again.id == "a" and again.attempts == 1
        await q.complete(again)
        assert await reserve_ids(q) == ["b"]

    qrun(body)


def test_exponential_backoff_grows_and_is_capped() -> None:
    b = Backoff(kind="exponential", delay_ms=100, max_ms=1000)
    assert [b.delay_for(n) for n in (1, 2, 3, 4, 5, 6)] == [100, 200, 400, 800, 1000, 1000]
    assert Backoff.loads(b.dumps()) == b
    assert Backoff.loads("garbage") is None


def test_stalled_job_is_recovered_and_the_stale_worker_cannot_complete_it(qrun) -> None:
    async def body(q: QueueBackend) -> None:
        await q.add("x", group_id="g", job_id="j")
        await q.add("y", group_id="g", job_id="k")
        [first] = await q.reserve(1, visibility_ms=100)
        await asyncio.sleep(0.15)
        [second] = await q.reserve(5, visibility_ms=5000)  # recovered to the head of its group
        assert second.id == "j" and second.lease != first.lease
        assert not await q.complete(first)  # the vanished worker's late answer is refused
        assert (await q.heartbeat([first]))[0] is Heartbeat.LOST
        assert (await q.fail(first, "late")).outcome == "lost"
        d = await q.depth()
        assert d.active == 1 and [g.active for g in d.groups] == [1]
        assert await q.complete(second)
        assert await reserve_ids(q) == ["k"]  # the group is not wedged

    qrun(body)


def test_a_job_that_keeps_stalling_is_dead_lettered(qrun) -> None:
    async def body(q: QueueBackend) -> None:
        await q.add("x", group_id="g", job_id="j")
        for _ in range(2):
            assert await reserve_ids(q, visibility_ms=50) == ["j"]
            await asyncio.sleep(0.08)
        report = await q.maintain()
        assert report.failed == ["j"]
        [dead] = await q.dead_letters()
        assert "stalled" in (dead.error or "")
        assert (await q.depth()).groups == ()

    qrun(body, max_stalled=1, keep_failed=10)


def test_heartbeats_keep_a_job_reserved(qrun) -> None:
    async def body(q: QueueBackend) -> None:
        await q.add("x", group_id="g", job_id="j")
        [job] = await q.reserve(1, visibility_ms=400)
        for _ in range(4):
            await asyncio.sleep(0.12)
            assert await q.heartbeat([job], 400) == [Heartbeat.OK]
            assert (await q.maintain()).recovered == []
        assert await q.complete(job)

    qrun(body)


def test_cancel_removes_waiting_jobs_and_flags_running_ones(qrun) -> None:
    async def body(q: QueueBackend) -> None:
        await q.add(1, group_id="g", job_id="run")
        await q.add(2, group_id="g", job_id="wait")
        [job] = await q.reserve(5)
        assert await q.cancel("wait") is CancelResult.REMOVED
        assert await q.cancel("run") is CancelResult.REQUESTED
        assert await q.cancel("nope") is CancelResult.NOT_FOUND
        assert await q.heartbeat([job]) == [Heartbeat.CANCEL]
        await q.complete(job)
        assert await q.get_job("wait") is None
        assert (await q.depth()).groups == ()

    qrun(body)


def test_pause_and_resume(qrun) -> None:
    async def body(q: QueueBackend) -> None:
        await q.add(1, group_id="g")
        await q.pause()
        assert await q.is_paused() and await q.reserve(5) == []
        await q.resume()
        assert not await q.is_paused() and len(await q.reserve(5)) == 1

    qrun(body)


def test_repeat_every_enqueues_one_job_per_period(qrun) -> None:
    async def body(q: QueueBackend) -> None:
        key = await q.add_repeat({"scan": "nightly"}, Repeat(every_ms=300), group_id="sched")
        assert (await q.maintain()).repeats == 0  # first run is one period away
        await asyncio.sleep(0.32)
        ticked = time.monotonic()
        assert (await q.maintain()).repeats == 1  # once per due tick, however late we look
        again = (await q.maintain()).repeats
        if time.monotonic() - ticked < 0.25:
            assert again == 0
        [job] = (await q.reserve(5))[:1]
        assert job.data == {"scan": "nightly"} and job.group_id == "sched"
        assert await q.remove_repeat(key)
        await asyncio.sleep(0.32)
        assert (await q.maintain()).repeats == 0

    qrun(body)


def test_repeat_cron_schedules_the_next_minute() -> None:
    rep = Repeat(cron="*/5 * * * *")
    assert rep.next_after(1_800_000_000_000) % 300_000 == 0
    with pytest.raises(QueueError):
        Repeat(cron="not a cron")
    with pytest.raises(QueueError):
        Repeat()


def test_retention_keeps_the_newest_completed_jobs(qrun) -> None:
    async def body(q: QueueBackend) -> None:
        for i in range(5):
            await q.add(i, group_id="g", job_id=f"j{i}")
        while jobs := await q.reserve(1):
            await q.complete(jobs[0], {"n": jobs[0].data})
        assert (await q.depth()).completed == 2
        assert await q.get_job("j0") is None
        assert (await q.get_job("j4")).status == "completed"  # type: ignore[union-attr]
        assert not (await q.add(9, group_id="g", job_id="j4")).added  # retained: still a duplicate

    qrun(body, keep_completed=2)


def test_depth_reports_groups_totals_and_runnable_groups(qrun) -> None:
    async def body(q: QueueBackend) -> None:
        await q.add(1, group_id="a", job_id="a1")
        await q.add(2, group_id="a", job_id="a2")
        await q.add(3, group_id="b", job_id="b1", delay_ms=10_000)
        await q.add(4, group_id="c", job_id="c1")
        [job] = await q.reserve(1)
        assert job.id == "a1"
        d = await q.depth()
        by = {g.group_id: g for g in d.groups}
        assert (by["a"].waiting, by["a"].active, by["a"].runnable) == (1, 1, False)
        assert (by["b"].waiting, by["b"].delayed, by["b"].runnable) == (0, 1, False)
        assert (by["c"].waiting, by["c"].runnable) == (1, True)
        assert (d.waiting, d.delayed, d.active, d.runnable_groups) == (2, 1, 1, 1)
        assert d.as_dict()["tenants"]["a"]["active"] == 1

    qrun(body)


def test_round_robin_a_flooding_group_does_not_starve_others(qrun) -> None:
    # GroupMQ 1.1.0 drained one group before touching another.
    async def body(q: QueueBackend) -> None:
        await q.add_many([NewJob(data=i, group_id="flood", job_id=f"f{i}") for i in range(30)])
        await q.add("b", group_id="b", job_id="b1")
        await q.add("b", group_id="b", job_id="b2")
        await q.add("c", group_id="c", job_id="c1")
        order = []
        while jobs := await q.reserve(1):
            order.append(jobs[0].id)
            await q.complete(jobs[0])
        assert order.index("b1") <= 2 and order.index("c1") <= 2
        assert order.index("b2") <= 5
        assert [x for x in order if x.startswith("f")] == [f"f{i}" for i in range(30)]

    qrun(body)


def test_tier_concurrency_uses_slot_groups(qrun) -> None:
    async def body(q: QueueBackend) -> None:
        results = await q.add_many([NewJob(data=i, tenant="acme", tier="basic") for i in range(6)])
        assert {r.group_id for r in results} == {"acme:0", "acme:1"}  # least-loaded of the 2 slots
        await q.add_many([NewJob(data=i, tenant="big", tier="enterprise") for i in range(6)])
        jobs = await q.reserve(50)
        per_tenant: dict[str, int] = {}
        for job in jobs:
            per_tenant[job.tenant_id or ""] = per_tenant.get(job.tenant_id or "", 0) + 1
        assert per_tenant == {"acme": 2, "big": 5}
        same = {(await q.add(1, tenant="t", tier="pro", key="10.0.0.1")).group_id for _ in range(3)}
        assert len(same) == 1  # a key (e.g. the target) always maps to the same slot: per-target FIFO

    qrun(body)


def test_a_tier_change_applies_to_new_jobs(qrun) -> None:
    async def body(q: QueueBackend) -> None:
        await q.add_many([NewJob(data=i, tenant="acme", tier="basic") for i in range(4)])
        await q.add_many([NewJob(data=i, tenant="acme", tier="enterprise") for i in range(6)])  # upgraded
        assert len(await q.reserve(50)) == 5

    qrun(body)


def test_events_follow_the_seed_topics(qrun) -> None:
    async def body(q: QueueBackend) -> None:
        r = await q.add({"target": "127.0.0.1"}, tenant="acme", tier="basic", job_id="s1")
        await q.add({"target": "127.0.0.2"}, tenant="acme", tier="basic", job_id="s2", max_attempts=1)
        jobs = {j.id: j for j in await q.reserve(5, worker_id="w1")}
        await q.progress(jobs["s1"], {"progress": 45})
        await q.complete(jobs["s1"], {"findings": 3})
        await q.fail(jobs["s2"], "nmap crashed")
        events = await q.read_events("0")
        topics = [e.topic for e in events]
        assert topics == [
            "scans/queued", "scans/queued", "scans/assigned", "scans/assigned",
            "scans/progress/s1", "scans/completed/acme", "scans/failed/s2",
        ]  # fmt: skip
        assert events[0].tenant_id == "acme" and events[0].group_id == r.group_id
        assert await q.read_events(events[-1].id) == []
        assert [e.topic for e in await q.read_events(events[4].id)] == topics[5:]

    qrun(body, name="scans")


def test_dead_letters_can_be_retried_and_purged(qrun) -> None:
    async def body(q: QueueBackend) -> None:
        for i in range(3):
            await q.add(i, group_id=f"g{i}", job_id=f"j{i}", max_attempts=1)
        for job in await q.reserve(5):
            await q.fail(job, "no")
        assert (await q.depth()).failed == 3
        assert await q.retry_dead(["j0"]) == 1
        [job] = await q.reserve(5)
        assert job.id == "j0" and job.attempts == 0
        await q.complete(job)
        assert await q.purge_dead() == 2
        assert (await q.depth()).failed == 0 and await q.get_job("j1") is None

    qrun(body, keep_failed=10)


def test_bad_input_is_refused_clearly(qrun) -> None:
    async def body(q: QueueBackend) -> None:
        with pytest.raises(QueueError, match="JSON"):
            await q.add({"x": math.nan}, group_id="g")
        with pytest.raises(QueueError, match="JSON"):
            await q.add(object(), group_id="g")
        with pytest.raises(QueueError, match="active"):
            await q.add(1, group_id="g:active")
        with pytest.raises(QueueError):
            await q.add(1, group_id="")
        with pytest.raises(QueueError):
            await q.add(1)
        with pytest.raises(ConfigError, match="unknown tier"):
            await q.add(1, tenant="t", tier="platinum")
        with pytest.raises(QueueError):
            await q.add(1, group_id="g", max_attempts=0)
        assert (await q.depth()).groups == ()

    qrun(body)


def test_concurrent_adds_all_land_and_a_bad_one_fails_alone(qrun) -> None:
    async def body(q: QueueBackend) -> None:
        async def bad() -> None:
            with pytest.raises(QueueError):
                await q.add({"x": math.inf}, group_id="g")

        results = await asyncio.gather(*(q.add(i, group_id=f"g{i % 5}", job_id=f"c{i}") for i in range(300)), bad())
        assert all(r.added for r in results[:300])
        d = await q.depth()
        assert d.waiting == 300 and len(d.groups) == 5

    qrun(body)
