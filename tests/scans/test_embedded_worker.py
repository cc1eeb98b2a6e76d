"""The scan worker on embedded defaults (SQLite, in-process queue, local processes): the whole path."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from secureops import ConfigError, Target, TargetError
from secureops.core.scans.request import job_id_for
from secureops.core.scans.service import ScanServices, wait_for_scans
from secureops.core.scans.submit import submit_scan
from secureops.core.store.models import Client, Finding, Scan
from secureops.core.store.models import Test as ReportTest
from tests.scans.conftest import TENANT


async def submit(services: ScanServices, target: str = "127.0.0.1", scanner: str = "lab", **options: Any) -> int:
    timeout = options.pop("timeout", None)
    request = await submit_scan(
        settings=services.settings, store=services.store, queue=services.queue, registry=services.registry,
        tenant=TENANT, scanner=scanner, target=Target.parse(target), options=options, timeout=timeout,
    )  # fmt: skip
    return request.scan_id


async def run_until_done(services: ScanServices, ids: list[int], concurrency: int = 2) -> dict[int, Scan]:
    worker = services.worker(concurrency=concurrency)
    running = asyncio.create_task(worker.run())
    try:
        return await wait_for_scans(services.store, TENANT, ids, timeout=60)
    finally:
        worker.stop()
        await running


def stored_findings(services: ScanServices, test_id: int | None) -> list[Finding]:
    with services.store.tenant(TENANT) as session:
        return list(session.exec(select(Finding).where(Finding.test_id == test_id)).all())


def test_a_scan_is_run_stored_kept_and_followed_up(embedded: ScanServices) -> None:
    async def scenario() -> tuple[dict[int, Scan], int, int, list[str]]:
        scan_id = await submit(embedded)
        rows = await run_until_done(embedded, [scan_id])
        triage = await embedded.followups["triage"].depth()
        notify = await embedded.followups["notifications"].depth()
        topics = [event.topic for event in await embedded.queue.read_events("0", count=1000)]
        topics += [event.topic for event in await embedded.followups["triage"].read_events("0", count=100)]
        return rows, triage.waiting, notify.waiting, topics

    rows, triage_jobs, notification_jobs, topics = asyncio.run(scenario())
    job = f"scan-{TENANT}-{next(iter(rows))}"
    assert {"scans/queued", f"scans/progress/{job}", f"scans/completed/{TENANT}", f"triage/pending/{TENANT}"} <= set(
        topics
    )
    scan = next(iter(rows.values()))
    assert (scan.status, scan.findings_count, scan.error) == ("completed", 2, None)
    assert sorted(f.title for f in stored_findings(embedded, scan.test_id)) == ["banner disclosed", "weak cipher"]
    assert scan.artefact_path and Path(scan.artefact_path).read_text().startswith("FINDING High weak cipher")
    assert (triage_jobs, notification_jobs) == (1, 1)
    assert not any((embedded.settings.work_dir / "scans" / TENANT).iterdir())  # the run's workdir is cleaned


def test_a_retried_scan_reimports_into_its_own_test(embedded: ScanServices) -> None:
    """A job recovered after a crash runs again: its findings are not stored twice."""

    async def scenario() -> int:
        scan_id = await submit(embedded)
        await run_until_done(embedded, [scan_id])
        # Put the very same job back, as stalled-job recovery does, and run it again.
        with embedded.store.tenant(TENANT) as session:
            scan = session.get(Scan, scan_id)
            assert scan is not None
            scan.status = "queued"
            session.add(scan)
        assert await embedded.queue.get_job(job_id_for(TENANT, scan_id)) is None  # the first run completed
        await embedded.queue.add(data=_request(scan_id), tenant=TENANT, tier="pro", job_id=f"retry-{scan_id}")
        await run_until_done(embedded, [scan_id])
        return scan_id

    scan_id = asyncio.run(scenario())
    with embedded.store.tenant(TENANT) as session:
        tests = session.exec(select(ReportTest).where(ReportTest.title.startswith(f"scan {scan_id}:"))).all()  # type: ignore[attr-defined]
        assert len(tests) == 1
    assert len(stored_findings(embedded, tests[0].id)) == 2


def _request(scan_id: int) -> dict[str, Any]:
    return {"scan_id": scan_id, "tenant_id": TENANT, "scanner": "lab",
            "target": {"kind": "host", "value": "127.0.0.1"}, "options": {"mode": "ok"}}  # fmt: skip


def test_failures_fail_only_their_scan_and_the_worker_keeps_serving(tmp_path: Path, embedded: ScanServices) -> None:
    embedded.runtime.max_output_bytes = 200_000  # type: ignore[attr-defined]

    async def scenario() -> dict[str, Scan]:
        ids = {
            "hang": await submit(embedded, mode="hang", timeout=1),
            "flood": await submit(embedded, mode="flood"),
            "crash": await submit(embedded, mode="crash"),
            "garbage": await submit(embedded, mode="garbage"),
            "broken": await submit(embedded, scanner="broken"),
        }
        ids["ok"] = await submit(embedded, mode="ok")
        rows = await run_until_done(embedded, list(ids.values()), concurrency=3)
        return {name: rows[scan_id] for name, scan_id in ids.items()}

    scans = asyncio.run(scenario())
    assert {name: scan.status for name, scan in scans.items()} == {
        "hang": "failed", "flood": "failed", "crash": "failed", "garbage": "failed", "broken": "failed",
        "ok": "completed",
    }  # fmt: skip
    assert "timed out after 1s" in (scans["hang"].error or "")
    assert "more output than allowed" in (scans["flood"].error or "")
    assert "exited with status 3: scanner exploded" in (scans["crash"].error or "")
    assert "line 1 is not a lab finding" in (scans["garbage"].error or "")
    assert "plugin bug" in (scans["broken"].error or "")


def test_hostile_and_out_of_scope_targets_are_refused_before_queueing(embedded: ScanServices) -> None:
    async def scenario() -> None:
        for target in ("10.0.0.1", "http://192.168.1.1/", "example.com"):
            with pytest.raises(TargetError, match="out of scope|cannot resolve"):
                await submit(embedded, target=target)
        with pytest.raises(ConfigError, match="no scanner named 'nmapp'"):
            await submit(embedded, scanner="nmapp")
        with pytest.raises(ConfigError, match="invalid options for 'lab'"):
            await submit(embedded, bogus=1)

    for hostile in ("-oX", "127.0.0.1;id", "$(id)"):
        with pytest.raises(TargetError):
            Target.parse(hostile)
    asyncio.run(scenario())
    with embedded.store.tenant(TENANT) as session:
        assert session.exec(select(Scan)).all() == []  # nothing was recorded or queued
    assert not (embedded.settings.work_dir / "scans").exists()


def test_scope_is_checked_again_when_the_scan_runs(embedded: ScanServices) -> None:
    """A scope narrowed after queueing stops the scan before any process starts."""

    async def scenario() -> Scan:
        scan_id = await submit(embedded)
        with embedded.store.admin(actor="pytest", reason="narrow scope", tenant_id=TENANT) as session:
            client = session.get(Client, TENANT)
            assert client is not None
            client.settings = {"scope": {"networks": ["127.0.0.2/32"]}}
            session.add(client)
        return (await run_until_done(embedded, [scan_id]))[scan_id]

    scan = asyncio.run(scenario())
    assert scan.status == "failed" and "out of scope" in (scan.error or "")
    assert not (embedded.settings.work_dir / "scans").exists()


def test_scans_of_a_suspended_tenant_do_not_run(embedded: ScanServices) -> None:
    from secureops.core.store.models import ClientStatus
    from secureops.core.store.tenants import set_tenant_status

    async def scenario() -> Scan:
        scan_id = await submit(embedded)
        set_tenant_status(embedded.store, TENANT, ClientStatus.SUSPENDED, actor="pytest", reason="unpaid")
        return (await run_until_done(embedded, [scan_id]))[scan_id]

    scan = asyncio.run(scenario())
    assert scan.status == "failed" and "suspended" in (scan.error or "")
