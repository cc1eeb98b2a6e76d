"""Benchmark: queue throughput of our Redis driver against the Node GroupMQ 1.1.0 library, same run, same Redis.

Trivial jobs spread over 100 groups. Measured, each a median of ``--runs`` runs in a fresh namespace:

- ``enqueue_seq``: one add awaited at a time (Node: ``await queue.add()`` with autoBatch off; ours:
  ``await queue.add()``);
- ``enqueue_batch``: 100 adds per round trip (Node: autoBatch size 100 with 100 adds in flight; ours:
  ``add_many`` of 100);
- ``process``: one worker with concurrency ``--concurrency`` draining pre-loaded jobs (Node: ``Worker``; ours:
  ``secureops.core.queue.worker.Worker``). Both drain the same kind of jobs, enqueued by our producer.

Node runs from ``tests/interop`` (``npm ci`` there first). Human-readable lines go first; the last line is one
JSON object with ``ratio_enqueue`` (sequential adds), ``ratio_enqueue_batch`` and ``ratio_process``
(ours ÷ Node; ≥ 1.0 means we are at least as fast).

    python bench/queue.py                       # 10,000 jobs, 3 runs, concurrency 8
    python bench/queue.py --jobs 20000 --runs 5 --redis-url redis://127.0.0.1:6379/0
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named queue.py: when run as a script its folder comes first on sys.path and would shadow the
# standard library's ``queue`` module that asyncio and redis import.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

import argparse
import asyncio
import json
import platform
import shutil
import statistics
import subprocess
import time
import uuid
from typing import Any

import redis

from secureops.core.config import Settings
from secureops.core.queue.base import Job, NewJob
from secureops.core.queue.redis_driver import RedisQueue
from secureops.core.queue.worker import Worker

ROOT = Path(__file__).resolve().parent.parent
INTEROP = ROOT / "tests" / "interop"
GROUPS = 100


def drop(url: str, namespace: str) -> None:
    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"groupmq:{namespace}:*", count=5000))
    for i in range(0, len(keys), 1000):
        client.delete(*keys[i : i + 1000])
    client.close()


def node(url: str, namespace: str, mode: str, count: int, arg: int) -> float:
    out = subprocess.run(
        [shutil.which("node") or "node", str(INTEROP / "bench.mjs"), url, namespace, mode, str(count), str(arg)],
        check=True, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    return float(json.loads(out.stdout.strip().splitlines()[-1])["rate"])


def queue(url: str, namespace: str) -> RedisQueue:
    # Node emits no events; ours do by default (XADD per lifecycle step) and that is what we measure.
    return RedisQueue(Settings(redis_url=url), namespace=namespace)


async def py_enqueue(url: str, namespace: str, count: int, batch: bool) -> float:
    q = queue(url, namespace)
    await q.depth()  # connect and load scripts outside the timing, as Node's Queue does on construction
    t0 = time.perf_counter()
    if batch:
        for i in range(0, count, 100):
            await q.add_many([NewJob(data={"i": j}, group_id=f"g{j % GROUPS}") for j in range(i, min(count, i + 100))])
    else:
        for i in range(count):
            await q.add({"i": i}, group_id=f"g{i % GROUPS}")
    seconds = time.perf_counter() - t0
    await q.close()
    return count / seconds


async def preload(url: str, namespace: str, count: int) -> None:
    q = queue(url, namespace)
    for i in range(0, count, 500):
        await q.add_many([NewJob(data={"i": j}, group_id=f"g{j % GROUPS}") for j in range(i, min(count, i + 500))])
    await q.close()


async def py_process(url: str, namespace: str, count: int, concurrency: int) -> float:
    q = queue(url, namespace)
    await q.depth()
    finished = asyncio.Event()
    done = 0

    async def handler(job: Job) -> None:
        nonlocal done
        done += 1
        if done == count:
            finished.set()

    worker = Worker(q, handler, concurrency=concurrency)
    t0 = time.perf_counter()
    task = asyncio.create_task(worker.run())
    await finished.wait()
    seconds = time.perf_counter() - t0
    worker.stop()
    await task
    await q.close()
    return count / seconds


def measure(url: str, kind: str, side: str, count: int, concurrency: int) -> float:
    namespace = f"bench{uuid.uuid4().hex[:10]}"
    try:
        if kind == "process":
            asyncio.run(preload(url, namespace, count))
            if side == "node":
                return node(url, namespace, "process", count, concurrency)
            return asyncio.run(py_process(url, namespace, count, concurrency))
        batch = kind == "enqueue_batch"
        if side == "node":
            return node(url, namespace, "enqueue-batch" if batch else "enqueue-seq", count, GROUPS)
        return asyncio.run(py_enqueue(url, namespace, count, batch))
    finally:
        drop(url, namespace)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args(argv)
    if not (INTEROP / "node_modules" / "groupmq").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=INTEROP, check=True)
    results: dict[str, Any] = {}
    for kind in ("enqueue_seq", "enqueue_batch", "process"):
        rates: dict[str, list[float]] = {"python": [], "node": []}
        for _ in range(args.runs):
            for side in ("node", "python"):  # interleaved, so drift on a shared VM hits both sides
                rates[side].append(measure(args.redis_url, kind, side, args.jobs, args.concurrency))
        py, nd = statistics.median(rates["python"]), statistics.median(rates["node"])
        results[kind] = {
            "python_jobs_per_s": round(py),
            "node_jobs_per_s": round(nd),
            "ratio": round(py / nd, 3),
            "python_runs": [round(r) for r in rates["python"]],
            "node_runs": [round(r) for r in rates["node"]],
        }
        print(f"{kind:14} python {py:9.0f} jobs/s   node {nd:9.0f} jobs/s   ratio {py / nd:5.2f}x", flush=True)
    print(
        json.dumps(
            {
                "benchmark": "queue",
                "python": platform.python_version(),
                "jobs": args.jobs,
                "groups": GROUPS,
                "concurrency": args.concurrency,
                "runs": args.runs,
                "ratio_enqueue": results["enqueue_seq"]["ratio"],
                "ratio_enqueue_batch": results["enqueue_batch"]["ratio"],
                "ratio_process": results["process"]["ratio"],
                "results": results,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
