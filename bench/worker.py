"""Benchmark: scans per second through the whole worker path, local and Docker runtimes, against a baseline.

Each scan goes submit → queue → worker → runtime → importer → store with a no-op scanner (``echo`` of a one-line
report, one finding). The baseline in the same run executes the very same command the same number of times at
the same concurrency with nothing around it (``subprocess.run`` locally, ``docker run --rm`` for Docker), so
the difference is what the platform adds per scan: validation, queueing, bookkeeping, parsing, storing.

    python bench/worker.py                       # embedded store and queue (SQLite + in-process)
    python bench/worker.py --scans 100 --concurrency 4 --production   # PostgreSQL + Redis

The last line of output is one JSON object.
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
import platform
import subprocess
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # for tests.docker_support (the local busybox image)

import secureops
from secureops.core.config import Settings, load_settings
from secureops.core.registry import Registry
from secureops.core.runtimes.base import Runtime
from secureops.core.scans.service import ScanServices, wait_for_scans
from secureops.core.scans.submit import submit_scan
from secureops.core.store.tenants import create_tenant
from secureops.testing import plugin_registry

TENANT = "client_bench"
IMAGE = "local/busybox:latest"
ARGV = ["echo", "NOOP Info benchmark finding"]


class NoopScanner(secureops.Scanner):
    """Prints a one-finding report and exits."""

    name = "noop"
    report_format = "noop-lines"
    target_kinds = frozenset({secureops.TargetKind.HOST})

    def command(self, target: secureops.Target, options: Any) -> secureops.CommandSpec:
        return secureops.CommandSpec(argv=ARGV, image=IMAGE, image_argv=ARGV)


class NoopImporter(secureops.Importer):
    """One finding per ``NOOP <severity> <title>`` line."""

    name = "noop"
    formats = ("noop-lines",)
    identity_fields = ("title",)

    def parse(self, stream: Any, context: secureops.ParseContext) -> Any:
        for line in stream:
            _, severity, title = line.decode().split(" ", 2)
            yield secureops.Finding(title=title.strip(), severity=severity)


class NoopPlugin:
    @secureops.hookimpl
    def register_scanners(self, register: Any) -> None:
        register(NoopScanner())

    @secureops.hookimpl
    def register_importers(self, register: Any) -> None:
        register(NoopImporter())


def registry() -> Registry:
    return plugin_registry(("noop", NoopPlugin()))


async def run_scans(settings: Settings, runtime: Runtime | None, scans: int, concurrency: int) -> float:
    """Seconds from the first submission until every scan is stored."""
    services = ScanServices.from_settings(settings, registry(), runtime=runtime)
    services.store.upgrade()
    create_tenant(services.store, TENANT, company_name="Bench", tier="enterprise", actor="bench")
    target = secureops.Target.parse("127.0.0.1")
    worker = services.worker(concurrency=concurrency)
    running = asyncio.create_task(worker.run())
    started = time.perf_counter()
    ids = []
    for _ in range(scans):
        request = await submit_scan(
            settings=settings, store=services.store, queue=services.queue, registry=services.registry,
            tenant=TENANT, scanner="noop", target=target,
        )  # fmt: skip
        ids.append(request.scan_id)
    rows = await wait_for_scans(services.store, TENANT, ids, poll_s=0.02, timeout=600)
    elapsed = time.perf_counter() - started
    worker.stop()
    await running
    await services.close()
    failed = [row.error for row in rows.values() if row.status != "completed"]
    if failed:
        raise SystemExit(f"{len(failed)} scans failed, e.g. {failed[0]}")
    services.store.dispose()
    return elapsed


def baseline(command: list[str], scans: int, concurrency: int) -> float:
    """Seconds to run ``command`` ``scans`` times, ``concurrency`` at a time, with nothing around it."""
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(lambda _: subprocess.run(command, capture_output=True, check=True), range(scans)))
    return time.perf_counter() - started


def measure(name: str, settings: Settings, runtime: Runtime | None, base_cmd: list[str], args: Any) -> dict[str, Any]:
    platform_s = asyncio.run(run_scans(settings, runtime, args.scans, args.concurrency))
    base_s = baseline(base_cmd, args.scans, args.concurrency)
    result = {
        "scans": args.scans,
        "concurrency": args.concurrency,
        "scans_per_s": round(args.scans / platform_s, 2),
        "baseline_per_s": round(args.scans / base_s, 2),
        "ratio_to_baseline": round(base_s / platform_s, 3),
        "overhead_ms_per_scan": round((platform_s - base_s) / args.scans * 1000 * args.concurrency, 1),
    }
    print(f"{name:>6}: {result['scans_per_s']:8.1f} scans/s   baseline {result['baseline_per_s']:8.1f}/s   "
          f"overhead {result['overhead_ms_per_scan']:7.1f} ms/scan", flush=True)  # fmt: skip
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=60)
    parser.add_argument("--docker-scans", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--production", action="store_true", help="PostgreSQL + Redis instead of embedded")
    parser.add_argument("--no-docker", action="store_true")
    args = parser.parse_args()
    out: dict[str, Any] = {"benchmark": "worker", "python": platform.python_version(),
                           "mode": "production" if args.production else "embedded"}  # fmt: skip
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="secureops-bench-")))

        def settings(tag: str) -> Settings:
            values: dict[str, Any] = {"work_dir": tmp / tag, "disable_plugin_autoload": True,
                                      "queue_prefix": f"bench{uuid.uuid4().hex[:8]}"}  # fmt: skip
            if args.production:
                from secureops.core.store.testing import temporary_database

                db = stack.enter_context(temporary_database())
                values.update(database_url=db.owner_url, queue_backend="redis")
            else:
                values.update(database_url=f"sqlite:///{tmp / tag}.db", queue_backend="memory")
            return load_settings(**values)

        out["local"] = measure("local", settings("local"), None, ARGV, args)
        if not args.no_docker:
            from secureops.core.runtimes.docker import DockerRuntime
            from tests.docker_support import docker_client, ensure_busybox_image

            client = docker_client()
            ensure_busybox_image(client)
            docker_settings = settings("docker")
            docker_args = argparse.Namespace(scans=args.docker_scans, concurrency=args.concurrency)
            base = ["docker", "run", "--rm", "--network", "none", IMAGE, *ARGV]
            runtime = DockerRuntime(docker_settings, client=client)
            out["docker"] = measure("docker", docker_settings, runtime, base, docker_args)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
