"""``HeadersScanner``: GET a URL (and optional extra paths on it), follow same-host redirects, record the headers.

An API-driven scanner: it implements :meth:`run` instead of :meth:`command`, because there is no program to run
— the standard library speaks HTTP. It contacts nothing but the target's host: redirects to any other host are
recorded and not followed, and proxies from the environment are never used.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from typing import ClassVar
from urllib.parse import urljoin, urlsplit, urlunsplit

from pydantic import Field, field_validator

import secureops

from . import fetch
from .report import FORMAT, HeadersReport, Hop, Response, UnfollowedRedirect

__all__ = ["HeadersScanner"]

log = logging.getLogger(__name__)

DEFAULT_USER_AGENT = "secureops-headers/1"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# An absolute path on the target: no "//" (that would name another host), no fragment, no spaces or controls.
_EXTRA_PATH = re.compile(r"^/(?!/)[A-Za-z0-9._~%/:@&=+,;?-]*$")


class HeadersScanner(secureops.Scanner):
    """Fetch a URL and record its status, final URL and every response header, as a ``headers-json`` report."""

    name = "headers"
    description = "Fetch a URL and record its HTTP response headers (security-headers check; no tool needed)"
    report_format = FORMAT
    target_kinds: ClassVar[frozenset[secureops.TargetKind]] = frozenset({secureops.TargetKind.URL})
    default_timeout = 120.0

    class Options(secureops.Options):
        """Options of the ``headers`` scanner. Every field has a default: ``{}`` is a valid configuration."""

        timeout: float = Field(default=10.0, gt=0, le=300, description="Seconds to wait for each response.")
        follow_redirects: bool = Field(default=True, description="Follow redirects to the same host.")
        max_redirects: int = Field(default=5, ge=0, le=20, description="Fail the scan after this many redirects.")
        user_agent: str = Field(default=DEFAULT_USER_AGENT, min_length=1, max_length=200, pattern=r"^[\x20-\x7e]+$")
        paths: tuple[str, ...] = Field(
            default=(), max_length=20, description="Extra absolute paths to check on the target, e.g. '/login'."
        )
        verify_tls: bool = Field(default=True, description="Verify the server's TLS certificate (https).")

        @field_validator("paths")
        @classmethod
        def _absolute_paths(cls, paths: tuple[str, ...]) -> tuple[str, ...]:
            for path in paths:
                if len(path) > 1024 or not _EXTRA_PATH.match(path):
                    raise ValueError(f"{path!r} is not an absolute path on the target (like '/login')")
            return paths

    async def run(
        self, target: secureops.Target, options: HeadersScanner.Options, context: secureops.ScanContext
    ) -> secureops.RawReport:
        """GET the target URL and each extra path; return the ``headers-json`` report.

        :raises TargetError: the target is not an acceptable http(s) URL (checked before any connection).
        :raises ScanError: a network, TLS or protocol failure, too many redirects, or the scan's time ran out.
        """
        # A second wall behind run_scanner's: re-validate, so a Target built with model_construct() is refused too.
        target = secureops.Target(kind=target.kind, value=target.value)
        self.check_target(target)
        options = self.parse_options(options)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + context.timeout
        started = dt.datetime.now(dt.UTC).replace(microsecond=0)
        # Credentials in the URL are never sent, so they are not recorded in the report either.
        base = _without_userinfo(target.value)
        urls = [base, *(_on_origin(base, path) for path in options.paths)]
        responses = []
        for index, url in enumerate(urls):
            context.progress(100.0 * index / len(urls), f"GET {url}")
            responses.append(await _fetch_following(url, options, deadline, context.timeout))
        context.progress(100.0, f"{len(responses)} responses recorded")
        report = HeadersReport(target=base, started_at=started, user_agent=options.user_agent, responses=responses)
        return secureops.RawReport(format=FORMAT, data=report.to_json_bytes(), filename="headers.json")


async def _fetch_following(url: str, options: HeadersScanner.Options, deadline: float, limit: float) -> Response:
    """GET ``url``, following same-host redirects as the options allow."""
    loop = asyncio.get_running_loop()
    hops: list[Hop] = []
    current = url
    while True:
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise secureops.ScanError(f"the scan's time limit of {limit:g}s ran out before {current} was fetched")
        exchange = await fetch.get(
            current,
            user_agent=options.user_agent,
            timeout=min(options.timeout, remaining),
            verify_tls=options.verify_tls,
        )
        location = exchange.first("Location") if exchange.status in REDIRECT_STATUSES else None
        unfollowed = None
        if location is not None:
            next_url = _strip_fragment(urljoin(current, location))
            refusal = _refuse_redirect(url, next_url) if options.follow_redirects else "following redirects is off"
            if refusal is None:
                if len(hops) >= options.max_redirects:
                    raise secureops.ScanError(f"{url}: more than {options.max_redirects} redirects (next: {next_url})")
                hops.append(Hop(url=current, status=exchange.status, location=location, headers=exchange.headers))
                current = next_url
                continue
            log.info("not following redirect from %s to %s: %s", current, next_url, refusal)
            unfollowed = UnfollowedRedirect(location=next_url, reason=refusal)
        return Response(
            requested_url=url,
            final_url=current,
            status=exchange.status,
            reason=exchange.reason,
            http_version=exchange.http_version,
            headers=exchange.headers,
            redirects=hops,
            unfollowed_redirect=unfollowed,
        )


def _refuse_redirect(origin_url: str, next_url: str) -> str | None:
    """Why the scanner will not follow a redirect to ``next_url`` — or ``None`` when it may."""
    try:
        secureops.Target(kind=secureops.TargetKind.URL, value=next_url)
    except secureops.TargetError as err:
        return f"not an acceptable URL: {err}"
    here, there = urlsplit(origin_url).hostname or "", urlsplit(next_url).hostname or ""
    if here.rstrip(".").lower() != there.rstrip(".").lower():
        return f"another host ({there}); only the target's host is contacted"
    return None


def _on_origin(url: str, path: str) -> str:
    parts = urlsplit(url)
    path, _, query = path.partition("?")
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


def _without_userinfo(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def _strip_fragment(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(fragment=""))
