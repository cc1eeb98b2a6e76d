"""Observation of a real Redis queue: per-tenant load in one script, limits, a flooding basic tenant."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import redis.asyncio as aioredis

from secureops.autoscaler.backends.base import worker_env
from secureops.autoscaler.observe import QueueObserver
from secureops.autoscaler.policy import Observation, ScalingSettings, TenantLoad, decide, runnable
from secureops.core.config import load_settings
from secureops.core.queue.base import NewJob
from secureops.core.queue.redis_driver import RedisQueue
from secureops.core.scans.presence import record_tenant_limit


def test_a_flooding_basic_tenant_counts_only_its_two_slots() -> None:
    async def go() -> None:
        prefix = f"obs{uuid.uuid4().hex[:8]}"
        settings = load_settings(queue_backend="redis", queue_prefix=prefix)
        queue = RedisQueue(settings, namespace=f"{prefix}scans")
        try:
            jobs = [NewJob(data={"n": i}, tenant="flood", tier="basic") for i in range(2000)]
            await queue.add_many(jobs)
            await queue.add({"n": 1}, tenant="small", tier="pro")
            await queue.add({"n": 2}, tenant="later", tier="pro", delay_ms=60_000)  # not startable now
            await record_tenant_limit(queue, prefix, "flood", 2)
            await record_tenant_limit(queue, prefix, "small", 10)
            reserved = await queue.reserve(1, worker_id="w")  # one running job
            assert len(reserved) == 1

            loads = {t.tenant_id: t for t in await QueueObserver(queue.redis, prefix).tenants()}
            assert loads["flood"].pending + loads["flood"].running == 2000
            assert loads["flood"].limit == 2 and loads["small"].limit == 10
            assert loads["later"].pending == 0  # delayed jobs cannot start, so they are not demand
            assert runnable(list(loads.values())) <= 3
            decision = decide(
                Observation(time=0, tenants=list(loads.values()), workers=0),
                ScalingSettings(min_workers=0, scale_up_depth=0, scale_up_window=0),
            )
            assert decision.desired <= 3  # not 2000
        finally:
            keys = [k async for k in queue.redis.scan_iter(match=f"*{prefix}*", count=1000)]
            for i in range(0, len(keys), 500):
                await queue.redis.delete(*keys[i : i + 500])
            await queue.close()

    asyncio.run(go())


def test_an_unrecorded_limit_defaults_to_the_tenants_group_count() -> None:
    async def go() -> None:
        prefix = f"obs{uuid.uuid4().hex[:8]}"
        client = aioredis.Redis.from_url("redis://127.0.0.1:6379/0")
        queue = RedisQueue(load_settings(), namespace=f"{prefix}scans", client=client)
        try:
            for i in range(5):
                await queue.add({"n": i}, group_id="node-producer")  # a plain GroupMQ group, one at a time
            assert await QueueObserver(client, prefix).tenants() == [TenantLoad("node-producer", 5, 0, 1)]
        finally:
            keys = [k async for k in client.scan_iter(match=f"*{prefix}*", count=1000)]
            if keys:
                await client.delete(*keys)
            await client.aclose()

    asyncio.run(go())


def test_worker_env_reproduces_the_settings_in_a_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings(
        queue_backend="redis", queue_prefix="abc", load_plugins=["lab", "nmap"], queue_visibility_ms=1234,
        tiers={"basic": {"max_concurrent_scans": 3}}, autoscaler={"env": {"EXTRA": "1"}},
    )  # fmt: skip
    env = worker_env(settings, "w-1")
    assert env["SECUREOPS_CONTAINER_NAME"] == "w-1" and env["EXTRA"] == "1"
    assert "SECUREOPS_AUTOSCALER" not in env
    for name, value in env.items():
        if name.startswith("SECUREOPS_") and name != "SECUREOPS_CONTAINER_NAME":
            monkeypatch.setenv(name, value)
    rebuilt = load_settings()  # as the worker reads them: from its environment
    assert rebuilt.model_dump(exclude={"autoscaler"}) == settings.model_dump(exclude={"autoscaler"})
