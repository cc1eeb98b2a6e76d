"""Stream ZAP's traditional XML reports (``OWASPZAPReport``), with or without requests and responses.

Covers the core report of ZAP 2.9 and earlier, the report add-on's ``traditional-xml`` and
``traditional-xml-plus`` templates (2.10+, including the "D-yyyy-mm-dd" weekly versions). Parsing goes through
``defusedxml``'s parser with DTDs forbidden (ZAP never writes one; entity-expansion attacks need one), fed in
chunks, with a parser *target* instead of a tree: no element objects are built, each instance is handed to its
:class:`AlertBuilder` as soon as it closes, and each alert is yielded after the chunk that closed it, so memory
does not grow with the report.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import BinaryIO
from xml.etree.ElementTree import ParseError

import defusedxml
import defusedxml.ElementTree

from secureops import ReportParseError
from secureops_zap.alerts import AlertBuilder, origin_of_site

__all__ = ["ROOT", "iter_alerts"]

log = logging.getLogger(__name__)

ROOT = "OWASPZAPReport"
_CHUNK = 256 * 1024
# Depths (1 = the root): site 2, alerts 3, alertitem 4, its fields and <instances> 5, instance 6, its fields 7.
_ALERT, _ALERT_FIELD, _INSTANCE, _INSTANCE_FIELD = 4, 5, 6, 7


def iter_alerts(stream: BinaryIO) -> Iterator[AlertBuilder]:
    """Yield one :class:`AlertBuilder` per ``site/alerts/alertitem``, in report order.

    :raises ReportParseError: for XML that is malformed, truncated, hostile (DTD, entities) or not a ZAP report.
    """
    target = _ReportTarget()
    parser = defusedxml.ElementTree.DefusedXMLParser(target=target, forbid_dtd=True)
    try:
        while chunk := stream.read(_CHUNK):
            parser.feed(chunk)
            yield from target.take()
        parser.close()
        yield from target.take()
    except ParseError as err:
        line, column = getattr(err, "position", (0, 0))
        reason = str(err).split(":", 1)[0]
        raise ReportParseError(f"malformed ZAP XML report at line {line}, column {column}: {reason}") from None
    except LookupError as err:  # an encoding="…" that Python does not know
        raise ReportParseError(f"ZAP XML report declares an unknown encoding: {err}") from None
    except defusedxml.DTDForbidden:
        raise ReportParseError("refused a ZAP XML report that declares a DTD (ZAP never writes one)") from None
    except defusedxml.EntitiesForbidden:
        raise ReportParseError("refused a ZAP XML report that declares entities") from None
    except defusedxml.ExternalReferenceForbidden:
        raise ReportParseError("refused a ZAP XML report that references external resources") from None
    except defusedxml.DefusedXmlException as err:
        raise ReportParseError(f"refused a hostile ZAP XML report: {err}") from None


class _ReportTarget:
    """Receives the parser's start/data/end calls and assembles alerts; ``take()`` hands over finished ones."""

    def __init__(self) -> None:
        self.tags: list[str] = []
        self.text: list[str] = []
        self.site: str | None = None
        self.alert: AlertBuilder | None = None
        self.instance: dict[str, str] | None = None
        self.ready: list[AlertBuilder] = []

    def take(self) -> list[AlertBuilder]:
        ready, self.ready = self.ready, []
        return ready

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        tags = self.tags
        tags.append(tag)
        depth = len(tags)
        # Text is collected per field; elements nested inside a field (raw HTML) add to the field's text.
        if depth <= _ALERT_FIELD or (self.instance is not None and depth <= _INSTANCE_FIELD):
            self.text = []
        if depth == 1:
            if tag != ROOT:
                raise ReportParseError(f"not a ZAP XML report: root element is <{tag}>, not <{ROOT}>")
        elif depth == 2 and tag == "site":
            self.site = origin_of_site(attrib.get("name"), attrib.get("host"), attrib.get("port"), attrib.get("ssl"))
        elif tag == "alertitem":
            if depth != _ALERT or tags[1] != "site" or tags[2] != "alerts":
                raise ReportParseError("not a ZAP XML report: <alertitem> outside <site><alerts>")
            self.alert = AlertBuilder(site=self.site)
        elif depth == _INSTANCE and tag == "instance" and tags[-2] == "instances" and self.alert is not None:
            self.instance = {}

    def data(self, data: str) -> None:
        self.text.append(data)

    def end(self, tag: str) -> None:
        depth = len(self.tags)
        self.tags.pop()
        if self.instance is not None:
            if depth == _INSTANCE_FIELD:
                self.instance[tag] = self._take_text()
            elif depth == _INSTANCE:
                self.alert.add_instance(self.instance)  # type: ignore[union-attr]
                self.instance = None
        elif self.alert is not None:
            if depth == _ALERT_FIELD:
                text = self._take_text()
                if tag != "instances":
                    self.alert.fields[tag] = text
            elif depth == _ALERT:
                self.ready.append(self.alert)
                self.alert = None
        elif depth == 2:
            self.site = None

    def _take_text(self) -> str:
        text, self.text = "".join(self.text), []
        return text

    def close(self) -> None:
        """Called by the parser at the end of the document."""
