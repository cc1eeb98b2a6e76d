"""``secureops queue stats|dead|retry|purge`` against the real Redis (Typer's runner, in process)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

from typer.testing import CliRunner

from secureops.cli import app
from secureops.core.queue.base import NewJob
from secureops.core.queue.redis_driver import RedisQueue
from tests.queue.conftest import REDIS_URL, small_tier_settings


@dataclass
class Out:
    returncode: int
    stdout: str
    stderr: str


def cli(*args: str) -> Out:
    env = {"SECUREOPS_QUEUE_BACKEND": "redis", "SECUREOPS_REDIS_URL": REDIS_URL}
    result = CliRunner().invoke(app, ["queue", *args], env=env)
    return Out(result.exit_code, result.stdout, result.stderr)


def test_stats_dead_retry_purge(redis_ns: str) -> None:
    async def seed() -> None:
        q = RedisQueue(small_tier_settings(), namespace=redis_ns, keep_failed=10)
        await q.add_many([NewJob(data=i, tenant="acme", tier="basic") for i in range(3)])
        await q.add_many([NewJob(data=i, group_id=f"g{i}", job_id=f"bad{i}", max_attempts=1) for i in range(2)])
        await q.add(0, group_id="later", delay_ms=60_000)
        for job in await q.reserve(10):
            if job.id.startswith("bad"):
                await q.fail(job, "exploded")
        await q.close()

    asyncio.run(seed())
    out = cli("stats", "--json", "--namespace", redis_ns)
    assert out.returncode == 0, out.stderr
    stats = json.loads(out.stdout)
    assert (stats["running"], stats["failed"], stats["delayed"]) == (2, 2, 1)
    assert stats["tenants"]["acme"] == {"waiting": 1, "delayed": 0, "active": 2, "runnable_groups": 0}
    assert {g["group"] for g in stats["groups"]} == {"acme:0", "acme:1", "later"}
    table = cli("stats", "--namespace", redis_ns)
    assert table.returncode == 0 and "acme" in table.stdout

    dead = json.loads(cli("dead", "--json", "--namespace", redis_ns).stdout)
    assert sorted(d["id"] for d in dead) == ["bad0", "bad1"] and dead[0]["error"] == "exploded"

    assert cli("retry", "--namespace", redis_ns).returncode == 2  # neither ids nor --all
    missing = cli("retry", "bad0", "nope", "--namespace", redis_ns)
    assert missing.returncode == 2 and "not dead-lettered" in missing.stderr
    purged = cli("purge", "--all", "--namespace", redis_ns)
    assert purged.returncode == 0 and "purged 1" in purged.stdout
    stats = json.loads(cli("stats", "--json", "--namespace", redis_ns).stdout)
    assert stats["failed"] == 0 and any(g["group"] == "g0" for g in stats["groups"])


def test_stats_reads_the_installations_prefixed_queue(redis_ns: str) -> None:
    """With ``queue_prefix`` set, operator commands look where the worker and producers put the jobs."""
    prefix, name = redis_ns[:-4], redis_ns[-4:]  # the namespace the workers use is prefix + queue name

    async def seed() -> None:
        q = RedisQueue(small_tier_settings(), namespace=redis_ns)
        await q.add(1, group_id="g1")
        await q.close()

    asyncio.run(seed())
    env = {"SECUREOPS_QUEUE_BACKEND": "redis", "SECUREOPS_REDIS_URL": REDIS_URL, "SECUREOPS_QUEUE_PREFIX": prefix}
    result = CliRunner().invoke(app, ["queue", "stats", "--json", "--namespace", name], env=env)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["waiting"] == 1
