"""The ZAP importer: one importer for ZAP's four report formats, so they share one identity namespace.

Format ids:

- ``zap-xml`` — traditional XML report (``zap-baseline.py -x``, ``/OTHER/core/other/xmlreport/``);
- ``zap-xml-plus`` — "Traditional XML Report with requests and responses" (same shape, instances carry
  ``requestheader``/``requestbody``/``responseheader``/``responsebody``);
- ``zap-json`` — traditional JSON report (``zap-baseline.py -J``, ``/OTHER/core/other/jsonreport/``, and the
  ``traditional-json-plus`` template);
- ``zap-alerts-json`` — the API's alerts list (``/JSON/core/view/alerts/``), what :class:`ZapApiScanner` saves.

Identity: ``unique_id_from_tool`` — ``<alertRef or pluginid>@<scheme://host:port of the site>`` — identifies a
finding across scans; see ``docs/scanners/zap.md`` for why it is neither the title (ZAP renames alerts between
releases), nor the endpoints (they change whenever one page is added or removed), nor the risk (a risk change is
an update of the same finding).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import BinaryIO, ClassVar

import secureops
from secureops import Finding, ParseContext, ReportParseError
from secureops_zap import alerts_json, json_report, xml_report
from secureops_zap.alerts import AlertBuilder
from secureops_zap.detect import detect_format

__all__ = ["ZapImporter"]

log = logging.getLogger(__name__)

_READERS: dict[str, Callable[[BinaryIO], Iterator[AlertBuilder]]] = {
    "zap-xml": xml_report.iter_alerts,
    "zap-xml-plus": xml_report.iter_alerts,
    "zap-json": json_report.iter_alerts,
    "zap-alerts-json": alerts_json.iter_alerts,
}


class ZapImporter(secureops.Importer):
    """OWASP ZAP reports: traditional XML (± requests/responses), traditional JSON and the API's alerts JSON."""

    name = "zap"
    description = "OWASP ZAP: traditional XML/XML-plus, traditional JSON and API alerts JSON reports"
    formats: ClassVar[tuple[str, ...]] = tuple(_READERS)
    identity_fields: ClassVar[tuple[str, ...]] = ("unique_id_from_tool",)

    def detect(self, head: bytes, filename: str | None) -> str | None:
        """Recognise a ZAP report by its content (the file name is not needed)."""
        try:
            return detect_format(head)
        except Exception:  # detect() must never raise
            log.debug("ZAP detection failed", exc_info=True)
            return None

    def parse(self, stream: BinaryIO, context: ParseContext) -> Iterator[Finding]:
        """Yield one finding per alert of each site, streaming.

        :raises ReportParseError: for malformed, truncated, hostile or foreign input.
        """
        format_id = context.format
        if format_id is None:
            format_id = self._sniff(stream)
        reader = _READERS.get(format_id)
        if reader is None:
            raise ReportParseError(f"the ZAP importer does not read {format_id!r}; it reads {', '.join(_READERS)}")
        for alert in reader(stream):
            yield alert.finding(context.scan_date)

    def _sniff(self, stream: BinaryIO) -> str:
        peek = getattr(stream, "peek", None)
        found = detect_format(peek(65536)) if callable(peek) else None
        if found is None:
            raise ReportParseError("not a ZAP report (XML, traditional JSON or alerts JSON)")
        return found
