"""The runtime driver interface: execute a command spec in a private work directory, within limits."""

from __future__ import annotations

import abc
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from secureops.core.contracts import CommandSpec

__all__ = ["ExecutionResult", "Runtime", "substitute"]


@dataclass(frozen=True)
class ExecutionResult:
    """How a command ended. ``report_path`` is where its report is (the output file, or captured stdout)."""

    exit_code: int | None
    report_path: Path
    stderr_tail: str
    duration: float
    timed_out: bool = False
    cancelled: bool = False
    truncated: bool = False

    @property
    def ok(self) -> bool:
        """True when the command finished by itself (not killed) — check the exit code separately."""
        return not (self.timed_out or self.cancelled)


class Runtime(abc.ABC):
    """Executes :class:`CommandSpec` objects. Drivers are registered in the ``secureops.runtime`` group."""

    name: ClassVar[str]

    @abc.abstractmethod
    def can_run(self, spec: CommandSpec) -> bool:
        """Whether this runtime can execute ``spec`` here (its binary is installed, its image exists …)."""

    @abc.abstractmethod
    def execute(self, spec: CommandSpec, workdir: Path, *, cancel: threading.Event | None = None) -> ExecutionResult:
        """Run ``spec`` with ``workdir`` as its private directory and wait for it, within its timeout.

        Never raises for the command's own failure (that is in the result); raises
        :class:`~secureops.ScanError` when the command cannot be started at all.
        """


def substitute(argv: list[str], *, output: str, workdir: str) -> list[str]:
    """Replace the ``{output}`` and ``{workdir}`` placeholders in each argument (nothing else is expanded)."""
    return [arg.replace("{output}", output).replace("{workdir}", workdir) for arg in argv]
