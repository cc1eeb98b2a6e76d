"""The interface every autoscaler backend implements, and the environment a started worker gets.

A backend only starts workers, lists them and removes workers that have already exited: it never stops a
running worker. Scaling down is the controller's drain request (through Redis); the worker exits by itself
after its running scans, and only then does the controller call :meth:`WorkerBackend.remove`.
Backends are synchronous (the docker SDK is); the controller calls them from a thread.
"""

from __future__ import annotations

import abc
import json
from dataclasses import dataclass
from typing import Any, ClassVar

from secureops.core.config import Settings

__all__ = ["WorkerBackend", "WorkerHandle", "worker_env"]

# Settings a worker must never inherit from the autoscaler: its own knobs, and the config-file pointer (the
# worker gets every value explicitly).
_NOT_PASSED = frozenset({"autoscaler"})


@dataclass(frozen=True)
class WorkerHandle:
    """One worker as its backend sees it.

    ``state`` is ``running`` (including being restarted by its engine), ``exited`` (stopped by itself or
    crashed: see ``exit_code``) or ``created`` (never started).
    """

    name: str
    state: str
    exit_code: int | None = None
    created: float = 0.0

    @property
    def alive(self) -> bool:
        """Counts as a live worker."""
        return self.state == "running"

    @property
    def crashed(self) -> bool:
        """Exited with a failure (a drained worker exits 0)."""
        return self.state == "exited" and self.exit_code not in (0, None)


class WorkerBackend(abc.ABC):
    """Starts, lists and removes scan workers. Implementations: ``local``, ``docker``; Kubernetes: see docs."""

    name: ClassVar[str]

    @abc.abstractmethod
    def list(self) -> list[WorkerHandle]:
        """Every worker of this autoscaler (its prefix), alive or exited, in a stable order (oldest first)."""

    @abc.abstractmethod
    def start(self) -> str:
        """Start one worker; return its name (the worker reports it as ``container`` in its presence)."""

    @abc.abstractmethod
    def remove(self, name: str) -> None:
        """Forget an exited worker and free what it used. Refuses (``ValueError``) a worker that is running."""

    def close(self) -> None:  # noqa: B027  (optional hook: most backends hold nothing)
        """Release the backend's resources. Running workers keep running (a next leader adopts them)."""


def worker_env(settings: Settings, name: str) -> dict[str, str]:
    """``SECUREOPS_*`` variables that give a worker exactly the autoscaler's settings, plus its name.

    Every setting that differs from its default is passed (lists comma-joined, tables as JSON), then the
    operator's ``autoscaler.env`` on top, then ``SECUREOPS_CONTAINER_NAME`` so presence maps worker → name.
    """
    env: dict[str, str] = {}
    for field, value in settings.model_dump(mode="json", exclude_defaults=True).items():
        if field in _NOT_PASSED or value is None:
            continue
        env[f"SECUREOPS_{field.upper()}"] = _env_value(settings, field, value)
    env.update(settings.autoscaler.env)
    env["SECUREOPS_CONTAINER_NAME"] = name
    return env


def _env_value(settings: Settings, field: str, value: Any) -> str:
    if isinstance(value, list):
        return ",".join(str(v) for v in value)  # the comma-list settings (NoDecode)
    if isinstance(value, dict):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
