"""The ``nmap-xml`` importer: Nmap's ``-oX`` reports, open ports and NSE vulnerability output, streamed.

Findings follow DefectDojo's Nmap parser so that numbers match for people moving from it:

- one Info finding ``Open port: <port>/<protocol>`` per distinct open port in the report, with one endpoint per
  host that has it open;
- one finding per distinct ``vulners`` id (CVE, exploit …), its severity from the CVSS score vulners reports,
  with one endpoint per place it was seen; it comes before the open-port finding of the port it was first seen on;
- (beyond DefectDojo) one finding per vulnerability that an NSE ``vuln`` script reports as ``VULNERABLE``.

The report is read with ``defusedxml``'s ``iterparse``: entity declarations and external references are refused,
and each ``<host>`` is dropped once read, so memory grows with the number of findings, not with the report.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterator
from typing import Any, BinaryIO
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

import secureops
from secureops import Endpoint, Finding, ParseContext, ReportParseError, Severity
from secureops_nmap._drafts import Drafts
from secureops_nmap._sniff import xml_root_name

__all__ = ["NmapXmlImporter"]

log = logging.getLogger(__name__)

_VULN_STATES = ("VULNERABLE", "LIKELY VULNERABLE")
_PORT = re.compile(r"[0-9]{1,5}")
_MAX_TITLE = 1000


class NmapXmlImporter(secureops.Importer):
    """Parses Nmap XML (``nmap -oX``), including the ``vulners`` and ``vuln`` NSE scripts' output."""

    name = "nmap"
    description = "Nmap XML reports (-oX): open ports, vulners CVEs with CVSS, NSE vuln script results"
    formats = ("nmap-xml",)
    # Titles are "Open port: 22/tcp", a vulners id, or an NSE vulnerability's title; the tool id tells the
    # three apart. Neither changes while nothing was fixed (hosts and versions are not part of the identity).
    identity_fields = ("title", "vuln_id_from_tool")

    def detect(self, head: bytes, filename: str | None) -> str | None:
        """``nmap-xml`` when the document's root element is ``<nmaprun>``."""
        return "nmap-xml" if xml_root_name(head) == "nmaprun" else None

    def parse(self, stream: BinaryIO, context: ParseContext) -> Iterator[Finding]:
        """Yield the report's findings (after the whole report was read: later hosts add endpoints).

        :raises ReportParseError: for malformed, truncated, hostile (DTD entities) or non-Nmap XML.
        """
        try:
            drafts = _read(stream, context.scan_date)
        except ReportParseError:
            raise
        except DefusedXmlException as err:
            raise ReportParseError(f"refused Nmap XML: it declares entities or external references ({err})") from None
        except ParseError as err:
            raise ReportParseError(f"Nmap XML is malformed or truncated: {err}") from None
        except (ValueError, TypeError, AttributeError) as err:
            raise ReportParseError(f"Nmap XML has an unexpected structure: {err}") from None
        yield from drafts.drain()


def _read(stream: BinaryIO, scan_date: dt.date | None) -> Drafts:
    drafts = Drafts()
    depth = 0
    root: Element | None = None
    date = scan_date
    for event, elem in iterparse(stream, events=("start", "end"), forbid_dtd=False):
        if event == "start":
            depth += 1
            if depth == 1:
                if elem.tag != "nmaprun":
                    raise ReportParseError(f"not an Nmap XML report: the root element is <{elem.tag}>, not <nmaprun>")
                root = elem
                date = _start_date(elem.get("start")) or scan_date
            continue
        depth -= 1
        if depth == 1 and root is not None:
            if elem.tag == "host":
                _host(elem, drafts, date)
            root.clear()  # everything read so far is done with: keep memory flat
    if root is None:
        raise ReportParseError("not an Nmap XML report: no root element")
    return drafts


def _start_date(value: str | None) -> dt.date | None:
    try:
        return dt.datetime.fromtimestamp(int(value or ""), tz=dt.UTC).date()
    except (ValueError, OverflowError, OSError):
        return None


def _host(host: Element, drafts: Drafts, date: dt.date | None) -> None:
    addresses = {a.get("addrtype"): a.get("addr") for a in host.iterfind("address")}
    address = addresses.get("ipv4") or addresses.get("ipv6")
    names = {h.get("type"): h.get("name") for h in host.iterfind("hostnames/hostname")}
    name = names.get("PTR") or names.get("user") or address
    if not name:
        log.debug("skipping a <host> without an IP address or name")
        return
    info = ["### Host", "", f"**IP Address:** {address or 'unknown'}"]
    info += [f"**{kind}:** {value}" for kind, value in sorted(names.items(), key=str) if kind and value]
    for match in host.iterfind("os/osmatch"):
        info.append(f"**Host OS:** {match.get('name', '')} ({match.get('accuracy', '?')}%)")
    host_info = "\n".join(info)
    for port in host.iterfind("ports/port"):
        state = port.find("state")
        if state is None or state.get("state") != "open":
            continue
        _port(port, name, host_info, drafts, date)
    host_endpoint = Endpoint(host=name)
    for script in host.iterfind("hostscript/script"):
        _nse_vulns(script, host_endpoint, drafts, date)


