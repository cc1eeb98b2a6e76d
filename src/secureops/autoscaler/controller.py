"""The autoscaler's loop: observe → decide → act, as the leader only.

Each :meth:`Controller.step`:

1. takes or renews the leader lease (a standby does nothing else);
2. **reconciles** the backend: workers that are no longer running — drained (exit 0), crashed, or left over
   by an earlier autoscaler — are removed; running workers of ours are adopted;
3. **observes** per-tenant load (one Redis script) and joins the backend's workers with their presence;
4. **decides** with the pure policy; the policy works on the controller's *target* count, so a crashed
   worker is replaced at once (the target did not change) instead of waiting for a scale-up window;
5. **acts**: starts workers up to the target, or asks idle workers (presence says busy 0) to drain. A busy
   worker is never drained, stopped or removed; a drained worker is removed only after it exited by itself.

Every decision is logged as one line of JSON with its reason, and exported as Prometheus metrics.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from secureops.autoscaler.backends.base import WorkerBackend
from secureops.autoscaler.lock import LeaderLease
from secureops.autoscaler.metrics import AutoscalerMetrics
from secureops.autoscaler.observe import ManagedWorker, QueueObserver, join_workers
from secureops.autoscaler.policy import Observation, PolicyDecision, PolicyState, decide, runnable
from secureops.core.config import Settings
from secureops.core.scans.presence import request_drain

__all__ = ["Controller", "StepResult"]

log = logging.getLogger(__name__)


@dataclass
class StepResult:
    """What one loop saw and did."""

    leader: bool
    decision: PolicyDecision | None = None
    outcome: str = "standby"
    actual: int = 0
    busy: int = 0
    started: list[str] = field(default_factory=list)
    drained: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    observe_seconds: float = 0.0


class Controller:
    """Keeps the right number of scan workers alive for one installation (``queue_prefix``).

    :param client: an asyncio Redis client (the queue's Redis).
    :param clock: the policy's clock (seconds); tests pass a simulated one to compress the windows.
    """

    def __init__(
        self,
        settings: Settings,
        backend: WorkerBackend,
        client: Any,
        *,
        clock: Callable[[], float] = time.monotonic,
        metrics: AutoscalerMetrics | None = None,
        lease: LeaderLease | None = None,
    ) -> None:
        self.settings = settings
        self.scaling = settings.autoscaler.scaling
        self.backend = backend
        self.client = client
        self.clock = clock
        self.metrics = metrics or AutoscalerMetrics()
        self.lease = lease or LeaderLease(client, settings.queue_prefix, ttl_s=settings.autoscaler.lease_ttl)
        self.observer = QueueObserver(client, settings.queue_prefix)
        self.state = PolicyState()
        self.target: int | None = None  # None until adopted: the first leader loop counts what runs

    async def step(self) -> StepResult:
        """One loop: lease, reconcile, observe, decide, act."""
        started_at = time.perf_counter()
        if not await self.lease.acquire():
            self.metrics.leader.set(0)
            self.target = None  # whoever leads now owns the count; re-adopt if we lead again
            return StepResult(leader=False)
        self.metrics.leader.set(1)
        result = StepResult(leader=True)

        handles = await asyncio.to_thread(self.backend.list)
        for handle in handles:
            if not handle.alive:
                action = "replace" if handle.crashed else "remove"
                await asyncio.to_thread(self.backend.remove, handle.name)
                self.metrics.actions.labels(action).inc()
                result.removed.append(handle.name)
                log.info("autoscaler %s %s", action, json.dumps({"worker": handle.name, "exit_code": handle.exit_code}))

        observed_at = time.perf_counter()
        tenants = await self.observer.tenants()
        workers = join_workers([h for h in handles if h.alive], await self.observer.presence())
        result.observe_seconds = time.perf_counter() - observed_at
        capacity = [w for w in workers if not w.draining]
        result.actual = len(capacity)
        result.busy = sum(1 for w in capacity if w.busy > 0)
        if self.target is None:
            self.target = len(capacity)

        decision = decide(
            Observation(time=self.clock(), tenants=tenants, workers=self.target, busy_workers=result.busy),
            self.scaling,
            self.state,
        )
        self.state = decision.state
        result.decision = decision
        result.outcome = (
            "up" if decision.desired > self.target else "down" if decision.desired < self.target else "hold"
        )
        self.target = decision.desired

        if len(capacity) < self.target:
            for _ in range(self.target - len(capacity)):
                result.started.append(await asyncio.to_thread(self.backend.start))
                self.metrics.actions.labels("start").inc()
        elif len(capacity) > self.target:
            for worker in self._drain_candidates(capacity, len(capacity) - self.target):
                assert worker.presence is not None  # candidates have reported in (idle)
                await request_drain(self.client, worker.presence.id, self.settings.queue_prefix)
                result.drained.append(worker.name)
                self.metrics.actions.labels("drain").inc()

        self._record(tenants, workers, decision, result, started_at)
        return result

    @staticmethod
    def _drain_candidates(capacity: list[ManagedWorker], excess: int) -> list[ManagedWorker]:
        """Up to ``excess`` idle workers, newest first (older ones have warm caches and proven health)."""
        idle = [w for w in capacity if w.idle]
        return sorted(idle, key=lambda w: w.handle.created, reverse=True)[:excess]

    def _record(
        self,
        tenants: Any,
        workers: list[ManagedWorker],
        decision: PolicyDecision,
        result: StepResult,
        started_at: float,
    ) -> None:
        m = self.metrics
        m.depth.set(sum(t.pending for t in tenants))
        m.running.set(sum(t.running for t in tenants))
        m.runnable.set(runnable(tenants))
        m.tenants.set(len(tenants))
        m.desired.set(decision.desired)
        m.actual.set(result.actual)
        m.busy.set(result.busy)
        m.draining.set(sum(1 for w in workers if w.draining))
        m.decisions.labels(result.outcome).inc()
        m.loop_seconds.set(time.perf_counter() - started_at)
        line = {
            "outcome": result.outcome,
            "reason": decision.reason,
            "desired": decision.desired,
            "actual": result.actual,
            "busy": result.busy,
            "runnable": decision.runnable,
            "demand": decision.demand_workers,
            "tenants": len(tenants),
            "started": result.started,
            "drained": result.drained,
            "removed": result.removed,
        }
        log.info("autoscaler decision %s", json.dumps(line))

    async def run(self, *, interval: float | None = None, stop: asyncio.Event | None = None) -> None:
        """Loop every ``interval`` seconds until ``stop`` is set; release the lease on the way out."""
        interval = interval or self.settings.autoscaler.interval
        stop = stop or asyncio.Event()
        try:
            while not stop.is_set():
                try:
                    await self.step()
                except Exception as err:  # a failed loop (Redis or engine hiccup) must not end the autoscaler
                    log.error("autoscaler loop failed: %s: %s", type(err).__name__, err)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=interval)
        finally:
            if self.lease.held:
                await self.lease.release()
            self.metrics.leader.set(0)


def _outcome(before: int, after: int) -> str:
    return "up" if after > before else "down" if after < before else "hold"
