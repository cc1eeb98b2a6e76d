"""``secureops queue``: depth per tenant and group, and the dead-letter queue (list, retry, purge)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import typer
from rich.table import Table

from secureops.cli.app import State, app, console, fail
from secureops.core.queue import open_queue
from secureops.core.queue.base import QueueBackend

queue_app = typer.Typer(help="Inspect the job queue and its dead letters.", no_args_is_help=True)
app.add_typer(queue_app, name="queue")

T = TypeVar("T")
NamespaceOpt = Annotated[
    str, typer.Option("--namespace", "-n", help="Queue name (scans, triage, notifications); queue_prefix applies.")
]


def with_queue(state: State, namespace: str, action: Callable[[QueueBackend], Awaitable[T]]) -> T:
    """Run ``action`` against the configured queue driver (``queue_backend``), then close it."""

    async def main() -> T:
        queue = open_queue(state.settings, namespace)
        try:
            return await action(queue)
        finally:
            await queue.close()

    return asyncio.run(main())


@queue_app.command("stats")
def stats(
    ctx: typer.Context,
    namespace: NamespaceOpt = "scans",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object (stable, documented shape).")] = False,
) -> None:
    """Depth per tenant and group: waiting, delayed, running, failed, runnable groups."""

    async def read(queue: QueueBackend) -> dict[str, Any]:
        return (await queue.depth()).as_dict()

    data = with_queue(ctx.obj, namespace, read)
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    console.print(
        f"queue [bold]{namespace}[/bold]{' (paused)' if data['paused'] else ''}: waiting {data['waiting']}, "
        f"delayed {data['delayed']}, running {data['running']}, failed {data['failed']}, "
        f"runnable groups {data['runnable_groups']}",
        highlight=False,
    )
    table = Table(title="per tenant")
    for column in ("tenant", "waiting", "delayed", "running", "runnable groups"):
        table.add_column(column)
    for tenant, row in sorted(data["tenants"].items()):
        table.add_row(tenant, str(row["waiting"]), str(row["delayed"]), str(row["active"]), str(row["runnable_groups"]))
    console.print(table)
    groups = Table(title="per group")
    for column in ("group", "waiting", "delayed", "running", "runnable"):
        groups.add_column(column)
    for g in data["groups"]:
        groups.add_row(
            g["group"], str(g["waiting"]), str(g["delayed"]), str(g["running"]), "yes" if g["runnable"] else ""
        )
    console.print(groups)


@queue_app.command("dead")
def dead(
    ctx: typer.Context,
    namespace: NamespaceOpt = "scans",
    limit: Annotated[int, typer.Option(help="Show at most this many.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
) -> None:
    """List dead-lettered jobs (oldest first) with their last error."""

    async def read(queue: QueueBackend) -> list[dict[str, Any]]:
        return [
            {"id": r.id, "group": r.group_id, "tenant": r.tenant_id, "attempts": r.attempts, "error": r.error,
             "finished_on": r.finished_on}
            for r in await queue.dead_letters(limit)
        ]  # fmt: skip

    rows = with_queue(ctx.obj, namespace, read)
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table(title=f"dead letters of {namespace}")
    for column in ("id", "group", "tenant", "attempts", "error"):
        table.add_column(column)
    for row in rows:
        table.add_row(row["id"], row["group"], row["tenant"] or "-", str(row["attempts"]), row["error"] or "")
    console.print(table)


def _selection(job_ids: list[str] | None, all_: bool) -> list[str] | None:
    if bool(job_ids) == all_:
        fail("give job ids, or --all (not both)")
    return None if all_ else list(job_ids or [])


def _act_on_dead(ctx: typer.Context, job_ids: list[str] | None, all_: bool, namespace: str, retry: bool) -> None:
    """Retry or purge the selected dead-lettered jobs; exit 2 when some given ids were not dead-lettered."""
    selection = _selection(job_ids, all_)

    async def act(queue: QueueBackend) -> int:
        return await (queue.retry_dead(selection) if retry else queue.purge_dead(selection))

    count = with_queue(ctx.obj, namespace, act)
    console.print(f"{'retried' if retry else 'purged'} {count} job(s)", highlight=False)
    if selection is not None and count < len(selection):
        fail(f"{len(selection) - count} of the given ids are not dead-lettered")


@queue_app.command("retry")
def retry(
    ctx: typer.Context,
    job_ids: Annotated[list[str] | None, typer.Argument(help="Dead-lettered job ids.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every dead-lettered job.")] = False,
    namespace: NamespaceOpt = "scans",
) -> None:
    """Put dead-lettered jobs back in their groups with their attempts reset."""
    _act_on_dead(ctx, job_ids, all_, namespace, retry=True)


@queue_app.command("purge")
def purge(
    ctx: typer.Context,
    job_ids: Annotated[list[str] | None, typer.Argument(help="Dead-lettered job ids.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every dead-lettered job.")] = False,
    namespace: NamespaceOpt = "scans",
) -> None:
    """Delete dead-lettered jobs for good."""
    _act_on_dead(ctx, job_ids, all_, namespace, retry=False)
