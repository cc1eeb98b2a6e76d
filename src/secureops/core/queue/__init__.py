"""The GroupMQ-compatible job queue: interface, drivers (``memory``, ``redis``) and the worker loop."""

from secureops.core.config import Settings
from secureops.core.drivers import load_driver
from secureops.core.queue.base import (
    AddResult,
    Backoff,
    CancelResult,
    Depth,
    EventTopics,
    FailResult,
    GroupDepth,
    Heartbeat,
    Job,
    JobRecord,
    MaintenanceReport,
    NewJob,
    QueueBackend,
    QueueConnectionError,
    QueueError,
    QueueEvent,
    Repeat,
)

__all__ = [
    "AddResult",
    "Backoff",
    "CancelResult",
    "Depth",
    "EventTopics",
    "FailResult",
    "GroupDepth",
    "Heartbeat",
    "Job",
    "JobRecord",
    "MaintenanceReport",
    "NewJob",
    "QueueBackend",
    "QueueConnectionError",
    "QueueError",
    "QueueEvent",
    "Repeat",
    "open_queue",
]


def open_queue(settings: Settings, name: str) -> QueueBackend:
    """The queue called ``name`` (``scans``, ``triage`` …) of the configured driver, in this installation's
    namespace (``queue_prefix`` + name) and with its visibility timeout. Every producer, worker and operator
    command opens queues through here, so they all agree on where a queue lives."""
    queue: QueueBackend = load_driver(
        "queue", settings, namespace=f"{settings.queue_prefix}{name}", name=name,
        visibility_ms=settings.queue_visibility_ms,
    )  # fmt: skip
    return queue
