"""A tenant's scan scope: the networks, hostnames, images and paths its scans may touch.

Every scan — queued from the API, the CLI, a schedule or a cascade — is checked against the scope of the tenant
that asked for it before anything runs. Hostnames must be listed *and* every address they resolve to must lie in
an allowed network (when networks are listed), so a DNS answer cannot move a scan out of scope. The development
default is loopback only.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import logging
import posixpath
import socket
from collections.abc import Callable, Sequence

from pydantic import BaseModel, ConfigDict, Field, IPvAnyNetwork

from secureops.core.errors import TargetError
from secureops.core.targets import Target, TargetKind

__all__ = ["LOOPBACK_SCOPE", "Resolver", "Scope", "system_resolver"]

log = logging.getLogger(__name__)

Resolver = Callable[[str], Sequence[str]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def system_resolver(hostname: str) -> list[str]:
    """Every address ``hostname`` resolves to on this machine (A and AAAA)."""
    try:
        infos = socket.getaddrinfo(hostname, None, proto=socket.IPPROTO_TCP)
    except socket.gaierror as err:
        raise TargetError(f"cannot resolve {hostname!r}: {err.strerror}") from None
    return sorted({str(info[4][0]) for info in infos})


class Scope(BaseModel):
    """What a tenant may scan. An empty scope allows nothing."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    networks: list[IPvAnyNetwork] = Field(default_factory=list, description="IP networks, e.g. 127.0.0.0/8")
    hostnames: list[str] = Field(default_factory=list, description="host names; '*.example.com' for subdomains")
    images: list[str] = Field(default_factory=list, description="image reference prefixes, e.g. 'registry.local/'")
    paths: list[str] = Field(default_factory=list, description="absolute path prefixes on the worker")

    def check(self, target: Target, resolver: Resolver = system_resolver) -> None:
        """Refuse ``target`` unless it lies inside this scope.

        :raises TargetError: naming the target and why it is out of scope.
        """
        if target.kind is TargetKind.CIDR:
            network = ipaddress.ip_network(target.value, strict=False)
            if not any(_subnet_of(network, allowed) for allowed in self.networks):
                raise TargetError(f"{target} is out of scope: not inside an allowed network")
        elif target.kind is TargetKind.IMAGE:
            if not any(target.value.startswith(prefix) for prefix in self.images):
                raise TargetError(f"{target} is out of scope: image not under an allowed prefix")
        elif target.kind is TargetKind.PATH:
            path = posixpath.normpath(target.value)
            if not path.startswith("/") or not any(_under(path, prefix) for prefix in self.paths):
                raise TargetError(f"{target} is out of scope: path not under an allowed directory")
        else:
            host = target.host
            if not host:
                raise TargetError(f"{target} is out of scope: it names no host")
            self._check_host(str(target), host, resolver)

    def _check_host(self, shown: str, host: str, resolver: Resolver) -> None:
        address = _address(host)
        if address is not None:
            if not any(address in network for network in self.networks):
                raise TargetError(f"{shown} is out of scope: {address} is not in an allowed network")
            return
        name = host.rstrip(".").lower()
        if not any(fnmatch.fnmatchcase(name, pattern.lower()) for pattern in self.hostnames):
            raise TargetError(f"{shown} is out of scope: host {name!r} is not an allowed host name")
        if self.networks:
            outside = [a for a in resolver(name) if not any(ipaddress.ip_address(a) in n for n in self.networks)]
            if outside:
                raise TargetError(f"{shown} is out of scope: {name} resolves to {', '.join(outside)}")


LOOPBACK_SCOPE = Scope.model_validate({"networks": ["127.0.0.0/8", "::1/128"], "hostnames": ["localhost"]})
"""The development default: this machine only."""


def _address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _subnet_of(network: ipaddress.IPv4Network | ipaddress.IPv6Network, allowed: object) -> bool:
    if isinstance(network, ipaddress.IPv4Network) and isinstance(allowed, ipaddress.IPv4Network):
        return network.subnet_of(allowed)
    if isinstance(network, ipaddress.IPv6Network) and isinstance(allowed, ipaddress.IPv6Network):
        return network.subnet_of(allowed)
    return False


def _under(path: str, prefix: str) -> bool:
    prefix = posixpath.normpath(prefix)
    return path == prefix or path.startswith(prefix.rstrip("/") + "/")
