"""Generate a large OWASP ZAP traditional XML report (``zap-baseline.py -x``, ZAP 2.14+ report add-on layout).

``count`` is the number of *findings*, i.e. alert items (the importer yields one finding per alert of a site,
as DefectDojo does; ``bench/parse.py`` checks the count). Each alert item carries 1 to 8 instances (about 3 on
average: ~150,000 instances at 50,000 findings), spread over two sites, with every field the report add-on
writes (alertRef, riskdesc, confidencedesc, HTML-escaped paragraphs in desc/solution/reference, nodeName,
otherinfo, systemic). The first rules are real ZAP rules; later alert items use further rule ids, because a
real report holds one item per rule, site and risk. Deterministic: the same count gives the same file. Written
piecewise, so the generator's memory stays flat.

``baseline(path)`` is the naive way, as DefectDojo's parser does it: load the whole tree, then walk
``site/alerts/alertitem`` building each alert with its instances.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import TextIO
from xml.sax.saxutils import escape

FORMAT = "zap-xml"

_RISKS = ["Informational", "Low", "Medium", "High"]
_CONFIDENCES = ["False Positive", "Low", "Medium", "High", "Confirmed"]
# (pluginid, alertRef, name, riskcode, cwe): real passive and active rules
_RULES = [
    ("10020", "10020-1", "Missing Anti-clickjacking Header", 2, 1021),
    ("10038", "10038-1", "Content Security Policy (CSP) Header Not Set", 2, 693),
    ("10021", "10021", "X-Content-Type-Options Header Missing", 1, 693),
    ("10036", "10036", 'Server Leaks Version Information via "Server" HTTP Response Header Field', 1, 200),
    ("10054", "10054-1", "Cookie without SameSite Attribute", 1, 1275),
    ("10010", "10010", "Cookie No HttpOnly Flag", 1, 1004),
    ("10096", "10096", "Timestamp Disclosure - Unix", 0, 497),
    ("10027", "10027", "Information Disclosure - Suspicious Comments", 0, 615),
    ("10202", "10202", "Absence of Anti-CSRF Tokens", 2, 352),
    ("10109", "10109", "Modern Web Application", 0, -1),
    ("40012", "40012", "Cross Site Scripting (Reflected)", 3, 79),
    ("40018", "40018", "SQL Injection", 3, 89),
    ("90022", "90022", "Application Error Disclosure", 1, 550),
    ("10049", "10049-3", "Storable and Cacheable Content", 0, 524),
]
_SITES = ["http://127.0.0.1:8080", "https://127.0.0.2:8443"]


def _para(text: str) -> str:
    return escape(f"<p>{text}</p>")


def _instance(out: TextIO, site: str, rng: random.Random, index: int, param: str) -> None:
    page = f"{site}/app/{rng.choice(['catalog', 'account', 'search', 'api/v1/items', 'static/js'])}/{index % 997}"
    uri = page + (f"?id={index}&sort=asc" if index % 3 == 0 else "")
    out.write(
        "\t\t\t\t\t\t<instance>\n"
        f"\t\t\t\t\t\t\t<uri>{escape(uri)}</uri>\n"
        f"\t\t\t\t\t\t\t<nodeName>{escape(page)}</nodeName>\n"
        f"\t\t\t\t\t\t\t<method>{'POST' if index % 5 == 0 else 'GET'}</method>\n"
        f"\t\t\t\t\t\t\t<param>{escape(param)}</param>\n"
        "\t\t\t\t\t\t\t<attack></attack>\n"
        f"\t\t\t\t\t\t\t<evidence>{escape(f'<!-- TODO remove debug {index} -->' if index % 2 else 'Apache/2.4.57')}"
        "</evidence>\n"
        f"\t\t\t\t\t\t\t<otherinfo>{escape(f'Seen in response {index}.')}</otherinfo>\n"
        "\t\t\t\t\t\t</instance>\n"
    )


def _alert(out: TextIO, site: str, rule_index: int, instances: int, rng: random.Random, start: int) -> None:
    plugin, ref, name, risk, cwe = _RULES[rule_index % len(_RULES)]
    if rule_index >= len(_RULES):  # ZAP reports an alert once per site and risk: later ones are other rules
        plugin = ref = str(100000 + rule_index)
        name = f"{name} (rule {plugin})"
    confidence = 1 + (rule_index % 3)
    param = rng.choice(["x-frame-options", "session", "id", "q", ""])
    out.write(
        "\t\t\t\t<alertitem>\n"
        f"\t\t\t\t\t<pluginid>{plugin}</pluginid>\n\t\t\t\t\t<alertRef>{ref}</alertRef>\n"
        f"\t\t\t\t\t<alert>{escape(name)}</alert>\n\t\t\t\t\t<name>{escape(name)}</name>\n"
        f"\t\t\t\t\t<riskcode>{risk}</riskcode>\n\t\t\t\t\t<confidence>{confidence}</confidence>\n"
        f"\t\t\t\t\t<riskdesc>{_RISKS[risk]} ({_CONFIDENCES[confidence]})</riskdesc>\n"
        f"\t\t\t\t\t<confidencedesc>{_CONFIDENCES[confidence]}</confidencedesc>\n"
        f"\t\t\t\t\t<desc>{_para(f'{name}: the response does not protect against this class of attack.')}</desc>\n"
        "\t\t\t\t\t<instances>\n"
    )
    for offset in range(instances):
        _instance(out, site, rng, start + offset, param)
    out.write(
        "\t\t\t\t\t</instances>\n"
        f"\t\t\t\t\t<count>{instances}</count>\n"
        f"\t\t\t\t\t<systemic>{'true' if instances > 50 else 'false'}</systemic>\n"
        f"\t\t\t\t\t<solution>{_para('Configure the server or application to send the header on every response.')}"
        "</solution>\n"
        f"\t\t\t\t\t<otherinfo>{_para('See the instances for details.')}</otherinfo>\n"
        f"\t\t\t\t\t<reference>{_para(f'https://www.zaproxy.org/docs/alerts/{plugin}/')}</reference>\n"
        f"\t\t\t\t\t<cweid>{cwe}</cweid>\n\t\t\t\t\t<wascid>15</wascid>\n"
        f"\t\t\t\t\t<sourceid>{rule_index + 1}</sourceid>\n"
        "\t\t\t\t</alertitem>\n"
    )


def generate(path: Path, count: int) -> None:
    """Write a ZAP traditional XML report with ``count`` alert items (findings) to ``path``."""
    rng = random.Random(count)
    sizes = [rng.choice([1, 1, 2, 2, 3, 5, 8]) for _ in range(count)]
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0"?>\n<OWASPZAPReport programName="ZAP" version="2.14.0" '
            'generated="Mon, 1 Jan 2024 12:00:00" created="2024-01-01T12:00:00.000000Z">\n'
        )
        start = 0
        per_site = (len(sizes) + len(_SITES) - 1) // len(_SITES)
        for site_index, site in enumerate(_SITES):
            host, _, port = site.split("://", 1)[1].partition(":")
            ssl = "true" if site.startswith("https") else "false"
            out.write(f'\t<site name="{site}" host="{host}" port="{port}" ssl="{ssl}">\n\t\t<alerts>\n')
            for rule_index, size in enumerate(sizes[site_index * per_site : (site_index + 1) * per_site]):
                _alert(out, site, rule_index, size, rng, start)
                start += size
            out.write("\t\t</alerts>\n\t</site>\n")
        out.write("</OWASPZAPReport>\n")


def baseline(path: Path) -> int:
    """Parse ``path`` the naive way (whole tree in memory, as DefectDojo's parser); returns the alert items."""
    import defusedxml.ElementTree as DefusedET

    alerts = 0
    for site in DefusedET.parse(path).getroot().findall("site"):
        for item in site.findall("alerts/alertitem"):
            alert = {child.tag: child.text or "" for child in item if child.tag != "instances"}
            alert["instances"] = [{f.tag: f.text or "" for f in inst} for inst in item.findall("instances/instance")]
            alerts += 1
    return alerts
