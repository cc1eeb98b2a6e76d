"""The scan worker's job handler: one queued scan from target check to stored findings and follow-up jobs.

A job may run more than once (a worker died mid-scan and the queue recovered it), so every step is safe to
repeat: the scan's findings go to a test whose title is unique to the scan, and a retry *reimports* into that
test instead of importing again — nothing is stored twice.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import shutil
import threading
import uuid
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlmodel import select

from secureops.core.config import Settings
from secureops.core.errors import ConfigError, ReportParseError, ScanError, SecureopsError, TargetError
from secureops.core.queue.base import Job, QueueBackend
from secureops.core.queue.worker import PermanentJobError
from secureops.core.registry import Registry
from secureops.core.reports import RawReport
from secureops.core.runtimes.base import Runtime
from secureops.core.scanning import run_scanner
from secureops.core.scans.request import ScanRequest, tenant_scope, test_title_for
from secureops.core.store import Store
from secureops.core.store.models import Client, Scan, Test
from secureops.importer.imports import import_report, reimport_report

__all__ = ["ScanHandler"]

log = logging.getLogger(__name__)


class ScanHandler:
    """Runs one scan job: ``await handler(job)``. Give it to :class:`secureops.core.queue.worker.Worker`.

    :param followups: queues that get a job per finished scan (``triage``, ``notifications`` …).
    """

    def __init__(
        self,
        *,
        settings: Settings,
        registry: Registry,
        store: Store,
        runtime: Runtime,
        queue: QueueBackend,
        followups: dict[str, QueueBackend] | None = None,
    ) -> None:
        self.settings, self.registry, self.store, self.runtime, self.queue = settings, registry, store, runtime, queue
        self.followups = followups or {}

    async def __call__(self, job: Job) -> dict[str, Any]:
        """Run the scan in ``job``; return its statistics. Refusals raise :class:`PermanentJobError`."""
        try:
            request = ScanRequest.model_validate(job.data)
        except (ValidationError, TargetError) as err:
            raise PermanentJobError(f"job {job.id} is not a scan request: {err}") from None
        try:
            return await self._run(job, request)
        except PermanentJobError as err:
            await asyncio.to_thread(self._finish, request, status="failed", error=str(err))
            raise
        except asyncio.CancelledError:
            await asyncio.shield(asyncio.to_thread(self._finish, request, status="cancelled", error="cancelled"))
            raise

    async def _run(self, job: Job, request: ScanRequest) -> dict[str, Any]:
        scanner = self._scanner(request)
        tier = await asyncio.to_thread(self._start, request)
        loop = asyncio.get_running_loop()

        def progress(percent: float, message: str) -> None:
            data = {"scan_id": request.scan_id, "percent": round(percent, 1), "message": message}
            asyncio.run_coroutine_threadsafe(self.queue.progress(job, data), loop)

        # A folder per run: the scanner of a killed worker may still be writing into its own.
        workdir = self.settings.work_dir / "scans" / request.tenant_id / f"{request.scan_id}-{uuid.uuid4().hex[:12]}"
        cancel = threading.Event()
        progress(0.0, f"running {request.scanner}")
        try:
            report = await asyncio.to_thread(
                run_scanner, scanner, request.target, request.options, self.runtime, workdir,
                cancel=cancel, timeout=request.timeout, progress=progress,
            )  # fmt: skip
            artefact = await asyncio.to_thread(self._keep_artefact, request, report)
            progress(90.0, "importing findings")
            statistics = await asyncio.to_thread(self._store_findings, request, artefact, report.format)
        except asyncio.CancelledError:
            cancel.set()  # stops the scanner's process; the thread then returns
            raise
        except (ScanError, TargetError, ConfigError, ReportParseError) as err:
            raise PermanentJobError(str(err)) from err
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        created = statistics.get("created", {}).get("total", 0)
        await asyncio.to_thread(self._finish, request, status="completed", test_id=statistics["test_id"],
                                findings=statistics["total"], artefact=artefact)  # fmt: skip
        await self._queue_followups(request, tier, statistics["test_id"], created)
        progress(100.0, f"{statistics['total']} findings stored")
        return {"scan_id": request.scan_id, "test_id": statistics["test_id"], "findings": statistics["total"]}

    def _scanner(self, request: ScanRequest) -> Any:
        try:
            return self.registry.scanner(request.scanner)
        except KeyError as err:
            raise PermanentJobError(str(err.args[0])) from None

    def _start(self, request: ScanRequest) -> str:
        """Re-check tenant and scope (they may have changed since submission); mark the scan running."""
        with self.store.tenant(request.tenant_id) as session:
            client = session.get(Client, request.tenant_id)
            scan = session.get(Scan, request.scan_id)
            if client is None or scan is None:
                raise PermanentJobError(f"scan {request.scan_id} of {request.tenant_id!r} does not exist")
            if client.status != "active":
                raise PermanentJobError(f"tenant {request.tenant_id!r} is {client.status}")
            try:
                tenant_scope(client.settings, self.settings).check(request.target)
            except TargetError as err:
                raise PermanentJobError(str(err)) from None
            scan.status, scan.attempts = "running", scan.attempts + 1
            scan.started_at = dt.datetime.now(dt.UTC)
            session.add(scan)
            return client.tier

    def _keep_artefact(self, request: ScanRequest, report: RawReport) -> Path:
        folder = self.settings.work_dir / "artefacts" / request.tenant_id / f"scan-{request.scan_id}"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / (report.filename or f"report.{report.format}")
        if report.path is not None:
            shutil.copyfile(report.path, target)
        else:
            target.write_bytes(report.data or b"")
        return target

    def _store_findings(self, request: ScanRequest, artefact: Path, format_id: str) -> dict[str, Any]:
        """Import the report into the scan's own test; on a retry, reimport into it (idempotent)."""
        title = test_title_for(request)
        with self.store.tenant(request.tenant_id) as session:
            existing = session.exec(select(Test.id).where(Test.title == title)).first()
        common: dict[str, Any] = {"store": self.store, "registry": self.registry, "actor": request.requested_by,
                                  "max_bytes": self.settings.max_report_bytes}  # fmt: skip
        if existing is not None:
            stats = reimport_report(request.tenant_id, existing, artefact, filename=title, **common)
        else:
            stats = import_report(request.tenant_id, request.product, request.engagement, artefact,
                                  format=format_id, filename=title, **common)  # fmt: skip
        data = stats.to_json_dict()
        data["total"] = stats.findings_in_report
        return data

    def _finish(self, request: ScanRequest, *, status: str, error: str | None = None, test_id: int | None = None,
                findings: int = 0, artefact: Path | None = None) -> None:  # fmt: skip
        try:
            with self.store.tenant(request.tenant_id) as session:
                scan = session.get(Scan, request.scan_id)
                if scan is None:
                    return
                scan.status, scan.error = status, error
                scan.completed_at = dt.datetime.now(dt.UTC)
                if test_id is not None:
                    scan.test_id, scan.findings_count = test_id, findings
                if artefact is not None:
                    scan.artefact_path = str(artefact)
                session.add(scan)
        except SecureopsError:
            log.exception("could not record the end of scan %s", request.scan_id)

    async def _queue_followups(self, request: ScanRequest, tier: str, test_id: int, created: int) -> None:
        payload = {"tenant_id": request.tenant_id, "scan_id": request.scan_id, "test_id": test_id,
                   "new_findings": created}  # fmt: skip
        for name, queue in self.followups.items():
            await queue.add(data=payload, tenant=request.tenant_id, tier=tier,
                            job_id=f"{name}-{request.tenant_id}-{request.scan_id}")  # fmt: skip
