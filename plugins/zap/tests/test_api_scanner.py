"""The daemon-driven scanner against a loopback stand-in for the ZAP API (see ``ZapStandIn`` in conftest).

ZAP cannot be installed here, so the endpoints the scanner calls are answered by a small HTTP server on
127.0.0.1 that behaves like ZAP 2.16 for them (including its ``bad_api_key`` refusal). The real daemon is
exercised by ``test_real_zap.py`` when ``ZAP_URL`` is set.
"""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path
from typing import Any

import pytest
from secureops_zap.api_scanner import ZapApiScanner

from secureops import ConfigError, ScanContext, ScanError, Target, TargetError
from secureops.core.registry import Registry
from secureops.core.runtimes.local import LocalRuntime
from secureops.core.scanning import run_scanner
from secureops.testing import parse_with

TARGET = Target(kind="url", value="http://127.0.0.1:8080/app/")
FAST = {"poll_interval": 0.01, "request_timeout": 5}


def _options(standin, **extra: Any) -> dict[str, Any]:
    return {"api_url": standin.url, "api_key": "secret-key", **FAST, **extra}


def _run(scanner: ZapApiScanner, options: dict[str, Any], workdir: Path, target: Target = TARGET):
    progress: list[tuple[float, str]] = []
    context = ScanContext(workdir=workdir, timeout=60, progress=lambda p, m: progress.append((p, m)))
    report = asyncio.run(scanner.run(target, scanner.parse_options(options), context))
    return report, progress


def _alert(index: int, url: str) -> dict[str, Any]:
    return {
        "id": str(index),
        "pluginId": "10020",
        "alertRef": "10020-1",
        "alert": "Missing Anti-clickjacking Header",
        "name": "Missing Anti-clickjacking Header",
        "risk": "Medium",
        "confidence": "Medium",
        "url": url,
        "method": "GET",
        "param": "x-frame-options",
        "attack": "",
        "evidence": "",
        "other": "",
        "description": "<p>No X-Frame-Options.</p>",
        "solution": "<p>Set it.</p>",
        "reference": "",
        "cweid": "1021",
        "wascid": "15",
        "messageId": str(index),
        "tags": {"OWASP_2021_A05": "u"},
    }


def test_full_scan_saves_the_targets_alerts(zap_standin, tmp_path: Path, registry: Registry) -> None:
    zap_standin.alerts = [_alert(i, f"http://127.0.0.1:8080/app/page{i % 7}") for i in range(2345)]
    zap_standin.alerts.append(_alert(9999, "http://127.0.0.1:9999/elsewhere"))  # another site: not ours
    report, progress = _run(ZapApiScanner(), _options(zap_standin, ajax_spider=True), tmp_path)
    assert report.format == "zap-alerts-json" and report.path == tmp_path / "zap-alerts.json"
    assert len(json.loads(report.path.read_text())["alerts"]) == 2345
    (finding,) = parse_with(registry, report.path)
    assert finding.nb_occurences == 2345 and len(finding.endpoints) == 7
    assert finding.unique_id_from_tool == "10020-1@http://127.0.0.1:8080" and finding.cwe == 1021
    paths = zap_standin.paths()
    assert paths[:2] == ["/JSON/core/view/version/", "/JSON/core/action/accessUrl/"]
    assert dict(zap_standin.requests)["/JSON/core/action/accessUrl/"] == {
        "url": TARGET.value,
        "followRedirects": "true",
    }
    assert paths.index("/JSON/spider/action/scan/") < paths.index("/JSON/ajaxSpider/action/scan/")
    assert paths.index("/JSON/ajaxSpider/action/scan/") < paths.index("/JSON/pscan/view/recordsToScan/")
    assert paths.index("/JSON/pscan/view/recordsToScan/") < paths.index("/JSON/ascan/action/scan/")
    alert_pages = [params for path, params in zap_standin.requests if path == "/JSON/core/view/alerts/"]
    assert [(p["baseurl"], p["start"], p["count"]) for p in alert_pages] == [
        (TARGET.value, "0", "1000"),
        (TARGET.value, "1000", "1000"),
        (TARGET.value, "2000", "1000"),
    ]
    spider = dict(zap_standin.requests)["/JSON/spider/action/scan/"]
    assert spider == {"url": TARGET.value, "recurse": "true"}
    percents = [p for p, _ in progress]
    assert percents == sorted(percents) and percents[-1] == 100.0 and len(percents) >= 8
    assert any("active scanning 45%" in message for _, message in progress)


def test_traditional_json_report(
    zap_standin, tmp_path: Path, registry: Registry, zap_dir: Path, report_writers
) -> None:
    zap_standin.json_report = report_writers["json"](zap_dir / "0_zap_sample.xml")
    options = _options(zap_standin, report="traditional-json", spider=False, active_scan=False)
    report, _ = _run(ZapApiScanner(), options, tmp_path)
    assert report.format == "zap-json" and len(parse_with(registry, report.path, format=report.format)) == 4
    assert "/JSON/spider/action/scan/" not in zap_standin.paths()


