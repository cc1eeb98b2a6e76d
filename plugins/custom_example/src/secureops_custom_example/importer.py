"""``HeadersImporter``: turn a ``headers-json`` report into findings, one per rule broken on each URL."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterator
from typing import BinaryIO
from urllib.parse import urlsplit, urlunsplit

import secureops

from .checks import Issue, check_response
from .report import FORMAT, Response, read_report

__all__ = ["HeadersImporter"]

log = logging.getLogger(__name__)

# The scanner writes "schema" first, so this is near the start; any position within the head is accepted.
_SCHEMA_MARKER = re.compile(rb'"schema"\s*:\s*"secureops-headers/1"')


class HeadersImporter(secureops.Importer):
    """Parse ``headers-json`` reports (written by the ``headers`` scanner) into security-header findings."""

    name = "headers"
    description = "Missing or weak HTTP security headers, version disclosure and cookie flags"
    formats = (FORMAT,)
    # The same rule broken on the same URL (and, for cookies and disclosing headers, the same cookie or header)
    # is the same finding in every scan, whatever the header's value or the scan's date.
    identity_fields = ("vuln_id_from_tool", "endpoints", "param")

    def detect(self, head: bytes, filename: str | None) -> str | None:
        """``headers-json`` when ``head`` is a JSON object carrying the ``secureops-headers/1`` schema marker."""
        if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
            return None
        return FORMAT if _SCHEMA_MARKER.search(head) else None

    def parse(self, stream: BinaryIO, context: secureops.ParseContext) -> Iterator[secureops.Finding]:
        """Yield a finding for every rule each recorded response breaks (see :mod:`.rules`).

        Two requested URLs that ended on the same page are checked once.

        :raises ReportParseError: the input is not a valid ``headers-json`` report.
        """
        report = read_report(stream)
        date = context.scan_date or (report.started_at.date() if report.started_at else None)
        checked: set[str] = set()
        for response in report.responses:
            endpoint = _endpoint(response.final_url)
            if str(endpoint) in checked:
                continue
            checked.add(str(endpoint))
            https = endpoint.protocol == "https"
            for issue in check_response(response, https=https):
                yield _finding(issue, response, endpoint, date)


def _endpoint(url: str) -> secureops.Endpoint:
    """The URL without query and fragment: a session id in the query string must not make a new finding."""
    try:
        parts = urlsplit(url)
        bare = urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", "", ""))
    except ValueError:
        raise secureops.ReportParseError(f"invalid {FORMAT} report: final_url {url[:100]!r} is not a URL") from None
    endpoint = secureops.Endpoint.from_url(bare)
    if endpoint.protocol not in ("http", "https") or not endpoint.host:
        raise secureops.ReportParseError(f"invalid {FORMAT} report: final_url {url[:100]!r} is not an http(s) URL")
    return endpoint


def _finding(issue: Issue, response: Response, endpoint: secureops.Endpoint, date: dt.date | None) -> secureops.Finding:
    rule = issue.rule
    seen = f"Observed on {response.final_url} (HTTP {response.status})"
    if response.redirects:
        seen += f", reached from {response.requested_url} after {len(response.redirects)} redirect(s)"
    return secureops.Finding(
        title=issue.title or rule.title,
        severity=issue.severity or rule.severity,
        description=f"{issue.detail}\n\n{seen}.",
        impact=rule.impact,
        mitigation=rule.mitigation,
        references="\n".join(rule.references),
        steps_to_reproduce=f"Send GET {response.final_url} and read the response headers.",
        cwe=rule.cwe,
        endpoints=[endpoint],
        param=issue.param,
        vuln_id_from_tool=rule.id,
        dynamic_finding=True,
        date=date,
        tags=["security-headers"],
    )
