"""A 100k-finding report parses in bounded memory: the peak does not grow with the report."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

from secureops_trivy import TrivyJsonImporter

from secureops import ParseContext
from secureops.importer.parse import normalise


def write_report(path: Path, count: int) -> None:
    """A SchemaVersion 2 image report with ``count`` vulnerabilities, written incrementally (Trivy's key order)."""
    with path.open("w") as out:
        out.write('{"SchemaVersion": 2, "ArtifactName": "app:1", "ArtifactType": "container_image", "Results": [')
        per_result = 25_000
        for start in range(0, count, per_result):
            if start:
                out.write(",")
            out.write(
                f'{{"Target": "app:1 (debian 12.{start})", "Class": "os-pkgs", "Type": "debian", "Vulnerabilities": ['
            )
            for index in range(start, min(count, start + per_result)):
                vuln = {
                    "VulnerabilityID": f"CVE-2024-{index:06d}",
                    "PkgName": f"pkg{index % 997}",
                    "InstalledVersion": "1.2.3-4",
                    "FixedVersion": "1.2.3-5",
                    "Severity": ("LOW", "MEDIUM", "HIGH", "CRITICAL")[index % 4],
                    "Title": "a vulnerability in a package",
                    "Description": "Some description of the problem " * 4,
                    "CweIDs": ["CWE-787"],
                    "CVSS": {"nvd": {"V3Vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "V3Score": 9.8}},
                    "References": [f"https://nvd.nist.gov/vuln/detail/CVE-2024-{index:06d}"],
                }
                out.write(("," if index > start else "") + json.dumps(vuln))
            out.write("]}")
        out.write("]}")


def peak_while_parsing(path: Path) -> tuple[int, int]:
    """``(findings, peak traced bytes)`` for a full parse through the host's normalisation."""
    context = ParseContext(format="trivy-json", filename=path.name)
    tracemalloc.start()
    try:
        with path.open("rb") as stream:
            count = sum(1 for _ in normalise(TrivyJsonImporter(), stream, context))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return count, peak


def test_peak_allocations_do_not_grow_with_the_report(tmp_path: Path) -> None:
    """Traced allocations (exact, but slow to trace, hence 3k and 15k findings) peak at the same height."""
    small, big = tmp_path / "small.json", tmp_path / "big.json"
    write_report(small, 3_000)
    write_report(big, 15_000)
    small_count, small_peak = peak_while_parsing(small)
    big_count, big_peak = peak_while_parsing(big)
    assert (small_count, big_count) == (3_000, 15_000)
    # One read chunk (256 KiB of text) plus one finding: about a MiB whatever the size.
    assert big_peak < 3_000_000, f"peak {big_peak:,} bytes"
    assert big_peak < big.stat().st_size / 4
    assert big_peak < small_peak * 1.3 + 256_000, f"peak grew from {small_peak:,} to {big_peak:,}"


# Peak RSS from VmHWM: it belongs to this exec'd image. ru_maxrss would carry over the high-water mark of the
# forked parent (a big pytest process), hiding the growth being measured.
_MEASURE = """
import json, sys
from pathlib import Path

def peak_kib():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])

from secureops import ParseContext
from secureops.importer.parse import normalise
from secureops_trivy import TrivyJsonImporter

path, how = Path(sys.argv[1]), sys.argv[2]
before = peak_kib()
with path.open("rb") as stream:
    if how == "stream":
        count = sum(1 for _ in normalise(TrivyJsonImporter(), stream, ParseContext(format="trivy-json")))
    else:
        count = sum(len(result["Vulnerabilities"]) for result in json.load(stream)["Results"])
after = peak_kib()
print(json.dumps({"count": count, "growth_kib": after - before}))
"""


def rss_growth(path: Path, how: str) -> tuple[int, int]:
    """``(findings, peak-RSS growth in bytes)`` of a fresh interpreter parsing ``path``."""
    done = subprocess.run([sys.executable, "-c", _MEASURE, str(path), how], capture_output=True, text=True, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["count"], result["growth_kib"] * 1024


def test_100k_finding_report_parses_in_bounded_memory(tmp_path: Path) -> None:
    """A 100k-finding (50 MB) report: the process grows by a few MiB; loading it whole grows by far more."""
    path = tmp_path / "report.json"
    write_report(path, 100_000)
    size = path.stat().st_size
    assert size > 50_000_000
    count, growth = rss_growth(path, "stream")
    assert count == 100_000
    assert growth < 16 * 1024 * 1024, f"peak RSS grew by {growth:,} bytes for a {size:,}-byte report"
    # The same measurement sees a naive parse (so the bound above can fail).
    naive_count, naive_growth = rss_growth(path, "naive")
    assert naive_count == 100_000
    assert naive_growth > size


def test_streams_from_a_non_seekable_pipe() -> None:
    """The importer reads forward only (a socket or pipe works as well as a file)."""
    data = (
        b'{"SchemaVersion": 2, "Results": [{"Target": "t", "Class": "secret", "Secrets": ['
        + b",".join(b'{"RuleID": "r%d", "Title": "T", "Severity": "LOW", "Match": "m%d"}' % (i, i) for i in range(3000))
        + b"]}]}"
    )

    class Pipe(io.RawIOBase):
        def __init__(self) -> None:
            self._data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
            chunk = self._data.read(min(len(buffer), 777))  # short reads, like a pipe
            buffer[: len(chunk)] = chunk
            return len(chunk)

    context = ParseContext(format="trivy-json")
    findings = list(normalise(TrivyJsonImporter(), io.BufferedReader(Pipe()), context))
    assert len(findings) == 3000
