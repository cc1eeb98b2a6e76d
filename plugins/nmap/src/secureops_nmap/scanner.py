"""The Nmap scanner: turns a validated target and options into an Nmap command line (never a shell).

Each profile is a fixed bundle of Nmap switches; the options add ports, timing, exclusions and DNS behaviour.
Every value that reaches argv is either a constant here, a validated :class:`~secureops.Target`, or an option
checked against a strict pattern, so nothing a tenant types can become an Nmap option.

Privileges: the default TCP technique is a connect scan (``-sT``), which any user may run. ``tcp_scan="syn"``
(``-sS``) and the ``udp`` profile (``-sU``) need raw sockets: run the worker as root, or give the container
``CAP_NET_RAW`` (and ``CAP_NET_ADMIN``); otherwise Nmap exits with "requires root privileges" and the scan fails
with that message.
"""

from __future__ import annotations

import enum
import ipaddress
import logging
import re
from typing import ClassVar, Literal

from pydantic import Field, field_validator

import secureops
from secureops import CommandSpec, Resources, ScanError, Target, TargetError, TargetKind

__all__ = ["NmapScanner", "Profile"]

log = logging.getLogger(__name__)

# "22", "80,443", "8000-8100", "T:80,U:53", "1-" is not accepted (Nmap's open ranges are too easy to misuse).
_PORT_ITEM = r"(?:[TUS]:)?[0-9]{1,5}(?:-[0-9]{1,5})?"
_PORTS = re.compile(rf"{_PORT_ITEM}(?:,{_PORT_ITEM})*")  # used with fullmatch: "$" would allow a final "\n"
_RANGE = re.compile(r"(?:[TUS]:)?([0-9]+)(?:-([0-9]+))?")


class Profile(enum.StrEnum):
    """What kind of Nmap scan to run."""

    QUICK = "quick"  # the 100 most common TCP ports, no service detection
    SERVICE = "service"  # Nmap's default 1000 TCP ports with service/version detection (-sV)
    FULL_TCP = "full-tcp"  # every TCP port with service detection
    UDP = "udp"  # the 100 most common UDP ports (needs root / CAP_NET_RAW)
    VULNERS = "vulners"  # -sV plus the vulners NSE script (asks vulners.com about the detected CPEs)
    VULN = "vuln"  # -sV plus the NSE scripts that are both "vuln" and "safe", none that call out to the internet


# profile -> (switches, default timeout in seconds)
_PROFILES: dict[Profile, tuple[tuple[str, ...], float]] = {
    Profile.QUICK: (("--top-ports", "100"), 900.0),
    Profile.SERVICE: (("-sV",), 3600.0),
    Profile.FULL_TCP: (("-p", "1-65535", "-sV"), 4 * 3600.0),
    Profile.UDP: (("-sU", "--top-ports", "100"), 4 * 3600.0),
    Profile.VULNERS: (("-sV", "--script", "vulners"), 2 * 3600.0),
    Profile.VULN: (("-sV", "--script", "vuln and safe and not external"), 2 * 3600.0),
}


