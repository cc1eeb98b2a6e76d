"""Generate a large Nmap XML report (``nmap -sV --script vulners -oX``, Nmap 7.9x layout).

``count`` is the number of findings the ``nmap-xml`` importer yields: three open-port findings (22, 80 and 443,
open on every host and merged across hosts, as the importer does) plus ``count - 3`` distinct vulners entries,
ten per scripted port, spread over as many hosts as needed. Each host also has a closed port and the host
metadata Nmap writes (status, addresses, PTR name, OS match, times). Deterministic: the same count gives the
same file. Written host by host, so the generator's memory stays flat.
"""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

FORMAT = "nmap-xml"

_PER_PORT = 10
_SCRIPTED = (
    ("22", "ssh", "OpenSSH", "7.4", "cpe:/a:openbsd:openssh:7.4"),
    ("80", "http", "Apache httpd", "2.4.29", "cpe:/a:apache:http_server:2.4.29"),
)
_TYPES = ("cve", "cve", "cve", "exploitdb", "githubexploit")


def _vulners(out: TextIO, cpe: str, first: int, last: int) -> None:
    lines = [f"\n  {cpe}: "]
    tables = []
    for n in range(first, last):
        kind = _TYPES[n % len(_TYPES)]
        vuln_id = f"CVE-{2000 + n % 25}-{n:07d}" if kind == "cve" else f"{kind.upper()}:{n:032X}"
        cvss = f"{(n * 7) % 100 / 10:.1f}"
        exploit = "true" if kind != "cve" else "false"
        marker = "\t*EXPLOIT*" if exploit == "true" else ""
        lines.append(f"    \t{vuln_id}\t{cvss}\thttps://vulners.com/{kind}/{vuln_id}{marker}")
        tables.append(
            f'<table>\n<elem key="is_exploit">{exploit}</elem>\n<elem key="cvss">{cvss}</elem>\n'
            f'<elem key="id">{vuln_id}</elem>\n<elem key="type">{kind}</elem>\n</table>\n'
        )
    output = "&#xa;".join(lines).replace("\t", "&#x9;")
    out.write(f'<script id="vulners" output="{output}"><table key="{cpe}">\n{"".join(tables)}</table>\n</script>')


def generate(path: Path, count: int) -> None:
    """Write a report that yields ``count`` findings (at least the three open-port findings)."""
    remaining = max(count - 3, 0)
    next_id = 0
    host = 0
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE nmaprun>\n'
            '<nmaprun scanner="nmap" args="nmap -sV --script vulners -oX report.xml 10.0.0.0/8" start="1700000000"'
            ' startstr="Tue Nov 14 22:13:20 2023" version="7.93" xmloutputversion="1.05">\n'
            '<scaninfo type="syn" protocol="tcp" numservices="1000" services="1-1000"/>\n'
            '<verbose level="0"/>\n<debugging level="0"/>\n'
        )
        while host == 0 or remaining > 0:
            address = f"10.{host >> 16 & 255}.{host >> 8 & 255}.{host & 255}"
            out.write(
                '<host starttime="1700000001" endtime="1700000100">'
                '<status state="up" reason="syn-ack" reason_ttl="63"/>\n'
                f'<address addr="{address}" addrtype="ipv4"/>\n<hostnames>\n'
                f'<hostname name="host-{host}.internal.example" type="PTR"/>\n</hostnames>\n<ports>'
                '<extraports state="closed" count="996"><extrareasons reason="resets" count="996"/></extraports>\n'
            )
            for port, name, product, version, cpe in _SCRIPTED:
                out.write(
                    f'<port protocol="tcp" portid="{port}"><state state="open" reason="syn-ack" reason_ttl="63"/>'
                    f'<service name="{name}" product="{product}" version="{version}" method="probed" conf="10">'
                    f"<cpe>{cpe}</cpe></service>"
                )
                take = min(_PER_PORT, remaining)
                if take:
                    _vulners(out, cpe, next_id, next_id + take)
                    next_id += take
                    remaining -= take
                out.write("</port>\n")
            out.write(
                '<port protocol="tcp" portid="443"><state state="open" reason="syn-ack" reason_ttl="63"/>'
                '<service name="https" method="table" conf="3"/></port>\n'
                '<port protocol="tcp" portid="3306"><state state="closed" reason="reset" reason_ttl="63"/>'
                '<service name="mysql" method="table" conf="3"/></port>\n</ports>\n'
                '<os><osmatch name="Linux 4.15 - 5.6" accuracy="95" line="66000"/></os>\n'
                '<times srtt="512" rttvar="200" to="100000"/>\n</host>\n'
            )
            host += 1
        out.write(
            '<runstats><finished time="1700000200" timestr="Tue Nov 14 22:16:40 2023" elapsed="200.00"'
            ' exit="success"/>'
            f'<hosts up="{host}" down="0" total="{host}"/>\n</runstats>\n</nmaprun>\n'
        )
