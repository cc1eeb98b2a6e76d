"""``secureops demo``: the main job end to end on embedded defaults — no servers needed.

It starts a small, deliberately misconfigured HTTP service on 127.0.0.1 and a small project folder with a
planted secret and a weak Dockerfile, creates a demo tenant (scope: this machine and that folder), queues scans
— ``headers`` (plugins/custom_example) always, ``nmap`` and ``trivy`` when they are installed —, runs a scan
worker in this process, stores the findings in the SQLite database and prints them. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.live import Live
from rich.table import Table

from secureops.cli.app import State, app, console, fail
from secureops.cli.plugins import list_plugins

if TYPE_CHECKING:
    from secureops.core.scans.service import ScanServices

DEMO_TENANT = "client_demo"
# A made-up AWS access key id in the shape Trivy's secret rules look for (assembled, so this file is not flagged).
_PLANTED_KEY = "AKIA" + "QYLPMN5HHHFPZAM2"


class _WeakHeadersHandler(BaseHTTPRequestHandler):
    """Answers every GET with a page that lacks the usual security headers and leaks its server version."""

    server_version = "DemoServer/1.0"

    def do_GET(self) -> None:
        body = b"<html><body>SecureOps demo target</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("X-Powered-By", "PHP/5.6.40")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # keep the demo's output clean
        return


class _QuietServer(ThreadingHTTPServer):
    """Port scanners hang up mid-request; that is expected here, not an error worth a traceback."""

    def handle_error(self, request: object, client_address: object) -> None:
        return


@app.command()
def demo(ctx: typer.Context) -> None:
    """Run the quick start: queue real scans of a loopback service, run a worker, store and print findings."""
    from secureops.core.scans.service import ScanServices

    state: State = ctx.obj
    list_plugins(ctx, as_json=False)
    if "headers" not in state.registry.scanners:
        fail("the demo needs the 'headers' scanner (plugins/custom_example); run scripts/install first")
    if state.settings.queue_backend != "memory":
        fail("the demo runs on embedded defaults: unset SECUREOPS_QUEUE_BACKEND (or set it to 'memory')")
    services = ScanServices.from_settings(state.settings, state.registry)
    server = _QuietServer(("127.0.0.1", 0), _WeakHeadersHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        project = _demo_project(state.settings.work_dir)
        services.store.upgrade()
        _ensure_tenant(services, project)
        plans = _plans(services, server.server_port, project)
        rows = asyncio.run(_run(services, plans))
    finally:
        server.shutdown()
        server.server_close()
    _print_findings(services, rows)


def _demo_project(work_dir: Path) -> Path:
    """A small project folder with a planted secret and a Dockerfile that runs as root."""
    root = (work_dir / "demo-project").resolve()
    root.mkdir(parents=True, exist_ok=True)
    (root / "Dockerfile").write_text("FROM debian:latest\nRUN apt-get update\nADD app.tar /srv/app\n")
    (root / "deploy.env").write_text(f"AWS_ACCESS_KEY_ID={_PLANTED_KEY}\nREGION=eu-west-1\n")
    return root


def _ensure_tenant(services: ScanServices, project: Path) -> None:
    from secureops.core.store.models import Client
    from secureops.core.store.tenants import create_tenant

    scope = {"networks": ["127.0.0.0/8", "::1/128"], "hostnames": ["localhost"], "paths": [str(project)]}
    with services.store.admin(actor="cli:demo", reason="demo tenant scope", tenant_id=None) as session:
        client = session.get(Client, DEMO_TENANT)
        if client is not None:
            client.settings = {**client.settings, "scope": scope}
            session.add(client)
            return
    create_tenant(services.store, DEMO_TENANT, company_name="Demo Company", tier="pro",
                  settings={"scope": scope}, actor="cli:demo", app_settings=services.settings)  # fmt: skip


def _plans(services: ScanServices, port: int, project: Path) -> list[tuple[str, str, dict[str, Any]]]:
    """(scanner, target, options) for every demo scan this machine can run."""
    from secureops.core.targets import Target, TargetKind

    plans: list[tuple[str, str, dict[str, Any]]] = [("headers", f"http://127.0.0.1:{port}/", {})]
    scanners = services.registry.scanners
    if "nmap" in scanners and shutil.which("nmap"):
        plans.append(("nmap", "127.0.0.1", {"ports": str(port), "profile": "quick"}))
    if "trivy" in scanners:
        trivy = scanners["trivy"].obj
        options = {"scanners": ["secret", "misconfig"], "offline": True}
        spec = trivy.command(Target(kind=TargetKind.PATH, value=str(project)), trivy.parse_options(options))
        if services.runtime.can_run(spec):
            plans.append(("trivy", str(project), options))
    return plans


async def _run(services: ScanServices, plans: list[tuple[str, str, dict[str, Any]]]) -> dict[int, Any]:
    from secureops.core.scans.service import FINISHED, wait_for_scans
    from secureops.core.scans.submit import submit_scan
    from secureops.core.store.models import Scan
    from secureops.core.targets import Target

    ids = []
    for scanner, target, options in plans:
        kind = "path" if scanner == "trivy" else None
        request = await submit_scan(
            settings=services.settings, store=services.store, queue=services.queue, registry=services.registry,
            tenant=DEMO_TENANT, scanner=scanner, target=Target.parse(target, kind), options=options,
            requested_by="cli:demo",
        )  # fmt: skip
        ids.append(request.scan_id)
    worker = services.worker(concurrency=len(ids))
    running = asyncio.create_task(worker.run())

    def table() -> Table:
        with services.store.tenant(DEMO_TENANT) as session:
            scans = [session.get(Scan, scan_id) for scan_id in ids]
            view = Table(title="Scans")
            for column in ("scan", "scanner", "target", "status", "findings"):
                view.add_column(column)
            for row in scans:
                if row is not None:
                    done = row.status in FINISHED
                    status = row.status if done or row.status != "running" else "running …"
                    view.add_row(str(row.id), row.scanner, row.target, status, str(row.findings_count) if done else "")
            return view

    try:
        with Live(table(), console=console, refresh_per_second=8) as live:
            waiting = asyncio.create_task(wait_for_scans(services.store, DEMO_TENANT, ids, timeout=600))
            while not waiting.done():
                live.update(await asyncio.to_thread(table))
                await asyncio.sleep(0.2)
            live.update(await asyncio.to_thread(table))
            return await waiting
    finally:
        worker.stop()
        await running
        await services.close()


def _print_findings(services: ScanServices, rows: dict[int, Any]) -> None:
    from sqlmodel import select

    from secureops.core.findings import Severity
    from secureops.core.store.models import Finding

    tests = {row.test_id: row for row in rows.values() if row.test_id is not None}
    with services.store.tenant(DEMO_TENANT) as session:
        stored = session.exec(select(Finding).where(Finding.test_id.in_(list(tests)))).all()  # type: ignore[attr-defined]
        table = Table(title=f"{len(stored)} findings stored for {DEMO_TENANT} ({services.settings.database_url})")
        for column in ("severity", "scanner", "title", "where"):
            table.add_column(column, overflow="fold")
        order = {s.value: s.rank for s in Severity}
        for finding in sorted(stored, key=lambda f: (-order.get(f.severity, 0), f.title)):
            where = finding.file_path or finding.component_name or tests[finding.test_id].target
            table.add_row(finding.severity, tests[finding.test_id].scanner, finding.title, where or "-")
    console.print()
    console.print(table)
    for row in rows.values():
        if row.status != "completed":
            console.print(f"[red]scan {row.id} ({row.scanner}) {row.status}: {row.error}[/red]")
