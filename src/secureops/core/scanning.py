"""Run one scanner against one target: the single place where targets, options and runtimes meet."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from secureops.core.contracts import Options, ScanContext, Scanner
from secureops.core.errors import ScanError, SecureopsError
from secureops.core.reports import RawReport
from secureops.core.runtimes.base import Runtime
from secureops.core.targets import Target

__all__ = ["run_scanner"]

log = logging.getLogger(__name__)


def run_scanner(
    scanner: Scanner,
    target: Target,
    options: Mapping[str, Any] | Options | None,
    runtime: Runtime,
    workdir: Path,
    *,
    cancel: threading.Event | None = None,
    timeout: float | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> RawReport:
    """Check the target and options, run the scanner, and return its raw report.

    Command-spec scanners run through ``runtime``; API-driven scanners (``run()``) run in an event loop of
    their own and report ``progress(percent, message)`` as they go. Any failure becomes a :class:`ScanError`
    naming the scanner, so a broken plugin fails its scan and nothing else.

    :raises TargetError: the target is of a kind the scanner does not accept (before anything runs).
    :raises ConfigError: the options are invalid (before anything runs).
    :raises ScanError: the scan ran and failed, timed out or was cancelled.
    """
    scanner.check_target(target)
    validated = scanner.parse_options(options)
    limit = timeout or scanner.default_timeout
    if scanner.uses_command:
        return _run_command(scanner, target, validated, runtime, workdir, cancel=cancel, timeout=limit)
    context = ScanContext(workdir=workdir, timeout=limit)
    if progress is not None:
        context.progress = progress
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        # The scanner sees ``limit`` in its context and should stop itself (and clean up — e.g. tell a ZAP daemon
        # to stop attacking); the host's hard stop comes a little later, so that cleanup is not cut short.
        hard_limit = limit + min(30.0, max(2.0, limit * 0.1))
        return asyncio.run(asyncio.wait_for(scanner.run(target, validated, context), timeout=hard_limit))
    except TimeoutError:
        raise ScanError(f"scanner {scanner.name!r} timed out after {limit:g}s") from None
    except SecureopsError:
        raise
    except Exception as err:
        log.debug("scanner %r failed", scanner.name, exc_info=True)
        raise ScanError(f"scanner {scanner.name!r} failed: {type(err).__name__}: {err}") from err


def _run_command(
    scanner: Scanner,
    target: Target,
    options: Options,
    runtime: Runtime,
    workdir: Path,
    *,
    cancel: threading.Event | None,
    timeout: float,
) -> RawReport:
    try:
        spec = scanner.command(target, options)
    except SecureopsError:
        raise
    except Exception as err:
        raise ScanError(f"scanner {scanner.name!r} could not build its command: {err}") from err
    spec = spec.model_copy(update={"timeout": min(spec.timeout, timeout)})
    result = runtime.execute(spec, workdir, cancel=cancel)
    if result.timed_out:
        raise ScanError(f"scanner {scanner.name!r} timed out after {spec.timeout:g}s")
    if result.cancelled:
        raise ScanError(f"scan with {scanner.name!r} was cancelled")
    if result.truncated:
        raise ScanError(f"scanner {scanner.name!r} produced more output than allowed; the scan was stopped")
    if result.exit_code not in spec.ok_exit_codes:
        tail = result.stderr_tail.strip().splitlines()[-1:] or ["no error output"]
        raise ScanError(f"scanner {scanner.name!r} exited with status {result.exit_code}: {tail[0]}")
    return RawReport(format=scanner.report_format, path=result.report_path, filename=result.report_path.name)
