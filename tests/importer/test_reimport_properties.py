"""Property tests: for any sequence of reports drawn from one universe of issues, every reimport's statistics
are exactly what a simple model of open/closed identities predicts (PostgreSQL and SQLite)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secureops.core.registry import Registry
from secureops.core.store import Store
from secureops.importer.imports import import_report, reimport_report
from tests.importer.conftest import jsonl

UNIVERSE = [
    {"id": f"CVE-{n}", "component": ("openssl", "zlib", "curl")[n % 3], "severity": ("High", "Low", "Info")[n % 3]}
    for n in range(24)
]
reports = st.lists(st.frozensets(st.integers(0, len(UNIVERSE) - 1)), min_size=2, max_size=4)


def _items(indexes: frozenset[int], changed: frozenset[int] = frozenset()) -> list[dict[str, Any]]:
    return [dict(UNIVERSE[i], description="changed" if i in changed else "") for i in sorted(indexes)]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=reports, changed=st.frozensets(st.integers(0, len(UNIVERSE) - 1), max_size=5))
def test_reimport_statistics_match_the_model(
    store: Store, registry: Registry, tenant: str, sequence: list[frozenset[int]], changed: frozenset[int]
) -> None:
    first, *later = sequence
    if not first:
        first = frozenset({0})
    stats = import_report(tenant, "props", None, jsonl(_items(first)), store=store, registry=registry)
    assert stats.totals()["created"] == len(first)
    test, open_, closed = stats.test_id, set(first), set[int]()
    content = {i: "" for i in first}
    for step, report in enumerate(later):
        edits = changed if step == 0 else frozenset()
        got = reimport_report(tenant, test, jsonl(_items(report, edits)), store=store, registry=registry).totals()
        seen_before = open_ | closed
        updated = {i for i in report & open_ if content.get(i, "") != ("changed" if i in edits else "")}
        expected = {
            "created": len(report - seen_before),
            "reactivated": len(report & closed),
            "untouched": len((report & open_) - updated),
            "updated": len(updated),
            "closed": len(open_ - report),
            "suppressed": 0,
        }
        assert got == expected, f"step {step}: report {sorted(report)}"
        for i in report:
            content[i] = "changed" if i in edits else ""
        closed = (closed | open_) - report
        open_ = set(report)
