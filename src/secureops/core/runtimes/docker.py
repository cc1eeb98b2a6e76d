"""The Docker runtime: runs a scanner's image in a locked-down, resource-limited container.

The scan's work directory is bind-mounted at ``/work`` — or the spec's ``container_workdir`` — and ``{workdir}``
and ``{output}`` point there. The
container gets the spec's CPU and memory limits (the seed's default: 2 CPUs, 4 GB), a process limit, no
capabilities, ``no-new-privileges``, ``init`` (so signals reach the tool and stopping is quick), only the spec's
environment, and the configured network mode (``docker_network_mode``; ``none`` for scanners that need no
network). Time, cancellation and the report-size cap are enforced as in the local runtime; the container is
always removed afterwards.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any, ClassVar

from secureops.core.config import Settings
from secureops.core.contracts import CommandSpec
from secureops.core.errors import ConfigError, ScanError
from secureops.core.runtimes.base import ExecutionResult, Runtime, substitute

__all__ = ["CONTAINER_WORKDIR", "DockerRuntime"]

log = logging.getLogger(__name__)

CONTAINER_WORKDIR = "/work"
LABEL = "io.secureops.runtime"
_POLL_SECONDS = 0.1
_STDERR_TAIL_LINES = 50
_PIDS_LIMIT = 1024


class DockerRuntime(Runtime):
    """Runs ``CommandSpec.image`` through the Docker engine (docker SDK)."""

    name: ClassVar[str] = "docker"

    def __init__(self, settings: Settings | None = None, *, client: Any = None) -> None:
        import docker  # imported here: the embedded mode never needs the SDK

        settings = settings or Settings()
        self.max_output_bytes = settings.max_report_bytes
        self.network_mode = settings.docker_network_mode
        try:
            self.client = client or docker.from_env()
            self.client.ping()
        except docker.errors.DockerException as err:
            raise ConfigError(f"the docker runtime cannot reach a Docker engine: {err}") from err

    def can_run(self, spec: CommandSpec) -> bool:
        """True when the spec names an image that exists in the local engine."""
        import docker

        if not spec.image:
            return False
        try:
            self.client.images.get(spec.image)
        except docker.errors.ImageNotFound:
            return False
        return True

    def execute(self, spec: CommandSpec, workdir: Path, *, cancel: threading.Event | None = None) -> ExecutionResult:
        """Run the spec's image with ``workdir`` at ``/work``; wait, killing it on timeout, cancel or overflow."""
        import docker

        if not spec.image:
            raise ScanError("this scanner has no container image; it needs the local runtime")
        workdir = workdir.resolve()
        workdir.mkdir(parents=True, exist_ok=True)
        output_name = spec.output_file or "stdout.report"
        mount = spec.container_workdir.rstrip("/") or CONTAINER_WORKDIR
        command = substitute(
            list(spec.image_argv if spec.image_argv is not None else spec.argv or []),
            output=f"{mount}/{output_name}",
            workdir=mount,
        )
        report = workdir / output_name
        if not self.can_run(spec):  # checked first: ``containers.run`` would try to pull from a registry
            raise ScanError(f"image {spec.image!r} is not available to this worker's Docker engine")
        started = time.monotonic()
        try:
            container = self.client.containers.run(
                spec.image,
                command=command,
                detach=True,
                environment=dict(spec.env),
                working_dir=mount,
                volumes={str(workdir): {"bind": mount, "mode": "rw"}},
                network_mode=self.network_mode,
                nano_cpus=int(spec.resources.cpus * 1e9),
                mem_limit=f"{spec.resources.memory_mb}m",
                memswap_limit=f"{spec.resources.memory_mb}m",
                pids_limit=_PIDS_LIMIT,
                cap_drop=["ALL"],
                security_opt=["no-new-privileges"],
                init=True,
                labels={LABEL: "scan"},
                stdin_open=False,
            )
        except docker.errors.ImageNotFound:
            raise ScanError(f"image {spec.image!r} is not available to this worker's Docker engine") from None
        except docker.errors.APIError as err:
            raise ScanError(f"could not start a container from {spec.image!r}: {err.explanation or err}") from err
        try:
            return self._wait(container, spec, report, started, cancel)
        finally:
            try:
                container.remove(force=True)
            except docker.errors.APIError:
                log.warning("could not remove container %s", container.id[:12])

    def _wait(
        self, container: Any, spec: CommandSpec, report: Path, started: float, cancel: threading.Event | None
    ) -> ExecutionResult:
        stdout_is_report = spec.output_file is None
        copier = _StdoutCopier(container, report, self.max_output_bytes) if stdout_is_report else None
        timed_out = cancelled = truncated = False
        deadline = started + spec.timeout
        while True:
            container.reload()
            if container.status in ("exited", "dead"):
                break
            if time.monotonic() > deadline:
                timed_out = True
            elif cancel is not None and cancel.is_set():
                cancelled = True
            elif (copier and copier.overflowed) or _size(report) > self.max_output_bytes:
                truncated = True
            if timed_out or cancelled or truncated:
                container.kill()
                break
            time.sleep(_POLL_SECONDS)
        exit_code = container.wait(timeout=30).get("StatusCode")
        if copier is not None:
            copier.join()
            truncated = truncated or copier.overflowed
        if truncated and _size(report) > self.max_output_bytes:
            with report.open("r+b") as handle:
                handle.truncate(self.max_output_bytes)
        if not report.exists():
            report.touch()
        stderr = container.logs(stdout=False, stderr=True, tail=_STDERR_TAIL_LINES).decode("utf-8", "replace")
        return ExecutionResult(
            exit_code=None if (timed_out or cancelled or truncated) else exit_code,
            report_path=report,
            stderr_tail=stderr,
            duration=time.monotonic() - started,
            timed_out=timed_out,
            cancelled=cancelled,
            truncated=truncated,
        )


class _StdoutCopier(threading.Thread):
    """Streams the container's stdout into the report file, stopping at the size cap."""

    def __init__(self, container: Any, path: Path, limit: int) -> None:
        super().__init__(daemon=True)
        self.container, self.path, self.limit = container, path, limit
        self.overflowed = False
        self.start()

    def run(self) -> None:
        written = 0
        with self.path.open("wb") as out:
            for chunk in self.container.logs(stdout=True, stderr=False, stream=True, follow=True):
                room = self.limit - written
                out.write(chunk[: max(room, 0)])
                written += len(chunk)
                if written > self.limit:
                    self.overflowed = True
                    return


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0
