"""Redis-only checks: GroupMQ 1.1.0's key layout and job fields, and the fixes that only Redis can show."""

from __future__ import annotations

import asyncio
import time

import redis

from secureops.core.queue.base import NewJob
from secureops.core.queue.redis_driver import RedisQueue
from tests.queue.conftest import REDIS_URL, small_tier_settings

DAY = 86_400_000


def raw() -> redis.Redis:
    return redis.Redis.from_url(REDIS_URL, decode_responses=True)


def test_layout_and_job_fields_match_groupmq(redis_ns: str) -> None:
    async def main() -> None:
        q = RedisQueue(small_tier_settings(), namespace=redis_ns)
        await q.add({"a": 1}, group_id="g1", job_id="j1")
        await q.add({"a": 2}, group_id="g2", job_id="j2", delay_ms=60_000)
        await q.reserve(1)
        await q.close()

    asyncio.run(main())
    r, p = raw(), f"groupmq:{redis_ns}:"
    job = r.hgetall(f"{p}job:j1")
    for name in ("id", "groupId", "data", "attempts", "maxAttempts", "seq", "timestamp", "orderMs", "score",
                 "delayUntil", "status"):  # fmt: skip
        assert name in job, name
    assert job["status"] == "processing" and job["data"] == '{"a":1}'
    assert int(job["score"]) == (int(job["orderMs"]) - 1704067200000) * 1000 + int(job["seq"])
    assert r.lrange(f"{p}g:g1:active", 0, -1) == ["j1"]
    assert r.zscore(f"{p}processing", "j1") == float(r.hget(f"{p}processing:j1", "deadlineAt"))
    assert r.hget(f"{p}processing:j1", "groupId") == "g1"
    assert r.get(f"{p}unique:j1") == "j1"
    assert r.smembers(f"{p}groups") == {"g1", "g2"}
    assert r.zrange(f"{p}g:g2", 0, -1) == ["j2"] and r.zscore(f"{p}delayed", "j2") is not None
    assert r.hget(f"{p}job:j2", "status") == "delayed"
    assert r.zrange(f"{p}ready", 0, -1) == []  # locked g1 and delayed g2 are not "ready"
    r.close()


def test_a_payload_containing_the_groupmq_delimiter_is_processed(redis_ns: str) -> None:
    # GroupMQ 1.1.0 returned reserve results joined by "|||": such a job was left in processing forever.
    async def main() -> None:
        q = RedisQueue(small_tier_settings(), namespace=redis_ns)
        await q.add({"note": "a|||b||GROUPMQ||c"}, group_id="g", job_id="j")
        [job] = await q.reserve(1)
        assert job.data == {"note": "a|||b||GROUPMQ||c"}
        assert await q.complete(job)
        await q.close()

    asyncio.run(main())


def test_fifo_holds_across_utc_midnight_and_past_1000_jobs_a_day(redis_ns: str) -> None:
    # GroupMQ 1.1.0: score = ms*1000 + per-day counter, so a busy day bleeds and midnight inverts order.
    midnight = (int(time.time() * 1000) // DAY + 1) * DAY
    r, p = raw(), f"groupmq:{redis_ns}:"
    r.set(f"{p}seq:{midnight // DAY - 1}", 5000)  # a busy day in GroupMQ's own counter changes nothing

    async def main() -> list[str]:
        q = RedisQueue(small_tier_settings(), namespace=redis_ns)
        await q.add(1, group_id="g", job_id="before", order_ms=midnight - 1)
        await q.add(2, group_id="g", job_id="after", order_ms=midnight + 1)
        await q.add_many([NewJob(data=i, group_id="h", job_id=f"h{i}", order_ms=midnight + 5) for i in range(1500)])
        order = []
        while jobs := await q.reserve(1):
            order.append(jobs[0].id)
            await q.complete(jobs[0])
        await q.close()
        return order

    order = asyncio.run(main())
    assert order.index("before") < order.index("after")
    assert [x for x in order if x.startswith("h")] == [f"h{i}" for i in range(1500)]
    r.close()


def test_reserve_repairs_a_wedged_group_and_a_delayed_status_left_without_a_timer(redis_ns: str) -> None:
    # The layouts GroupMQ 1.1.0 leaves (§9.1 inline recovery; promote-delayed-jobs forgetting the status).
    # tests/interop reproduces the first with the real Node library.
    r, p = raw(), f"groupmq:{redis_ns}:"

    async def seed() -> None:
        q = RedisQueue(small_tier_settings(), namespace=redis_ns)
        await q.add(1, group_id="w", job_id="w1")
        await q.add(2, group_id="d", job_id="d1")
        await q.close()

    asyncio.run(seed())
    r.hset(f"{p}job:w1", "status", "processing")
    r.lpush(f"{p}g:w:active", "w1")
    r.hset(f"{p}job:d1", "status", "delayed")

    async def main() -> set[str]:
        q = RedisQueue(small_tier_settings(), namespace=redis_ns)
        jobs = await q.reserve(5)
        for job in jobs:
            await q.complete(job)
        await q.close()
        return {j.id for j in jobs}

    assert asyncio.run(main()) == {"w1", "d1"}
    assert r.exists(f"{p}g:w:active", f"{p}g:d:active", f"{p}processing") == 0
    r.close()


def test_maintenance_repairs_wedged_groups_that_are_not_in_ready(redis_ns: str) -> None:
    r, p = raw(), f"groupmq:{redis_ns}:"

    async def seed() -> None:
        q = RedisQueue(small_tier_settings(), namespace=redis_ns)
        await q.add(1, group_id="w", job_id="w1")
        await q.close()

    asyncio.run(seed())
    r.lpush(f"{p}g:w:active", "ghost")  # an id that is not processing
    r.zrem(f"{p}ready", "w")

    async def main() -> None:
        q = RedisQueue(small_tier_settings(), namespace=redis_ns)
        assert await q.reserve(5) == []
        report = await q.maintain()
        assert report.repaired == 1
        [job] = await q.reserve(5)
        assert job.id == "w1"
        await q.close()

    asyncio.run(main())
    r.close()


def test_depth_is_a_single_read_only_script(redis_ns: str) -> None:
    src = RedisQueue(small_tier_settings(), namespace=redis_ns)._sources["depth"]
    assert src.startswith("#!lua flags=no-writes")
