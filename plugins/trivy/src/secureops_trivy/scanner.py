"""The Trivy scanner: builds the command line for images, paths (filesystem, IaC config, SBOM) and git repos."""

from __future__ import annotations

import logging
import re
from typing import ClassVar, Literal

from pydantic import Field, field_validator

from secureops import CommandSpec, Options, Resources, ScanError, Scanner, Target, TargetKind
from secureops_trivy.importer import TRIVY_JSON

__all__ = ["DEFAULT_IMAGE", "REPORT_FILE", "SBOM_FILE", "TrivyOptions", "TrivyScanner"]

log = logging.getLogger(__name__)

DEFAULT_IMAGE = "aquasec/trivy:0.76.0"
"""The container image production runs; its entry point is ``trivy``, so ``image_argv`` omits the program."""
REPORT_FILE = "trivy.json"
SBOM_FILE = "sbom.cdx.json"

ScannerName = Literal["vuln", "secret", "misconfig", "license"]
SeverityName = Literal["UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"]
_DEFAULT_SCANNERS: list[ScannerName] = ["vuln", "secret"]  # Trivy's own default
# Glob patterns for --skip-dirs/--skip-files: no option-like values, no commas (Trivy splits lists on them).
_GLOB = re.compile(r"^[A-Za-z0-9._/*?\[\]@+=:-]+$")
_ABSOLUTE_PATH = re.compile(r"^/[A-Za-z0-9._/+@=:-]*$")
# Which --scanners each subcommand accepts (``trivy config`` has no --scanners: it only checks config).
_ALLOWED_SCANNERS: dict[str, frozenset[str]] = {
    "image": frozenset({"vuln", "secret", "misconfig", "license"}),
    "fs": frozenset({"vuln", "secret", "misconfig", "license"}),
    "repo": frozenset({"vuln", "secret", "misconfig", "license"}),
    "sbom": frozenset({"vuln", "license"}),
}


class TrivyOptions(Options):
    """How to run Trivy. Every value is checked here, so none can become an extra command-line option."""

    scanners: list[ScannerName] = Field(default_factory=lambda: list(_DEFAULT_SCANNERS), min_length=1)
    """What to look for (``--scanners``); Trivy's default is vuln and secret."""
    path_mode: Literal["fs", "config", "sbom"] = "fs"
    """For PATH targets: a filesystem scan, an IaC configuration scan (``trivy config``) or an SBOM file
    (``trivy sbom``, CycloneDX or SPDX) to check for vulnerabilities."""
    severities: list[SeverityName] | None = None
    """Report only these severities (``--severity``); all when unset."""
    ignore_unfixed: bool = False
    """Only vulnerabilities that have a fix (``--ignore-unfixed``)."""
    offline: bool = False
    """Make no network calls: no database, Java database or check-bundle update, no dependency look-ups.
    Vulnerability scanning then needs a database already in ``cache_dir``."""
    skip_db_update: bool = False
    """Use the cached vulnerability database as it is (``--skip-db-update``), still allowing other calls."""
    cache_dir: str | None = None
    """An absolute directory for Trivy's database cache shared between scans; the scan's own workdir if unset."""
    skip_dirs: list[str] = Field(default_factory=list, max_length=100)
    skip_files: list[str] = Field(default_factory=list, max_length=100)
    list_all_packages: bool = False
    """Keep every package in the JSON report (needed to derive a CycloneDX SBOM from it later, see
    :meth:`TrivyScanner.sbom_command`); off by default because it can make reports much bigger."""
    timeout: float = Field(default=1800.0, gt=0, le=24 * 3600)
    """Seconds Trivy may take (its own ``--timeout``); the process is killed a little after that."""

    @field_validator("skip_dirs", "skip_files")
    @classmethod
    def _globs(cls, values: list[str]) -> list[str]:
        for value in values:
            if not _GLOB.match(value) or value.startswith("-"):
                raise ValueError(f"{value!r} is not an acceptable glob (letters, digits, . _ / * ? [ ] @ + = : -)")
        return values

    @field_validator("cache_dir")
    @classmethod
    def _cache_dir(cls, value: str | None) -> str | None:
        if value is not None and (not _ABSOLUTE_PATH.match(value) or "/../" in f"{value}/"):
            raise ValueError(f"{value!r} is not an absolute directory path")
        return value


