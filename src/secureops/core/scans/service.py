"""Wiring for the scan worker: build its drivers from settings, run it, wait for scans to finish."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Iterable
from dataclasses import dataclass, field

from secureops.core.config import Settings
from secureops.core.drivers import load_driver
from secureops.core.queue import open_queue
from secureops.core.queue.base import QueueBackend
from secureops.core.queue.worker import Worker
from secureops.core.registry import Registry
from secureops.core.runtimes.base import Runtime
from secureops.core.scans.handler import ScanHandler
from secureops.core.scans.presence import Presence
from secureops.core.store import Store
from secureops.core.store.models import Scan

__all__ = ["FINISHED", "FOLLOWUP_QUEUES", "ScanServices", "wait_for_scans"]

log = logging.getLogger(__name__)

FOLLOWUP_QUEUES = ("triage", "notifications")
FINISHED = frozenset({"completed", "failed", "cancelled"})


@dataclass
class ScanServices:
    """The drivers a scan worker (or an in-process demo) needs, chosen by settings."""

    settings: Settings
    registry: Registry
    store: Store
    runtime: Runtime
    queue: QueueBackend
    followups: dict[str, QueueBackend] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings, registry: Registry, *, runtime: Runtime | None = None) -> ScanServices:
        """Load the store, runtime and queue drivers named in ``settings``."""
        return cls(
            settings=settings,
            registry=registry,
            store=load_driver("store", settings),
            runtime=runtime or load_driver("runtime", settings),
            queue=open_queue(settings, "scans"),
            followups={name: open_queue(settings, name) for name in FOLLOWUP_QUEUES},
        )

    def worker(self, *, concurrency: int = 1) -> Worker:
        """A queue worker whose handler runs scans."""
        handler = ScanHandler(
            settings=self.settings,
            registry=self.registry,
            store=self.store,
            runtime=self.runtime,
            queue=self.queue,
            followups=self.followups,
        )
        return Worker(self.queue, handler, concurrency=concurrency)

    async def serve(self, *, concurrency: int = 1, grace_s: float = 30.0) -> None:
        """Run a worker until SIGTERM/SIGINT, then finish (or hand back) running scans and stop reserving."""
        worker = self.worker(concurrency=concurrency)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, worker.stop)
        log.info("scan worker %s started (concurrency %d)", worker.worker_id, concurrency)
        presence = self._presence(worker)
        beating = asyncio.create_task(presence.run()) if presence else None
        try:
            await worker.run(grace_s=grace_s)
        finally:
            if beating is not None:
                beating.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await beating
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
            await self.close()
        log.info("scan worker %s stopped after %d scans", worker.worker_id, worker.processed)

    def _presence(self, worker: Worker) -> Presence | None:
        """Presence for the autoscaler, when the queue is in Redis (the in-process queue has no other workers)."""
        client = getattr(self.queue, "redis", None)
        if client is None:
            return None
        return Presence(client, worker, prefix=self.settings.queue_prefix)

    async def close(self) -> None:
        """Release the queue connections."""
        for queue in (self.queue, *self.followups.values()):
            with contextlib.suppress(Exception):
                await queue.close()


async def wait_for_scans(
    store: Store, tenant: str, scan_ids: Iterable[int], *, poll_s: float = 0.2, timeout: float | None = None
) -> dict[int, Scan]:
    """Wait until every scan in ``scan_ids`` has finished; return their rows.

    :raises TimeoutError: when ``timeout`` seconds pass first.
    """
    wanted = set(scan_ids)

    def read() -> dict[int, Scan]:
        with store.tenant(tenant) as session:
            rows = {scan_id: session.get(Scan, scan_id) for scan_id in wanted}
            for row in rows.values():
                if row is not None:
                    session.expunge(row)
            return {k: v for k, v in rows.items() if v is not None}

    async with asyncio.timeout(timeout):
        while True:
            rows = await asyncio.to_thread(read)
            if len(rows) == len(wanted) and all(row.status in FINISHED for row in rows.values()):
                return rows
            await asyncio.sleep(poll_s)
