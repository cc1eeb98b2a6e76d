"""The importer for Trivy's JSON reports (every shape: legacy, ``null``, SchemaVersion 2, ``trivy k8s``)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import BinaryIO

from secureops import Finding, Importer, ParseContext
from secureops_trivy.jsonstream import JsonCursor
from secureops_trivy.walk import iter_findings

__all__ = ["TRIVY_JSON", "TrivyJsonImporter"]

log = logging.getLogger(__name__)

TRIVY_JSON = "trivy-json"

# SchemaVersion 2 reports start with it (Go writes struct fields in order); "ArtifactName"/"Results" follow.
_SCHEMA_V2 = re.compile(rb'^\{\s*"SchemaVersion"\s*:\s*\d+\s*,')
_SCHEMA_ANYWHERE = re.compile(rb'"SchemaVersion"\s*:\s*\d+')
_CLUSTER = re.compile(rb'^\{\s*"ClusterName"\s*:\s*"')
# Legacy: a list whose first Result starts with its Target (and Trivy's capitalised keys follow).
_LEGACY = re.compile(rb'^\[\s*(?:\]|\{\s*"Target"\s*:\s*")')
_LEGACY_KEYS = (b'"Vulnerabilities"', b'"Type"', b'"Class"', b'"Misconfigurations"', b'"Secrets"')


class TrivyJsonImporter(Importer):
    """Parses ``trivy … --format json`` output into findings, one per vulnerability, misconfiguration, secret
    and licence, streaming (memory holds one finding at a time, whatever the report's size).

    One format id, ``trivy-json``, covers every shape Trivy has written: the shape is read from the report
    itself, so a ``trivy k8s`` report needs no separate id.
    """

    name = "trivy"
    description = "Trivy JSON reports: image, filesystem, repository, config, SBOM and cluster scans"
    formats = (TRIVY_JSON,)
    # The same issue in the same place: the vulnerability (CVE, canonical check id, secret rule, licence),
    # the package, the file or image it is in, the cluster resource, and — for secrets only — Trivy's masked
    # line. Never the installed version, the title (it embeds the version) or the description.
    identity_fields = ("vuln_id_from_tool", "component_name", "file_path", "service", "payload")

    def detect(self, head: bytes, filename: str | None) -> str | None:
        """Recognise Trivy JSON from its first bytes; the file name is not consulted."""
        head = head.removeprefix(b"\xef\xbb\xbf").lstrip()
        if head.rstrip() == b"null":  # an old Trivy's empty report; no other tool writes just this
            return TRIVY_JSON
        if _SCHEMA_V2.match(head) or _CLUSTER.match(head):
            return TRIVY_JSON
        if head.startswith(b"{") and _SCHEMA_ANYWHERE.search(head) and b'"Results"' in head:
            return TRIVY_JSON
        if _LEGACY.match(head) and (head[:2].rstrip() == b"[]" or any(key in head for key in _LEGACY_KEYS)):
            return TRIVY_JSON
        return None

    def parse(self, stream: BinaryIO, context: ParseContext) -> Iterator[Finding]:
        """Yield the report's findings in report order.

        :raises ReportParseError: malformed, truncated or foreign input, naming where it went wrong.
        """
        name = repr(context.filename) if context.filename else "the report"
        yield from iter_findings(JsonCursor(stream, name=name))