def _port(port: Element, host: str, host_info: str, drafts: Drafts, date: dt.date | None) -> None:
    protocol = port.get("protocol") or "tcp"
    portid = port.get("portid") or ""
    number = int(portid) if _PORT.fullmatch(portid) and int(portid) <= 65535 else None
    endpoint = Endpoint(protocol=protocol, host=host, port=number)
    lines = [host_info, "", f"**Port/Protocol:** {portid}/{protocol}"]
    service = port.find("service")
    if service is not None:
        for attribute, label in (("name", "Service"), ("product", "Product"), ("version", "Version")):
            if service.get(attribute):
                lines.append(f"**{label}:** {service.get(attribute)}")
        if service.get("extrainfo"):
            lines.append(f"**Extra Info:** {service.get('extrainfo')}")
    for script in port.iterfind("script"):
        lines.append(f"**Script {script.get('id', '?')}:** {_clip(script.get('output', ''))}")
        if script.get("id") == "vulners":
            _vulners(script, endpoint, drafts, date)
        else:
            _nse_vulns(script, endpoint, drafts, date)
    title = f"Open port: {portid}/{protocol}"
    draft = drafts.get_or_add(
        f"port:{portid}/{protocol}",
        title=title[:_MAX_TITLE],
        severity=Severity.INFO,
        date=date,
        service=service.get("name") if service is not None else None,
    )
    draft.add(endpoint, "\n".join(lines), count=False)


def _vulners(script: Element, endpoint: Endpoint, drafts: Drafts, date: dt.date | None) -> None:
    for component in script.iterfind("table"):
        cpe = component.get("key", "")
        product, version = _cpe_product_version(cpe)
        for vuln in component.iterfind("table"):
            attributes = {(e.get("key") or "").lower(): (e.text or "").strip() for e in vuln.iterfind("elem")}
            vuln_id = attributes.get("id")
            if not vuln_id:
                continue
            cvss = _float(attributes.get("cvss"))
            kind = attributes.get("type", "")
            lines = ["### Vulnerability", "", f"**ID:** `{vuln_id}`", f"**CPE:** {cpe}"]
            lines += [f"**{key}:** `{value}`" for key, value in sorted(attributes.items()) if key != "id"]
            fields: dict[str, Any] = {
                "title": vuln_id[:_MAX_TITLE],
                "severity": _cvss_severity(cvss),
                "vuln_id_from_tool": vuln_id,
                "component_name": product,
                "component_version": version,
                "vulnerability_ids": [vuln_id] if kind == "cve" else [],
                "references": f"https://vulners.com/{kind}/{vuln_id}" if kind else None,
                "severity_justification": f"CVSS score {cvss:g} reported by vulners" if cvss is not None else None,
                "tags": ["exploit"] if attributes.get("is_exploit") == "true" else [],
                "date": date,
            }
            drafts.get_or_add(f"vulners:{vuln_id}", **fields).add(endpoint, "\n".join(lines))


def _nse_vulns(script: Element, endpoint: Endpoint, drafts: Drafts, date: dt.date | None) -> None:
    """Findings from NSE scripts built on Nmap's ``vulns`` library (``ssl-heartbleed``, ``smb-vuln-*`` …)."""
    script_id = script.get("id") or "nse"
    for table in script.iterfind("table"):
        elems = {e.get("key"): (e.text or "").strip() for e in table.iterfind("elem") if e.get("key")}
        state = elems.get("state", "").upper()
        if not state.startswith(_VULN_STATES):
            continue
        title = elems.get("title") or table.get("key") or script_id
        ids = [(e.text or "").strip() for e in table.iterfind("table[@key='ids']/elem")]
        cves = [i.removeprefix("CVE:") for i in ids if i.startswith("CVE:")]
        refs = [(e.text or "").strip() for e in table.iterfind("table[@key='refs']/elem")]
        text = [(e.text or "").strip() for e in table.iterfind("table[@key='description']/elem")]
        cvss = next((_float(e.text) for e in table.iterfind("table[@key='scores']/elem")), None)
        severity = _cvss_severity(cvss) if cvss is not None else _state_severity(state)
        lines = [f"### {title}", "", f"**Script:** {script_id}", f"**State:** {state}", *text]
        if ids:
            lines.append(f"**IDs:** {', '.join(ids)}")
        fields: dict[str, Any] = {
            "title": title[:_MAX_TITLE],
            "severity": severity,
            "vuln_id_from_tool": script_id,
            "vulnerability_ids": cves,
            "references": "\n".join(refs) or None,
            "severity_justification": f"CVSS score {cvss:g} reported by {script_id}" if cvss is not None else None,
            "date": date,
        }
        drafts.get_or_add(f"nse:{script_id}:{title}", **fields).add(endpoint, "\n".join(lines))


def _cpe_product_version(cpe: str) -> tuple[str | None, str | None]:
    """``cpe:/a:openbsd:openssh:7.4`` or ``cpe:2.3:a:openbsd:openssh:7.4:…`` -> ``("openssh", "7.4")``."""
    parts = cpe.split(":")
    if cpe.startswith("cpe:2.3:"):
        parts = parts[1:]
    product = parts[3] if len(parts) > 3 and parts[3] not in ("", "*", "-") else None
    version = parts[4] if len(parts) > 4 and parts[4] not in ("", "*", "-") else None
    return product, version


def _float(value: str | None) -> float | None:
    try:
        score = float(value or "")
    except ValueError:
        return None
    return score if 0.0 <= score <= 10.0 else None


def _cvss_severity(score: float | None) -> Severity:
    """NVD's CVSS bands; no score (or 0.0) is Info, as in DefectDojo."""
    if score is None or score == 0.0:
        return Severity.INFO
    if score < 4.0:
        return Severity.LOW
    if score < 7.0:
        return Severity.MEDIUM
    if score < 9.0:
        return Severity.HIGH
    return Severity.CRITICAL


def _state_severity(state: str) -> Severity:
    return Severity.LOW if state.startswith("LIKELY") else Severity.MEDIUM


def _clip(text: str, limit: int = 2000) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + " …"
