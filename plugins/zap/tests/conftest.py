"""Fixtures for the ZAP plugin's tests: the registry, the shared ZAP reports, and report writers.

The writers turn the shared traditional-XML fixtures into the other formats ZAP produces for the same scan
(traditional JSON, the API's per-instance alerts list), and generate large reports of the real schema.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from xml.sax.saxutils import escape, quoteattr

import defusedxml.ElementTree as DefusedET
import pytest
import secureops_zap

from secureops.core.registry import Registry
from secureops.testing import plugin_registry

RISK_WORDS = {"0": "Informational", "1": "Low", "2": "Medium", "3": "High"}
CONFIDENCE_WORDS = {"0": "False Positive", "1": "Low", "2": "Medium", "3": "High", "4": "Confirmed"}
ALERT_FIELDS = (
    "pluginid",
    "alertRef",
    "alert",
    "name",
    "riskcode",
    "confidence",
    "riskdesc",
    "desc",
    "count",
    "solution",
    "otherinfo",
    "reference",
    "cweid",
    "wascid",
    "sourceid",
)


@pytest.fixture(scope="session")
def registry() -> Registry:
    """A registry with only the host defaults and this plugin."""
    return plugin_registry(secureops_zap)


@pytest.fixture(scope="session")
def zap_dir(shared_fixtures: Path) -> Path:
    """The shared ZAP reports."""
    return shared_fixtures / "zap"


def read_sites(xml_path: Path) -> list[dict[str, Any]]:
    """The sites of a traditional XML report as plain data (alerts with their instances)."""
    root = DefusedET.parse(xml_path).getroot()
    sites = []
    for site in root.findall("site"):
        alerts = []
        for item in site.findall("alerts/alertitem"):
            alert = {child.tag: child.text or "" for child in item if child.tag != "instances"}
            alert["instances"] = [{f.tag: f.text or "" for f in inst} for inst in item.findall("instances/instance")]
            alerts.append(alert)
        sites.append({**{f"@{k}": v for k, v in site.attrib.items()}, "alerts": alerts})
    return sites


def to_traditional_json(xml_path: Path) -> bytes:
    """The traditional JSON report ZAP writes for the same scan as ``xml_path``."""
    root = DefusedET.parse(xml_path).getroot()
    return json.dumps(
        {"@version": root.get("version"), "@generated": root.get("generated"), "site": read_sites(xml_path)}, indent=1
    ).encode()


def to_alerts_json(xml_path: Path) -> bytes:
    """The API's ``/JSON/core/view/alerts/`` answer for the same scan: one object per instance."""
    alerts = []
    for site in read_sites(xml_path):
        for alert in site["alerts"]:
            for inst in alert["instances"]:
                alerts.append(
                    {
                        "id": str(len(alerts)),
                        "pluginId": alert.get("pluginid", ""),
                        "alertRef": alert.get("alertRef", alert.get("pluginid", "")),
                        "alert": alert.get("alert", ""),
                        "name": alert.get("name", alert.get("alert", "")),
                        "risk": RISK_WORDS[alert["riskcode"]],
                        "confidence": CONFIDENCE_WORDS[alert["confidence"]],
                        "url": inst.get("uri", ""),
                        "method": inst.get("method", ""),
                        "param": inst.get("param", ""),
                        "attack": inst.get("attack", ""),
                        "evidence": inst.get("evidence", ""),
                        "other": inst.get("otherinfo", alert.get("otherinfo", "")),
                        "description": alert.get("desc", ""),
                        "solution": alert.get("solution", ""),
                        "reference": alert.get("reference", ""),
                        "cweid": alert.get("cweid", "-1"),
                        "wascid": alert.get("wascid", "-1"),
                        "messageId": "1",
                        "tags": {"OWASP_2021_A05": "https://owasp.org/Top10/A05_2021/"},
                    }
                )
    return json.dumps({"alerts": alerts}).encode()


