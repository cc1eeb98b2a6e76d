"""The rules the importer applies: one :class:`Rule` per kind of finding, with everything a finding of it says.

A rule's ``id`` is the finding's ``vuln_id_from_tool``: part of the finding's identity, so it never changes.
References are the OWASP Secure Headers Project, the OWASP HTTP Headers Cheat Sheet and the header's MDN page.
"""

from __future__ import annotations

from dataclasses import dataclass

from secureops import Severity

__all__ = ["RULES", "Rule"]

OSHP = "https://owasp.org/www-project-secure-headers/"
CHEAT_SHEET = "https://cheatsheetseries.owasp.org/cheatsheets/HTTP_Headers_Cheat_Sheet.html"
MDN = "https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/"


@dataclass(frozen=True)
class Rule:
    """One check: its stable id (the finding's ``vuln_id_from_tool``) and what every finding of it says."""

    id: str
    title: str
    severity: Severity
    cwe: int
    impact: str
    mitigation: str
    references: tuple[str, ...]


def _rule(id: str, title: str, severity: Severity, cwe: int, impact: str, mitigation: str, page: str) -> Rule:
    return Rule(id, title, severity, cwe, impact, mitigation, (OSHP, CHEAT_SHEET, MDN + page))


HSTS_MISSING = _rule(
    id="hsts-missing",
    title="Strict-Transport-Security header missing",
    severity=Severity.MEDIUM,
    cwe=319,
    impact="Browsers may still talk plain HTTP to the site, so a network attacker can strip TLS and steal cookies.",
    mitigation="Send 'Strict-Transport-Security: max-age=31536000; includeSubDomains' on every HTTPS response.",
    page="Strict-Transport-Security",
)
HSTS_WEAK = _rule(
    id="hsts-weak",
    title="Strict-Transport-Security max-age too short",
    severity=Severity.LOW,
    cwe=319,
    impact="A short or zero max-age lets browsers forget the HTTPS-only rule quickly (max-age=0 removes it).",
    mitigation="Use max-age=31536000 (one year) or more.",
    page="Strict-Transport-Security",
)
CSP_MISSING = _rule(
    id="csp-missing",
    title="Content-Security-Policy header missing",
    severity=Severity.MEDIUM,
    cwe=693,
    impact="Without a policy, any injected script runs: cross-site scripting has no second line of defence.",
    mitigation="Send a Content-Security-Policy with at least default-src or script-src, e.g. \"default-src 'self'\".",
    page="Content-Security-Policy",
)
CSP_UNRESTRICTED = _rule(
    id="csp-script-unrestricted",
    title="Content-Security-Policy does not restrict scripts",
    severity=Severity.MEDIUM,
    cwe=693,
    impact="The policy has neither script-src nor default-src, so scripts from anywhere, inline ones included, run.",
    mitigation="Add default-src (and script-src where it must differ) to the policy.",
    page="Content-Security-Policy",
)
CSP_UNSAFE_INLINE = _rule(
    id="csp-unsafe-inline",
    title="Content-Security-Policy allows 'unsafe-inline' scripts",
    severity=Severity.MEDIUM,
    cwe=693,
    impact="Inline scripts are allowed, which is exactly what most cross-site scripting injects.",
    mitigation="Remove 'unsafe-inline' from script-src/default-src; give needed inline scripts a nonce or hash.",
    page="Content-Security-Policy/script-src",
)
CSP_UNSAFE_EVAL = _rule(
    id="csp-unsafe-eval",
    title="Content-Security-Policy allows 'unsafe-eval'",
    severity=Severity.LOW,
    cwe=693,
    impact="eval() and friends may turn injected strings into code.",
    mitigation="Remove 'unsafe-eval' from script-src/default-src and stop relying on eval().",
    page="Content-Security-Policy/script-src",
)
CSP_WILDCARD = _rule(
    id="csp-wildcard",
    title="Content-Security-Policy allows scripts from any host",
    severity=Severity.MEDIUM,
    cwe=693,
    impact="A wildcard or scheme-only source (*, http:, https:, data:) lets an attacker load script from a host of "
    "their choosing.",
    mitigation="List the exact origins scripts may come from, or use nonces with 'strict-dynamic'.",
    page="Content-Security-Policy/script-src",
)
XCTO_MISSING = _rule(
    id="xcto-missing",
    title="X-Content-Type-Options: nosniff missing",
    severity=Severity.LOW,
    cwe=693,
    impact="Browsers may sniff a response into a different content type, e.g. run an uploaded file as script.",
    mitigation="Send 'X-Content-Type-Options: nosniff' on every response.",
    page="X-Content-Type-Options",
)
CLICKJACKING = _rule(
    id="clickjacking",
    title="No clickjacking protection",
    severity=Severity.MEDIUM,
    cwe=1021,
    impact="Another site can frame this page and trick users into clicking on it.",
    mitigation="Send \"Content-Security-Policy: frame-ancestors 'none'\" (or 'self'), and 'X-Frame-Options: DENY' for "
    "older browsers.",
    page="X-Frame-Options",
)
REFERRER_MISSING = _rule(
    id="referrer-policy-missing",
    title="Referrer-Policy header missing",
    severity=Severity.LOW,
    cwe=200,
    impact="Without a policy the browser's default applies, and old browsers send full URLs (tokens included) to "
    "other sites.",
    mitigation="Send 'Referrer-Policy: strict-origin-when-cross-origin' or 'no-referrer'.",
    page="Referrer-Policy",
)
REFERRER_UNSAFE = _rule(
    id="referrer-policy-unsafe",
    title="Referrer-Policy leaks full URLs",
    severity=Severity.LOW,
    cwe=200,
    impact="Full URLs, paths and query strings included, are sent to other sites.",
    mitigation="Use 'strict-origin-when-cross-origin' or 'no-referrer' instead.",
    page="Referrer-Policy",
)
DISCLOSURE = _rule(
    id="version-disclosure",
    title="Software version disclosed in a response header",
    severity=Severity.LOW,
    cwe=497,
    impact="Exact versions tell an attacker which known vulnerabilities to try.",
    mitigation="Remove the header, or configure the server not to include versions (e.g. nginx 'server_tokens off', "
    "Apache 'ServerTokens Prod', PHP 'expose_php = Off').",
    page="Server",
)
COOKIE_SECURE = _rule(
    id="cookie-no-secure",
    title="Cookie without the Secure attribute",
    severity=Severity.LOW,
    cwe=614,
    impact="The browser also sends the cookie over plain HTTP, where a network attacker can read it.",
    mitigation="Add 'Secure' to the Set-Cookie header.",
    page="Set-Cookie",
)
COOKIE_HTTPONLY = _rule(
    id="cookie-no-httponly",
    title="Cookie without the HttpOnly attribute",
    severity=Severity.LOW,
    cwe=1004,
    impact="Scripts can read the cookie, so cross-site scripting can steal it.",
    mitigation="Add 'HttpOnly' unless scripts must read this cookie (e.g. a CSRF token).",
    page="Set-Cookie",
)
COOKIE_SAMESITE = _rule(
    id="cookie-samesite",
    title="Cookie without SameSite protection",
    severity=Severity.LOW,
    cwe=1275,
    impact="The browser attaches the cookie to cross-site requests, which helps cross-site request forgery.",
    mitigation="Add 'SameSite=Lax' (or 'Strict').",
    page="Set-Cookie",
)

_ALL: tuple[Rule, ...] = (
    HSTS_MISSING,
    HSTS_WEAK,
    CSP_MISSING,
    CSP_UNRESTRICTED,
    CSP_UNSAFE_INLINE,
    CSP_UNSAFE_EVAL,
    CSP_WILDCARD,
)
_ALL += (XCTO_MISSING, CLICKJACKING, REFERRER_MISSING, REFERRER_UNSAFE, DISCLOSURE)
_ALL += (COOKIE_SECURE, COOKIE_HTTPONLY, COOKIE_SAMESITE)
RULES: dict[str, Rule] = {rule.id: rule for rule in _ALL}
"""Every rule by id."""
