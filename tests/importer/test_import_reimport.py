"""import_report / reimport_report on PostgreSQL (as the RLS-bound app role) and on SQLite, same tests."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import select

from secureops.core.errors import ReportParseError
from secureops.core.registry import Registry
from secureops.core.store import NotFoundError, Store, StoreError, TenantInactiveError
from secureops.core.store import models as m
from secureops.core.store.findings import triage_finding
from secureops.core.store.tenants import set_tenant_status
from secureops.importer.imports import import_report, reimport_report
from tests.importer.conftest import jsonl

ITEMS = [
    {"id": "CVE-1", "component": "openssl", "severity": "Critical", "version": "1.0", "urls": ["http://127.0.0.1/a"]},
    {"id": "CVE-2", "component": "openssl", "severity": "High"},
    {"id": "CVE-3", "component": "zlib", "severity": "Medium"},
    {"id": "CVE-4", "component": "zlib", "severity": "Low"},
    {"id": "CVE-5", "component": "curl", "severity": "Info"},
]


def _import(store: Store, registry: Registry, tenant: str, items: list[dict[str, Any]], **kw: Any) -> Any:
    return import_report(
        tenant, kw.pop("product", None), kw.pop("engagement", None), jsonl(items), store=store, registry=registry, **kw
    )


def _reimport(store: Store, registry: Registry, tenant: str, test: int, items: list[dict[str, Any]], **kw: Any) -> Any:
    return reimport_report(tenant, test, jsonl(items), store=store, registry=registry, **kw)


def _findings(store: Store, tenant: str, test: int) -> dict[str, m.Finding]:
    with store.tenant(tenant) as s:
        return {f.vuln_id_from_tool: f for f in s.exec(select(m.Finding).where(m.Finding.test_id == test))}  # type: ignore[misc]


def test_import_counts_by_severity(store: Store, registry: Registry, tenant: str) -> None:
    stats = _import(store, registry, tenant, ITEMS)
    assert stats.totals() == {
        "created": 5,
        "closed": 0,
        "reactivated": 0,
        "untouched": 0,
        "updated": 0,
        "suppressed": 0,
    }
    assert stats.created.model_dump() == {"critical": 1, "high": 1, "medium": 1, "low": 1, "info": 1, "total": 5}
    assert stats.format == "test-jsonl" and stats.findings_in_report == 5
    stored = _findings(store, tenant, stats.test_id)
    assert stored["CVE-1"].component_version == "1.0"
    with store.tenant(tenant) as s:
        endpoints = s.exec(select(m.FindingEndpoint).where(m.FindingEndpoint.finding_id == stored["CVE-1"].id)).all()
        history = s.exec(select(m.TestImport).where(m.TestImport.test_id == stats.test_id)).one()
    assert [(e.protocol, e.host, e.path) for e in endpoints] == [("http", "127.0.0.1", "/a")]
    assert history.statistics["created"]["total"] == 5


def test_identical_reimport_touches_nothing(store: Store, registry: Registry, tenant: str) -> None:
    test = _import(store, registry, tenant, ITEMS).test_id
    before = _findings(store, tenant, test)
    stats = _reimport(store, registry, tenant, test, ITEMS)
    assert stats.totals() == {
        "created": 0,
        "closed": 0,
        "reactivated": 0,
        "untouched": 5,
        "updated": 0,
        "suppressed": 0,
    }
    after = _findings(store, tenant, test)
    assert {k: f.updated_at for k, f in after.items()} == {k: f.updated_at for k, f in before.items()}


def test_one_fixed_issue_is_exactly_one_closed_with_who_when_why(store: Store, registry: Registry, tenant: str) -> None:
    test = _import(store, registry, tenant, ITEMS).test_id
    stats = _reimport(store, registry, tenant, test, ITEMS[1:], actor="ci-pipeline")
    assert stats.totals()["closed"] == 1 and stats.closed.critical == 1 and stats.totals()["untouched"] == 4
    closed = _findings(store, tenant, test)["CVE-1"]
    assert closed.is_mitigated and not closed.active
    assert closed.mitigated_by == "ci-pipeline" and closed.mitigated_at is not None
    assert f"reimport #{stats.test_import_id}" in (closed.mitigated_reason or "")
    with store.tenant(tenant) as s:
        kinds = [e.kind for e in s.exec(select(m.FindingEvent).where(m.FindingEvent.finding_id == closed.id))]
    assert kinds == ["closed"]


def test_close_old_false_keeps_missing_findings_open(store: Store, registry: Registry, tenant: str) -> None:
    test = _import(store, registry, tenant, ITEMS).test_id
    stats = _reimport(store, registry, tenant, test, ITEMS[1:], close_old=False)
    assert stats.totals()["closed"] == 0
    assert _findings(store, tenant, test)["CVE-1"].active


def test_changed_severity_updates_in_place_and_records_it(store: Store, registry: Registry, tenant: str) -> None:
    test = _import(store, registry, tenant, ITEMS).test_id
    original = _findings(store, tenant, test)["CVE-2"]
    changed = [dict(i, severity="Low", description="new text") if i["id"] == "CVE-2" else i for i in ITEMS]
    stats = _reimport(store, registry, tenant, test, changed)
    assert stats.totals() == {
        "created": 0,
        "closed": 0,
        "reactivated": 0,
        "untouched": 4,
        "updated": 1,
        "suppressed": 0,
    }
    updated = _findings(store, tenant, test)["CVE-2"]
    assert updated.id == original.id and updated.severity == "Low" and updated.description == "new text"
    with store.tenant(tenant) as s:
        event = s.exec(select(m.FindingEvent).where(m.FindingEvent.finding_id == original.id)).one()
    assert event.kind == "updated"
    assert event.changes["severity"] == ["High", "Low"] and event.changes["description"] == ["", "new text"]
    # A new version of the package is not a new issue either (version is not part of the identity).
    bumped = [dict(i, version="1.1") if i["id"] == "CVE-1" else i for i in changed]
    assert _reimport(store, registry, tenant, test, bumped).totals()["updated"] == 1


def test_mitigated_seen_again_is_reactivated_unless_told_not_to(store: Store, registry: Registry, tenant: str) -> None:
    test = _import(store, registry, tenant, ITEMS).test_id
    _reimport(store, registry, tenant, test, ITEMS[1:])
    kept = _reimport(store, registry, tenant, test, ITEMS, do_not_reactivate=True)
    assert kept.totals()["reactivated"] == 0 and kept.totals()["untouched"] == 5
    assert _findings(store, tenant, test)["CVE-1"].is_mitigated
    back = _reimport(store, registry, tenant, test, ITEMS)
    assert back.totals()["reactivated"] == 1 and back.reactivated.critical == 1
    finding = _findings(store, tenant, test)["CVE-1"]
    assert finding.active and not finding.is_mitigated and finding.mitigated_by is None


def test_triage_flags_survive_reimport(store: Store, registry: Registry, tenant: str) -> None:
    test = _import(store, registry, tenant, ITEMS).test_id
    ids = {k: f.id for k, f in _findings(store, tenant, test).items()}
    with store.tenant(tenant) as s:
        triage_finding(
            s, ids["CVE-1"], actor="analyst", reason="not exploitable", false_p=True, active=False, is_mitigated=True
        )
        triage_finding(
            s, ids["CVE-2"], actor="analyst", reason="lab host", out_of_scope=True, active=False, is_mitigated=True
        )
        triage_finding(s, ids["CVE-3"], actor="analyst", reason="accepted until Q3", risk_accepted=True, active=False)
    stats = _reimport(store, registry, tenant, test, ITEMS)
    assert stats.totals() == {
        "created": 0,
        "closed": 0,
        "reactivated": 0,
        "untouched": 3,
        "updated": 0,
        "suppressed": 2,
    }
    # Missing from the next report: triaged findings are not "fixed", so they are not closed either.
    assert _reimport(store, registry, tenant, test, ITEMS[3:]).totals()["closed"] == 0
    after = _findings(store, tenant, test)
    assert after["CVE-1"].false_p and not after["CVE-1"].active
    assert after["CVE-2"].out_of_scope and not after["CVE-2"].active
    assert after["CVE-3"].risk_accepted and not after["CVE-3"].active and not after["CVE-3"].is_mitigated


def test_same_identity_twice_in_a_report_is_one_finding(store: Store, registry: Registry, tenant: str) -> None:
    items = [ITEMS[0], dict(ITEMS[0], urls=["http://127.0.0.1/b"])]
    stats = _import(store, registry, tenant, items)
    assert stats.totals()["created"] == 1 and stats.findings_in_report == 2
    finding = _findings(store, tenant, stats.test_id)["CVE-1"]
    assert finding.nb_occurences == 2
    assert _reimport(store, registry, tenant, stats.test_id, items).totals()["untouched"] == 1


def test_dedup_within_product_and_engagement_scope(store: Store, registry: Registry, tenant: str) -> None:
    first = _import(store, registry, tenant, ITEMS, product="web", engagement="E1")
    second = _import(store, registry, tenant, ITEMS[:3], product="web", engagement="E2")
    assert second.duplicates == 3 and second.totals()["created"] == 3
    originals = _findings(store, tenant, first.test_id)
    dups = _findings(store, tenant, second.test_id)
    assert all(f.duplicate and not f.active for f in dups.values())
    assert {dups[k].duplicate_of_id for k in dups} == {originals[k].id for k in dups}
    other_product = _import(store, registry, tenant, ITEMS, product="api")
    assert other_product.duplicates == 0
    on_engagement = _import(store, registry, tenant, ITEMS, product="web", engagement="E3", dedupe_on_engagement=True)
    assert on_engagement.duplicates == 0


def test_active_finding_is_never_linked_to_a_mitigated_original(store: Store, registry: Registry, tenant: str) -> None:
    first = _import(store, registry, tenant, ITEMS, product="p")
    _reimport(store, registry, tenant, first.test_id, ITEMS[1:])  # CVE-1 fixed in the first test
    second = _import(store, registry, tenant, ITEMS[:1], product="p", engagement="later")
    assert second.duplicates == 0
    assert _findings(store, tenant, second.test_id)["CVE-1"].active


def test_close_old_on_import_closes_the_engagement_s_missing_findings(
    store: Store, registry: Registry, tenant: str
) -> None:
    first = _import(store, registry, tenant, ITEMS, product="p2", engagement="ci")
    second = _import(store, registry, tenant, ITEMS[2:], product="p2", engagement="ci", close_old=True)
    assert second.totals()["closed"] == 2
    gone = _findings(store, tenant, first.test_id)
    assert gone["CVE-1"].is_mitigated and gone["CVE-2"].is_mitigated and not gone["CVE-3"].is_mitigated


def _counts(store: Store, tenant: str) -> tuple[int, ...]:
    with store.tenant(tenant) as s:
        return tuple(
            s.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()  # type: ignore[arg-type]
            for model in (m.Test, m.Finding, m.FindingEndpoint, m.TestImport, m.FindingEvent, m.UsageEvent)
        )


def test_failing_report_leaves_no_trace(store: Store, registry: Registry, tenant: str) -> None:
    """All or nothing: a report that breaks after thousands of findings were written rolls everything back."""
    stats = _import(store, registry, tenant, ITEMS)
    before = _counts(store, tenant)
    good = jsonl([{"id": f"X{i}", "component": "c"} for i in range(5000)])
    with pytest.raises(ReportParseError, match="not JSON"):
        import_report(tenant, None, None, good + b"{broken\n", store=store, registry=registry)
    with pytest.raises(ReportParseError, match="not JSON"):
        reimport_report(tenant, stats.test_id, good + b"{broken\n", store=store, registry=registry)
    assert _counts(store, tenant) == before
    assert all(not f.is_mitigated for f in _findings(store, tenant, stats.test_id).values())


def test_wrong_tenant_test_and_suspended_tenant_are_refused(
    stores: tuple[Store, Store], registry: Registry, tenant: str
) -> None:
    store, admin = stores
    test = _import(store, registry, tenant, ITEMS).test_id
    from secureops.core.store.tenants import create_tenant

    other = f"{tenant}_other"
    create_tenant(admin, other, company_name="Other", actor="pytest")
    with pytest.raises(NotFoundError, match="no test"):
        _reimport(store, registry, other, test, ITEMS)
    set_tenant_status(admin, other, m.ClientStatus.SUSPENDED, actor="ops", reason="test")
    with pytest.raises(TenantInactiveError):
        _import(store, registry, other, ITEMS)
    with pytest.raises(NotFoundError):
        _import(store, registry, "client_nobody", ITEMS)


def test_hostile_values_are_stored_not_fatal(store: Store, registry: Registry, tenant: str) -> None:
    """NUL characters (PostgreSQL text and JSONB refuse them), huge numbers and long names do not fail an import."""
    nasty = {
        "id": "CVE-\x00",
        "component": "lib\x00c",
        "title": "a\x00b",
        "description": "d\x00",
        "line": 2**40,
        "urls": ["http://127.0.0.1/\x00"],
        "ids": ["CVE-\x00"],
    }
    stats = import_report(
        tenant, None, None, jsonl([nasty]), store=store, registry=registry, filename="x" * 400, actor="y" * 400
    )
    stored = next(iter(_findings(store, tenant, stats.test_id).values()))
    assert stored.title == "a\ufffdb" and stored.line == 2**40 and stored.vulnerability_ids == ["CVE-\ufffd"]
    assert _reimport(store, registry, tenant, stats.test_id, [nasty]).totals()["untouched"] == 1


def test_failing_write_rolls_everything_back(
    store: Store, registry: Registry, tenant: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database error in a batch written while the next one is parsed (helper thread) still fails the whole
    import, after the write in flight finished, and leaves nothing behind."""
    from secureops.importer import bulk

    before = _counts(store, tenant)
    real_insert = bulk.BulkWriter.insert
    calls = {"findings": 0}

    def failing_insert(self: bulk.BulkWriter, table: str, *args: Any, **kwargs: Any) -> int:
        if table == "findings":
            calls["findings"] += 1
            if calls["findings"] == 2:
                self.execute("SELECT * FROM no_such_table")  # a real database error, mid-transaction
        return real_insert(self, table, *args, **kwargs)

    monkeypatch.setattr(bulk.BulkWriter, "insert", failing_insert)
    report = jsonl([{"id": f"X{i}", "component": "c"} for i in range(5000)])
    with pytest.raises(StoreError, match="no_such_table"):
        import_report(tenant, None, None, report, store=store, registry=registry)
    monkeypatch.setattr(bulk.BulkWriter, "insert", real_insert)
    assert calls["findings"] == 2
    assert _counts(store, tenant) == before
