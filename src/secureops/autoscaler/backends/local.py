"""The ``local`` backend: scan workers as ``secureops worker`` subprocesses of the autoscaler (embedded default).

It knows only the processes it started (a process cannot be adopted across autoscaler restarts). On
:meth:`close` its workers get SIGTERM — the worker's graceful stop: it reserves nothing more and hands running
scans back to the queue after its grace period — and are waited for.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import secrets
import signal
import subprocess
import sys
import time
from typing import ClassVar

from secureops.autoscaler.backends.base import WorkerBackend, WorkerHandle, worker_env
from secureops.core.config import Settings

__all__ = ["LocalBackend"]

log = logging.getLogger(__name__)


class LocalBackend(WorkerBackend):
    """Runs workers as child processes on this machine.

    :param command: the worker command (default ``python -m secureops worker``); ``--concurrency`` is added.
    :param extra_env: variables added to every worker's environment (after the settings).
    """

    name: ClassVar[str] = "local"

    def __init__(
        self,
        settings: Settings,
        *,
        command: list[str] | None = None,
        extra_env: dict[str, str] | None = None,
        log_dir: str | None = None,
    ) -> None:
        self.settings = settings
        self.command = command or [sys.executable, "-m", "secureops", "worker"]
        self.extra_env = dict(extra_env or {})
        self.log_dir = log_dir
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.created: dict[str, float] = {}
        self._tag = f"{settings.queue_prefix or 'default'}-{secrets.token_hex(3)}"
        self._counter = itertools.count(1)

    def list(self) -> list[WorkerHandle]:
        """Our processes, oldest first."""
        handles = []
        for name, process in self.processes.items():
            code = process.poll()
            state = "running" if code is None else "exited"
            handles.append(WorkerHandle(name, state, code, self.created[name]))
        return handles

    def start(self) -> str:
        """Spawn one worker process with the autoscaler's settings in its environment."""
        name = f"secureops-worker-{self._tag}-{next(self._counter)}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("SECUREOPS_")}
        env.update(worker_env(self.settings, name))
        env.update(self.extra_env)
        argv = [*self.command, "--concurrency", str(self.settings.autoscaler.scaling.scans_per_worker)]
        output = open(os.path.join(self.log_dir, f"{name}.log"), "wb") if self.log_dir else subprocess.DEVNULL  # noqa: SIM115
        try:
            process = subprocess.Popen(argv, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
        finally:
            if output is not subprocess.DEVNULL:
                output.close()  # type: ignore[union-attr]
        self.processes[name] = process
        self.created[name] = time.time()
        log.info("started worker process", extra={"worker": name, "pid": process.pid})
        return name

    def remove(self, name: str) -> None:
        """Forget an exited process (reaped already by ``poll``)."""
        process = self.processes.get(name)
        if process is None:
            return
        if process.poll() is None:
            raise ValueError(f"worker {name} is still running; drain it first")
        del self.processes[name]
        self.created.pop(name, None)

    def close(self, timeout: float = 60.0) -> None:
        """SIGTERM every worker still running (graceful stop) and wait for them."""
        for process in self.processes.values():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
