"""The checks: pure functions from one recorded response to the issues it shows.

Each :class:`Issue` is one rule (see :mod:`.rules`) broken on one response, with what was seen. No I/O and no
``Finding`` here: the importer turns issues into findings.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from secureops import Severity

from . import rules as r
from .report import Response

__all__ = ["Issue", "check_response"]

HSTS_MIN_AGE = 15_552_000  # 180 days; the Secure Headers Project recommends a year (31536000)


@dataclass(frozen=True)
class Issue:
    """A rule broken on one response: what was observed, and optionally which header or cookie (``param``)."""

    rule: r.Rule
    detail: str
    param: str | None = None
    title: str | None = None
    severity: Severity | None = None


_VERSION = re.compile(r"\d+(?:\.\d+)+|/\s*\d")
_REFERRER_TOKENS = frozenset(
    {"no-referrer", "no-referrer-when-downgrade", "origin", "origin-when-cross-origin", "same-origin"}
    | {"strict-origin", "strict-origin-when-cross-origin", "unsafe-url"}
)
_WILDCARD_SOURCES = frozenset({"*", "http:", "https:", "data:"})


def check_response(response: Response, *, https: bool) -> list[Issue]:
    """Every issue ``response`` shows, in a fixed order; HSTS and cookie ``Secure`` only count on ``https``."""
    issues: list[Issue] = []
    if https:
        issues += _hsts(response)
    policies = [
        _parse_csp(policy) for value in response.values("Content-Security-Policy") for policy in value.split(",")
    ]
    issues += _csp(response, [p for p in policies if p])
    issues += _content_type_options(response)
    issues += _clickjacking(response, [p for p in policies if p])
    issues += _referrer_policy(response)
    issues += _disclosure(response)
    issues += _cookies(response, https=https)
    return issues


def _hsts(response: Response) -> Iterator[Issue]:
    value = response.first("Strict-Transport-Security")
    if value is None:
        yield Issue(r.HSTS_MISSING, "The HTTPS response has no Strict-Transport-Security header.")
        return
    directives = dict(_split_directive(part) for part in value.split(";") if part.strip())
    max_age = directives.get("max-age", "").strip('"')
    if not max_age.isdigit():
        yield Issue(r.HSTS_WEAK, f"Strict-Transport-Security {value!r} has no valid max-age.")
    elif int(max_age) < HSTS_MIN_AGE:
        yield Issue(r.HSTS_WEAK, f"Strict-Transport-Security max-age is {max_age} seconds (under 180 days).")


def _split_directive(part: str) -> tuple[str, str]:
    name, _, value = part.strip().partition("=")
    return name.strip().lower(), value.strip()


def _parse_csp(policy: str) -> dict[str, list[str]]:
    """``{directive: [sources]}``; keywords lower-cased; the first occurrence of a directive wins (as in browsers)."""
    directives: dict[str, list[str]] = {}
    for part in policy.split(";"):
        tokens = part.split()
        if tokens:
            directives.setdefault(tokens[0].lower(), [t.lower() if t.startswith("'") else t for t in tokens[1:]])
    return directives


def _script_sources(policy: dict[str, list[str]]) -> list[str] | None:
    return policy.get("script-src", policy.get("default-src"))


def _allows_inline(sources: list[str] | None) -> bool:
    if sources is None:
        return True
    # A nonce, a hash or 'strict-dynamic' makes browsers ignore 'unsafe-inline' (CSP level 2 and later).
    overridden = any(s.startswith(("'nonce-", "'sha256-", "'sha384-", "'sha512-")) for s in sources)
    return "'unsafe-inline'" in sources and not overridden and "'strict-dynamic'" not in sources


def _allows_eval(sources: list[str] | None) -> bool:
    return sources is None or "'unsafe-eval'" in sources


def _allows_any_host(sources: list[str] | None) -> bool:
    if sources is None:
        return True
    return "'strict-dynamic'" not in sources and any(s.lower() in _WILDCARD_SOURCES for s in sources)


def _csp(response: Response, policies: list[dict[str, list[str]]]) -> Iterator[Issue]:
    if not policies:
        report_only = response.first("Content-Security-Policy-Report-Only") is not None
        note = " (only Content-Security-Policy-Report-Only, which enforces nothing)" if report_only else ""
        yield Issue(r.CSP_MISSING, f"The response has no Content-Security-Policy header{note}.")
        return
    # Several policies all apply: a script loads only if every one of them allows it.
    sources = [_script_sources(policy) for policy in policies]
    if all(s is None for s in sources):
        yield Issue(r.CSP_UNRESTRICTED, "No policy has a script-src or default-src directive.")
        return
    shown = "; ".join(" ".join(s) for s in sources if s is not None)
    if all(_allows_inline(s) for s in sources):
        yield Issue(r.CSP_UNSAFE_INLINE, f"Script sources: {shown}")
    if all(_allows_eval(s) for s in sources):
        yield Issue(r.CSP_UNSAFE_EVAL, f"Script sources: {shown}")
    if all(_allows_any_host(s) for s in sources):
        yield Issue(r.CSP_WILDCARD, f"Script sources: {shown}")


def _content_type_options(response: Response) -> Iterator[Issue]:
    value = response.first("X-Content-Type-Options")
    if value is None:
        yield Issue(r.XCTO_MISSING, "The response has no X-Content-Type-Options header.")
    elif value.strip().lower() != "nosniff":
        yield Issue(r.XCTO_MISSING, f"X-Content-Type-Options is {value!r}; only 'nosniff' has an effect.")


def _clickjacking(response: Response, policies: list[dict[str, list[str]]]) -> Iterator[Issue]:
    for policy in policies:
        ancestors = policy.get("frame-ancestors")
        if ancestors is not None and not any(s.lower() in _WILDCARD_SOURCES for s in ancestors):
            return
    xfo = response.first("X-Frame-Options")
    if xfo is not None and xfo.strip().upper() in ("DENY", "SAMEORIGIN"):
        return
    if xfo is None:
        detail = "Neither X-Frame-Options nor a Content-Security-Policy frame-ancestors directive is set."
    else:
        detail = f"X-Frame-Options is {xfo!r}, which browsers ignore (only DENY and SAMEORIGIN work)."
    yield Issue(r.CLICKJACKING, detail)


def _referrer_policy(response: Response) -> Iterator[Issue]:
    values = response.values("Referrer-Policy")
    # The header may list fallbacks; browsers apply the last token they recognise.
    tokens = [t.strip().lower() for value in values for t in value.split(",")]
    known = [t for t in tokens if t in _REFERRER_TOKENS]
    if not known:
        detail = "The response has no Referrer-Policy header." if not values else f"No known policy in {values!r}."
        yield Issue(r.REFERRER_MISSING, detail)
    elif known[-1] in ("unsafe-url", "no-referrer-when-downgrade"):
        yield Issue(r.REFERRER_UNSAFE, f"Referrer-Policy is {known[-1]!r}.")


def _disclosure(response: Response) -> Iterator[Issue]:
    for header in ("Server", "X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version"):
        values = [value for value in response.values(header) if value]
        if not values:
            continue
        versioned = [v for v in values if header.startswith("X-AspNet") or _VERSION.search(v)]
        shown = "; ".join(versioned or values)
        if versioned:
            title = f"Software version disclosed in {header}"
            yield Issue(r.DISCLOSURE, f"{header}: {shown}", param=header, title=title)
        elif header == "X-Powered-By":
            title = "Technology disclosed in X-Powered-By"
            yield Issue(r.DISCLOSURE, f"{header}: {shown}", param=header, title=title, severity=Severity.INFO)


def _cookies(response: Response, *, https: bool) -> Iterator[Issue]:
    seen: set[tuple[str, str]] = set()
    for header in response.values("Set-Cookie"):
        name, attributes = _parse_cookie(header)
        if not name or _deleted(attributes):
            continue
        shown = name if len(name) <= 80 else name[:77] + "..."
        problems = []
        if https and "secure" not in attributes:
            problems.append((r.COOKIE_SECURE, "Secure"))
        if "httponly" not in attributes:
            problems.append((r.COOKIE_HTTPONLY, "HttpOnly"))
        same_site = attributes.get("samesite", "").strip().lower()
        if same_site not in ("lax", "strict"):
            problems.append((r.COOKIE_SAMESITE, "SameSite=None" if same_site == "none" else "SameSite"))
        for rule, attribute in problems:
            if (rule.id, name) in seen:
                continue
            seen.add((rule.id, name))
            verb = "sets" if attribute == "SameSite=None" else "lacks"
            title = rule.title.replace("Cookie", f"Cookie {shown!r}", 1)
            yield Issue(rule, f"Set-Cookie for {shown!r} {verb} {attribute}.", param=name, title=title)


def _parse_cookie(header: str) -> tuple[str, dict[str, str]]:
    first, *rest = header.split(";")
    name = first.partition("=")[0].strip()
    return name, dict(_split_directive(part) for part in rest if part.strip())


def _deleted(attributes: dict[str, str]) -> bool:
    """A cookie sent with Max-Age <= 0 is being removed; its attributes no longer matter."""
    max_age = attributes.get("max-age", "").strip()
    return max_age.lstrip("-").isdigit() and int(max_age) <= 0
