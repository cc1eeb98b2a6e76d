"""Prometheus metrics of the autoscaler, in a registry of its own (tests and several controllers don't clash)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, start_http_server

__all__ = ["AutoscalerMetrics"]


class AutoscalerMetrics:
    """Depth, runnable, desired, actual and decisions by outcome; served on 127.0.0.1 by :meth:`serve`."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.depth = Gauge("secureops_autoscaler_queue_depth", "Scans waiting in the queue (all tenants)", registry=r)
        self.running = Gauge("secureops_autoscaler_queue_running", "Scans running now", registry=r)
        self.runnable = Gauge(
            "secureops_autoscaler_runnable", "Scans that could start now within tier limits", registry=r
        )
        self.tenants = Gauge("secureops_autoscaler_tenants", "Tenants with waiting or running scans", registry=r)
        self.desired = Gauge("secureops_autoscaler_desired_workers", "Workers the controller aims for", registry=r)
        self.actual = Gauge("secureops_autoscaler_actual_workers", "Workers alive and not draining", registry=r)
        self.busy = Gauge("secureops_autoscaler_busy_workers", "Workers running at least one scan", registry=r)
        self.draining = Gauge("secureops_autoscaler_draining_workers", "Workers finishing before exit", registry=r)
        self.leader = Gauge("secureops_autoscaler_leader", "1 while this autoscaler holds the lease", registry=r)
        self.decisions = Counter(
            "secureops_autoscaler_decisions", "Decisions by outcome (up, down, hold)", ["outcome"], registry=r
        )
        self.actions = Counter(
            "secureops_autoscaler_actions", "Backend actions (start, drain, remove, replace)", ["action"], registry=r
        )
        self.loop_seconds = Gauge("secureops_autoscaler_loop_seconds", "Duration of the last loop", registry=r)

    def serve(self, port: int, host: str = "127.0.0.1") -> None:
        """Serve ``/metrics`` on ``host:port`` from a daemon thread."""
        start_http_server(port, addr=host, registry=self.registry)