def write_xml_report(path: Path, alerts: int, instances: int, *, plus: bool = False) -> int:
    """Write a traditional XML report with ``alerts`` alert items of ``instances`` instances each (ZAP 2.14
    layout); returns the file's size. Written piecewise so that the writer's own memory stays flat."""
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0"?>\n<OWASPZAPReport programName="ZAP" version="2.14.0" '
            'generated="Mon, 1 Jan 2024 00:00:00">\n<site name="http://127.0.0.1:8080" host="127.0.0.1" '
            'port="8080" ssl="false">\n<alerts>\n'
        )
        for a in range(alerts):
            out.write(
                f"<alertitem>\n<pluginid>{10000 + a}</pluginid>\n<alertRef>{10000 + a}-1</alertRef>\n"
                f"<alert>Synthetic alert {a}</alert>\n<name>Synthetic alert {a}</name>\n"
                f"<riskcode>{a % 4}</riskcode>\n<confidence>2</confidence>\n"
                f"<riskdesc>{RISK_WORDS[str(a % 4)]} (Medium)</riskdesc>\n"
                f"<desc>{escape('<p>A synthetic alert used to measure the parser.</p>')}</desc>\n<instances>\n"
            )
            for i in range(instances):
                uri = f"http://127.0.0.1:8080/app/{a}/page{i}?id={i}"
                out.write(
                    f"<instance>\n<uri>{escape(uri)}</uri>\n<method>GET</method>\n<param>id</param>\n"
                    f"<attack></attack>\n<evidence>evidence {i} &amp; more</evidence>\n"
                )
                if plus:
                    out.write(
                        f"<requestheader>GET {escape(uri)} HTTP/1.1\nHost: 127.0.0.1:8080\n</requestheader>\n"
                        "<requestbody></requestbody>\n<responseheader>HTTP/1.1 200 OK\n</responseheader>\n"
                        f"<responsebody>{'x' * 512}</responsebody>\n"
                    )
                out.write("</instance>\n")
            out.write(
                f"</instances>\n<count>{instances}</count>\n<solution>Fix it.</solution>\n"
                f"<reference>{escape('<p>https://www.zaproxy.org/</p>')}</reference>\n<cweid>79</cweid>\n"
                "<wascid>8</wascid>\n<sourceid>1</sourceid>\n</alertitem>\n"
            )
        out.write("</alerts>\n</site>\n</OWASPZAPReport>\n")
    return path.stat().st_size


def write_json_report(path: Path, alerts: int, instances: int) -> int:
    """The traditional JSON counterpart of :func:`write_xml_report`."""
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '{"@programName":"ZAP","@version":"2.14.0","@generated":"Mon, 1 Jan 2024 00:00:00","site":[{"@name":'
            '"http://127.0.0.1:8080","@host":"127.0.0.1","@port":"8080","@ssl":"false","alerts":['
        )
        for a in range(alerts):
            head = {
                "pluginid": str(10000 + a),
                "alertRef": f"{10000 + a}-1",
                "alert": f"Synthetic alert {a}",
                "name": f"Synthetic alert {a}",
                "riskcode": str(a % 4),
                "confidence": "2",
                "desc": "<p>A synthetic alert used to measure the parser.</p>",
            }
            out.write(("," if a else "") + json.dumps(head)[:-1] + ',"instances":[')
            for i in range(instances):
                uri = f"http://127.0.0.1:8080/app/{a}/page{i}?id={i}"
                out.write(
                    ("," if i else "")
                    + json.dumps(
                        {
                            "uri": uri,
                            "method": "GET",
                            "param": "id",
                            "attack": "",
                            "evidence": f"evidence {i}",
                            "otherinfo": "",
                        }
                    )
                )
            out.write(f'],"count":"{instances}","solution":"Fix it.","reference":"","cweid":"79","wascid":"8"}}')
        out.write("]}]}")
    return path.stat().st_size


@pytest.fixture(scope="session")
def report_writers() -> dict[str, Callable[..., Any]]:
    """The writers above, for tests (their modules are imported with ``--import-mode=importlib``)."""
    return {
        "json": to_traditional_json,
        "alerts": to_alerts_json,
        "xml": write_xml_report,
        "json_file": write_json_report,
        "sites": read_sites,
        "quoteattr": quoteattr,
    }


