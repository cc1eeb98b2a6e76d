"""Large reports parse with bounded memory: peak allocations do not grow with the number of instances.

tracemalloc measures what Python allocates while the host's parse path consumes the findings one by one.
Each alert keeps its distinct endpoints (that is the finding's data), so the reports grow by adding alerts of
a fixed size: a 10x larger report must not need noticeably more memory.
"""

from __future__ import annotations

import gc
import tracemalloc
from pathlib import Path

import pytest

from secureops.core.registry import Registry
from secureops.importer.parse import parse_report

INSTANCES_PER_ALERT = 100


def _peak(registry: Registry, path: Path, format: str) -> tuple[int, int, int]:
    gc.collect()
    tracemalloc.start()
    try:
        count = instances = 0
        for finding in parse_report(registry, path, format=format).findings:
            count += 1
            instances += finding.nb_occurences or 0
        return tracemalloc.get_traced_memory()[1], count, instances
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(("writer", "format"), [("xml", "zap-xml"), ("json_file", "zap-json")])
def test_memory_is_flat_as_the_report_grows(
    registry: Registry, tmp_path: Path, report_writers, writer: str, format: str
) -> None:
    peaks = {}
    for alerts in (50, 500):  # 5,000 and 50,000 instances
        path = tmp_path / f"report-{alerts}"
        size = report_writers[writer](path, alerts=alerts, instances=INSTANCES_PER_ALERT)
        peak, count, instances = _peak(registry, path, format)
        assert (count, instances) == (alerts, alerts * INSTANCES_PER_ALERT)
        peaks[alerts] = peak
        assert peak < size / 2 or alerts == 50, f"peak {peak:,} B for a {size:,} B report"
    print(f"{format}: peak allocation {peaks}")
    assert peaks[500] < peaks[50] * 1.5 + 1_000_000, peaks


def test_plus_report_keeps_a_bounded_number_of_messages(registry: Registry, tmp_path: Path, report_writers) -> None:
    path = tmp_path / "plus.xml"
    report_writers["xml"](path, alerts=2, instances=3000, plus=True)
    findings = list(parse_report(registry, path).findings)
    assert [len(f.req_resp) for f in findings] == [10, 10]
    assert [f.nb_occurences for f in findings] == [3000, 3000]
    assert findings[0].req_resp[0].req.startswith("GET http://127.0.0.1:8080/app/0/page0?id=0 HTTP/1.1")
    assert "… and 2,980 more" in findings[0].description
