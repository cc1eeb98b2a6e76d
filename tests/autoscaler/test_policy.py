"""The scaling policy on a simulated clock: the seed's 5- and 30-minute windows compressed into loops."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from secureops.autoscaler.policy import (
    Observation,
    PolicyState,
    ScalingSettings,
    TenantLoad,
    decide,
    runnable,
)

SEED = ScalingSettings()
MINUTE = 60.0


class Simulation:
    """Feeds observations every ``tick`` seconds and applies each decision, like the controller does."""

    def __init__(self, settings: ScalingSettings = SEED, workers: int = 2, tick: float = 15.0) -> None:
        self.settings, self.workers, self.tick = settings, workers, tick
        self.now = 0.0
        self.state = PolicyState()
        self.history: list[int] = []
        self.reasons: list[str] = []

    def run(self, seconds: float, tenants: Callable[[int], list[TenantLoad]] | list[TenantLoad], busy: int = 0) -> int:
        end = self.now + seconds
        while self.now < end:
            loads = tenants(self.workers) if callable(tenants) else tenants
            decision = decide(Observation(self.now, loads, self.workers, busy), self.settings, self.state)
            self.state, self.workers = decision.state, decision.desired
            self.history.append(self.workers)
            self.reasons.append(decision.reason)
            self.now += self.tick
        return self.workers


def load(pending: int, running: int = 0, limit: int = 50, tenant: str = "client_acme") -> list[TenantLoad]:
    return [TenantLoad(tenant, pending, running, limit)]


def test_runnable_counts_only_work_that_can_start() -> None:
    tenants = [TenantLoad("a", 10_000, 0, 2), TenantLoad("b", 5, 9, 10), TenantLoad("c", 3, 0, 50)]
    assert runnable(tenants) == 2 + 1 + 3


def burst() -> list[TenantLoad]:
    return [TenantLoad(f"client_{i}", 500, 0, 50) for i in range(5)]  # runnable 250


def test_burst_scales_up_only_after_five_minutes() -> None:
    sim = Simulation()
    assert sim.run(4.5 * MINUTE, burst()) == 2  # not yet: depth above 100 for less than 5 minutes
    assert sim.run(1 * MINUTE, burst()) == 12  # one step of 10
    assert sim.run(10 * MINUTE, burst()) == 50  # keeps stepping (after cooldowns) up to the maximum
    assert all(b >= a for a, b in zip(sim.history, sim.history[1:], strict=False))


def test_a_short_spike_does_not_scale() -> None:
    sim = Simulation()
    sim.run(3 * MINUTE, burst())
    assert sim.run(10 * MINUTE, load(5)) == 2


def test_steady_load_holds() -> None:
    sim = Simulation(workers=20)
    assert sim.run(60 * MINUTE, load(50, running=20)) == 20  # depth 30: neither above 100 nor below 10
    assert set(sim.reasons) == {"runnable depth 30 is not above 100"}


def test_idle_scales_down_after_thirty_minutes_to_the_minimum() -> None:
    sim = Simulation(workers=20)
    assert sim.run(29 * MINUTE, load(0)) == 20
    sim.run(2 * MINUTE, load(0))
    assert sim.workers < 20
    assert sim.run(120 * MINUTE, load(0)) == SEED.min_workers


def test_scale_down_never_goes_below_busy_workers() -> None:
    sim = Simulation(workers=10)
    assert sim.run(120 * MINUTE, load(0), busy=7) == 7


def test_one_basic_tenant_flooding_does_not_scale() -> None:
    sim = Simulation()
    flood = [TenantLoad("client_flood", 10_000, 2, 2)]  # both slots busy, 10,000 waiting
    assert sim.run(60 * MINUTE, flood, busy=2) == 2
    assert max(sim.history) == 2


def test_flooding_basic_tenant_beside_busy_enterprise_tenants() -> None:
    settings = ScalingSettings(scale_up_depth=5, scale_up_window=60, max_workers=500)
    sim = Simulation(settings)
    tenants = [TenantLoad("client_flood", 10_000, 0, 2)] + [TenantLoad(f"client_e{i}", 30, 0, 50) for i in range(3)]
    assert sim.run(30 * MINUTE, tenants) == 2 + 3 * 30  # the flood counts for its 2 slots only


def test_tier_upgrade_raises_demand() -> None:
    settings = ScalingSettings(scale_up_depth=1, scale_up_window=60, max_workers=20)
    sim = Simulation(settings)
    assert sim.run(10 * MINUTE, [TenantLoad("t", 100, 0, 2)]) == 2
    assert sim.run(10 * MINUTE, [TenantLoad("t", 100, 0, 10)]) == 10


@pytest.mark.parametrize(("start", "expected"), [(0, 2), (80, 50)])
def test_min_and_max_bounds_are_restored_at_once(start: int, expected: int) -> None:
    assert Simulation(workers=start).run(15, load(0) if start == 0 else burst()) == expected


def test_flapping_load_does_not_flap_workers() -> None:
    sim = Simulation(ScalingSettings(scale_up_window=60, scale_down_window=120))
    for _ in range(20):
        sim.run(90, burst())
        sim.run(90, load(0))
    # Load that alternates every 90 s never stays low for the 120 s down-window: workers only ever go up.
    assert all(b >= a for a, b in zip(sim.history, sim.history[1:], strict=False))
    assert sim.workers == 50


def test_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="min_workers"):
        ScalingSettings(min_workers=5, max_workers=2)


@given(
    st.lists(st.tuples(st.integers(0, 5000), st.integers(0, 60), st.sampled_from([2, 10, 50])), max_size=8),
    st.integers(0, 80),
    st.integers(0, 80),
)
def test_decisions_stay_within_bounds_and_above_busy(
    tenants: list[tuple[int, int, int]], workers: int, busy: int
) -> None:
    busy = min(busy, workers)
    loads = [TenantLoad(f"t{i}", p, min(r, lim), lim) for i, (p, r, lim) in enumerate(tenants)]
    state = PolicyState(above_since=0.0, below_since=0.0)
    decision = decide(Observation(10_000.0, loads, workers, busy), SEED, state)
    assert SEED.min_workers <= decision.desired <= max(SEED.max_workers, busy) or decision.desired == workers
    if decision.desired < workers:
        assert decision.desired >= busy
