"""The pipelined connection of the Redis driver's hot path (``lane.py``), on the real Redis server.

Replies must reach the right callers in order even when callers are cancelled; error replies must raise
redis-py's exception types (the driver relies on ``NoScriptError`` to reload its scripts); a lost connection
must fail the commands in flight at once and the next command must reconnect.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
import redis
import redis.asyncio as aioredis
from redis import exceptions as redis_errors

from secureops.core.queue.base import Job, QueueConnectionError
from secureops.core.queue.lane import Lane
from secureops.core.queue.memory import MemoryQueue
from secureops.core.queue.redis_driver import RedisQueue
from secureops.core.queue.worker import Worker
from tests.queue.conftest import REDIS_URL, drop_namespace, new_namespace, small_tier_settings


def lane_for(url: str = REDIS_URL) -> Lane:
    pool = aioredis.Redis.from_url(url, decode_responses=True).connection_pool
    assert Lane.supports(pool.connection_class, pool.connection_kwargs)
    return Lane(pool.connection_kwargs)


def test_concurrent_callers_are_pipelined_and_each_gets_its_own_reply() -> None:
    async def main() -> list[Any]:
        lane = lane_for()
        try:
            return await asyncio.gather(*(lane.execute("ECHO", f"m{i}") for i in range(300)))
        finally:
            await lane.close()

    assert asyncio.run(main()) == [f"m{i}" for i in range(300)]


def test_error_replies_raise_redis_py_exceptions_and_the_connection_goes_on() -> None:
    key = f"lane-test:{uuid.uuid4().hex}"

    async def main() -> None:
        lane = lane_for()
        try:
            with pytest.raises(redis_errors.NoScriptError):
                await lane.execute("EVALSHA", "0" * 40, 0)
            await lane.execute("SET", key, "text")
            with pytest.raises(redis_errors.ResponseError, match="not an integer"):
                await lane.execute("INCR", key)
            replies = await lane.execute_many(("GET", key), ("INCR", key), ("ECHO", "after"))
            assert replies[0] == "text" and isinstance(replies[1], redis_errors.ResponseError)
            assert replies[2] == "after"
            assert await lane.execute("DEL", key) == 1
        finally:
            await lane.close()

    asyncio.run(main())


def test_a_cancelled_caller_does_not_shift_the_replies_of_the_others() -> None:
    async def main() -> None:
        lane = lane_for()
        try:
            await lane.execute("PING")  # connected, so the calls below are written at once
            tasks = [asyncio.create_task(lane.execute("ECHO", str(i))) for i in range(200)]
            await asyncio.sleep(0)  # every command is on the wire, no reply read yet
            for task in tasks[::3]:
                task.cancel()
            results = await asyncio.gather(*tasks, return_exceptions=True)
            for i, result in enumerate(results):
                if i % 3 == 0:
                    assert isinstance(result, asyncio.CancelledError)
                else:
                    assert result == str(i)
            assert await lane.execute("ECHO", "next") == "next"
        finally:
            await lane.close()

    asyncio.run(main())


def test_a_lost_connection_fails_commands_in_flight_and_the_next_command_reconnects() -> None:
    key = f"lane-test:{uuid.uuid4().hex}"
    admin = redis.Redis.from_url(REDIS_URL)

    async def main() -> None:
        lane = lane_for()
        try:
            my_id = await lane.execute("CLIENT", "ID")
            blocked = asyncio.create_task(lane.execute("BLPOP", key, 20))  # in flight until the kill
            await asyncio.sleep(0.05)
            assert admin.client_kill_filter(_id=my_id) == 1
            with pytest.raises(redis_errors.ConnectionError):
                await asyncio.wait_for(blocked, 5)
            assert await lane.execute("CLIENT", "ID") != my_id  # a new connection
        finally:
            await lane.close()

    try:
        asyncio.run(main())
    finally:
        admin.close()


def test_a_write_larger_than_the_transport_buffer_waits_and_arrives_whole() -> None:
    keys = [f"lane-test:{uuid.uuid4().hex}" for _ in range(3)]
    big = "x" * 4_000_000

    async def main() -> None:
        lane = lane_for()
        try:
            assert await asyncio.gather(*(lane.execute("SET", k, big) for k in keys)) == ["OK"] * 3
            assert await lane.execute("STRLEN", keys[2]) == len(big)
            await lane.execute("DEL", *keys)
        finally:
            await lane.close()

    asyncio.run(main())


def test_the_database_of_the_url_is_selected() -> None:
    key = f"lane-test:{uuid.uuid4().hex}"
    db1 = redis.Redis.from_url(REDIS_URL.rsplit("/", 1)[0] + "/1")

    async def main() -> None:
        lane = lane_for(REDIS_URL.rsplit("/", 1)[0] + "/1")
        try:
            await lane.execute("SET", key, "in-db-1")
        finally:
            await lane.close()

    try:
        asyncio.run(main())
        assert db1.get(key) == b"in-db-1"
    finally:
        db1.delete(key)
        db1.close()


def test_settings_the_lane_does_not_reproduce_keep_redis_py() -> None:
    plain = aioredis.Redis.from_url("redis://127.0.0.1:6379/0", decode_responses=True).connection_pool
    tls = aioredis.Redis.from_url("rediss://127.0.0.1:6379/0").connection_pool
    timed = aioredis.Redis.from_url("redis://127.0.0.1:6379/0?socket_timeout=2").connection_pool
    assert Lane.supports(plain.connection_class, plain.connection_kwargs)
    assert not Lane.supports(tls.connection_class, tls.connection_kwargs)
    assert not Lane.supports(timed.connection_class, timed.connection_kwargs)


def test_queue_calls_after_a_killed_connection_report_unavailable_then_recover() -> None:
    ns = new_namespace()
    admin = redis.Redis.from_url(REDIS_URL)

    async def main() -> None:
        queue = RedisQueue(small_tier_settings(), namespace=ns)
        try:
            await queue.add({"i": 0}, group_id="g", job_id="a")
            assert queue._lane is not None
            my_id = await queue._lane.execute("CLIENT", "ID")
            admin.client_kill_filter(_id=my_id)
            outcomes: list[bool | str] = []
            for job_id in ("b", "c"):
                try:
                    outcomes.append((await queue.add({"i": 1}, group_id="g", job_id=job_id)).added)
                except QueueConnectionError:
                    outcomes.append("unavailable")
            # The kill is noticed on the first add at the latest; the second always goes through.
            assert outcomes[-1] is True
            jobs = await queue.reserve(1)
            assert [j.id for j in jobs] == ["a"]
        finally:
            await queue.close()

    try:
        asyncio.run(main())
    finally:
        admin.close()
        drop_namespace(ns)


def test_worker_run_raises_an_error_of_its_round_trip_that_is_not_a_connection_error() -> None:
    class Broken(MemoryQueue):
        async def complete_and_reserve(self, *args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("driver bug")

    async def main() -> None:
        async def handler(job: Job) -> None:
            return None

        worker = Worker(Broken(small_tier_settings(), namespace="broken"), handler)
        with pytest.raises(RuntimeError, match="driver bug"):
            await asyncio.wait_for(worker.run(grace_s=1), 5)

    asyncio.run(main())


def test_a_reply_that_is_not_utf8_fails_only_its_caller() -> None:
    key = f"lane-test:{uuid.uuid4().hex}"
    raw = redis.Redis.from_url(REDIS_URL)

    async def main() -> None:
        lane = lane_for()
        try:
            raw.set(key, b"\xff\xfe")
            replies = await asyncio.gather(
                lane.execute("ECHO", "before"), lane.execute("GET", key), lane.execute("ECHO", "after"),
                return_exceptions=True,
            )  # fmt: skip
            assert replies[0] == "before" and isinstance(replies[1], UnicodeDecodeError) and replies[2] == "after"
        finally:
            await lane.close()

    try:
        asyncio.run(main())
    finally:
        raw.delete(key)
        raw.close()
