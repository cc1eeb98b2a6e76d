"""Benchmark: how quickly a scale-up turns into work, and what one controller loop costs at 10,000 tenants.

1. **Decision → first reservation**: a job waits in a real Redis queue; the backend starts one worker (the
   moment the controller acts on a scale-up decision); we time until the job is reserved (its queue record
   says ``processing``). Median of ``--repeats`` for the ``local`` backend (a ``secureops worker`` process) and,
   with ``--docker``, the ``docker`` backend (a container of the locally built worker image). Baseline in the
   same run: a bare ``python -c "import secureops"`` process start, the floor under the local figure.
2. **Loop cost**: observe (one Redis script over every group + the limits hash) + decide, with ``--tenants``
   tenants' worth of slot groups (each tenant 1 to 3 groups with waiting jobs, some running). Baseline in the same
   run: the queue's own ``depth()`` script over the same keys.

    python bench/autoscaler.py [--repeats 5] [--tenants 10000] [--docker]

The last line of output is one JSON object. Needs Redis on 127.0.0.1:6379 (and the Docker engine with
``--docker``); everything it creates lives under a fresh queue prefix and is deleted afterwards.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as ``python bench/<name>.py``, Python puts bench/ first on sys.path, where bench/queue.py would shadow the
# standard library's ``queue`` (imported by concurrent.futures, redis, urllib3 …). Drop it before anything else.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import asyncio
import json
import shutil
import statistics
import subprocess
import time
import uuid
from typing import Any

from secureops.autoscaler.backends.base import WorkerBackend
from secureops.autoscaler.observe import QueueObserver
from secureops.autoscaler.policy import Observation, ScalingSettings, decide
from secureops.core.config import load_settings
from secureops.core.drivers import load_driver
from secureops.core.queue.redis_driver import RedisQueue
from secureops.core.scans.presence import limits_key

ROOT = Path(__file__).resolve().parents[1]


async def _cleanup(client: Any, prefix: str) -> None:
    for pattern in (f"groupmq:{prefix}*", f"secureops:{prefix}*"):
        keys = [k async for k in client.scan_iter(match=pattern, count=2000)]
        for i in range(0, len(keys), 1000):
            await client.delete(*keys[i : i + 1000])


async def time_to_first_job(backend_name: str, repeats: int, settings_kw: dict[str, Any]) -> list[float]:
    """Seconds from ``backend.start()`` to the waiting job being reserved, ``repeats`` times."""
    timings = []
    for _ in range(repeats):
        prefix = f"bench{uuid.uuid4().hex[:8]}"
        settings = load_settings(
            queue_backend="redis", queue_prefix=prefix, disable_plugin_autoload=True,
            database_url=f"sqlite:////tmp/{prefix}.db", work_dir=Path(f"/tmp/{prefix}"), **settings_kw,
        )  # fmt: skip
        queue = RedisQueue(settings, namespace=f"{prefix}scans")
        backend: WorkerBackend = load_driver("autoscaler", settings, driver=backend_name)
        # An unknown scanner: the worker reserves the job, then fails it; reservation is what we time.
        await queue.add({"scanner": "none"}, tenant="bench", tier="pro", job_id="first")
        try:
            started = time.perf_counter()
            name = backend.start()
            while (await queue.redis.hget(f"{queue.key}:job:first", "status")) in ("waiting", None):
                await asyncio.sleep(0.005)
            timings.append(time.perf_counter() - started)
            for info in await QueueObserver(queue.redis, prefix).presence():
                await queue.redis.set(f"secureops:{prefix}drain:{info.id}", "1", ex=60)
            deadline = time.monotonic() + 60
            while any(h.alive for h in backend.list()) and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            if backend_name == "docker" and any(h.alive for h in backend.list()):
                backend.client.containers.get(name).stop(timeout=5)  # type: ignore[attr-defined]
            for handle in backend.list():
                if not handle.alive:
                    backend.remove(handle.name)
        finally:
            backend.close()
            await _cleanup(queue.redis, prefix)
            await queue.close()
            Path(f"/tmp/{prefix}.db").unlink(missing_ok=True)
            shutil.rmtree(f"/tmp/{prefix}", ignore_errors=True)
    return timings


def bare_process_start(repeats: int) -> list[float]:
    """Baseline: a Python process that imports secureops and exits."""
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import secureops.cli"], check=True)
        timings.append(time.perf_counter() - started)
    return timings


async def loop_cost(tenants: int, rounds: int) -> dict[str, float]:
    """Median seconds of observe+decide and of the queue's depth() over ``tenants`` tenants' groups."""
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    settings = load_settings(queue_backend="redis", queue_prefix=prefix)
    queue = RedisQueue(settings, namespace=f"{prefix}scans", events=False)
    client = queue.redis
    try:
        for start in range(0, tenants, 500):
            batch = []
            for t in range(start, min(start + 500, tenants)):
                for slot in range(1 + t % 3):
                    batch.append(
                        {"id": f"j{t}-{slot}", "gid": f"tenant{t}:{slot}", "running": t % 7 == 0 and slot == 0}
                    )
            async with client.pipeline(transaction=False) as pipe:
                for job in batch:
                    gid = job["gid"]
                    pipe.hset(
                        f"{queue.key}:job:{job['id']}",
                        mapping={"id": job["id"], "groupId": gid, "status": "waiting", "data": "{}"},
                    )
                    pipe.sadd(f"{queue.key}:groups", gid)
                    if job["running"]:
                        pipe.rpush(f"{queue.key}:g:{gid}:active", job["id"])
                    else:
                        pipe.zadd(f"{queue.key}:g:{gid}", {job["id"]: 1})
                for t in range(start, min(start + 500, tenants)):
                    pipe.hset(limits_key(prefix), f"tenant{t}", 2 if t % 2 else 10)
                await pipe.execute()
        observer = QueueObserver(client, prefix)
        scaling = ScalingSettings()
        observe_times, depth_times = [], []
        loads = []
        for _ in range(rounds):
            started = time.perf_counter()
            loads = await observer.tenants()
            decide(Observation(time=0.0, tenants=loads, workers=10), scaling)
            observe_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            await queue.depth()
            depth_times.append(time.perf_counter() - started)
        assert len(loads) == tenants, (len(loads), tenants)
        return {
            "observe_decide_s": statistics.median(observe_times),
            "depth_baseline_s": statistics.median(depth_times),
        }
    finally:
        await _cleanup(client, prefix)
        await queue.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--tenants", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--docker", action="store_true", help="also time the docker backend")
    args = parser.parse_args()

    result: dict[str, Any] = {"tenants": args.tenants, "repeats": args.repeats}
    baseline = bare_process_start(args.repeats)
    result["baseline_process_start_s"] = round(statistics.median(baseline), 3)
    local = asyncio.run(time_to_first_job("local", args.repeats, {}))
    result["local_first_job_s"] = round(statistics.median(local), 3)
    result["local_vs_process_start"] = round(statistics.median(local) / statistics.median(baseline), 2)
    print(f"local backend: decision → first job, median {result['local_first_job_s']} s ({local})", flush=True)
    if args.docker:
        image = subprocess.run(
            [str(ROOT / "scripts" / "build-worker-image")], check=True, capture_output=True, text=True
        ).stdout.split()[-1]
        docker_kw = {"autoscaler": {"image": image, "network_mode": "host", "restart_policy": "no"}}
        timings = asyncio.run(time_to_first_job("docker", args.repeats, docker_kw))
        result["docker_first_job_s"] = round(statistics.median(timings), 3)
        result["docker_vs_local"] = round(statistics.median(timings) / statistics.median(local), 2)
        print(f"docker backend: decision → first job, median {result['docker_first_job_s']} s ({timings})", flush=True)
    cost = asyncio.run(loop_cost(args.tenants, args.rounds))
    result["loop_observe_decide_ms"] = round(cost["observe_decide_s"] * 1000, 1)
    result["depth_script_baseline_ms"] = round(cost["depth_baseline_s"] * 1000, 1)
    result["loop_vs_depth"] = round(cost["observe_decide_s"] / cost["depth_baseline_s"], 2)
    print(f"loop cost at {args.tenants} tenants: {result['loop_observe_decide_ms']} ms", flush=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
