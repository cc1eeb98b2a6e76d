"""A notifier that writes events to the ``secureops.events`` log: always available, needs no configuration."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Literal

from secureops.core import contracts
from secureops.core.contracts import Notifier
from secureops.core.hookspecs import hookimpl
from secureops.core.reports import Event

events_log = logging.getLogger("secureops.events")


class LogNotifier(Notifier):
    """Logs each event's topic, tenant and summary (never the findings' details)."""

    name = "log"
    description = "Write events to the 'secureops.events' logger"

    class Options(contracts.Options):
        level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    async def send(self, event: Event, options: LogNotifier.Options) -> None:
        """Log ``event`` at the configured level."""
        events_log.log(
            logging.getLevelName(options.level),
            "%s tenant=%s findings=%d %s",
            event.topic,
            event.tenant_id or "-",
            len(event.findings),
            event.summary,
        )


@hookimpl
def register_notifiers(register: Callable[[Notifier], None]) -> None:
    """Register the log notifier."""
    register(LogNotifier())
