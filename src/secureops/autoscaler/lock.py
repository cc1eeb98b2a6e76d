"""A leader lease in Redis, so that two autoscalers started by mistake never both act.

``SET key token NX PX ttl`` takes the lease; renewal and release compare the token first (Lua), so an
autoscaler whose lease expired — it stalled, and another took over — can neither extend nor delete the new
leader's lease. The leader renews every loop; a loop must finish well within ``ttl``.
"""

from __future__ import annotations

import logging
import secrets
import socket
from typing import Any

__all__ = ["LeaderLease", "lease_key"]

log = logging.getLogger(__name__)

_RENEW = """
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("PEXPIRE", KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("DEL", KEYS[1])
end
return 0
"""


def lease_key(prefix: str) -> str:
    """The key holding the current leader's token."""
    return f"secureops:{prefix}autoscaler:leader"


class LeaderLease:
    """One contender for the autoscaler lease of ``prefix``."""

    def __init__(self, client: Any, prefix: str = "", *, ttl_s: float = 15.0, token: str | None = None) -> None:
        self.client = client
        self.key = lease_key(prefix)
        self.ttl_ms = max(1, int(ttl_s * 1000))
        self.token = token or f"{socket.gethostname()}:{secrets.token_hex(8)}"
        self.held = False

    async def acquire(self) -> bool:
        """Take the lease if it is free, or renew it if it is ours. True when we are the leader now."""
        if self.held and await self.renew():
            return True
        self.held = bool(await self.client.set(self.key, self.token, nx=True, px=self.ttl_ms))
        if self.held:
            log.info("autoscaler leader lease taken", extra={"lease": self.key, "token": self.token})
        return self.held

    async def renew(self) -> bool:
        """Extend our lease; False (and no longer held) when it expired and someone else may hold it."""
        self.held = bool(await self.client.eval(_RENEW, 1, self.key, self.token, self.ttl_ms))
        if not self.held:
            log.warning("autoscaler leader lease lost", extra={"lease": self.key})
        return self.held

    async def release(self) -> bool:
        """Give the lease up if it is still ours (on shutdown), so a standby takes over at once."""
        released = bool(await self.client.eval(_RELEASE, 1, self.key, self.token))
        self.held = False
        return released

    async def holder(self) -> str | None:
        """The token of the current leader, if any."""
        value = await self.client.get(self.key)
        return value.decode() if isinstance(value, bytes) else value