class TrivyScanner(Scanner):
    """Scans container images, local paths (filesystem, IaC config or an SBOM file) and git repositories."""

    name = "trivy"
    description = "Aqua Security Trivy: vulnerabilities, secrets, misconfigurations and licences"
    report_format = TRIVY_JSON
    target_kinds = frozenset({TargetKind.IMAGE, TargetKind.PATH, TargetKind.REPO})
    default_timeout = 1800.0
    resources = Resources(cpus=2.0, memory_mb=4096)

    Options: ClassVar[type[TrivyOptions]] = TrivyOptions  # type: ignore[assignment]

    def command(self, target: Target, options: TrivyOptions) -> CommandSpec:
        """The ``trivy <subcommand> … --format json --output {output} -- <target>`` command.

        :raises ScanError: when the options do not fit the target (e.g. secret scanning of an SBOM file).
        """
        self.check_target(target)  # a second wall: the host checks too, but command() must never trust
        subcommand = _subcommand(target, options)
        args = [subcommand, "--format", "json", "--output", "{output}", "--timeout", f"{int(options.timeout)}s"]
        args += ["--disable-telemetry", "--skip-version-check"]
        if subcommand != "config":
            scanners = sorted(set(options.scanners))
            refused = sorted(set(scanners) - _ALLOWED_SCANNERS[subcommand])
            if refused:
                raise ScanError(f"trivy {subcommand} cannot use the {', '.join(refused)} scanner(s)")
            args += ["--scanners", ",".join(scanners), "--no-progress"]
            args += [f"--list-all-pkgs={str(options.list_all_packages).lower()}"]
            if options.ignore_unfixed:
                args.append("--ignore-unfixed")
            if options.offline or options.skip_db_update:
                args += ["--skip-db-update", "--skip-java-db-update"]
            if options.offline:
                args.append("--offline-scan")
        if options.offline and subcommand != "sbom":
            args.append("--skip-check-update")
        if options.severities:
            args += ["--severity", ",".join(sorted(set(options.severities), key=_SEVERITY_ORDER.index))]
        if options.cache_dir:
            args += ["--cache-dir", options.cache_dir]
        if subcommand != "sbom":
            for pattern in options.skip_dirs:
                args += ["--skip-dirs", pattern]
            for pattern in options.skip_files:
                args += ["--skip-files", pattern]
        args += ["--", target.value]  # "--": whatever the target is, it is never read as an option
        return CommandSpec(
            argv=["trivy", *args],
            image=DEFAULT_IMAGE,
            image_argv=args,
            output_file=REPORT_FILE,
            timeout=options.timeout + 60,
            resources=self.resources,
        )

    def sbom_command(self, options: TrivyOptions | None = None) -> CommandSpec:
        """A follow-up command that turns this scan's JSON report into a CycloneDX SBOM (``trivy convert``).

        Run it with the same runtime and workdir after the scan (the report must have been made with
        ``list_all_packages=True``); the SBOM is its output, ``sbom.cdx.json``. It needs no network.
        """
        timeout = (options.timeout if options else 600.0) + 60
        args = ["convert", "--format", "cyclonedx", "--output", "{output}", "--", f"{{workdir}}/{REPORT_FILE}"]
        return CommandSpec(
            argv=["trivy", *args],
            image=DEFAULT_IMAGE,
            image_argv=args,
            output_file=SBOM_FILE,
            timeout=timeout,
            resources=self.resources,
        )


_SEVERITY_ORDER = ["UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"]


def _subcommand(target: Target, options: TrivyOptions) -> str:
    if target.kind is TargetKind.IMAGE:
        return "image"
    if target.kind is TargetKind.REPO:
        return "repo"
    return options.path_mode
