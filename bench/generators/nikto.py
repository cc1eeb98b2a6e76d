"""Generate a large Nikto JSON report (``nikto -Format json``, Nikto 2.5+/2.6: a list of host entries).

``count`` is the number of findings the importer yields: ``count`` distinct messages. As in real scans, a
message is often reported for several URLs (one to three here), which the importer merges into one finding
with several endpoints, so the report holds about twice as many entries as findings. Hosts carry the fields
Nikto 2.6 writes (host, ip, port, server_banner, start/end time, ssl_info) and keys are sorted, as Nikto's
canonical JSON encoder writes them. Deterministic: the same count gives the same file. Written entry by entry,
so the generator's memory stays flat.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TextIO

FORMAT = "nikto-json"

_PER_HOST = 5000
_MESSAGES = (
    "{path}: Directory indexing found.",
    "{path}: This might be interesting (check {n}).",
    "{path}: Default account found for 'admin' at (ID 'admin', PW 'admin'). Test {n}.",
    "The anti-clickjacking X-Frame-Options header is not present on {path} (variant {n}).",
    "{path}: Potentially interesting backup/cert file found (#{n}).",
)


def _host(out: TextIO, index: int, first: int, last: int) -> None:
    out.write("   {\n")
    out.write(f'      "end_time" : "2025-06-02 11:00:00 +0000",\n      "host" : "web{index}.internal.example",\n')
    out.write(f'      "ip" : "10.1.{index >> 8 & 255}.{index & 255}",\n      "port" : "443",\n')
    out.write('      "server_banner" : "Apache/2.4.57 (Debian)",\n')
    ssl = {"altnames": "", "ciphers": "TLS_AES_256_GCM_SHA384", "cn": "web", "issuer": "CN=CA", "subject": "CN=web"}
    out.write(f'      "ssl_info" : {json.dumps(ssl, sort_keys=True)},\n')
    out.write('      "start_time" : "2025-06-02 10:00:00 +0000",\n      "vulnerabilities" : [\n')
    entries = 0
    for n in range(first, last):
        path = f"/app{n % 97}/area{n}/"
        msg = _MESSAGES[n % len(_MESSAGES)].format(path=path, n=n)
        for copy in range(n % 3 + 1):
            entry = {
                "id": f"{(n * 13) % 999999:06d}",
                "method": "GET",
                "msg": msg,
                "references": f"https://cirt.net/nikto/check/{n}" if n % 4 == 0 else "",
                "url": f"{path}file{copy}.bak" if copy else path,
            }
            out.write(("" if entries == 0 else ",\n") + "         " + json.dumps(entry, sort_keys=True))
            entries += 1
    out.write("\n      ]\n   }")


def generate(path: Path, count: int) -> None:
    """Write a report that yields ``count`` findings."""
    with path.open("w", encoding="utf-8") as out:
        out.write("[\n")
        start, index = 0, 0
        while start < count or index == 0:
            end = min(start + _PER_HOST, count)
            if index:
                out.write(",\n")
            _host(out, index, start, end)
            start, index = end, index + 1
        out.write("\n]\n")
