"""Scan workers as real processes on PostgreSQL + Redis: crash recovery, graceful stop, the CLI's scan command."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from secureops.core.config import Settings, load_settings
from secureops.core.registry import Registry
from secureops.core.scans.service import ScanServices, wait_for_scans
from secureops.core.scans.submit import submit_scan
from secureops.core.store import StoreError
from secureops.core.store.models import Finding, Scan
from secureops.core.store.models import Test as ReportTest
from secureops.core.store.tenants import create_tenant
from secureops.core.store.testing import TemporaryDatabase, temporary_database
from secureops.core.targets import Target
from tests.scans.conftest import TENANT

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def database() -> Iterator[TemporaryDatabase]:
    with temporary_database() as db:
        yield db


@pytest.fixture
def settings(database: TemporaryDatabase, tmp_path: Path) -> Settings:
    """PostgreSQL + Redis (a queue prefix of its own) + local runtime; short leases so recovery is quick."""
    return load_settings(
        database_url=database.owner_url,
        queue_backend="redis",
        queue_prefix=f"t{uuid.uuid4().hex[:10]}",
        queue_visibility_ms=1500,
        work_dir=tmp_path / "work",
        disable_plugin_autoload=True,
    )


@pytest.fixture
def services(settings: Settings, lab_registry: Registry) -> Iterator[ScanServices]:
    services = ScanServices.from_settings(settings, lab_registry)
    with contextlib.suppress(StoreError):  # the module's database may have it already
        create_tenant(services.store, TENANT, company_name="Lab", tier="pro", actor="pytest")
    yield services
    services.store.dispose()


def worker_env(settings: Settings, lab_site: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PYTHONPATH=os.pathsep.join(filter(None, [str(lab_site), env.get("PYTHONPATH")])),
        SECUREOPS_DATABASE_URL=settings.database_url,
        SECUREOPS_QUEUE_BACKEND="redis",
        SECUREOPS_QUEUE_PREFIX=settings.queue_prefix,
        SECUREOPS_QUEUE_VISIBILITY_MS=str(settings.queue_visibility_ms),
        SECUREOPS_WORK_DIR=str(settings.work_dir),
        SECUREOPS_LOAD_PLUGINS="lab",
    )
    return env


def start_worker(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "secureops", "worker", *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def submit(services: ScanServices, **options: Any) -> int:
    async def go() -> int:
        request = await submit_scan(
            settings=services.settings, store=services.store, queue=services.queue, registry=services.registry,
            tenant=TENANT, scanner="lab", target=Target.parse("127.0.0.1"), options=options,
        )  # fmt: skip
        await services.close()
        return request.scan_id

    return asyncio.run(go())


def scan_row(services: ScanServices, scan_id: int) -> Scan:
    with services.store.tenant(TENANT) as session:
        row = session.get(Scan, scan_id)
        assert row is not None
        session.expunge(row)
        return row


def wait_status(services: ScanServices, scan_id: int, statuses: set[str], timeout: float = 60) -> Scan:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = scan_row(services, scan_id)
        if row.status in statuses:
            return row
        time.sleep(0.1)
    raise AssertionError(f"scan {scan_id} stayed {scan_row(services, scan_id).status}")


def stop(process: subprocess.Popen[str]) -> str:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=60)
    return out


def test_sigkilled_worker_mid_scan_is_recovered_by_another(
    services: ScanServices, settings: Settings, lab_site: Path
) -> None:
    scan_id = submit(services, mode="slow", seconds=3)
    env = worker_env(settings, lab_site)
    first = start_worker(env)
    try:
        wait_status(services, scan_id, {"running"})
        first.kill()  # SIGKILL: no cleanup, no hand-back; the lease must expire
        first.wait(timeout=10)
        second = start_worker(env)
        try:
            row = wait_status(services, scan_id, {"completed", "failed"})
        finally:
            stop(second)
    finally:
        if first.poll() is None:
            first.kill()
    assert (row.status, row.findings_count, row.attempts) == ("completed", 2, 2)
    with services.store.tenant(TENANT) as session:
        tests = session.exec(select(ReportTest).where(ReportTest.title.startswith(f"scan {scan_id}:"))).all()  # type: ignore[attr-defined]
        assert len(tests) == 1
        findings = session.exec(select(Finding).where(Finding.test_id == tests[0].id)).all()
    assert sorted(f.title for f in findings) == ["banner disclosed", "weak cipher"]  # stored once


def test_sigterm_lets_the_running_scan_finish(services: ScanServices, settings: Settings, lab_site: Path) -> None:
    scan_id = submit(services, mode="slow", seconds=2)
    worker = start_worker(worker_env(settings, lab_site), "--grace", "30")
    wait_status(services, scan_id, {"running"})
    worker.send_signal(signal.SIGTERM)
    output = stop(worker)
    assert worker.returncode == 0, output
    row = scan_row(services, scan_id)
    assert (row.status, row.findings_count) == ("completed", 2)


def test_worker_refuses_the_in_process_queue() -> None:
    env = dict(os.environ, SECUREOPS_QUEUE_BACKEND="memory")
    result = subprocess.run([sys.executable, "-m", "secureops", "worker"], env=env, capture_output=True, text=True)
    assert result.returncode == 2
    assert "queue_backend = 'redis'" in result.stderr


def test_docker_runtime_end_to_end(services: ScanServices, settings: Settings, lab_registry: Registry) -> None:
    """The same flow with scanners in containers (the lab scanner's busybox image, built locally)."""
    from secureops.core.runtimes.docker import DockerRuntime
    from tests.docker_support import docker_client, ensure_busybox_image

    client = docker_client()
    ensure_busybox_image(client)
    docker_services = ScanServices.from_settings(settings, lab_registry, runtime=DockerRuntime(settings, client=client))

    async def scenario() -> dict[int, Scan]:
        request = await submit_scan(
            settings=settings, store=docker_services.store, queue=docker_services.queue, registry=lab_registry,
            tenant=TENANT, scanner="lab", target=Target.parse("127.0.0.1"), options={"mode": "ok"},
        )  # fmt: skip
        scan_id = request.scan_id
        worker = docker_services.worker()
        running = asyncio.create_task(worker.run())
        try:
            return await wait_for_scans(docker_services.store, TENANT, [scan_id], timeout=60)
        finally:
            worker.stop()
            await running
            await docker_services.close()

    rows = asyncio.run(scenario())
    row = next(iter(rows.values()))
    assert (row.status, row.findings_count, row.error) == ("completed", 2, None)
    docker_services.store.dispose()


def test_presence_and_drain_never_interrupt_a_running_scan(
    services: ScanServices, settings: Settings, lab_site: Path
) -> None:
    """The autoscaler's view of a worker, and its drain request: the scan finishes, then the worker exits."""
    import redis.asyncio as aioredis

    from secureops.core.scans.presence import list_workers, request_drain

    async def workers() -> list[Any]:
        client = aioredis.Redis.from_url(settings.redis_url)
        try:
            return await list_workers(client, settings.queue_prefix)
        finally:
            await client.aclose()

    async def drain(worker_id: str) -> None:
        client = aioredis.Redis.from_url(settings.redis_url)
        try:
            await request_drain(client, worker_id, settings.queue_prefix)
        finally:
            await client.aclose()

    process = start_worker(worker_env(settings, lab_site))
    try:
        deadline = time.monotonic() + 30
        while not (seen := asyncio.run(workers())) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(seen) == 1 and seen[0].busy == 0 and seen[0].pid == process.pid
        scan_id = submit(services, mode="slow", seconds=2)
        wait_status(services, scan_id, {"running"})
        deadline = time.monotonic() + 10
        while asyncio.run(workers())[0].busy != 1:  # presence is refreshed every second
            assert time.monotonic() < deadline, "presence never showed the running scan"
            time.sleep(0.1)
        asyncio.run(drain(seen[0].id))
        process.wait(timeout=60)  # it exits by itself once the scan is done
        assert process.returncode == 0
        assert (scan_row(services, scan_id).status, scan_row(services, scan_id).findings_count) == ("completed", 2)
        assert asyncio.run(workers()) == []  # presence removed on exit
    finally:
        if process.poll() is None:
            process.kill()
