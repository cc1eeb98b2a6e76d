"""The ``headers`` scanner, run for real against HTTP(S) servers on 127.0.0.1 through the host's ``run_scanner``."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import secureops_custom_example
from secureops_custom_example import HeadersScanner

import secureops
from secureops.core.runtimes.local import LocalRuntime
from secureops.core.scanning import run_scanner
from secureops.testing import parse_with, plugin_registry

GOOD_HEADERS = [
    ("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Set-Cookie", "session=abc; Path=/; HttpOnly; SameSite=Lax"),
]
GOOD_HTTPS_HEADERS = [
    *GOOD_HEADERS[:-1],
    ("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),
    ("Set-Cookie", "session=abc; Path=/; Secure; HttpOnly; SameSite=Lax"),
]
WEAK_HEADERS = [
    ("Server", "nginx/1.18.0"),
    ("X-Powered-By", "PHP/8.1.2"),
    ("Content-Security-Policy", "script-src 'self' 'unsafe-inline' *"),
    ("Set-Cookie", "session=abc; Path=/"),
    ("Set-Cookie", "theme=dark; HttpOnly; SameSite=Strict"),
]


def scan(url: str, tmp_path: Path, *, limit: float | None = None, **options: Any) -> dict[str, Any]:
    """Run the scanner like a worker does (``limit``: the scan's time limit) and return the report as JSON data."""
    target = secureops.Target(kind="url", value=url)
    report = run_scanner(HeadersScanner(), target, options, LocalRuntime(), tmp_path / "work", timeout=limit)
    assert report.format == "headers-json"
    with report.open() as stream:
        data: dict[str, Any] = json.load(stream)
    assert data["schema"] == "secureops-headers/1"
    return data


def findings_of(data: dict[str, Any]) -> set[tuple[str | None, str | None]]:
    """``(vuln_id_from_tool, param)`` of each finding the plugin's importer makes of ``data``."""
    registry = plugin_registry(secureops_custom_example)
    return {(f.vuln_id_from_tool, f.param) for f in parse_with(registry, json.dumps(data).encode())}


# --- what is recorded ------------------------------------------------------------------------------------------


def test_good_headers_give_no_findings(serve: Callable[..., Any], tmp_path: Path) -> None:
    site = serve({"/": (200, GOOD_HEADERS)})
    data = scan(site.url("/"), tmp_path)
    [response] = data["responses"]
    assert (response["status"], response["final_url"], response["redirects"]) == (200, site.url("/"), [])
    assert findings_of(data) == set()


def test_weak_headers_give_the_expected_findings(serve: Callable[..., Any], tmp_path: Path) -> None:
    site = serve({"/": (200, WEAK_HEADERS)})
    assert findings_of(scan(site.url("/"), tmp_path)) == {
        ("csp-unsafe-inline", None),
        ("csp-wildcard", None),
        ("xcto-missing", None),
        ("clickjacking", None),
        ("referrer-policy-missing", None),
        ("version-disclosure", "Server"),
        ("version-disclosure", "X-Powered-By"),
        ("cookie-no-httponly", "session"),
        ("cookie-samesite", "session"),
    }


def test_every_header_is_recorded_in_order_repeats_included(serve: Callable[..., Any], tmp_path: Path) -> None:
    site = serve({"/": (200, WEAK_HEADERS)})
    headers = scan(site.url("/"), tmp_path)["responses"][0]["headers"]
    assert [v for k, v in headers if k == "Set-Cookie"] == [
        "session=abc; Path=/",
        "theme=dark; HttpOnly; SameSite=Strict",
    ]
    assert ["Server", "TestServer"] in headers  # the server's own Server header comes first ...
    assert ["Server", "nginx/1.18.0"] in headers  # ... and the one the route added is kept too


def test_the_request_is_one_plain_get_with_the_user_agent(serve: Callable[..., Any], tmp_path: Path) -> None:
    site = serve({"/a?b=1": (200, GOOD_HEADERS)})
    data = scan(site.url("/a?b=1"), tmp_path, user_agent="audit-bot/2")
    assert site.requests == ["GET /a?b=1"]
    sent = site.request_headers[0]
    assert sent["User-Agent"] == "audit-bot/2"
    assert sent["Host"] == site.base.removeprefix("http://")
    assert data["user_agent"] == "audit-bot/2"


def test_credentials_in_the_url_are_neither_sent_nor_recorded(serve: Callable[..., Any], tmp_path: Path) -> None:
    site = serve({"/": (200, GOOD_HEADERS)})
    data = scan(site.url("/").replace("://", "://admin:s3cret@"), tmp_path)
    assert "s3cret" not in json.dumps(data)
    assert data["target"] == data["responses"][0]["final_url"] == site.url("/")
    assert "Authorization" not in site.request_headers[0]


# --- redirects ----------------------------------------------------------------------------------------------------


def test_a_same_host_redirect_is_followed(serve: Callable[..., Any], tmp_path: Path) -> None:
    site = serve({"/": (302, [("Location", "/home#top")]), "/home": (200, GOOD_HEADERS)})
    [response] = scan(site.url("/"), tmp_path)["responses"]
    assert response["final_url"] == site.url("/home")
    assert response["status"] == 200
    assert [(hop["url"], hop["status"], hop["location"]) for hop in response["redirects"]] == [
        (site.url("/"), 302, "/home#top")
    ]
    assert site.requests == ["GET /", "GET /home"]


def test_a_redirect_to_another_host_is_recorded_and_not_followed(serve: Callable[..., Any], tmp_path: Path) -> None:
    # "Another host" is 127.0.0.2: loopback, so even a bug here could not reach beyond this machine.
    other = serve({"/": (200, GOOD_HEADERS)}, host="127.0.0.2")
    site = serve({"/": (301, [("Location", other.url("/"))])})
    [response] = scan(site.url("/"), tmp_path)["responses"]
    assert other.requests == []
    assert response["status"] == 301
    assert response["final_url"] == site.url("/")
    assert response["unfollowed_redirect"]["location"] == other.url("/")
    assert "another host" in response["unfollowed_redirect"]["reason"]


def test_redirects_are_not_followed_when_turned_off(serve: Callable[..., Any], tmp_path: Path) -> None:
    site = serve({"/": (302, [("Location", "/home")]), "/home": (200, GOOD_HEADERS)})
    [response] = scan(site.url("/"), tmp_path, follow_redirects=False)["responses"]
    assert site.requests == ["GET /"]
    assert response["unfollowed_redirect"] == {"location": site.url("/home"), "reason": "following redirects is off"}


def test_a_redirect_loop_fails_the_scan_after_max_redirects(serve: Callable[..., Any], tmp_path: Path) -> None:
    site = serve({"/a": (302, [("Location", "/b")]), "/b": (307, [("Location", "/a")])})
    with pytest.raises(secureops.ScanError, match="more than 3 redirects"):
        scan(site.url("/a"), tmp_path, max_redirects=3)
    assert len(site.requests) == 4


def test_extra_paths_are_fetched_on_the_target_only(serve: Callable[..., Any], tmp_path: Path) -> None:
    site = serve({"/": (200, GOOD_HEADERS), "/login": (200, []), "/api?v=1": (200, GOOD_HEADERS)})
    data = scan(site.url("/"), tmp_path, paths=["/login", "/api?v=1"])
    assert [r["requested_url"] for r in data["responses"]] == [site.url("/"), site.url("/login"), site.url("/api?v=1")]
    assert site.requests == ["GET /", "GET /login", "GET /api?v=1"]
    assert ("csp-missing", None) in findings_of(data)


# --- https --------------------------------------------------------------------------------------------------------


def test_https_with_good_headers_gives_no_findings(serve: Callable[..., Any], tmp_path: Path) -> None:
    site = serve({"/": (200, GOOD_HTTPS_HEADERS)}, tls=True)
    data = scan(site.url("/"), tmp_path, verify_tls=False)
    assert data["responses"][0]["final_url"].startswith("https://")
    assert findings_of(data) == set()


def test_https_without_hsts_or_secure_cookies_is_reported(serve: Callable[..., Any], tmp_path: Path) -> None:
    site = serve({"/": (200, GOOD_HEADERS)}, tls=True)
    found = findings_of(scan(site.url("/"), tmp_path, verify_tls=False))
    assert found == {("hsts-missing", None), ("cookie-no-secure", "session")}


def test_an_untrusted_certificate_fails_with_a_hint(serve: Callable[..., Any], tmp_path: Path) -> None:
    site = serve({"/": (200, GOOD_HEADERS)}, tls=True)
    with pytest.raises(secureops.ScanError, match=r"certificate .* not trusted .*verify_tls = false"):
        scan(site.url("/"), tmp_path)


# --- failures -----------------------------------------------------------------------------------------------------


def test_a_server_that_never_answers_times_out(raw_server: Callable[[bytes | None], str], tmp_path: Path) -> None:
    url = raw_server(None)
    started = time.monotonic()
    with pytest.raises(secureops.ScanError, match=r"no response from .* within 0.3s"):
        scan(url, tmp_path, timeout=0.3)
    assert time.monotonic() - started < 5  # the timeout is enforced, not the 10 s default


def test_the_scan_time_limit_bounds_everything(raw_server: Callable[[bytes | None], str], tmp_path: Path) -> None:
    url = raw_server(None)
    started = time.monotonic()
    with pytest.raises(secureops.ScanError):
        scan(url, tmp_path, limit=0.5)  # the scan's time limit; options.timeout stays at 10 s
    assert time.monotonic() - started < 5


def test_connection_refused_is_a_clear_scan_error(closed_port: int, tmp_path: Path) -> None:
    with pytest.raises(secureops.ScanError, match=f"cannot connect to 127.0.0.1:{closed_port}: connection refused"):
        scan(f"http://127.0.0.1:{closed_port}/", tmp_path)


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (b"SSH-2.0-OpenSSH_9.2\r\n", "not an HTTP response"),
        (b"", "closed the connection without answering"),
        (b"HTTP/1.1 200 OK\r\nX-Broken", "closed the connection in the middle of the headers"),
        (b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "malformed response header line"),
        (b"HTTP/1.1 200 OK\r\nX-Huge: " + b"a" * 70_000 + b"\r\n\r\n", "larger than 64 KiB"),
        (b"HTTP/1.1 200 OK\r\n" + (b"X-Big: " + b"b" * 300 + b"\r\n") * 300 + b"\r\n", "larger than 64 KiB"),
        (b"HTTP/1.1 200 OK\r\n" + b"X-A: 1\r\n" * 600 + b"\r\n", "more than 500 headers"),
    ],
)
def test_a_hostile_or_broken_server_is_a_clear_scan_error(
    raw_server: Callable[[bytes | None], str], tmp_path: Path, reply: bytes, message: str
) -> None:
    with pytest.raises(secureops.ScanError, match=message):
        scan(raw_server(reply), tmp_path)