class NmapScanner(secureops.Scanner):
    """Port and service discovery with Nmap, writing ``-oX`` XML that the ``nmap-xml`` importer reads."""

    name = "nmap"
    description = "Nmap port/service discovery and NSE vulnerability scripts (vulners, vuln)"
    report_format = "nmap-xml"
    target_kinds = frozenset({TargetKind.HOST, TargetKind.CIDR, TargetKind.SERVICE})
    default_timeout = 4 * 3600.0
    resources = Resources(cpus=2.0, memory_mb=4096)

    docker_image: ClassVar[str] = "instrumentisto/nmap:7.95"
    """The production image; its entrypoint is ``nmap``, so ``image_argv`` holds only the arguments."""

    class Options(secureops.Options):
        """Per-scan settings; every value is validated before it can reach argv."""

        profile: Profile = Profile.QUICK
        ports: str | None = Field(default=None, max_length=1024, description="e.g. '22,80,8000-8100' or 'T:80,U:53'")
        timing: int = Field(default=3, ge=0, le=5, description="Nmap timing template -T0 (paranoid) … -T5 (insane)")
        tcp_scan: Literal["connect", "syn"] = "connect"
        exclude: tuple[str, ...] = Field(default=(), max_length=256, description="hosts or networks to skip")
        skip_host_discovery: bool = Field(default=False, description="-Pn: treat every host as up")
        resolve_names: bool = Field(default=True, description="False adds -n (no reverse DNS)")
        host_timeout: int | None = Field(default=None, ge=1, le=86_400, description="seconds per host")

        @field_validator("ports")
        @classmethod
        def _ports(cls, value: str | None) -> str | None:
            if value is None:
                return None
            if not _PORTS.fullmatch(value):
                raise ValueError("ports must look like '22,80,8000-8100' (optionally prefixed T:, U: or S:)")
            for item in value.split(","):
                match = _RANGE.fullmatch(item)
                assert match is not None  # guaranteed by _PORTS
                low = int(match.group(1))
                high = int(match.group(2) or low)
                if not 0 <= low <= high <= 65535:
                    raise ValueError(f"port range {item!r} is not within 0-65535 in ascending order")
            return value

        @field_validator("exclude")
        @classmethod
        def _exclude(cls, values: tuple[str, ...]) -> tuple[str, ...]:
            for value in values:
                target = Target.parse(value)  # raises TargetError (a ValueError) for anything hostile
                if target.kind not in (TargetKind.HOST, TargetKind.CIDR):
                    raise ValueError(f"exclude entry {value!r} must be a host or a network, not {target.kind.value}")
            return values

    def command(self, target: Target, options: Options) -> CommandSpec:
        """Build the Nmap command for ``target``: a local argv and the same arguments for the Docker image.

        :raises ScanError: when a ``host:port`` target is combined with the ``ports`` option.
        :raises TargetError: when the target is of a kind Nmap does not accept here.
        """
        self.check_target(target)
        host, ports = _host_and_ports(target, options)
        switches, timeout = _PROFILES[options.profile]
        args = ["--noninteractive", "--no-stylesheet", "-oX", "{output}", f"-T{options.timing}"]
        if options.profile is not Profile.UDP:
            args.append("-sS" if options.tcp_scan == "syn" else "-sT")
        args.extend(_profile_switches(switches, ports))
        if ports is not None:
            args.extend(["-p", ports])
        if options.skip_host_discovery:
            args.append("-Pn")
        if not options.resolve_names:
            args.append("-n")
        if options.host_timeout is not None:
            args.extend(["--host-timeout", f"{options.host_timeout}s"])
        if options.exclude:
            args.extend(["--exclude", ",".join(options.exclude)])
        if _is_ipv6(host):
            args.append("-6")
        args.extend(["--", host])  # "--": nothing after it is read as an option, whatever it looks like
        return CommandSpec(
            argv=["nmap", *args],
            image=self.docker_image,
            image_argv=args,
            output_file="nmap.xml",
            timeout=timeout,
            resources=self.resources,
        )


def _host_and_ports(target: Target, options: NmapScanner.Options) -> tuple[str, str | None]:
    if target.kind is TargetKind.SERVICE:
        if options.ports is not None:
            raise ScanError("a host:port target already names its port; leave the 'ports' option unset")
        host, port = target.host, target.port
        assert host is not None and port is not None  # a SERVICE target always has both
        return host, str(port)
    if target.value.startswith("-"):  # Target refuses these already; this is the second wall
        raise TargetError(f"target {target.value!r} looks like an option")
    value = target.value
    if value.startswith("[") and value.endswith("]"):  # Nmap wants a bare IPv6 address
        value = value[1:-1]
    return value, options.ports


def _profile_switches(switches: tuple[str, ...], ports: str | None) -> list[str]:
    """The profile's switches, minus its own port selection when the caller chose ports."""
    if ports is None:
        return list(switches)
    result: list[str] = []
    skip = False
    for switch in switches:
        if skip:
            skip = False
            continue
        if switch in ("--top-ports", "-p"):
            skip = True
            continue
        result.append(switch)
    return result


def _is_ipv6(host: str) -> bool:
    try:
        return ipaddress.ip_network(host.strip("[]"), strict=False).version == 6
    except ValueError:
        return False
