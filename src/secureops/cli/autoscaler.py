"""``secureops autoscaler``: keep the right number of scan workers alive (see docs/autoscaler.md)."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
from typing import Annotated

import typer

from secureops.cli.app import State, app, fail


@app.command()
def autoscaler(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="Run one observe → decide → act loop and exit.")] = False,
    interval: Annotated[
        float | None, typer.Option("--interval", min=0.1, help="Seconds between loops (autoscaler.interval).")
    ] = None,
    backend: Annotated[
        str | None, typer.Option("--backend", help="Backend driver: local or docker (autoscaler_backend).")
    ] = None,
    metrics_port: Annotated[
        int | None, typer.Option("--metrics-port", min=0, help="Prometheus port on 127.0.0.1; 0 = off.")
    ] = None,
) -> None:
    """Scale scan workers on runnable queue depth within tier limits; drain idle workers to scale down."""
    import redis.asyncio as aioredis

    from secureops.autoscaler.controller import Controller
    from secureops.autoscaler.metrics import AutoscalerMetrics
    from secureops.core.drivers import load_driver

    state: State = ctx.obj
    settings = state.settings
    # The decision lines are this daemon's output: log them at the configured level (INFO by default), even
    # though the CLI's root logger shows only warnings unless --verbose.
    if logging.getLogger().level > logging.getLevelName(settings.log_level):
        logging.getLogger("secureops.autoscaler").setLevel(settings.log_level)
    if settings.queue_backend != "redis":
        fail("the autoscaler scales workers of a shared queue: it needs queue_backend = 'redis'")
    worker_backend = load_driver("autoscaler", settings, driver=backend)
    metrics = AutoscalerMetrics()
    port = settings.autoscaler.metrics_port if metrics_port is None else metrics_port
    if port and not once:
        metrics.serve(port)

    async def main() -> None:
        client = aioredis.Redis.from_url(settings.redis_url)
        controller = Controller(settings, worker_backend, client, metrics=metrics)
        try:
            if once:
                result = await controller.step()
                if controller.lease.held:
                    await controller.lease.release()
                decision = result.decision
                typer.echo(json.dumps({
                    "leader": result.leader, "outcome": result.outcome, "actual": result.actual,
                    "desired": decision.desired if decision else None, "reason": decision.reason if decision else None,
                    "started": result.started, "drained": result.drained, "removed": result.removed,
                }))  # fmt: skip
                return
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop.set)
            await controller.run(interval=interval, stop=stop)
        finally:
            await client.aclose()
            worker_backend.close()

    asyncio.run(main())
