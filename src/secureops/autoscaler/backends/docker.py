"""The ``docker`` backend: scan workers as labelled containers of a locally built worker image.

Every container gets the labels ``io.secureops.role=worker`` and ``io.secureops.autoscaler=<queue prefix>``
(which is how the backend finds its own — and only its own — workers, across autoscaler restarts), the seed's
resources (2 CPUs, 4 GB by default), ``init=True`` (signals reach the worker; stops are quick), a restart policy,
the configured network mode (``host`` by default so workers reach Redis and PostgreSQL on 127.0.0.1; never the
default bridge) and the autoscaler's settings as ``SECUREOPS_*`` variables plus ``SECUREOPS_CONTAINER_NAME``.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any, ClassVar

from secureops.autoscaler.backends.base import WorkerBackend, WorkerHandle, worker_env
from secureops.core.config import Settings
from secureops.core.errors import ConfigError

__all__ = ["ROLE_LABEL", "SCOPE_LABEL", "DockerBackend"]

log = logging.getLogger(__name__)

ROLE_LABEL = "io.secureops.role"
SCOPE_LABEL = "io.secureops.autoscaler"
_ALIVE = {"running", "restarting", "paused"}


class DockerBackend(WorkerBackend):
    """Starts worker containers through the Docker engine (docker SDK).

    :param client: a ``docker.DockerClient`` (default: from the environment).
    :param extra_env: variables added to every container's environment (after the settings).
    """

    name: ClassVar[str] = "docker"

    def __init__(self, settings: Settings, *, client: Any = None, extra_env: dict[str, str] | None = None) -> None:
        import docker  # imported here: the embedded mode never needs the SDK

        self.settings = settings
        self.config = settings.autoscaler
        self.extra_env = dict(extra_env or {})
        self.scope = settings.queue_prefix or "default"
        self.labels = {ROLE_LABEL: "worker", SCOPE_LABEL: self.scope}
        try:
            self.client = client or docker.from_env()
            self.client.ping()
        except docker.errors.DockerException as err:
            raise ConfigError(f"the docker autoscaler backend cannot reach a Docker engine: {err}") from err
        try:
            self.client.images.get(self.config.image)
        except docker.errors.ImageNotFound:
            raise ConfigError(
                f"worker image {self.config.image!r} is not in the local engine; build it with "
                "scripts/build-worker-image and set autoscaler.image"
            ) from None

    def list(self) -> list[WorkerHandle]:
        """Our containers (by label), alive or not, oldest first."""
        filters = {"label": [f"{k}={v}" for k, v in self.labels.items()]}
        handles = []
        for container in self.client.containers.list(all=True, filters=filters, ignore_removed=True):
            state = container.attrs.get("State", {})
            status = state.get("Status", container.status)
            kind = "running" if status in _ALIVE else "created" if status == "created" else "exited"
            code = state.get("ExitCode") if kind == "exited" else None
            handles.append(WorkerHandle(container.name, kind, code, _created(container)))
        return sorted(handles, key=lambda h: (h.created, h.name))

    def start(self) -> str:
        """Run one worker container (detached)."""
        name = f"secureops-worker-{self.scope}-{secrets.token_hex(4)}"
        env = worker_env(self.settings, name)
        env.update(self.extra_env)
        restart: dict[str, Any] = {"Name": self.config.restart_policy}
        if self.config.restart_policy == "on-failure":
            restart["MaximumRetryCount"] = self.config.restart_retries
        self.client.containers.run(
            self.config.image,
            command=["worker", "--concurrency", str(self.config.scaling.scans_per_worker)],
            name=name,
            detach=True,
            labels=self.labels,
            environment=env,
            network_mode=self.config.network_mode,
            init=True,
            restart_policy=restart,
            nano_cpus=int(self.config.cpus * 1e9),
            mem_limit=f"{self.config.memory_mb}m",
            volumes=_volumes(self.config.mounts),
            stop_signal="SIGTERM",
        )
        log.info("started worker container", extra={"worker": name, "image": self.config.image})
        return name

    def remove(self, name: str) -> None:
        """Remove a container that is no longer running."""
        import docker

        try:
            container = self.client.containers.get(name)
        except docker.errors.NotFound:
            return
        if container.status in _ALIVE:
            raise ValueError(f"worker container {name} is still {container.status}; drain it first")
        container.remove(v=True)

    def close(self) -> None:
        """Close the engine connection; worker containers keep running."""
        self.client.close()


def _created(container: Any) -> float:
    from datetime import datetime

    text = str(container.attrs.get("Created", ""))
    try:
        # Docker gives nanoseconds ("2026-11-29T16:40:01.123456789Z"); keep microseconds.
        head, _, frac = text.rstrip("Z").partition(".")
        return datetime.fromisoformat(f"{head}.{(frac or '0')[:6]:0<6}+00:00").timestamp()
    except ValueError:
        return 0.0


def _volumes(mounts: list[str]) -> dict[str, dict[str, str]]:
    volumes = {}
    for mount in mounts:
        host, container, *mode = mount.split(":")
        volumes[host] = {"bind": container, "mode": mode[0] if mode else "ro"}
    return volumes
