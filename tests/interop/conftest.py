"""Interop fixtures: the real Node GroupMQ 1.1.0 (``npm ci`` here on first use) against our Python queue."""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from secureops.core.queue.base import Job, QueueBackend
from secureops.core.queue.worker import Worker
from tests.queue.conftest import REDIS_URL, drop_namespace, new_namespace

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def node_groupmq() -> Path:
    """The folder with ``node_modules/groupmq`` (installed from the lock file if missing)."""
    if not (HERE / "node_modules" / "groupmq" / "package.json").is_file():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is required for the GroupMQ interop tests (Node 20 + npm)")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True, timeout=300)
    version = json.loads((HERE / "node_modules" / "groupmq" / "package.json").read_text())["version"]
    assert version == "1.1.0", f"interop tests pin groupmq 1.1.0, found {version}"
    return HERE


@pytest.fixture
def ns() -> Iterator[str]:
    """A fresh namespace, deleted afterwards."""
    namespace = new_namespace()
    yield namespace
    drop_namespace(namespace)


@dataclass(frozen=True)
class Run:
    """One execution of a job by some worker."""

    id: str
    group: str
    index: int
    start: float
    end: float
    who: str


def node(script: str, *args: Any) -> list[str]:
    """argv for a Node script of this folder."""
    return [shutil.which("node") or "node", str(HERE / script), *map(str, args)]


def parse_node_runs(stdout: str, who: str = "node") -> list[Run]:
    """Pair the start/end lines a ``worker.mjs`` printed into runs."""
    starts: dict[str, dict[str, Any]] = {}
    runs = []
    for line in stdout.splitlines():
        ev = json.loads(line)
        if ev["ev"] == "start":
            starts[ev["id"]] = ev
        elif ev["ev"] == "end":
            s = starts.pop(ev["id"])
            runs.append(Run(ev["id"], ev["gid"], int(s["data"]["i"]), s["t"], ev["t"], who))
    return runs


async def python_worker(
    queue: QueueBackend, runs: list[Run], *, stop_when: int, concurrency: int = 8, work_s: float = 0.0,
    idle_exit_s: float | None = None, who: str = "python",
) -> Worker:  # fmt: skip
    """Run our Worker, appending a Run per job, until ``runs`` has ``stop_when`` entries (or idle)."""
    last = [time.monotonic()]

    async def handler(job: Job) -> dict[str, bool]:
        start = time.time() * 1000
        if work_s:
            await asyncio.sleep(work_s)
        runs.append(Run(job.id, job.group_id, int(job.data["i"]), start, time.time() * 1000, who))
        last[0] = time.monotonic()
        return {"ok": True}

    worker = Worker(queue, handler, concurrency=concurrency, maintenance_ms=200)
    task = asyncio.create_task(worker.run(grace_s=5))
    while len(runs) < stop_when:
        if idle_exit_s is not None and time.monotonic() - last[0] > idle_exit_s:
            break
        await asyncio.sleep(0.01)
    worker.stop()
    await task
    return worker


def check_runs(runs: list[Run], expected_ids: set[str]) -> None:
    """Every job ran exactly once; per group, jobs ran in FIFO order and never two at a time."""
    ids = [r.id for r in runs]
    assert len(ids) == len(set(ids)), "a job ran twice"
    assert set(ids) == expected_ids, f"missing {len(expected_ids - set(ids))}, unexpected {set(ids) - expected_ids}"
    groups: dict[str, list[Run]] = {}
    for r in runs:
        groups.setdefault(r.group, []).append(r)
    for gid, group_runs in groups.items():
        group_runs.sort(key=lambda r: (r.start, r.index))
        assert [r.index for r in group_runs] == sorted(r.index for r in group_runs), f"FIFO broken in {gid}"
        for a, b in itertools.pairwise(group_runs):
            # Node stamps with Date.now() (whole milliseconds), Python with fractions: compare at Node's resolution.
            assert b.start >= math.floor(a.end), f"two jobs of group {gid} ran at once: {a} and {b}"


__all__ = ["REDIS_URL", "Run", "check_runs", "node", "parse_node_runs", "python_worker"]