def test_authenticated_scan_uses_the_context_user(zap_standin, tmp_path: Path) -> None:
    options = _options(
        zap_standin,
        context_file="/zap/wrk/app.context",
        context_name="app",
        user_name="alice",
        scan_policy="Default Policy",
        ajax_spider=True,
        new_session=True,
    )
    _run(ZapApiScanner(), options, tmp_path)
    requests = dict(zap_standin.requests)
    assert requests["/JSON/core/action/newSession/"] == {"overwrite": "true"}
    assert requests["/JSON/context/action/importContext/"] == {"contextFile": "/zap/wrk/app.context"}
    assert requests["/JSON/spider/action/scanAsUser/"] == {
        "contextId": "2",
        "userId": "5",
        "url": TARGET.value,
        "recurse": "true",
    }
    assert requests["/JSON/ajaxSpider/action/scanAsUser/"] == {
        "contextName": "app",
        "userName": "alice",
        "url": TARGET.value,
    }
    assert requests["/JSON/ascan/action/scanAsUser/"] == {
        "url": TARGET.value,
        "contextId": "2",
        "userId": "5",
        "recurse": "true",
        "scanPolicyName": "Default Policy",
    }


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"context_name": "app", "user_name": "bob"}, "has no user 'bob'"),
        ({"context_name": "nope"}, "context_not_found"),
        ({"user_name": "alice"}, "user_name needs context_name"),
    ],
)
def test_context_errors(zap_standin, tmp_path: Path, extra: dict[str, Any], message: str) -> None:
    with pytest.raises(ScanError, match=message):
        _run(ZapApiScanner(), _options(zap_standin, **extra), tmp_path)
    assert "/JSON/spider/action/scan/" not in zap_standin.paths()


@pytest.mark.parametrize("key", ["wrong-key", None])
def test_refused_api_key_fails_loudly(zap_standin, tmp_path: Path, key: str | None) -> None:
    options = {**_options(zap_standin), "api_key": key}
    with pytest.raises(ScanError, match=r"refused the API key \(bad_api_key\)"):
        run_scanner(ZapApiScanner(), TARGET, options, LocalRuntime(), tmp_path)
    assert zap_standin.paths() == ["/JSON/core/view/version/"]  # nothing started


def test_lenient_bad_api_key_answer_is_still_an_error(zap_standin, tmp_path: Path) -> None:
    """Daemons that answer 200 with the word 'bad_api_key' (what zapv2 hands back without validation)."""
    zap_standin.lenient_bad_key = True
    with pytest.raises(ScanError, match="bad_api_key"):
        run_scanner(ZapApiScanner(), TARGET, {**_options(zap_standin), "api_key": "x"}, LocalRuntime(), tmp_path)


def test_unreachable_daemon(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again when the block ends: nothing listens there
    options = {"api_url": f"http://127.0.0.1:{port}", **FAST}
    with pytest.raises(ScanError, match="cannot reach the ZAP daemon"):
        run_scanner(ZapApiScanner(), TARGET, options, LocalRuntime(), tmp_path)


def test_hanging_daemon_times_out(zap_standin, tmp_path: Path) -> None:
    zap_standin.hang.add("/JSON/core/view/version/")
    options = {**_options(zap_standin), "request_timeout": 0.3}
    with pytest.raises(ScanError, match=r"did not answer within 0.3s"):
        run_scanner(ZapApiScanner(), TARGET, options, LocalRuntime(), tmp_path)


def test_timeout_stops_the_active_scan(zap_standin, tmp_path: Path) -> None:
    zap_standin.ascan_steps = ["10"]  # never finishes
    with pytest.raises(ScanError, match="timed out"):
        run_scanner(ZapApiScanner(), TARGET, _options(zap_standin), LocalRuntime(), tmp_path, timeout=3.0)
    # The stop request comes after the scan started (a status poll may still be in flight beside it).
    paths = zap_standin.paths()
    assert "/JSON/ascan/action/stop/" in paths[paths.index("/JSON/ascan/action/scan/") :]
    assert dict(zap_standin.requests)["/JSON/ascan/action/stop/"] == {"scanId": "1"}


def test_unexpected_answers_fail_the_scan(zap_standin, tmp_path: Path) -> None:
    zap_standin.spider_steps = ["does_not_exist"]
    with pytest.raises(ScanError, match="ZAP did not return a percentage"):
        run_scanner(ZapApiScanner(), TARGET, _options(zap_standin), LocalRuntime(), tmp_path)


@pytest.mark.parametrize(
    "target",
    [
        Target(kind="host", value="127.0.0.1"),
        Target(kind="cidr", value="127.0.0.0/30"),
        Target(kind="service", value="127.0.0.1:8080"),
    ],
)
def test_non_url_targets_are_refused_before_any_request(zap_standin, tmp_path: Path, target: Target) -> None:
    with pytest.raises(TargetError):
        run_scanner(ZapApiScanner(), target, _options(zap_standin), LocalRuntime(), tmp_path)
    with pytest.raises(TargetError):
        _run(ZapApiScanner(), _options(zap_standin), tmp_path, target=target)
    assert zap_standin.requests == []


@pytest.mark.parametrize(
    "options",
    [
        {"api_url": "-x"},
        {"api_url": "127.0.0.1:8080"},
        {"api_url": "http://127.0.0.1:8080/;id"},
        {"api_url": "file:///etc/passwd"},
        {"api_url": "http://127.0.0.1:8080", "context_name": "--x"},
        {"api_url": "http://127.0.0.1:8080", "context_file": "../../etc/passwd x"},
        {"api_url": "http://127.0.0.1", "x": 1},
        {},
    ],
)
def test_invalid_options_are_refused(options: dict[str, Any], zap_standin, tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        run_scanner(ZapApiScanner(), TARGET, options, LocalRuntime(), tmp_path)
    assert zap_standin.requests == []


def test_api_key_is_not_shown(zap_standin) -> None:
    options = ZapApiScanner().parse_options(_options(zap_standin))
    assert "secret-key" not in repr(options) and "secret-key" not in str(options.model_dump())
