"""The ``headers-json`` importer: the three fixture reports, conformance, the rules, identity, and bad input."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
import secureops_custom_example
from hypothesis import given, settings
from hypothesis import strategies as st
from secureops_custom_example import HeadersImporter

import secureops
from secureops.testing import assert_valid_findings, check_importer_conformance, parse_with, plugin_registry

IMPORTER = HeadersImporter()
REGISTRY = plugin_registry(secureops_custom_example)


def parse(data: bytes) -> list[secureops.Finding]:
    """Parse through the host's full path (detection, validation, fingerprints)."""
    return parse_with(REGISTRY, data)


def report(headers: list[tuple[str, str]], url: str = "https://127.0.0.1:8443/") -> bytes:
    """A one-response report with ``headers`` for ``url``."""
    response = {"requested_url": url, "final_url": url, "status": 200, "headers": headers}
    return json.dumps({"schema": "secureops-headers/1", "target": url, "responses": [response]}).encode()


def ids(findings: list[secureops.Finding]) -> list[tuple[str | None, str | None]]:
    return [(f.vuln_id_from_tool, f.param) for f in findings]


# A response that breaks no rule on https; each test below changes one thing.
CLEAN = [
    ("Strict-Transport-Security", "max-age=31536000"),
    ("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
]

# 'strict-dynamic' makes browsers ignore both the https: wildcard and 'unsafe-inline'.
STRICT_DYNAMIC = "script-src 'strict-dynamic' 'nonce-a' https: 'unsafe-inline'; frame-ancestors 'self'"


# --- the fixture set ----------------------------------------------------------------------------------------------


def test_no_findings(fixtures: Path) -> None:
    assert parse((fixtures / "no_findings.json").read_bytes()) == []


def test_one_finding(fixtures: Path) -> None:
    [finding] = assert_valid_findings(parse((fixtures / "one_finding.json").read_bytes()))
    assert finding.vuln_id_from_tool == "csp-missing"
    assert finding.title == "Content-Security-Policy header missing"
    assert finding.severity is secureops.Severity.MEDIUM
    assert finding.cwe == 693
    assert [str(e) for e in finding.endpoints] == ["http://127.0.0.1:8080/"]  # the query string is dropped
    assert "https://owasp.org/www-project-secure-headers/" in (finding.references or "")
    assert finding.mitigation and "default-src" in finding.mitigation
    assert finding.impact
    assert finding.date == dt.date(2026, 1, 31)
    assert finding.dynamic_finding and not finding.static_finding
    assert "Observed on http://127.0.0.1:8080/?lang=en (HTTP 200)" in finding.description


def test_many_findings(fixtures: Path) -> None:
    findings = assert_valid_findings(parse((fixtures / "many_findings.json").read_bytes()))
    by_path: dict[str, list[tuple[str | None, str | None, str]]] = {}
    for f in findings:
        by_path.setdefault(f.endpoints[0].path or "", []).append((f.vuln_id_from_tool, f.param, f.severity.value))
    assert by_path == {
        "/": [
            ("hsts-weak", None, "Low"),
            ("csp-unsafe-inline", None, "Medium"),
            ("csp-unsafe-eval", None, "Low"),
            ("csp-wildcard", None, "Medium"),
            ("xcto-missing", None, "Low"),
            ("clickjacking", None, "Medium"),
            ("referrer-policy-unsafe", None, "Low"),
            ("version-disclosure", "Server", "Low"),
            ("version-disclosure", "X-Powered-By", "Low"),
            ("version-disclosure", "X-AspNet-Version", "Low"),
            ("cookie-no-secure", "PHPSESSID", "Low"),
            ("cookie-no-httponly", "PHPSESSID", "Low"),
            ("cookie-samesite", "PHPSESSID", "Low"),
            ("cookie-samesite", "prefs", "Low"),
        ],
        # reached through a redirect; CSP only has frame-ancestors; Report-Only enforces nothing
        "/login/": [
            ("csp-script-unrestricted", None, "Medium"),
            ("xcto-missing", None, "Low"),
            ("version-disclosure", "Server", "Low"),
            ("version-disclosure", "X-Powered-By", "Info"),
        ],
        # two CSP headers: the second forbids what the first allows, so neither weakness is reported
        "/sso": [("hsts-missing", None, "Medium")],
        # the fourth response ends on "/" again (another query string): checked once
    }
    login = next(f for f in findings if f.endpoints[0].path == "/login/")
    assert "reached from https://127.0.0.1:8443/login after 1 redirect(s)" in login.description


@pytest.mark.parametrize("name", ["no_findings.json", "one_finding.json", "many_findings.json"])
def test_conformance(fixtures: Path, name: str) -> None:
    result = check_importer_conformance(IMPORTER, fixtures / name)
    assert len(result.findings) == {"no_findings.json": 0, "one_finding.json": 1, "many_findings.json": 19}[name]


# --- identity -----------------------------------------------------------------------------------------------------


def test_the_same_issue_on_the_same_url_is_the_same_finding_in_a_later_scan(fixtures: Path) -> None:
    first = json.loads((fixtures / "many_findings.json").read_text())
    later = copy.deepcopy(first)
    later["started_at"] = "2026-03-01T08:00:00Z"
    response = later["responses"][0]
    response["final_url"] = response["requested_url"] = "https://127.0.0.1:8443/?session=ffff"
    response["headers"] = [
        ["Server", "nginx/1.24.0"] if name == "Server" else [name, value.replace("9b1c2d", "00aa11")]
        for name, value in reversed(response["headers"])
    ]
    before = {f.fingerprint for f in parse(json.dumps(first).encode())}
    after = {f.fingerprint for f in parse(json.dumps(later).encode())}
    assert before == after


def test_the_same_issue_on_another_url_or_cookie_is_another_finding() -> None:
    one = parse(report([("Set-Cookie", "a=1")], url="https://127.0.0.1/x"))
    other_url = parse(report([("Set-Cookie", "a=1")], url="https://127.0.0.1/y"))
    other_cookie = parse(report([("Set-Cookie", "b=1")], url="https://127.0.0.1/x"))
    assert ids(one) == ids(other_url)
    assert not {f.fingerprint for f in one} & {f.fingerprint for f in other_url}
    shared = {f.fingerprint for f in one} & {f.fingerprint for f in other_cookie}
    assert len(shared) == len(one) - 3  # only the three cookie findings differ


# --- the rules ----------------------------------------------------------------------------------------------------


def test_a_clean_response_has_no_findings() -> None:
    assert parse(report(CLEAN)) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"Strict-Transport-Security": None}, [("hsts-missing", None)]),
        ({"Strict-Transport-Security": "max-age=0"}, [("hsts-weak", None)]),
        ({"Strict-Transport-Security": "includeSubDomains"}, [("hsts-weak", None)]),
        ({"Strict-Transport-Security": 'max-age="31536000"; preload'}, []),
        ({"Content-Security-Policy": None}, [("csp-missing", None), ("clickjacking", None)]),
        ({"Content-Security-Policy": "script-src 'unsafe-inline' 'nonce-abc'; frame-ancestors 'self'"}, []),
        (
            {"Content-Security-Policy": STRICT_DYNAMIC},
            [],
        ),
        ({"Content-Security-Policy": "default-src 'self' data:; frame-ancestors 'none'"}, [("csp-wildcard", None)]),
        (
            {"Content-Security-Policy": "default-src *; script-src 'self' 'UNSAFE-EVAL'; frame-ancestors 'none'"},
            [("csp-unsafe-eval", None)],
        ),
        ({"Content-Security-Policy": "default-src 'self'; frame-ancestors *"}, [("clickjacking", None)]),
        ({"Content-Security-Policy": "default-src 'self'", "X-Frame-Options": "sameorigin"}, []),
        (
            {"Content-Security-Policy": "default-src 'self'", "X-Frame-Options": "ALLOW-FROM https://a.example"},
            [("clickjacking", None)],
        ),
        ({"X-Content-Type-Options": None}, [("xcto-missing", None)]),
        ({"X-Content-Type-Options": " NoSniff "}, []),
        ({"Referrer-Policy": None}, [("referrer-policy-missing", None)]),
        ({"Referrer-Policy": "bogus"}, [("referrer-policy-missing", None)]),
        ({"Referrer-Policy": "unsafe-url, strict-origin, bogus"}, []),
        ({"Referrer-Policy": "no-referrer-when-downgrade"}, [("referrer-policy-unsafe", None)]),
        ({"Server": "cloudflare"}, []),
        ({"Server": "Microsoft-IIS/10.0"}, [("version-disclosure", "Server")]),
        ({"X-AspNetMvc-Version": "5.2"}, [("version-disclosure", "X-AspNetMvc-Version")]),
        ({"X-Powered-By": "Express"}, [("version-disclosure", "X-Powered-By")]),
    ],
)
def test_rule(change: dict[str, str | None], expected: list[tuple[str, str | None]]) -> None:
    headers = [(name, value) for name, value in CLEAN if name not in change]
    headers += [(name, value) for name, value in change.items() if value is not None]
    assert ids(parse(report(headers))) == expected


