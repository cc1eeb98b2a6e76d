"""The scaling policy: a pure function from observations (and its own small state) to a worker count.

Demand is work that can actually run: for each tenant, ``runnable = min(pending, limit - running)``, so a
basic-tier tenant that floods the queue with 10,000 scans adds at most its 2 slots (KEDA-style scalers count the
list length and scale for work that could never start). Running scans occupy workers too, so

    desired = clamp(ceil((running + runnable) / scans_per_worker), min_workers, max_workers)

The seed's rules decide *when* to move toward ``desired``: scale up only after runnable depth has stayed above
``scale_up_depth`` for ``scale_up_window`` seconds, scale down only after it stayed below ``scale_down_depth`` for
``scale_down_window`` seconds; each move is at most ``step_up``/``step_down`` workers, and a cooldown after every
move guards against flapping. Scaling down never goes below the number of busy workers: the controller drains
idle workers only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from secureops.core.autoscaler_settings import ScalingSettings

__all__ = ["Observation", "PolicyDecision", "PolicyState", "ScalingSettings", "TenantLoad", "decide", "runnable"]


@dataclass(frozen=True)
class TenantLoad:
    """One tenant's queue: scans waiting, scans running, and its tier's concurrency limit."""

    tenant_id: str
    pending: int
    running: int
    limit: int


@dataclass(frozen=True)
class Observation:
    """What the controller saw at ``time`` (seconds, any monotonic clock)."""

    time: float
    tenants: Sequence[TenantLoad]
    workers: int
    busy_workers: int = 0


@dataclass(frozen=True)
class PolicyState:
    """What the policy remembers between decisions (when depth crossed a threshold, when it last moved)."""

    above_since: float | None = None
    below_since: float | None = None
    last_change: float | None = None
    last_scale_up: float | None = None


@dataclass(frozen=True)
class PolicyDecision:
    """The worker count to aim for now, why, and the state to pass to the next decision."""

    desired: int
    reason: str
    runnable: int
    demand_workers: int
    state: PolicyState


def runnable(tenants: Sequence[TenantLoad]) -> int:
    """Scans that could start now: per tenant ``min(pending, limit - running)``, summed."""
    return sum(min(t.pending, max(0, t.limit - t.running)) for t in tenants)


def decide(observation: Observation, settings: ScalingSettings, state: PolicyState | None = None) -> PolicyDecision:
    """Decide how many workers there should be after ``observation``. Pure: same inputs, same answer."""
    state = state or PolicyState()
    now, current = observation.time, observation.workers
    depth = runnable(observation.tenants)
    running = sum(t.running for t in observation.tenants)
    demand = math.ceil((running + depth) / settings.scans_per_worker)
    target = min(max(demand, settings.min_workers), settings.max_workers)

    state = replace(
        state,
        above_since=(state.above_since if state.above_since is not None else now)
        if depth > settings.scale_up_depth
        else None,
        below_since=(state.below_since if state.below_since is not None else now)
        if depth < settings.scale_down_depth
        else None,
    )

    def hold(reason: str) -> PolicyDecision:
        return PolicyDecision(current, reason, depth, demand, state)

    def move(desired: int, reason: str) -> PolicyDecision:
        moved = replace(state, last_change=now, last_scale_up=now if desired > current else state.last_scale_up)
        return PolicyDecision(desired, reason, depth, demand, moved)

    floor = max(settings.min_workers, observation.busy_workers)
    if current < settings.min_workers:
        return move(min(settings.min_workers, settings.max_workers), f"below the minimum of {settings.min_workers}")
    if current > settings.max_workers:
        return move(max(settings.max_workers, observation.busy_workers), f"above the maximum of {settings.max_workers}")

    if target > current:
        if state.above_since is None:
            return hold(f"runnable depth {depth} is not above {settings.scale_up_depth}")
        waited = now - state.above_since
        if waited < settings.scale_up_window:
            return hold(
                f"runnable depth {depth} > {settings.scale_up_depth} "
                f"for {waited:.0f}s of {settings.scale_up_window:.0f}s"
            )
        if state.last_scale_up is not None and now - state.last_scale_up < settings.cooldown_up:
            return hold("scale-up cooldown")
        desired = min(target, current + settings.step_up)
        return move(desired, f"scale up: runnable {depth}, running {running}, demand {demand} workers")

    if target < current:
        if state.below_since is None:
            return hold(f"runnable depth {depth} is not below {settings.scale_down_depth}")
        waited = now - state.below_since
        if waited < settings.scale_down_window:
            return hold(
                f"runnable depth {depth} < {settings.scale_down_depth} "
                f"for {waited:.0f}s of {settings.scale_down_window:.0f}s"
            )
        if state.last_change is not None and now - state.last_change < settings.cooldown_down:
            return hold("scale-down cooldown")
        desired = max(target, current - settings.step_down, floor)
        if desired >= current:
            return hold(f"all {current} workers are busy")
        return move(desired, f"scale down: runnable {depth}, running {running}, demand {demand} workers")

    return hold(f"steady: demand {demand} workers, have {current}")
