"""The controller with the docker backend on the real Docker engine, real Redis and PostgreSQL.

The worker image is built locally by scripts/build-worker-image (cached by content hash). The lab test plugin is
bind-mounted read-only into the workers; they run its scans with the local runtime inside their container.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis

from secureops.autoscaler.backends.docker import ROLE_LABEL, SCOPE_LABEL, DockerBackend
from secureops.autoscaler.controller import Controller, StepResult
from secureops.autoscaler.policy import ScalingSettings
from secureops.core.config import Settings
from secureops.core.drivers import load_driver
from tests.autoscaler.conftest import wait_for
from tests.docker_support import docker_client, ensure_busybox_image

pytestmark = pytest.mark.integration

SCALING = ScalingSettings(
    min_workers=1, max_workers=3, scale_up_depth=0, scale_up_window=0, scale_down_depth=1, scale_down_window=0,
    step_up=10, step_down=2, cooldown_up=0, cooldown_down=0,
)  # fmt: skip


@pytest.fixture
def lab_mount(lab_site: Path) -> Iterator[str]:
    """The lab plugin's site folder, readable by the container's unprivileged user (pytest's tmp is 0700)."""
    folder = Path(tempfile.mkdtemp(prefix="secureops-lab-"))
    folder.chmod(0o755)
    for item in lab_site.iterdir():
        (shutil.copytree if item.is_dir() else shutil.copy)(item, folder / item.name)
    for path in folder.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    yield str(folder)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def docker_settings(make_settings: Callable[..., Settings], worker_image: str, lab_mount: str) -> Settings:
    return make_settings(
        SCALING, image=worker_image, network_mode="host", restart_policy="no", mounts=[f"{lab_mount}:/opt/lab:ro"],
        env={"PYTHONPATH": "/opt/lab"}, work_dir=Path("/tmp/secureops-autoscaler-work"),
    )  # fmt: skip


@pytest.fixture
def engine(docker_settings: Settings) -> Iterator[Any]:
    client = docker_client()
    yield client
    for container in client.containers.list(
        all=True, filters={"label": f"{SCOPE_LABEL}={docker_settings.queue_prefix}"}
    ):
        container.remove(force=True)  # teardown only: the test is over
    client.close()


def test_docker_scale_0_3_1_busy_worker_survives_killed_one_replaced(
    docker_settings: Settings, engine: Any, scans: Any
) -> None:
    backend = load_driver("autoscaler", docker_settings, driver="docker", client=engine)
    assert isinstance(backend, DockerBackend)
    loop = asyncio.new_event_loop()
    client = aioredis.Redis.from_url(docker_settings.redis_url)
    controller = Controller(docker_settings, backend, client)
    standby = Controller(docker_settings, backend, client)

    def step(c: Controller = controller) -> StepResult:
        return loop.run_until_complete(c.step())

    def containers() -> dict[str, Any]:
        return {
            c.name: c
            for c in engine.containers.list(filters={"label": f"{SCOPE_LABEL}={docker_settings.queue_prefix}"})
        }

    try:
        lab = scans(docker_settings)
        slow = lab.submit("127.0.0.1", mode="slow", seconds=45)
        quick = [lab.submit(t, mode="ok") for t in ("127.0.0.2", "127.0.0.5")]  # slot groups apart from .1

        # An exited container of ours left by an earlier autoscaler is an orphan: removed on the first loop.
        orphan = engine.containers.run(
            ensure_busybox_image(engine), ["true"], detach=True, network_mode="none", labels=backend.labels
        )
        orphan.wait(timeout=30)
        first = step()
        assert first.removed == [orphan.name]
        assert first.started and len(containers()) == 1  # 0 → 1: below the minimum
        assert step(standby).leader is False  # a second autoscaler never acts
        up = step()
        assert up.outcome == "up" and up.decision and up.decision.desired == 3
        assert len(containers()) == 3  # 0 → 3

        # labels and limits
        container = next(iter(containers().values()))
        host = container.attrs["HostConfig"]
        assert (
            container.labels[ROLE_LABEL] == "worker" and container.labels[SCOPE_LABEL] == docker_settings.queue_prefix
        )
        assert (host["NanoCpus"], host["Memory"], host["Init"], host["NetworkMode"]) == (
            2 * 10**9,
            4096 * 2**20,
            True,
            "host",
        )
        env = dict(item.split("=", 1) for item in container.attrs["Config"]["Env"])
        assert env["SECUREOPS_CONTAINER_NAME"] == container.name
        assert env["SECUREOPS_QUEUE_PREFIX"] == docker_settings.queue_prefix
        with pytest.raises(ValueError, match="drain it first"):
            backend.remove(container.name)  # a running worker is never removed

        assert lab.wait(slow, {"running"}) == "running"
        for scan_id in quick:
            assert lab.wait(scan_id, {"completed", "failed"}, timeout=40) == "completed"
        t_quick = time.monotonic()

        # 3 → 1: the two idle workers are drained; the busy one is never touched.
        drained = wait_for(lambda: step().drained, timeout=30, what="idle workers to be drained")
        assert len(drained) == 2
        busy = next(name for name in containers() if name not in drained)
        wait_for(lambda: set(drained).isdisjoint(containers()), timeout=60, what="drained workers to exit")
        assert {engine.containers.get(n).attrs["State"]["ExitCode"] for n in drained} == {0}
        after = step()
        assert sorted(after.removed) == sorted(drained) and after.drained == [] and after.actual == 1
        assert list(containers()) == [busy] and lab.status(slow) == "running", time.monotonic() - t_quick
        assert lab.wait(slow, {"completed", "failed"}, timeout=60) == "completed"

        # A killed container is removed and replaced (restart policy "no": the controller does it).
        engine.containers.get(busy).kill()
        wait_for(lambda: busy not in containers(), timeout=30, what="the killed container to stop")
        replaced = step()
        assert replaced.removed == [busy] and len(replaced.started) == 1 and replaced.actual == 0
        assert list(containers()) == replaced.started
    finally:
        loop.run_until_complete(client.aclose())
        loop.close()
