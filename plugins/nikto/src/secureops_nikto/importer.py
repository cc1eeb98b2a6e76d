"""The Nikto importer: ``nikto-xml`` (every layout), ``nikto-json`` (an object or a list of hosts), and ``nikto``
(either of the two, told apart by the first byte: what the scanner produces, whichever output it was asked for).

Findings follow DefectDojo's Nikto parser so that numbers match for people moving from it: Nikto has no
severities, so a finding is Medium when its check links an OSVDB entry and Info otherwise; entries with the same
title (XML: the description's first sentence; JSON: the message), severity and request are merged, counting them
in ``nb_occurences`` and keeping every endpoint.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import BinaryIO
from xml.etree.ElementTree import ParseError

import ijson  # type: ignore[import-untyped,unused-ignore]
from defusedxml import DefusedXmlException

import secureops
from secureops import Finding, ParseContext, ReportParseError
from secureops_nikto._json import read_json
from secureops_nikto._sniff import xml_root_name
from secureops_nikto._xml import ROOTS, read_xml

__all__ = ["NiktoImporter"]

log = logging.getLogger(__name__)

# The keys of a Nikto JSON host entry, in either order Nikto writes them (2.1.6: host first; 2.5+: sorted).
_JSON_HOST = re.compile(rb'^\s*\[?\s*\{\s*"(?:host|ip|port|banner|end_time|server_banner|ssl_info|start_time)"\s*:')
_JSON_VULNS = re.compile(rb'"vulnerabilities"\s*:\s*\[')


class NiktoImporter(secureops.Importer):
    """Parses Nikto's XML and JSON reports."""

    name = "nikto"
    description = "Nikto reports: XML (all layouts) and JSON (plain or list-wrapped)"
    formats = ("nikto-xml", "nikto-json", "nikto")
    # The title and severity say what was found; the payload ("GET http://host:port/path", XML only) where.
    # Endpoints are left out: a JSON finding gathers every URL with the same message, and more URLs found
    # next time is not a different issue.
    identity_fields = ("title", "severity", "payload")

    def detect(self, head: bytes, filename: str | None) -> str | None:
        """``nikto-xml`` for a ``<niktoscan>``/``<niktoscans>`` root; ``nikto-json`` for Nikto's host entries."""
        if xml_root_name(head) in ROOTS:
            return "nikto-xml"
        data = head.removeprefix(b"\xef\xbb\xbf")
        if _JSON_HOST.match(data) and _JSON_VULNS.search(data) and b'"host"' in data:
            return "nikto-json"
        return None

    def parse(self, stream: BinaryIO, context: ParseContext) -> Iterator[Finding]:
        """Yield the report's findings.

        :raises ReportParseError: for malformed, truncated, hostile (DTD entities) or foreign input.
        """
        kind = context.format if context.format in ("nikto-xml", "nikto-json") else _sniff(stream)
        reader = read_xml if kind == "nikto-xml" else read_json
        label = "XML" if kind == "nikto-xml" else "JSON"
        try:
            yield from reader(stream, context.scan_date)
        except ReportParseError:
            raise
        except DefusedXmlException as err:
            raise ReportParseError(f"refused Nikto XML: it declares entities or external references ({err})") from None
        except ParseError as err:
            raise ReportParseError(f"Nikto XML is malformed or truncated: {err}") from None
        except (ijson.JSONError, UnicodeDecodeError) as err:
            raise ReportParseError(f"Nikto JSON is malformed or truncated: {err}") from None
        except (ValueError, TypeError, AttributeError) as err:
            raise ReportParseError(f"Nikto {label} has an unexpected structure: {err}") from None


def _sniff(stream: BinaryIO) -> str:
    """``nikto-xml`` or ``nikto-json`` from the first significant byte, without consuming it.

    The host hands importers a buffered stream, which can be peeked at.
    """
    peek = getattr(stream, "peek", None)
    if not callable(peek):
        raise ReportParseError(
            "cannot tell a Nikto XML report from a JSON one on an unbuffered stream; name the format"
        )
    first = peek(4096).removeprefix(b"\xef\xbb\xbf").lstrip()[:1]
    if first == b"<":
        return "nikto-xml"
    if first in (b"{", b"["):
        return "nikto-json"
    raise ReportParseError("not a Nikto report: it is neither XML nor JSON")
