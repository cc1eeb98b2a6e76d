"""Interoperability with the real Node GroupMQ 1.1.0 library on one Redis namespace.

Node producer → Python worker, Python producer → Node worker, a mixed Node + Python worker pool, and a
group wedged by Node's own stalled-job bug that our worker repairs. Checks: every job runs exactly once,
per-group FIFO, never two jobs of a group at once.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path

import redis

from secureops.core.queue.base import NewJob
from secureops.core.queue.redis_driver import RedisQueue
from tests.interop.conftest import REDIS_URL, Run, check_runs, node, parse_node_runs, python_worker
from tests.queue.conftest import small_tier_settings


def leftover_keys(ns: str) -> set[str]:
    """The namespace's keys once everything finished (bookkeeping keys with or without a TTL excepted)."""
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    keys = {k.split(":", 2)[2] for k in client.scan_iter(match=f"groupmq:{ns}:*")}
    client.close()
    return {k for k in keys if not k.startswith(("seq:", "stalled:", "events", "sched:", "cleanup:", "repair:lock"))}


def test_node_producer_python_worker(node_groupmq: Path, ns: str) -> None:
    out = subprocess.run(node("producer.mjs", REDIS_URL, ns, 300, 10, "n"), check=True, capture_output=True,
                         text=True, timeout=60)  # fmt: skip
    assert json.loads(out.stdout)["added"] == 300

    async def main() -> list[Run]:
        queue = RedisQueue(small_tier_settings(), namespace=ns)
        runs: list[Run] = []
        await python_worker(queue, runs, stop_when=300, concurrency=8)
        await queue.close()
        return runs

    runs = asyncio.run(main())
    check_runs(runs, {f"n-{i}" for i in range(300)})
    assert leftover_keys(ns) == set()


def test_python_producer_node_worker(node_groupmq: Path, ns: str) -> None:
    async def produce() -> None:
        queue = RedisQueue(small_tier_settings(), namespace=ns)
        for chunk in range(0, 300, 50):
            await queue.add_many(
                [NewJob(data={"i": i, "g": i % 10}, group_id=f"g{i % 10}", job_id=f"p-{i}")
                 for i in range(chunk, chunk + 50)]
            )  # fmt: skip
        await queue.close()

    asyncio.run(produce())
    out = subprocess.run(node("worker.mjs", REDIS_URL, ns, 300, 8, 0, 10_000), check=True, capture_output=True,
                         text=True, timeout=120)  # fmt: skip
    runs = parse_node_runs(out.stdout)
    check_runs(runs, {f"p-{i}" for i in range(300)})
    assert leftover_keys(ns) == set()


def test_mixed_node_and_python_worker_pool(node_groupmq: Path, ns: str) -> None:
    total = 400

    async def main() -> tuple[list[Run], list[Run]]:
        queue = RedisQueue(small_tier_settings(), namespace=ns)
        # Start the Node worker first, so both kinds compete from the first job on.
        proc = await asyncio.create_subprocess_exec(
            *node("worker.mjs", REDIS_URL, ns, 0, 4, 3, 1500), stdout=asyncio.subprocess.PIPE
        )
        assert proc.stdout is not None
        assert json.loads(await proc.stdout.readline())["ev"] == "ready"
        await queue.add_many([NewJob(data={"i": i}, group_id=f"g{i % 20}", job_id=f"m-{i}") for i in range(total)])
        py_runs: list[Run] = []
        stdout_task = asyncio.create_task(proc.stdout.read())
        await python_worker(queue, py_runs, stop_when=total, concurrency=4, work_s=0.003, idle_exit_s=1.5)
        node_out = (await stdout_task).decode()
        await proc.wait()
        await queue.close()
        return py_runs, parse_node_runs(node_out)

    py_runs, node_runs = asyncio.run(main())
    assert py_runs and node_runs, f"both kinds must take work (python {len(py_runs)}, node {len(node_runs)})"
    check_runs(py_runs + node_runs, {f"m-{i}" for i in range(total)})
    assert leftover_keys(ns) == set()


def test_python_worker_repairs_a_group_wedged_by_groupmq_1_1_0(node_groupmq: Path, ns: str) -> None:
    out = subprocess.run(node("wedge.mjs", REDIS_URL, ns, "gw", "w-0"), check=True, capture_output=True, text=True,
                         timeout=60)  # fmt: skip
    layout = json.loads(out.stdout)
    # The bug, as the real library leaves it: re-queued, but its id still locks the group, status stale.
    assert layout == {"first": "w-0", "second": None, "active": ["w-0"], "processing": [], "inGroup": ["w-0"],
                      "status": "processing"}  # fmt: skip

    async def main() -> list[Run]:
        queue = RedisQueue(small_tier_settings(), namespace=ns)
        await queue.add({"i": 1}, group_id="gw", job_id="w-1")
        runs: list[Run] = []

        await python_worker(queue, runs, stop_when=2, concurrency=2, idle_exit_s=5)
        await queue.close()
        return runs

    runs = asyncio.run(main())
    check_runs(runs, {"w-0", "w-1"})  # the wedged job ran once, then the next job of its group: unwedged