def test_plain_http_is_not_asked_for_hsts_or_secure_cookies() -> None:
    headers = [*CLEAN[1:], ("Set-Cookie", "s=1; HttpOnly; SameSite=Lax")]
    assert parse(report(headers, url="http://127.0.0.1/")) == []
    assert ids(parse(report(headers))) == [("hsts-missing", None), ("cookie-no-secure", "s")]


def test_report_only_csp_does_not_count_and_says_so() -> None:
    headers = [*CLEAN[:1], *CLEAN[2:], ("Content-Security-Policy-Report-Only", "default-src 'self'")]
    headers.append(("X-Frame-Options", "DENY"))
    [finding] = parse(report(headers))
    assert finding.vuln_id_from_tool == "csp-missing"
    assert "Report-Only" in finding.description


def test_cookies() -> None:
    headers = [
        *CLEAN,
        ("Set-Cookie", "gone=; Max-Age=0"),  # being deleted: ignored
        ("Set-Cookie", "ok=1; Secure; HttpOnly; SameSite=Strict"),
        ("Set-Cookie", "twice=1; Secure; HttpOnly"),
        ("Set-Cookie", "twice=2; Secure; HttpOnly"),  # the same cookie again: one finding
        ("Set-Cookie", "none=1; Secure; HttpOnly; SameSite=None"),
    ]
    findings = parse(report(headers))
    assert ids(findings) == [("cookie-samesite", "twice"), ("cookie-samesite", "none")]
    assert findings[1].title == "Cookie 'none' without SameSite protection"
    assert "sets SameSite=None" in findings[1].description


