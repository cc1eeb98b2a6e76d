"""Worker runtimes: drivers that execute a scanner's :class:`~secureops.CommandSpec`."""

from secureops.core.runtimes.base import ExecutionResult, Runtime

__all__ = ["ExecutionResult", "Runtime"]
