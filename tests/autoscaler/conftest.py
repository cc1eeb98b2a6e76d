"""Autoscaler fixtures: Redis, a migrated PostgreSQL database, per-test settings and scan submission."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from secureops.autoscaler.policy import ScalingSettings
from secureops.core.config import Settings, load_settings
from secureops.core.registry import Registry
from secureops.core.scans.service import ScanServices
from secureops.core.scans.submit import submit_scan
from secureops.core.store import StoreError
from secureops.core.store.models import Scan
from secureops.core.store.tenants import create_tenant
from secureops.core.store.testing import TemporaryDatabase, temporary_database
from secureops.core.targets import Target
from tests.scans.conftest import TENANT, lab_registry, lab_site

__all__ = ["TENANT", "lab_registry", "lab_site"]

ROOT = Path(__file__).resolve().parents[2]

# Windows and cooldowns that a simulated clock steps over; min 0 so tests start from nothing.
FAST = ScalingSettings(
    min_workers=0, max_workers=3, scale_up_depth=0, scale_up_window=300, scale_down_depth=1,
    scale_down_window=1800, step_up=10, step_down=10, cooldown_up=0, cooldown_down=0,
)  # fmt: skip


@pytest.fixture(scope="module")
def database() -> Iterator[TemporaryDatabase]:
    with temporary_database() as db:
        yield db


@pytest.fixture
def redis_sync() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    try:
        client.ping()
    except redis.ConnectionError as err:
        pytest.fail(f"Redis is not running on 127.0.0.1:6379 ({err}); start it with scripts/services")
    yield client
    client.close()


def cleanup_prefix(client: redis.Redis, prefix: str) -> None:
    """Delete every key of one test's queue prefix."""
    for pattern in (f"groupmq:{prefix}*", f"secureops:{prefix}*"):
        keys = list(client.scan_iter(match=pattern, count=1000))
        for i in range(0, len(keys), 500):
            client.delete(*keys[i : i + 500])


@pytest.fixture
def prefix(redis_sync: redis.Redis) -> Iterator[str]:
    name = f"as{uuid.uuid4().hex[:10]}"
    yield name
    cleanup_prefix(redis_sync, name)


@pytest.fixture
def make_settings(database: TemporaryDatabase, prefix: str, tmp_path: Path) -> Callable[..., Settings]:
    def make(scaling: ScalingSettings = FAST, **autoscaler: Any) -> Settings:
        return load_settings(
            database_url=database.owner_url,
            queue_backend="redis",
            queue_prefix=prefix,
            queue_visibility_ms=5000,
            work_dir=autoscaler.pop("work_dir", tmp_path / "work"),
            load_plugins=["lab"],
            autoscaler={"scaling": scaling, "metrics_port": 0, **autoscaler},
        )

    return make


@pytest.fixture
def scans(make_settings: Callable[..., Settings], lab_registry: Registry) -> Iterator[Callable[..., Any]]:
    """``scans(settings)`` → a helper that submits lab scans and reads their rows."""
    opened: list[ScanServices] = []

    def make(settings: Settings) -> ScanLab:
        services = ScanServices.from_settings(settings, lab_registry)
        with contextlib.suppress(StoreError):  # the module's database may have it already
            create_tenant(services.store, TENANT, company_name="Lab", tier="pro", actor="pytest")
        opened.append(services)
        return ScanLab(services)

    yield make
    for services in opened:
        services.store.dispose()


class ScanLab:
    """Submits lab scans for ``client_lab`` and waits for their status."""

    def __init__(self, services: ScanServices) -> None:
        self.services = services

    def submit(self, target: str, **options: Any) -> int:
        async def go() -> int:
            request = await submit_scan(
                settings=self.services.settings, store=self.services.store, queue=self.services.queue,
                registry=self.services.registry, tenant=TENANT, scanner="lab", target=Target.parse(target),
                options=options,
            )  # fmt: skip
            await self.services.close()
            return request.scan_id

        return asyncio.run(go())

    def status(self, scan_id: int) -> str:
        with self.services.store.tenant(TENANT) as session:
            row = session.get(Scan, scan_id)
            assert row is not None
            return row.status

    def wait(self, scan_id: int, statuses: set[str], timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.status(scan_id)
            if status in statuses:
                return status
            time.sleep(0.1)
        raise AssertionError(f"scan {scan_id} stayed {self.status(scan_id)}")


def wait_for(predicate: Callable[[], Any], timeout: float = 60, what: str = "condition") -> Any:
    """Poll ``predicate`` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="session")
def worker_image() -> str:
    """The worker image, built by scripts/build-worker-image (cached by content hash). Fails if it cannot be."""
    result = subprocess.run(
        [str(ROOT / "scripts" / "build-worker-image")], capture_output=True, text=True, cwd=ROOT, timeout=900
    )
    if result.returncode != 0:
        pytest.fail(f"scripts/build-worker-image failed:\n{result.stderr[-3000:]}")
    return result.stdout.strip().splitlines()[-1]
