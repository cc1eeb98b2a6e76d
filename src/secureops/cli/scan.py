"""``secureops worker`` and ``secureops scan``: run scans from the queue, and queue one from the command line."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from secureops.cli.app import State, app, console, fail

if TYPE_CHECKING:
    from secureops.core.scans.service import ScanServices

ScanOption = Annotated[
    list[str] | None,
    typer.Option("--option", "-o", help="Scanner option as key=value; a [list] or {object} value is JSON."),
]


def _services(state: State) -> ScanServices:
    # Imported here: the store and queue stacks are heavy, and most commands never need them.
    from secureops.core.scans.service import ScanServices

    return ScanServices.from_settings(state.settings, state.registry)


@app.command()
def worker(
    ctx: typer.Context,
    concurrency: Annotated[int, typer.Option("--concurrency", "-c", min=1, help="Scans run at once.")] = 1,
    grace: Annotated[float, typer.Option("--grace", min=0, help="Seconds to let running scans finish on stop.")] = 30,
) -> None:
    """Run a scan worker until SIGTERM: reserve scans fairly across tenants, run, store, queue follow-ups."""
    state: State = ctx.obj
    if state.settings.queue_backend == "memory":
        fail("the memory queue lives inside one process; a separate worker needs queue_backend = 'redis'")
    services = _services(state)
    asyncio.run(services.serve(concurrency=concurrency, grace_s=grace))


@app.command()
def scan(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(help="What to scan: host, host:port, CIDR, URL, image or path.")],
    tenant: Annotated[str, typer.Option("--tenant", "-t", help="The tenant the scan is for.")],
    scanner: Annotated[str, typer.Option("--scanner", "-s", help="Scanner name (see `plugins list`).")],
    kind: Annotated[str | None, typer.Option("--kind", help="Target kind when it cannot be guessed.")] = None,
    option: ScanOption = None,
    product: Annotated[str | None, typer.Option("--product", help="Product the findings go to.")] = None,
    wait: Annotated[bool, typer.Option("--wait", help="Wait for the scan to finish.")] = False,
    timeout: Annotated[float | None, typer.Option("--timeout", min=1, help="Seconds the scan may take.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scan as JSON.")] = False,
) -> None:
    """Queue one scan (checked against the scanner, its options and the tenant's scope before queueing)."""
    from secureops.core.targets import Target

    state: State = ctx.obj
    parsed_target = Target.parse(target, kind)
    options = dict(_parse_option(item) for item in option or [])
    services = _services(state)
    embedded = state.settings.queue_backend == "memory"
    result = asyncio.run(_scan(services, tenant, scanner, parsed_target, options, product, timeout, wait or embedded))
    if as_json:
        typer.echo(json.dumps(result))
    elif result["status"] == "queued":
        console.print(f"queued scan {result['scan_id']} ({scanner} → {parsed_target})")
    else:
        console.print(f"scan {result['scan_id']}: {result['status']}, {result['findings']} findings", highlight=False)
    if result["status"] == "failed":
        fail(f"scan {result['scan_id']} failed: {result['error']}", code=1)


async def _scan(
    services: ScanServices,
    tenant: str,
    scanner: str,
    target: Any,
    options: dict[str, Any],
    product: str | None,
    timeout: float | None,
    wait: bool,
) -> dict[str, Any]:
    from secureops.core.scans.service import wait_for_scans
    from secureops.core.scans.submit import submit_scan

    try:
        request = await submit_scan(
            settings=services.settings, store=services.store, queue=services.queue, registry=services.registry,
            tenant=tenant, scanner=scanner, target=target, options=options, product=product,
            requested_by="cli", timeout=timeout,
        )  # fmt: skip
        result: dict[str, Any] = {"scan_id": request.scan_id, "tenant": tenant, "status": "queued", "findings": 0}
        if not wait:
            return result
        worker = services.worker() if services.settings.queue_backend == "memory" else None
        running = asyncio.create_task(worker.run()) if worker else None
        try:
            with console.status(f"scanning {target} with {scanner} …"):
                rows = await wait_for_scans(services.store, tenant, [request.scan_id], timeout=None)
        finally:
            if worker and running:
                worker.stop()
                await running
        row = rows[request.scan_id]
        result.update(status=row.status, findings=row.findings_count, test_id=row.test_id, error=row.error)
        return result
    finally:
        await services.close()


def _parse_option(item: str) -> tuple[str, Any]:
    key, sep, value = item.partition("=")
    if not sep or not key:
        fail(f"--option {item!r} must be key=value")
    # Plain values stay strings: the scanner's options model converts "5" or "true" to its own field types.
    if value.startswith(("[", "{")):
        try:
            return key, json.loads(value)
        except json.JSONDecodeError:
            fail(f"--option {key}: {value!r} is not valid JSON")
    return key, value