def test_interim_1xx_responses_are_skipped(raw_server: Callable[[bytes | None], str], tmp_path: Path) -> None:
    reply = b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
    reply += b"HTTP/1.1 204 No Content\r\nX-Content-Type-Options: nosniff\r\n\r\n"
    [response] = scan(raw_server(reply), tmp_path)["responses"]
    assert (response["status"], response["reason"], response["headers"]) == (
        204,
        "No Content",
        [["X-Content-Type-Options", "nosniff"]],
    )


def test_progress_is_reported(serve: Callable[..., Any], tmp_path: Path) -> None:
    site = serve({"/": (200, GOOD_HEADERS), "/x": (200, GOOD_HEADERS)})
    calls: list[tuple[float, str]] = []
    context = secureops.ScanContext(workdir=tmp_path, timeout=30, progress=lambda p, m: calls.append((p, m)))
    scanner = HeadersScanner()
    target = secureops.Target(kind="url", value=site.url("/"))
    asyncio.run(scanner.run(target, scanner.parse_options({"paths": ["/x"]}), context))
    assert [p for p, _ in calls] == [0.0, 50.0, 100.0]
    assert calls[1][1] == f"GET {site.url('/x')}"


# --- options and targets ------------------------------------------------------------------------------------------


def test_empty_options_are_valid_and_documented_defaults_apply() -> None:
    options = HeadersScanner().parse_options({})
    assert (options.timeout, options.follow_redirects, options.max_redirects, options.verify_tls) == (
        10.0,
        True,
        5,
        True,
    )
    assert options.paths == ()


