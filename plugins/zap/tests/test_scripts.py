"""The packaged-scan command specs: exact argv, image, report location, exit codes, and refused input.

ZAP cannot be installed on this machine (a Java application; only its API client is on PyPI), so these scanners
are tested for the exact command they hand to the runtime, not by running it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from secureops_zap.scripts import ZapApiScriptScanner, ZapBaselineScanner, ZapFullScanner

from secureops import CommandSpec, ConfigError, ScanError, Target, TargetError
from secureops.core.runtimes.local import LocalRuntime
from secureops.core.scanning import run_scanner

URL = "http://127.0.0.1:8080/app/"


def _spec(scanner, options=None, url: str = URL) -> CommandSpec:
    return scanner.command(Target(kind="url", value=url), scanner.parse_options(options or {}))


def test_baseline_default_argv() -> None:
    spec = _spec(ZapBaselineScanner())
    argv = ["zap-baseline.py", "-t", URL, "-m", "1", "-x", "zap-report.xml"]
    assert spec.argv == argv and spec.image_argv == argv
    assert spec.image == "ghcr.io/zaproxy/zaproxy:stable"
    assert spec.output_file == "zap-report.xml"
    assert spec.ok_exit_codes == (0, 1, 2)
    assert spec.container_workdir == "/zap/wrk"  # the scripts only write under /zap/wrk
    assert spec.timeout == 1800.0 and spec.resources.cpus == 2.0 and spec.resources.memory_mb == 4096
    assert ZapBaselineScanner.report_format == "zap-xml"


def test_baseline_all_options() -> None:
    options = {
        "spider_minutes": 5,
        "ajax_spider": True,
        "alpha_rules": True,
        "config_url": "http://127.0.0.1:9/rules.conf",
        "delay_seconds": 10,
        "max_wait_minutes": 30,
        "debug": True,
        "image": "local/zap:2.16.1",
        "zap_config": {"spider.maxDepth": "3", "connection.timeoutInSecs": "20"},
    }
    spec = _spec(ZapBaselineScanner(), options)
    assert spec.argv == [
        "zap-baseline.py",
        "-t",
        URL,
        "-m",
        "5",
        "-j",
        "-x",
        "zap-report.xml",
        "-a",
        "-u",
        "http://127.0.0.1:9/rules.conf",
        "-D",
        "10",
        "-T",
        "30",
        "-d",
        "-z",
        "-config connection.timeoutInSecs=20 -config spider.maxDepth=3",
    ]
    assert spec.image == "local/zap:2.16.1"


def test_full_scan_argv() -> None:
    spec = _spec(ZapFullScanner(), {"spider_minutes": 10})
    assert spec.argv == ["zap-full-scan.py", "-t", URL, "-m", "10", "-x", "zap-report.xml"]
    assert spec.timeout == 4 * 3600.0


def test_api_scan_argv() -> None:
    spec = _spec(
        ZapApiScriptScanner(),
        {"api_format": "graphql", "safe_mode": True, "host_override": "127.0.0.1:8081"},
        url="http://127.0.0.1:8080/graphql",
    )
    assert spec.argv == [
        "zap-api-scan.py",
        "-t",
        "http://127.0.0.1:8080/graphql",
        "-f",
        "graphql",
        "-S",
        "-O",
        "127.0.0.1:8081",
        "-x",
        "zap-report.xml",
    ]
    assert _spec(ZapApiScriptScanner()).argv == ["zap-api-scan.py", "-t", URL, "-f", "openapi", "-x", "zap-report.xml"]


@pytest.mark.parametrize(
    "options",
    [
        {"zap_config": {"-silent": "x"}},
        {"zap_config": {"a": "b -newsession /tmp/x"}},
        {"zap_config": {"a": "'quoted'"}},
        {"zap_config": {"a": "-1"}},
        {"config_url": "-u"},
        {"config_url": "file:///etc/passwd"},
        {"config_url": "http://127.0.0.1/a b"},
        {"image": "--privileged"},
        {"image": "UPPER/case"},
        {"spider_minutes": 0},
        {"spider_minutes": "1; rm -rf /"},
        {"unknown": 1},
        {"api_format": "wsdl"},
    ],
)
def test_option_like_or_invalid_options_are_refused(options) -> None:
    scanner = ZapApiScriptScanner() if "api_format" in options else ZapBaselineScanner()
    with pytest.raises(ConfigError):
        scanner.parse_options(options)


def test_host_override_is_a_host_and_port() -> None:
    assert _spec(ZapApiScriptScanner(), {"host_override": "api.internal:8443"}).argv[-3] == "api.internal:8443"
    for value in ("-oX", "a b", "host:port:1", "http://x"):
        with pytest.raises(ConfigError):
            ZapApiScriptScanner().parse_options({"host_override": value})


@pytest.mark.parametrize(
    "value",
    [
        "-t http://127.0.0.1",
        "http://127.0.0.1/;id",
        "http://127.0.0.1/$(id)",
        "http://127.0.0.1/`id`",
        "http://127.0.0.1/ a",
        "ftp://127.0.0.1/",
        "file:///etc/passwd",
        "http://127.0.0.1/\n-x",
        "--help",
    ],
)
def test_hostile_targets_are_refused_before_any_command(value: str) -> None:
    with pytest.raises(TargetError):
        Target(kind="url", value=value)


@pytest.mark.parametrize("scanner", [ZapBaselineScanner(), ZapFullScanner(), ZapApiScriptScanner()])
def test_only_url_targets(scanner, tmp_path: Path) -> None:
    for target in (Target(kind="host", value="127.0.0.1"), Target(kind="service", value="127.0.0.1:80")):
        with pytest.raises(TargetError):
            scanner.command(target, scanner.parse_options({}))
        with pytest.raises(TargetError):  # the host's own path refuses it before the runtime is involved
            run_scanner(scanner, target, {}, LocalRuntime(), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_local_runtime_says_the_script_is_missing(tmp_path: Path) -> None:
    """This machine has no ZAP: the local runtime cannot run the spec and says why, naming the script."""
    assert not LocalRuntime().can_run(_spec(ZapBaselineScanner()))
    with pytest.raises(ScanError, match="zap-baseline.py"):
        run_scanner(ZapBaselineScanner(), Target(kind="url", value=URL), {}, LocalRuntime(), tmp_path)