def test_a_huge_cookie_name_makes_a_valid_finding() -> None:
    name = "c" * 5000
    findings = assert_valid_findings(parse(report([*CLEAN, ("Set-Cookie", f"{name}=1; Secure; HttpOnly")])))
    assert findings[0].param == name
    assert len(findings[0].title) < 200


# --- detection ----------------------------------------------------------------------------------------------------


def test_detect_recognises_its_reports_wherever_the_schema_key_is(fixtures: Path) -> None:
    data = (fixtures / "many_findings.json").read_bytes()
    assert IMPORTER.detect(data, None) == "headers-json"
    reordered = json.loads(data)
    reordered["schema"] = reordered.pop("schema")
    assert IMPORTER.detect(b"\xef\xbb\xbf\n" + json.dumps(reordered).encode(), "x.json") == "headers-json"


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b'{"SchemaVersion": 2, "ArtifactName": "x"}',
        b'<?xml version="1.0"?><nmaprun/>',
        b'[{"schema": "secureops-headers/1"}]',
        b'{"schema": "secureops-headers/2"}',
        b"<html>secureops-headers/1</html>",
    ],
)
def test_detect_declines_other_input(head: bytes) -> None:
    assert IMPORTER.detect(head, "report.json") is None


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2048), st.one_of(st.none(), st.text(max_size=50)))
def test_detect_never_raises(head: bytes, filename: str | None) -> None:
    assert IMPORTER.detect(head, filename) in (None, "headers-json")


# --- malformed input ----------------------------------------------------------------------------------------------

GOOD = json.loads(report(CLEAN))


def _with(**changes: Any) -> bytes:
    data = copy.deepcopy(GOOD)
    data.update(changes)
    return json.dumps(data).encode()


def _response(**changes: Any) -> bytes:
    data = copy.deepcopy(GOOD)
    data["responses"][0].update(changes)
    return json.dumps(data).encode()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'{"schema": "secureops-headers/1", "responses": [', "invalid JSON at line 1"),
        (b"\xff\xfe\x00garbage", "not a headers-json report"),
        (b'["schema", "secureops-headers/1"]', "the top level is a JSON list"),
        (_with(schema="secureops-headers/2"), "schema is 'secureops-headers/2'"),
        (_with(target=None), "target: Input should be a valid string"),
        (_with(responses={"a": 1}), "responses: Input should be a valid list"),
        (_response(headers=[["Server"]]), "responses.0.headers.0"),
        (_response(headers=[["Server", 42]]), "responses.0.headers.0.1"),
        (_response(status="200 OK"), "responses.0.status"),
        (_response(status=42), "responses.0.status"),
        (_response(final_url="ftp://127.0.0.1/"), "is not an http(s) URL"),
        (_response(final_url="http://[::1/"), "is not a URL"),
        (_response(final_url="/relative"), "is not an http(s) URL"),
        (_with(started_at="yesterday"), "started_at"),
        (b'{"schema": "secureops-headers/1", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nested too deeply"),
    ],
)
def test_malformed_input_is_a_one_line_report_parse_error(data: bytes, reason: str) -> None:
    context = secureops.ParseContext(format="headers-json")
    with pytest.raises(secureops.ReportParseError) as direct:
        list(IMPORTER.parse(io.BytesIO(data), context))  # the importer itself, not only the host's safety net
    assert type(direct.value) is secureops.ReportParseError
    assert reason in str(direct.value)
    assert "\n" not in str(direct.value)
    with pytest.raises(secureops.ReportParseError, match="headers-json"):
        parse_with(REGISTRY, data, format="headers-json")


def test_an_oversized_report_is_refused_before_parsing() -> None:
    data = b'{"schema": "secureops-headers/1", "pad": "' + b"a" * (16 * 1024 * 1024) + b'"}'
    with pytest.raises(secureops.ReportParseError, match="larger than 16 MiB"):
        list(IMPORTER.parse(io.BytesIO(data), secureops.ParseContext(format="headers-json")))