class ZapStandIn:
    """A loopback stand-in for the few ZAP API endpoints the daemon scanner calls.

    ZAP itself cannot run here (a Java application that is not packaged for this machine), so this small HTTP
    server answers like ZAP 2.16 does for: core version/newSession/alerts/jsonreport, context import/lookup,
    users list, spider scan/scanAsUser/status/stop, ajaxSpider scan/status/stop/setOptionMaxDuration, pscan
    recordsToScan, ascan scan/scanAsUser/status/stop and core accessUrl — including ZAP's
    ``400 {"code": "bad_api_key"}``.
    Scans advance one step per status poll. Every request is recorded in ``requests``.
    """

    def __init__(self, api_key: str | None = "secret-key") -> None:
        self.api_key = api_key
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.alerts: list[dict[str, Any]] = []
        self.json_report = b'{"@version":"2.16.1","@generated":"now","site":[]}'
        self.spider_steps = ["30", "100"]
        self.ascan_steps = ["0", "45", "100"]
        self.ajax_steps = ["running", "stopped"]
        self.pscan_steps = ["4", "0"]
        self.hang: set[str] = set()  # paths that never answer in time
        self.lenient_bad_key = False  # answer a wrong key with 200 {"version": "bad_api_key"}, like old daemons
        self.contexts = {"app": {"id": "2", "users": [{"id": "5", "name": "alice"}]}}
        self._polls: dict[str, int] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def paths(self) -> list[str]:
        """The paths requested so far, in order."""
        return [path for path, _ in self.requests]

    def _step(self, name: str, steps: list[str]) -> str:
        index = self._polls.get(name, 0)
        self._polls[name] = index + 1
        return steps[min(index, len(steps) - 1)]

    def answer(self, path: str, params: dict[str, str], key: str | None) -> tuple[int, bytes]:
        if self.api_key is not None and key != self.api_key:
            if self.lenient_bad_key:
                return 200, b'{"version": "bad_api_key"}'
            return 400, b'{"code": "bad_api_key", "message": "Bad API key"}'
        ok = {"Result": "OK"}
        if path == "/OTHER/core/other/jsonreport/":
            return 200, self.json_report
        routes: dict[str, Callable[[], Any]] = {
            "/JSON/core/view/version/": lambda: {"version": "2.16.1"},
            "/JSON/core/action/newSession/": lambda: ok,
            "/JSON/core/action/accessUrl/": lambda: {"accessUrl": [{"requestHeader": "GET / HTTP/1.1"}]},
            "/JSON/context/action/importContext/": lambda: {"contextId": "2"},
            "/JSON/context/view/context/": lambda: self._context(params),
            "/JSON/users/view/usersList/": lambda: {
                "usersList": next(
                    (c["users"] for c in self.contexts.values() if c["id"] == params.get("contextId")), []
                )
            },
            "/JSON/spider/action/scan/": lambda: {"scan": "0"},
            "/JSON/spider/action/scanAsUser/": lambda: {"scanAsUser": "0"},
            "/JSON/spider/view/status/": lambda: {"status": self._step("spider", self.spider_steps)},
            "/JSON/spider/action/stop/": lambda: ok,
            "/JSON/ajaxSpider/action/setOptionMaxDuration/": lambda: ok,
            "/JSON/ajaxSpider/action/scan/": lambda: ok,
            "/JSON/ajaxSpider/action/scanAsUser/": lambda: ok,
            "/JSON/ajaxSpider/view/status/": lambda: {"status": self._step("ajax", self.ajax_steps)},
            "/JSON/ajaxSpider/action/stop/": lambda: ok,
            "/JSON/pscan/view/recordsToScan/": lambda: {"recordsToScan": self._step("pscan", self.pscan_steps)},
            "/JSON/ascan/action/scan/": lambda: {"scan": "1"},
            "/JSON/ascan/action/scanAsUser/": lambda: {"scanAsUser": "1"},
            "/JSON/ascan/view/status/": lambda: {"status": self._step("ascan", self.ascan_steps)},
            "/JSON/ascan/action/stop/": lambda: ok,
            "/JSON/core/view/alerts/": lambda: {"alerts": self._alerts(params)},
        }
        route = routes.get(path)
        if route is None:
            return 400, b'{"code": "bad_view", "message": "No Implementor"}'
        result = route()
        if isinstance(result, tuple):
            return result
        return 200, json.dumps(result).encode()

    def _context(self, params: dict[str, str]) -> Any:
        context = self.contexts.get(params.get("contextName", ""))
        if context is None:
            return 400, b'{"code": "context_not_found", "message": "Context Not Found"}'
        return {"context": {"id": context["id"], "name": params["contextName"]}}

    def _alerts(self, params: dict[str, str]) -> list[dict[str, Any]]:
        base = params.get("baseurl", "")
        matching = [a for a in self.alerts if a.get("url", "").startswith(base)]
        start, count = int(params.get("start", 0)), int(params.get("count", 0)) or len(matching)
        return matching[start : start + count]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                params = dict(parse_qsl(parts.query, keep_blank_values=True))
                standin.requests.append((parts.path, params))
                if parts.path in standin.hang:
                    time.sleep(3)
                status, body = standin.answer(parts.path, params, self.headers.get("X-ZAP-API-Key"))
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


@pytest.fixture
def zap_standin() -> Iterator[ZapStandIn]:
    """A running :class:`ZapStandIn` on 127.0.0.1 (key ``secret-key``)."""
    standin = ZapStandIn()
    thread = threading.Thread(target=standin.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield standin
    finally:
        standin.server.shutdown()
        standin.server.server_close()
