"""Command scanners for the packaged scans of ZAP's Docker image: baseline, full and API scans.

Each builds the argv of ``zap-baseline.py``, ``zap-full-scan.py`` or ``zap-api-scan.py`` (shipped on ``PATH`` in
``ghcr.io/zaproxy/zaproxy:stable``), writing the traditional XML report (format ``zap-xml``).

Where the report goes: the scripts join the ``-x`` file name to their base directory, which is ``/zap/wrk/``
whenever they run inside a container — and ZAP's Automation Framework (the scripts' default mode) cannot be
given an absolute path there. So the argv names a bare file, ``zap-report.xml`` (``CommandSpec.output_file``),
and:

- **Docker runtime**: must bind the scan's workdir at ``/zap/wrk`` (read-write for uid 1000, the image's ``zap``
  user). The report then appears as ``{workdir}/zap-report.xml``, which is where the runtime looks for it.
- **Local runtime** (scripts installed on the worker, run outside a container): the scripts write relative to
  the current directory, which the local runtime sets to the workdir; they start ZAP in Docker themselves.

Exit codes: 0 (no warnings), 1 (at least one FAIL rule), 2 (WARNs only) all mean "report written"; 3 means the
scan failed. Options are validated so that no value can start with ``-`` or carry spaces or quotes.
"""

from __future__ import annotations

import logging
from typing import ClassVar, Literal

from pydantic import Field

import secureops
from secureops import CommandSpec, Resources, Target, TargetKind
from secureops_zap.options import ConfigKey, ConfigValue, HostPort, ImageRef, UrlValue

__all__ = ["REPORT_FILE", "ZAP_IMAGE", "ZapApiScriptScanner", "ZapBaselineScanner", "ZapFullScanner"]

log = logging.getLogger(__name__)

ZAP_IMAGE = "ghcr.io/zaproxy/zaproxy:stable"
REPORT_FILE = "zap-report.xml"
CONTAINER_WORKDIR = "/zap/wrk"
"""Where the Docker runtime must mount the scan's workdir for ZAP's scripts (see the module docstring)."""
OK_EXIT_CODES = (0, 1, 2)


class ScriptOptions(secureops.Options):
    """Options every packaged scan understands."""

    image: ImageRef = Field(default=ZAP_IMAGE, description="ZAP image to run in the Docker runtime.")
    alpha_rules: bool = Field(default=False, description="-a: include the alpha passive scan rules.")
    config_url: UrlValue | None = Field(default=None, description="-u: URL of a rules file (IGNORE/INFO/WARN/FAIL).")
    delay_seconds: int | None = Field(default=None, ge=1, le=3600, description="-D: wait for passive scanning.")
    max_wait_minutes: int | None = Field(
        default=None, ge=1, le=1440, description="-T: max minutes to wait for ZAP to start and passive scanning."
    )
    debug: bool = Field(default=False, description="-d: show debug messages.")
    zap_config: dict[ConfigKey, ConfigValue] = Field(
        default_factory=dict, description="ZAP '-config key=value' settings, passed with -z."
    )


class SpiderOptions(ScriptOptions):
    """Options of the baseline and full scans, which spider the target first."""

    spider_minutes: int = Field(default=1, ge=1, le=1440, description="-m: minutes to spider for.")
    ajax_spider: bool = Field(
        default=False, description="-j: also run ZAP's browser spider (AJAX, or the client spider in new releases)."
    )


class ApiScriptOptions(ScriptOptions):
    """Options of the API scan: the target is the URL of the API definition."""

    api_format: Literal["openapi", "soap", "graphql"] = Field(default="openapi", description="-f: definition type.")
    safe_mode: bool = Field(default=False, description="-S: skip the active scan, only spider and passive-scan.")
    host_override: HostPort | None = Field(default=None, description="-O: host[:port] to use instead of the spec's.")


class _ZapScriptScanner(secureops.Scanner):
    """Shared argv building; subclasses name the script and add their own flags."""

    _abstract_base = True
    report_format = "zap-xml"
    target_kinds: ClassVar[frozenset[TargetKind]] = frozenset({TargetKind.URL})
    resources: ClassVar[Resources] = Resources(cpus=2.0, memory_mb=4096)
    script: ClassVar[str]

    def command(self, target: Target, options: ScriptOptions) -> CommandSpec:
        """The script's argv (identical locally and in the image) and the image that ships it."""
        self.check_target(target)
        argv = [self.script, "-t", target.value, *self._scan_args(options), "-x", REPORT_FILE, *_common_args(options)]
        return CommandSpec(
            argv=argv,
            image=options.image,
            image_argv=argv,
            output_file=REPORT_FILE,
            container_workdir=CONTAINER_WORKDIR,
            timeout=self.default_timeout,
            resources=self.resources,
            ok_exit_codes=OK_EXIT_CODES,
        )

    def _scan_args(self, options: ScriptOptions) -> list[str]:
        return []


class ZapBaselineScanner(_ZapScriptScanner):
    """Passive baseline scan of a URL with ``zap-baseline.py``: spider, then passive rules only (safe on prod)."""

    name = "zap-baseline"
    description = "OWASP ZAP baseline scan (spider + passive rules) via zap-baseline.py"
    script = "zap-baseline.py"
    default_timeout = 1800.0

    class Options(SpiderOptions):
        """Options of the baseline scan."""

    def _scan_args(self, options: ScriptOptions) -> list[str]:
        return _spider_args(options)


class ZapFullScanner(_ZapScriptScanner):
    """Full scan of a URL with ``zap-full-scan.py``: spider, passive and *active* (attacking) rules."""

    name = "zap-full"
    description = "OWASP ZAP full scan (spider + active scan) via zap-full-scan.py"
    script = "zap-full-scan.py"
    default_timeout = 4 * 3600.0

    class Options(SpiderOptions):
        """Options of the full scan."""

    def _scan_args(self, options: ScriptOptions) -> list[str]:
        return _spider_args(options)


class ZapApiScriptScanner(_ZapScriptScanner):
    """API scan with ``zap-api-scan.py``: import an OpenAPI/SOAP/GraphQL definition from a URL and scan it."""

    name = "zap-api"
    description = "OWASP ZAP API scan (OpenAPI, SOAP or GraphQL definition) via zap-api-scan.py"
    script = "zap-api-scan.py"
    default_timeout = 2 * 3600.0

    class Options(ApiScriptOptions):
        """Options of the API scan."""

    def _scan_args(self, options: ScriptOptions) -> list[str]:
        assert isinstance(options, ApiScriptOptions)
        args = ["-f", options.api_format]
        if options.safe_mode:
            args.append("-S")
        if options.host_override:
            args += ["-O", options.host_override]
        return args


def _spider_args(options: ScriptOptions) -> list[str]:
    assert isinstance(options, SpiderOptions)
    args = ["-m", str(options.spider_minutes)]
    if options.ajax_spider:
        args.append("-j")
    return args


def _common_args(options: ScriptOptions) -> list[str]:
    args: list[str] = []
    if options.alpha_rules:
        args.append("-a")
    if options.config_url:
        args += ["-u", options.config_url]
    if options.delay_seconds is not None:
        args += ["-D", str(options.delay_seconds)]
    if options.max_wait_minutes is not None:
        args += ["-T", str(options.max_wait_minutes)]
    if options.debug:
        args.append("-d")
    if options.zap_config:
        # The script splits -z with shlex; keys and values are validated to hold no spaces or quotes.
        args += ["-z", " ".join(f"-config {key}={value}" for key, value in sorted(options.zap_config.items()))]
    return args
