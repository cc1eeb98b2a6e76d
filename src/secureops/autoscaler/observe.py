"""What the controller sees: per-tenant queue load (one Redis script) and workers (backend joined with presence).

Queue load comes from ``lua/observe.lua``, a read-only script over GroupMQ's keys and the ``tenant-limits``
hash that :func:`secureops.core.scans.submit.submit_scan` writes — one round trip per loop whatever the number
of tenants. Workers are what the backend runs (containers, processes), each joined by name with the presence
hash its worker keeps in Redis (``SECUREOPS_CONTAINER_NAME`` = the backend's name for it).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from typing import Any

from redis import exceptions as redis_errors

from secureops.autoscaler.backends.base import WorkerHandle
from secureops.autoscaler.policy import TenantLoad
from secureops.core.scans.presence import WorkerInfo, limits_key, list_workers

__all__ = ["ManagedWorker", "QueueObserver", "join_workers"]

_SOURCE = (resources.files("secureops.autoscaler") / "lua" / "observe.lua").read_text()
_SHA = hashlib.sha1(_SOURCE.encode()).hexdigest()  # noqa: S324  (Redis names scripts by SHA-1)


class QueueObserver:
    """Reads per-tenant load of the scan queue ``groupmq:<prefix><namespace>`` in one script call."""

    def __init__(self, client: Any, prefix: str = "", namespace: str = "scans") -> None:
        self.client = client
        self.prefix = prefix
        self.keys = (f"groupmq:{prefix}{namespace}", limits_key(prefix))

    async def tenants(self) -> list[TenantLoad]:
        """Every tenant with waiting or running jobs. A tenant without a recorded limit gets its group count.

        (Jobs added by other producers, e.g. Node GroupMQ, have no recorded limit; a group runs one job at a
        time, so the number of a tenant's groups bounds what it can run at once.)
        """
        try:
            raw = await self.client.evalsha(_SHA, 2, *self.keys)
        except redis_errors.NoScriptError:
            raw = await self.client.eval(_SOURCE, 2, *self.keys)
        loads = []
        for i in range(0, len(raw), 5):
            tenant = raw[i].decode() if isinstance(raw[i], bytes) else str(raw[i])
            waiting, running, groups, limit = (int(v) for v in raw[i + 1 : i + 5])
            loads.append(TenantLoad(tenant, waiting, running, limit if limit >= 0 else groups))
        return loads

    async def presence(self) -> list[WorkerInfo]:
        """The workers whose presence has not expired."""
        return await list_workers(self.client, self.prefix)


@dataclass(frozen=True)
class ManagedWorker:
    """A worker the backend runs, with what its presence says (``None`` until its first heartbeat)."""

    handle: WorkerHandle
    presence: WorkerInfo | None

    @property
    def name(self) -> str:
        """The backend's name for it (container or process name)."""
        return self.handle.name

    @property
    def alive(self) -> bool:
        """Running (or being restarted by its engine)."""
        return self.handle.alive

    @property
    def busy(self) -> int:
        """Scans it runs now (0 when it has not reported yet)."""
        return self.presence.busy if self.presence else 0

    @property
    def draining(self) -> bool:
        """A drain was requested: it finishes its scans and exits; it no longer counts as capacity."""
        return bool(self.presence and self.presence.draining)

    @property
    def idle(self) -> bool:
        """Alive, reported in, running nothing and not draining: safe to drain."""
        return self.alive and self.presence is not None and self.presence.busy == 0 and not self.draining


def join_workers(handles: list[WorkerHandle], presence: list[WorkerInfo]) -> list[ManagedWorker]:
    """Join backend workers with presence by name (presence of workers this backend did not start is ignored)."""
    by_name = {info.container: info for info in presence if info.container}
    return [ManagedWorker(handle, by_name.get(handle.name)) for handle in handles]
