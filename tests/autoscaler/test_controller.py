"""The controller with the real local backend (``secureops worker`` processes) on real Redis + PostgreSQL.

A simulated clock drives the policy, so the 5- and 30-minute windows pass in one step; workers, queue, presence
and drains are real.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis

from secureops.autoscaler.backends.local import LocalBackend
from secureops.autoscaler.controller import Controller, StepResult
from secureops.core.config import Settings
from secureops.core.drivers import load_driver
from tests.autoscaler.conftest import wait_for

pytestmark = pytest.mark.integration


class Clock:
    """A simulated policy clock."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Harness:
    """A controller with its own event loop, so sync test code can call ``step()`` between real waits."""

    def __init__(self, settings: Settings, backend: LocalBackend) -> None:
        self.loop = asyncio.new_event_loop()
        self.client = aioredis.Redis.from_url(settings.redis_url)
        self.clock = Clock()
        self.backend = backend
        self.controller = Controller(settings, backend, self.client, clock=self.clock)

    def step(self, advance: float = 0.0) -> StepResult:
        self.clock.now += advance
        return self.loop.run_until_complete(self.controller.step())

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    def close(self) -> None:
        self.backend.close()
        self.loop.run_until_complete(self.client.aclose())
        self.loop.close()


@pytest.fixture
def harness(make_settings: Callable[..., Settings], lab_site: Path, tmp_path: Path) -> Iterator[Callable[..., Harness]]:
    made: list[Harness] = []

    def make(settings: Settings | None = None) -> Harness:
        settings = settings or make_settings()
        backend = LocalBackend(settings, extra_env={"PYTHONPATH": str(lab_site)}, log_dir=str(tmp_path))
        h = Harness(settings, backend)
        made.append(h)
        return h

    yield make
    for h in made:
        h.close()


def test_local_backend_is_the_default_driver(make_settings: Callable[..., Settings]) -> None:
    backend = load_driver("autoscaler", make_settings())
    assert isinstance(backend, LocalBackend)


def test_scale_up_after_the_window_then_drain_only_idle_workers(harness: Callable[..., Harness], scans: Any) -> None:
    h = harness()
    lab = scans(h.controller.settings)
    slow = lab.submit("127.0.0.1", mode="slow", seconds=4)
    quick = lab.submit("127.0.0.2", mode="ok")

    first = h.step()
    assert (first.outcome, first.started, first.decision and first.decision.runnable) == ("hold", [], 2)
    assert "for 0s of 300s" in first.decision.reason  # the window has only begun

    up = h.step(advance=301)
    assert up.outcome == "up" and len(up.started) == 2
    lab.wait(quick, {"completed"})
    lab.wait(slow, {"running"})

    # Runnable depth is 0 now, but the scale-down window has not passed: nothing is drained.
    wait_for(lambda: h.step(advance=1).busy == 1, what="presence showing one busy worker")
    assert h.step(advance=100).drained == []

    # After the window one worker is idle, one busy: only the idle one is drained; the busy one keeps running.
    down = h.step(advance=1800)
    assert (down.outcome, len(down.drained)) == ("down", 1)
    busy_name = next(name for name in h.backend.processes if name not in down.drained)
    wait_for(lambda: h.backend.processes[down.drained[0]].poll() is not None, what="the drained worker to exit")
    assert h.backend.processes[down.drained[0]].returncode == 0
    assert h.backend.processes[busy_name].poll() is None
    assert lab.status(slow) == "running"

    after = h.step(advance=1)
    assert after.removed == down.drained  # removed only after it exited by itself
    assert after.drained == []  # the busy worker is not asked to leave
    assert lab.wait(slow, {"completed", "failed"}) == "completed"

    # Idle at last: the remaining worker is drained too, and removed after it exits.
    # (presence reports busy 0 at its next beat, within a second)
    drained = wait_for(lambda: h.step(advance=10).drained, what="the last worker to be drained")
    assert drained == [busy_name]
    wait_for(lambda: h.backend.processes[busy_name].poll() is not None, what="the last worker to exit")
    assert h.step(advance=1).removed == [busy_name]
    assert h.backend.list() == []


def test_a_crashed_worker_is_replaced_at_once(harness: Callable[..., Harness], make_settings: Any) -> None:
    from secureops.autoscaler.policy import ScalingSettings

    h = harness(make_settings(ScalingSettings(min_workers=1, max_workers=2)))
    started = h.step().started
    assert len(started) == 1
    wait_for(lambda: h.step().busy == 0 and h.run(h.controller.observer.presence()), what="presence")
    h.backend.processes[started[0]].kill()
    h.backend.processes[started[0]].wait(timeout=10)
    replaced = h.step()
    assert replaced.removed == started and len(replaced.started) == 1 and replaced.outcome == "hold"
    assert h.controller.metrics.actions.labels("replace")._value.get() == 1


def test_a_standby_controller_never_acts(harness: Callable[..., Harness], make_settings: Any) -> None:
    from secureops.autoscaler.policy import ScalingSettings

    settings = make_settings(ScalingSettings(min_workers=1, max_workers=2))
    leader, standby = harness(settings), harness(settings)
    assert len(leader.step().started) == 1
    for _ in range(3):
        result = standby.step()
        assert (result.leader, result.started, result.drained) == (False, [], [])
    assert standby.backend.list() == []
    leader.run(leader.controller.lease.release())
    assert standby.step().leader  # the standby takes over at once after a release
