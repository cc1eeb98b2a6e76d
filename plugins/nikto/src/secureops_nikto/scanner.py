"""The Nikto scanner: turns a validated web target and options into a Nikto command line (never a shell).

Nikto phones home unless told not to: at start-up it checks cirt.net for a newer version, and at the end it may
send "updated version strings" to cirt.net. Every command therefore carries ``-nocheck`` (no version check,
Nikto >= 2.6), ``-ask no`` (never submit anything) and ``-nointeractive`` (no prompts); ``-update`` is never
used. The Docker image is pinned to a Nikto release that knows these switches.

Targets are always handed to Nikto as one URL: Nikto splits ``-host`` on commas and reads a piece that names an
existing file as a list of hosts, so a bare host name is never passed on its own and commas are refused.
"""

from __future__ import annotations

import logging
import re
from typing import ClassVar, Literal

from pydantic import Field

import secureops
from secureops import CommandSpec, Resources, Target, TargetError, TargetKind

__all__ = ["NiktoScanner"]

log = logging.getLogger(__name__)

_TLS_PORTS = frozenset({443, 8443})


class NiktoScanner(secureops.Scanner):
    """Web-server misconfiguration and known-file checks with Nikto; JSON (default) or XML reports."""

    name = "nikto"
    description = "Nikto web-server scanner (URL or host:port targets)"
    # Nikto writes JSON or XML depending on ``output``; "nikto" is the importer's format id for "a Nikto report,
    # JSON or XML, told apart by its first byte", so both outputs reach the right parser.
    report_format = "nikto"
    target_kinds = frozenset({TargetKind.URL, TargetKind.SERVICE, TargetKind.HOST})
    default_timeout = 4 * 3600.0
    resources = Resources(cpus=2.0, memory_mb=4096)

    docker_image: ClassVar[str] = "ghcr.io/sullo/nikto:2.6.1"
    """The production image; its entrypoint is ``nikto.pl``, so ``image_argv`` holds only the arguments."""

    class Options(secureops.Options):
        """Per-scan settings; every value is validated before it can reach argv."""

        output: Literal["json", "xml"] = "json"
        tuning: str | None = Field(
            default=None,
            pattern=r"^x?[0-9a-e]{1,16}$",
            description="Nikto -Tuning classes, e.g. '123b' (or 'x6' to exclude class 6)",
        )
        max_time: int = Field(default=3600, ge=60, le=86_400, description="-maxtime per host, in seconds")
        request_timeout: int = Field(default=10, ge=1, le=300, description="-timeout per request, in seconds")
        ssl: bool | None = Field(
            default=None,
            description="https for host and host:port targets; None: https on ports 443 and 8443 only",
        )
        follow_redirects: bool = False
        resolve_names: bool = Field(default=True, description="False adds -nolookup")

    def command(self, target: Target, options: Options) -> CommandSpec:
        """Build the Nikto command for ``target``: a local argv and the same arguments for the Docker image.

        :raises TargetError: when the target is of a kind Nikto does not accept here.
        """
        self.check_target(target)
        report = f"nikto.{options.output}"
        args = [
            "-host",
            _url(target, options),
            "-Format",
            options.output,
            "-output",
            "{output}",
            "-maxtime",
            f"{options.max_time}s",
            "-timeout",
            str(options.request_timeout),
            "-nointeractive",
            "-nocheck",
            "-ask",
            "no",
        ]
        if options.tuning:
            args.extend(["-Tuning", options.tuning])
        if options.follow_redirects:
            args.append("-followredirects")
        if not options.resolve_names:
            args.append("-nolookup")
        return CommandSpec(
            argv=["nikto", *args],
            image=self.docker_image,
            image_argv=args,
            output_file=report,
            # Nikto stops itself at -maxtime; the margin lets it write its report first.
            timeout=float(options.max_time + 300),
            resources=self.resources,
        )


def _url(target: Target, options: NiktoScanner.Options) -> str:
    if "," in target.value:  # Nikto splits -host on commas, and reads a piece naming a file as a host list
        raise TargetError(f"target {target.value!r} contains a comma, which Nikto reads as a list of targets")
    if target.kind is TargetKind.URL:
        return target.value
    host, port = target.host, target.port
    if not host or host.startswith("-") or re.search(r"[\s,]", host):  # Target refuses these already
        raise TargetError(f"target {target.value!r} has no usable host")
    tls = options.ssl if options.ssl is not None else port in _TLS_PORTS
    scheme = "https" if tls else "http"
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}:{port}/" if port is not None else f"{scheme}://{shown}/"