@pytest.mark.parametrize(
    "bad",
    [
        {"timout": 3},
        {"timeout": 0},
        {"max_redirects": 99},
        {"user_agent": "bot\r\nX-Injected: 1"},
        {"paths": ["login"]},
        {"paths": ["//evil.example/"]},
        {"paths": ["/a b"]},
        {"paths": ["/#frag"]},
    ],
)
def test_bad_options_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(secureops.ConfigError, match="invalid options for 'headers'"):
        HeadersScanner().parse_options(bad)


def test_hostile_targets_are_refused_before_any_request(serve: Callable[..., Any], tmp_path: Path) -> None:
    site = serve({"/": (200, GOOD_HEADERS)})
    port = site.base.rsplit(":", 1)[1]
    scanner = HeadersScanner()
    for value in (f"http://127.0.0.1:{port}/;id", f"http://127.0.0.1:{port}/$(id)", f"-http://127.0.0.1:{port}/"):
        with pytest.raises(secureops.TargetError):
            secureops.Target(kind="url", value=value)
    for value in ("file:///etc/passwd", f"gopher://127.0.0.1:{port}/"):
        with pytest.raises(secureops.TargetError):
            secureops.Target(kind="url", value=value)
    # Wrong kinds are refused by the host before the scanner runs ...
    for kind, value in (("host", "127.0.0.1"), ("service", f"127.0.0.1:{port}")):
        with pytest.raises(secureops.TargetError, match="accepts url targets"):
            run_scanner(scanner, secureops.Target(kind=kind, value=value), {}, LocalRuntime(), tmp_path)
    # ... and by the scanner itself, even for a Target built without validation.
    smuggled = secureops.Target.model_construct(kind=secureops.TargetKind.URL, value=f"http://127.0.0.1:{port}/ x")
    context = secureops.ScanContext(workdir=tmp_path, timeout=5)
    with pytest.raises(secureops.TargetError):
        asyncio.run(scanner.run(smuggled, scanner.parse_options({}), context))
    assert site.requests == []
