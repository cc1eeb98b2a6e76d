"""The Trivy scanner's command specs: exact argv per target kind, validated options, refused targets."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
import secureops_trivy
from secureops_trivy import TrivyScanner

from secureops import CommandSpec, ConfigError, ScanError, Target, TargetError
from secureops.core.runtimes.base import ExecutionResult
from secureops.core.runtimes.local import LocalRuntime
from secureops.core.scanning import run_scanner
from secureops.testing import plugin_registry

SCANNER = TrivyScanner()
COMMON = [
    "--format",
    "json",
    "--output",
    "{output}",
    "--timeout",
    "1800s",
    "--disable-telemetry",
    "--skip-version-check",
]


def spec_for(kind: str, value: str, **options: Any) -> CommandSpec:
    return SCANNER.command(Target(kind=kind, value=value), SCANNER.parse_options(options))


def test_registered_through_the_plugin_hooks() -> None:
    registry = plugin_registry(secureops_trivy)
    assert isinstance(registry.scanners["trivy"].obj, TrivyScanner)
    assert SCANNER.report_format in registry.formats


def test_image_scan() -> None:
    spec = spec_for("image", "registry.local:5000/shop/web:1.4.2")
    args = [
        "image",
        *COMMON,
        "--scanners",
        "secret,vuln",
        "--no-progress",
        "--list-all-pkgs=false",
        "--",
        "registry.local:5000/shop/web:1.4.2",
    ]
    assert spec.argv == ["trivy", *args]
    assert spec.image == "aquasec/trivy:0.76.0"
    assert spec.image_argv == args  # the image's entry point is trivy
    assert spec.output_file == "trivy.json"
    assert spec.timeout == 1860
    assert (spec.resources.cpus, spec.resources.memory_mb) == (2.0, 4096)


def test_filesystem_scan_with_every_option() -> None:
    spec = spec_for(
        "path",
        "/srv/checkout",
        scanners=["misconfig", "secret", "license", "vuln", "secret"],
        severities=["CRITICAL", "HIGH", "LOW"],
        ignore_unfixed=True,
        offline=True,
        cache_dir="/var/cache/trivy",
        skip_dirs=["node_modules", "**/testdata"],
        skip_files=["*.min.js"],
        list_all_packages=True,
        timeout=300,
    )
    assert spec.argv == [
        "trivy",
        "fs",
        "--format",
        "json",
        "--output",
        "{output}",
        "--timeout",
        "300s",
        "--disable-telemetry",
        "--skip-version-check",
        "--scanners",
        "license,misconfig,secret,vuln",
        "--no-progress",
        "--list-all-pkgs=true",
        "--ignore-unfixed",
        "--skip-db-update",
        "--skip-java-db-update",
        "--offline-scan",
        "--skip-check-update",
        "--severity",
        "LOW,HIGH,CRITICAL",
        "--cache-dir",
        "/var/cache/trivy",
        "--skip-dirs",
        "node_modules",
        "--skip-dirs",
        "**/testdata",
        "--skip-files",
        "*.min.js",
        "--",
        "/srv/checkout",
    ]
    assert spec.timeout == 360


def test_config_scan_of_a_path() -> None:
    spec = spec_for("path", "/srv/iac", path_mode="config", offline=True)
    assert spec.argv == ["trivy", "config", *COMMON, "--skip-check-update", "--", "/srv/iac"]


def test_sbom_scan_of_a_path() -> None:
    spec = spec_for("path", "/srv/sbom.cdx.json", path_mode="sbom", scanners=["vuln"], skip_db_update=True)
    assert spec.argv == [
        "trivy",
        "sbom",
        *COMMON,
        "--scanners",
        "vuln",
        "--no-progress",
        "--list-all-pkgs=false",
        "--skip-db-update",
        "--skip-java-db-update",
        "--",
        "/srv/sbom.cdx.json",
    ]
    with pytest.raises(ScanError, match="cannot use the secret scanner"):
        spec_for("path", "/srv/sbom.cdx.json", path_mode="sbom", scanners=["vuln", "secret"])


def test_repository_scan() -> None:
    spec = spec_for("repo", "https://git.example.internal/shop/web.git")
    assert spec.argv is not None
    assert spec.argv[:2] == ["trivy", "repo"]
    assert spec.argv[-2:] == ["--", "https://git.example.internal/shop/web.git"]


def test_sbom_follow_up_command() -> None:
    spec = SCANNER.sbom_command()
    assert spec.argv == [
        "trivy",
        "convert",
        "--format",
        "cyclonedx",
        "--output",
        "{output}",
        "--",
        "{workdir}/trivy.json",
    ]
    assert spec.output_file == "sbom.cdx.json"


@pytest.mark.parametrize(
    "options",
    [
        {"scanners": ["vuln", "--config=/etc/passwd"]},
        {"scanners": []},
        {"severities": ["HIGH,CRITICAL"]},
        {"skip_dirs": ["--exit-code=1"]},
        {"skip_dirs": ["a,b"]},
        {"skip_files": ["x y"]},
        {"skip_files": ["$(id)"]},
        {"cache_dir": "relative/dir"},
        {"cache_dir": "/var/../etc"},
        {"cache_dir": "-/x"},
        {"timeout": 0},
        {"path_mode": "rootfs"},
        {"unknown_option": True},
    ],
)
def test_option_values_that_could_become_options_are_refused(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match="invalid options for 'trivy'"):
        SCANNER.parse_options(options)


class CountingRuntime(LocalRuntime):
    """The real local runtime, counting how often it is asked to start a process."""

    def __init__(self) -> None:
        super().__init__()
        self.started = 0

    def execute(self, spec: CommandSpec, workdir: Path, *, cancel: threading.Event | None = None) -> ExecutionResult:
        self.started += 1
        return super().execute(spec, workdir, cancel=cancel)


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("path", "--config=/etc/passwd"),
        ("path", "-q"),
        ("path", "/tmp/x;id"),
        ("path", "/tmp/$(id)"),
        ("path", "/tmp/a b"),
        ("path", "/tmp/x\n--debug"),
        ("image", "alpine:3.19 --debug"),
        ("image", "-alpine"),
        ("image", "alpine`id`"),
        ("repo", "https://host/x.git;rm"),
        ("repo", "file:///etc"),
        ("repo", "--template=x"),
    ],
)
def test_hostile_targets_are_refused_before_any_process_starts(kind: str, value: str) -> None:
    with pytest.raises(TargetError):
        Target(kind=kind, value=value)


@pytest.mark.parametrize(
    ("kind", "value"),
    [("host", "127.0.0.1"), ("url", "http://127.0.0.1:8080/"), ("cidr", "127.0.0.0/30"), ("service", "127.0.0.1:22")],
)
def test_targets_of_other_kinds_are_refused_before_any_process_starts(kind: str, value: str, tmp_path: Path) -> None:
    runtime = CountingRuntime()
    with pytest.raises(TargetError, match="accepts image, path, repo targets"):
        run_scanner(SCANNER, Target(kind=kind, value=value), {}, runtime, tmp_path / "work")
    with pytest.raises(TargetError):
        SCANNER.command(Target(kind=kind, value=value), SCANNER.parse_options({}))
    assert runtime.started == 0
    assert not (tmp_path / "work").exists()


def test_bad_options_are_refused_before_any_process_starts(tmp_path: Path) -> None:
    runtime = CountingRuntime()
    with pytest.raises(ConfigError):
        run_scanner(SCANNER, Target(kind="path", value=str(tmp_path)), {"skip_dirs": ["-x"]}, runtime, tmp_path / "w")
    assert runtime.started == 0
