"""Import and reimport a report into a tenant's test: one transaction each, DefectDojo-shaped statistics.

Identity is the ``fingerprint`` the parse pipeline computes from the importer's declared ``identity_fields``.
A reimport therefore matches findings exactly (no fuzzy title/description matching as in DefectDojo):

- same identity, same content      → untouched (nothing is written);
- same identity, changed content   → updated in place, the change recorded in ``finding_events``;
- same identity, mitigated before  → reactivated (unless ``do_not_reactivate``) — but a finding a person closed
  as false positive or out of scope stays closed ("suppressed"), and a risk-accepted one stays as set;
- new identity                     → created, then deduplicated against the product (or engagement);
- identity gone (``close_old``)    → closed, recording who, when and why.

Findings stream from the parser in batches; each batch costs a handful of set-based statements (COPY on
PostgreSQL), never a round trip per finding, and on PostgreSQL is written by a helper thread while the next batch
is parsed. A report that fails half-way leaves no trace (rollback).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

from sqlmodel import select

from secureops.core.findings import Finding
from secureops.core.registry import Registry
from secureops.core.reports import ParseContext
from secureops.core.store.errors import NotFoundError, TenantInactiveError
from secureops.core.store.models import Client, ClientStatus, Engagement, Product, Test, TestImport, UsageEvent, utcnow
from secureops.core.store.session import Store, TenantSession
from secureops.importer.bulk import BulkWriter
from secureops.importer.dedup import find_originals
from secureops.importer.parse import AUTO, parse_report
from secureops.importer.records import CONTENT_COLUMNS, FindingRecord, content_hash_of, record_of
from secureops.importer.stats import ImportStatistics

__all__ = ["DEFAULT_ENGAGEMENT", "Progress", "import_report", "reimport_report"]

log = logging.getLogger(__name__)

DEFAULT_ENGAGEMENT = "Default"
BATCH = 2000
Progress = Callable[[int], None]
"""Called with the number of findings processed so far, once per batch."""
Source = Path | bytes | BinaryIO

INSERT_COLUMNS = (
    "id",
    "fingerprint",
    "content_hash",
    *CONTENT_COLUMNS,
    "active",
    "verified",
    "duplicate",
    "duplicate_of_id",
)
UPDATE_COLUMNS = (
    *CONTENT_COLUMNS,
    "content_hash",
    "active",
    "is_mitigated",
    "mitigated_at",
    "mitigated_by",
    "mitigated_reason",
    "updated_at",
)
ENDPOINT_COLUMNS = ("finding_id", "protocol", "host", "port", "path", "query", "fragment")
EVENT_COLUMNS = ("finding_id", "kind", "reason", "changes")
_RECORDED = ("title", "severity", "description", "cwe", "cvssv3_score", "component_version", "nb_occurences")


class _Existing(NamedTuple):
    id: int
    severity: str
    content_hash: str
    active: bool
    is_mitigated: bool
    false_p: bool
    out_of_scope: bool
    risk_accepted: bool
    duplicate: bool


def import_report(
    tenant: str,
    product: str | int | None,
    engagement: str | int | None,
    report: Source,
    format: str = AUTO,
    close_old: bool = False,
    *,
    store: Store,
    registry: Registry,
    actor: str = "secureops",
    filename: str | None = None,
    verified: bool | None = None,
    dedupe_on_engagement: bool = False,
    max_bytes: int = 512 * 1024 * 1024,
    progress: Progress | None = None,
) -> ImportStatistics:
    """Import ``report`` as a new test of ``tenant``'s ``product`` / ``engagement`` (one transaction).

    :param product: a product id or name; a new name creates the product; ``None`` is the tenant's default.
    :param engagement: an engagement id or name (created when new); ``None`` is the product's "Default".
    :param format: a format id, or ``"auto"`` to detect it.
    :param close_old: also close findings of earlier tests of the same engagement and importer that this
        report no longer contains.
    :param dedupe_on_engagement: when this call creates the engagement, deduplicate within it rather than
        within the whole product.
    :raises ReportParseError: the report is malformed (nothing is stored).
    :raises NotFoundError: no such tenant, product id or engagement id. :raises TenantInactiveError: suspended.
    """
    with store.tenant(tenant) as session:
        _require_active(session, tenant)
        product_row = _product(session, product)
        engagement_row = _engagement(session, product_row, engagement, dedupe_on_engagement)
        parsed = parse_report(
            registry,
            report,
            format=format,
            filename=filename,
            context=ParseContext(tenant_id=tenant),
            max_bytes=max_bytes,
        )
        test = Test(
            client_id=tenant,
            engagement_id=_id(engagement_row),
            product_id=_id(product_row),
            format=parsed.format,
            importer=parsed.importer.name,
            title=filename[:255] if filename else None,
        )
        session.add(test)
        session.flush()
        run = _Run.start(session, "import", test, engagement_row, actor, existing={}, verified=verified)
        run.consume(parsed.findings, progress)
        if close_old:
            run.close_others()
        return run.finish()


def reimport_report(
    tenant: str,
    test: int,
    report: Source,
    close_old: bool = True,
    do_not_reactivate: bool = False,
    *,
    store: Store,
    registry: Registry,
    actor: str = "secureops",
    filename: str | None = None,
    verified: bool | None = None,
    max_bytes: int = 512 * 1024 * 1024,
    progress: Progress | None = None,
) -> ImportStatistics:
    """Reimport ``report`` into existing test ``test`` of ``tenant`` (one transaction); see the module docstring.

    The report is parsed with the test's own format, so identities are comparable.

    :param close_old: close the test's findings that the report no longer contains.
    :param do_not_reactivate: leave mitigated findings mitigated even when the report has them again.
    :raises NotFoundError: no such test for this tenant. :raises ReportParseError: nothing is changed.
    """
    with store.tenant(tenant) as session:
        _require_active(session, tenant)
        # FOR UPDATE: two reimports into one test run one after the other, never interleaved.
        test_row = session.exec(select(Test).where(Test.id == test).with_for_update()).first()
        if test_row is None:
            raise NotFoundError(f"tenant {tenant!r} has no test {test}")
        engagement_row = session.exec(select(Engagement).where(Engagement.id == test_row.engagement_id)).one()
        parsed = parse_report(
            registry,
            report,
            format=test_row.format,
            filename=filename,
            context=ParseContext(tenant_id=tenant),
            max_bytes=max_bytes,
        )
        run = _Run.start(session, "reimport", test_row, engagement_row, actor, existing=None, verified=verified)
        run.do_not_reactivate = do_not_reactivate
        run.consume(parsed.findings, progress)
        if close_old:
            run.close_missing()
        test_row.updated_at = utcnow()
        session.add(test_row)
        return run.finish()


# -- context ------------------------------------------------------------------------------------------------


def _id(row: Any) -> int:
    assert row.id is not None  # rows come from the database or were flushed
    return int(row.id)


def _require_active(session: TenantSession, tenant: str) -> None:
    client = session.exec(select(Client).where(Client.id == tenant)).first()
    if client is None:
        raise NotFoundError(f"no tenant {tenant!r}")
    if client.status != ClientStatus.ACTIVE:
        raise TenantInactiveError(f"tenant {tenant!r} is {client.status}; imports are refused")


def _product(session: TenantSession, product: str | int | None) -> Product:
    if product is None:
        query = select(Product).where(Product.is_default == True)  # noqa: E712 (SQL expression)
    elif isinstance(product, int) or str(product).isdigit():
        query = select(Product).where(Product.id == int(product))
    else:
        query = select(Product).where(Product.name == product)
    row = session.exec(query).first()
    if row is not None:
        return row
    if product is None or isinstance(product, int) or str(product).isdigit():
        raise NotFoundError(
            f"tenant {session.tenant_id!r} has no product {product if product is not None else '(default)'}"
        )
    row = Product(client_id=session.tenant_id, name=str(product))
    session.add(row)
    session.flush()
    return row


def _engagement(session: TenantSession, product: Product, engagement: str | int | None, dedupe: bool) -> Engagement:
    query = select(Engagement).where(Engagement.product_id == product.id)
    if isinstance(engagement, int) or (engagement is not None and str(engagement).isdigit()):
        row = session.exec(query.where(Engagement.id == int(engagement))).first()
        if row is None:
            raise NotFoundError(f"product {product.name!r} has no engagement {engagement}")
        return row
    name = engagement or DEFAULT_ENGAGEMENT
    row = session.exec(query.where(Engagement.name == name)).first()
    if row is None:
        row = Engagement(client_id=session.tenant_id, product_id=_id(product), name=name, dedupe_on_engagement=dedupe)
        session.add(row)
        session.flush()
    return row


# -- the run --------------------------------------------------------------------------------------------------


@dataclass
class _Run:
    """State of one import or reimport while the report streams through."""

    session: TenantSession
    writer: BulkWriter
    stats: ImportStatistics
    test: Test
    engagement: Engagement
    actor: str
    history: TestImport
    existing: dict[str, _Existing]
    verified: bool | None
    do_not_reactivate: bool = False
    now: Any = field(default_factory=utcnow)
    seen: dict[str, FindingRecord | int] = field(default_factory=dict)
    new: list[FindingRecord] = field(default_factory=list)
    changed: list[tuple[_Existing, FindingRecord, bool]] = field(default_factory=list)
    extra_endpoints: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    extra_occurrences: dict[int, int] = field(default_factory=dict)
    existing_ids: set[int] = field(default_factory=set)
    dedup_possible: bool = True
    dedupe_on_engagement: bool = False
    _executor: ThreadPoolExecutor | None = None
    _pending: Future[int] | None = None
    _id_pool: list[int] = field(default_factory=list)
    _id_block: int = BATCH

    @classmethod
    def start(
        cls,
        session: TenantSession,
        kind: str,
        test: Test,
        engagement: Engagement,
        actor: str,
        existing: dict[str, _Existing] | None,
        verified: bool | None,
    ) -> _Run:
        actor = actor[:255]  # the column's width; an actor is a name, not a document
        history = TestImport(client_id=session.tenant_id, test_id=_id(test), kind=kind, actor=actor)
        session.add(history)
        session.flush()
        writer = BulkWriter(session, session.tenant_id)
        if existing is None:
            existing = _load_existing(writer, _id(test))
        stats = ImportStatistics(
            kind=kind,
            tenant_id=session.tenant_id,
            test_id=_id(test),
            test_import_id=_id(history),
            product_id=test.product_id,
            engagement_id=test.engagement_id,
            format=test.format,
            importer=test.importer,
        )
        run = cls(session, writer, stats, test, engagement, actor, history, existing, verified)
        run.existing_ids = {e.id for e in existing.values()}
        run.dedup_possible = _scope_has_originals(writer, test, engagement)
        run.dedupe_on_engagement = engagement.dedupe_on_engagement
        return run

    # streaming
    def consume(self, findings: Iterable[Finding], progress: Progress | None) -> None:
        """Classify every finding of the report, writing in batches."""
        try:
            for count, finding in enumerate(findings, start=1):
                self._take(finding)
                if len(self.new) >= BATCH:
                    self._flush_new()
                if len(self.changed) >= BATCH:
                    self._flush_changed()
                if progress is not None and count % BATCH == 0:
                    progress(count)
            self._flush_new()
            self._wait()
        finally:
            self.shutdown()
        self._flush_changed()
        self._flush_extras()
        if progress is not None:
            progress(self.stats.findings_in_report)

    def _take(self, finding: Finding) -> None:
        self.stats.findings_in_report += 1
        fingerprint = finding.fingerprint or ""
        content_hash = content_hash_of(finding)
        earlier = self.seen.get(fingerprint)
        current = self.existing.get(fingerprint) if earlier is None else None
        if current is not None and not current.is_mitigated and current.content_hash == content_hash:
            # The common case of a reimport, kept cheap: seen again, unchanged, nothing to build or write.
            self.seen[fingerprint] = current.id
            self.stats.untouched.add(current.severity)
            return
        record = record_of(finding, content_hash)
        if self.verified is not None:
            record.verified = self.verified
        if earlier is not None:
            self._merge(earlier, record)
            return
        if current is None:
            self.new.append(record)
            self.seen[fingerprint] = record
            return
        self.seen[fingerprint] = current.id
        if current.is_mitigated:
            if current.false_p or current.out_of_scope:
                self.stats.suppressed.add(current.severity)
            elif current.risk_accepted or self.do_not_reactivate:
                self.stats.untouched.add(current.severity)
            else:
                self.changed.append((current, record, True))
                self.seen[fingerprint] = record
                self.stats.reactivated.add(record.severity)
        else:
            self.changed.append((current, record, False))
            self.seen[fingerprint] = record
            self.stats.updated.add(record.severity)

    def _merge(self, earlier: FindingRecord | int, record: FindingRecord) -> None:
        """The same identity twice in one report: one finding, more endpoints and occurrences."""
        occurrences = record.values["nb_occurences"]
        if isinstance(earlier, FindingRecord):
            known = earlier.endpoints
            earlier.endpoints.extend(e for e in record.endpoints if e not in known)
            earlier.values["nb_occurences"] += occurrences
        elif earlier not in self.existing_ids:
            # Matched findings of a reimport keep their stored endpoints; only findings created in this run grow.
            self.extra_endpoints.extend((earlier, e) for e in record.endpoints)
            self.extra_occurrences[earlier] = self.extra_occurrences.get(earlier, 0) + occurrences

    # writes
    @property
    def _tenant(self) -> dict[str, Any]:
        return {"client_id": self.session.tenant_id}

    @property
    def _event(self) -> dict[str, Any]:
        return {
            "client_id": self.session.tenant_id,
            "test_import_id": self.history.id,
            "actor": self.actor,
            "created_at": self.now,
        }

    def _flush_new(self) -> None:
        """Write the pending new findings. On PostgreSQL the write runs in a helper thread while the main
        thread parses the next batch (the server works while Python parses; at most one write in flight)."""
        if not self.new:
            return
        batch, self.new = self.new, []
        ids = self._ids(len(batch))
        for finding_id, record in zip(ids, batch, strict=True):
            self.seen[record.fingerprint] = finding_id
            self.stats.created.add(record.severity)
        job = list(zip(ids, batch, strict=True))
        self._wait()
        if self.writer.dialect == "postgresql":
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="secureops-import")
            self._pending = self._executor.submit(self._write_new, job, self._new_constants())
        else:  # sqlite3 connections belong to their thread
            self.stats.duplicates += self._write_new(job, self._new_constants())

    def _new_constants(self) -> dict[str, Any]:
        return {
            "client_id": self.session.tenant_id,
            "test_id": _id(self.test),
            "engagement_id": self.test.engagement_id,
            "product_id": self.test.product_id,
            "is_mitigated": False,
            "false_p": False,
            "out_of_scope": False,
            "risk_accepted": False,
            "created_at": self.now,
            "updated_at": self.now,
        }

    def _write_new(self, job: list[tuple[int, FindingRecord]], constants: dict[str, Any]) -> int:
        """Deduplicate and insert one batch of new findings; return how many are duplicates."""
        originals: dict[str, int] = {}
        if self.dedup_possible:
            originals = find_originals(
                self.writer,
                [record.fingerprint for _, record in job],
                product_id=constants["product_id"],
                engagement_id=constants["engagement_id"] if self.dedupe_on_engagement else None,
                exclude_test_id=constants["test_id"],
            )
        rows: list[tuple[Any, ...]] = []
        endpoints: list[tuple[Any, ...]] = []
        for finding_id, record in job:
            original = originals.get(record.fingerprint)
            values = record.values
            rows.append(
                (
                    finding_id,
                    record.fingerprint,
                    record.content_hash,
                    *(values[c] for c in CONTENT_COLUMNS),
                    record.active and original is None,
                    record.verified,
                    original is not None,
                    original,
                )
            )
            endpoints.extend(_endpoint_row(finding_id, e) for e in record.endpoints)
        self.writer.insert("findings", INSERT_COLUMNS, rows, constants)
        self.writer.insert("finding_endpoints", ENDPOINT_COLUMNS, endpoints, {"client_id": constants["client_id"]})
        return sum(1 for _, record in job if record.fingerprint in originals)

    def _ids(self, count: int) -> list[int]:
        """``count`` new finding ids from a pool reserved in growing blocks (few round trips, few waits)."""
        if len(self._id_pool) < count:
            self._wait()  # the connection is needed; let the write in flight finish first
            block = max(count, self._id_block)
            self._id_block = min(self._id_block * 4, 50_000)
            self._id_pool.extend(self.writer.allocate_ids("findings", block))
        taken, self._id_pool = self._id_pool[:count], self._id_pool[count:]
        return taken

    def _wait(self) -> None:
        """Wait for the write in flight (re-raising its error) before anything else uses the connection."""
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self.stats.duplicates += pending.result()

    def shutdown(self) -> None:
        """Let any write in flight finish (ignoring its error when the run is already failing) and stop."""
        if self._pending is not None:
            wait([self._pending])
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    def _flush_changed(self) -> None:
        if not self.changed:
            return
        self._wait()
        batch, self.changed = self.changed, []
        old = _old_values(self.writer, [current.id for current, _, _ in batch])
        rows: list[tuple[Any, ...]] = []
        events: list[tuple[Any, ...]] = []
        endpoints: list[tuple[Any, ...]] = []
        for current, record, reactivate in batch:
            self.seen[record.fingerprint] = current.id
            values = record.values
            active = (not current.duplicate) if reactivate else current.active
            rows.append(
                (
                    current.id,
                    *(values[c] for c in CONTENT_COLUMNS),
                    record.content_hash,
                    active,
                    False,
                    None,
                    None,
                    None,
                    self.now,
                )
            )
            changes = _diff(old.get(current.id, {}), values) if current.content_hash != record.content_hash else {}
            kind = "reactivated" if reactivate else "updated"
            reason = f"seen again in {self.stats.kind} #{self.history.id}" if reactivate else None
            events.append((current.id, kind, reason, _dumps(changes)))
            endpoints.extend(_endpoint_row(current.id, e) for e in record.endpoints)
        self.writer.update("findings", UPDATE_COLUMNS, rows)
        clause, params = self.writer.ids_clause("finding_id", [r[0] for r in rows], "ids")
        self.writer.execute(f"DELETE FROM finding_endpoints WHERE client_id = :tenant AND {clause}", params)  # noqa: S608
        self.writer.insert("finding_endpoints", ENDPOINT_COLUMNS, endpoints, self._tenant)
        self.writer.insert("finding_events", EVENT_COLUMNS, events, self._event)

    def _flush_extras(self) -> None:
        self.writer.insert(
            "finding_endpoints",
            ENDPOINT_COLUMNS,
            (_endpoint_row(i, e) for i, e in self.extra_endpoints),
            self._tenant,
        )
        if self.extra_occurrences:
            clause, params = self.writer.ids_clause("id", list(self.extra_occurrences), "ids")
            current: dict[int, int] = dict(
                self.writer.query(
                    f"SELECT id, nb_occurences FROM findings WHERE client_id = :tenant AND {clause}",  # noqa: S608
                    params,
                )
            )
            self.writer.update(
                "findings",
                ("nb_occurences",),
                [(i, current[i] + extra) for i, extra in self.extra_occurrences.items()],
            )

    def close_missing(self) -> None:
        """Reimport: close the test's open findings whose identity is not in the report."""
        gone = [
            e
            for fp, e in self.existing.items()
            if fp not in self.seen and not e.is_mitigated and not (e.false_p or e.out_of_scope or e.risk_accepted)
        ]
        self._close(gone, f"not found in reimport #{self.history.id} of test {self.test.id}")

    def close_others(self) -> None:
        """Import with ``close_old``: close open findings of the engagement's other tests of the same importer."""
        clause, params = self.writer.ids_clause("fingerprint", list(self.seen), "fps")
        rows = self.writer.query(
            "SELECT id, severity, content_hash, active, is_mitigated, false_p, out_of_scope, risk_accepted, duplicate "  # noqa: S608
            "FROM findings f WHERE client_id = :tenant AND engagement_id = :engagement AND test_id <> :test "
            "AND is_mitigated = false AND false_p = false AND out_of_scope = false AND risk_accepted = false "
            "AND test_id IN (SELECT id FROM tests WHERE client_id = :tenant AND importer = :importer) "
            f"AND NOT ({clause})",
            {**params, "engagement": self.test.engagement_id, "test": self.test.id, "importer": self.test.importer},
        )
        found = [_Existing(int(r[0]), str(r[1]), str(r[2]), *map(bool, r[3:])) for r in rows]
        self._close(found, f"not found in import #{self.history.id} (close old)")

    def _close(self, findings: list[_Existing], reason: str) -> None:
        if not findings:
            return
        for start in range(0, len(findings), BATCH * 5):
            chunk = findings[start : start + BATCH * 5]
            clause, params = self.writer.ids_clause("id", [e.id for e in chunk], "ids")
            self.writer.execute(
                "UPDATE findings SET active = false, is_mitigated = true, mitigated_at = :now, mitigated_by = :actor, "  # noqa: S608
                f"mitigated_reason = :reason, updated_at = :now WHERE client_id = :tenant AND {clause}",
                {**params, "now": self.now, "actor": self.actor, "reason": reason},
            )
            self.writer.insert(
                "finding_events",
                EVENT_COLUMNS,
                ((e.id, "closed", reason, "{}") for e in chunk),
                self._event,
            )
            for e in chunk:
                self.stats.closed.add(e.severity)

    def finish(self) -> ImportStatistics:
        """Record the statistics in the import history and a usage event; return them."""
        self.history.statistics = self.stats.to_json_dict()
        self.session.add(self.history)
        self.session.add(
            UsageEvent(
                client_id=self.session.tenant_id,
                kind=f"findings.{self.stats.kind}",
                quantity=self.stats.findings_in_report,
                details={"test_id": self.test.id, **self.stats.totals()},
            )
        )
        self.session.flush()
        log.info("%s into test %s: %s", self.stats.kind, self.test.id, self.stats.totals())
        return self.stats


# -- helpers --------------------------------------------------------------------------------------------------


def _scope_has_originals(writer: BulkWriter, test: Test, engagement: Engagement) -> bool:
    """Whether any other test in the dedup scope has a finding that could be an original (one cheap query).

    When none has (the first import of a product), the per-batch duplicate lookups are skipped.
    """
    scope = "AND engagement_id = :engagement " if engagement.dedupe_on_engagement else ""
    rows = writer.query(
        "SELECT 1 FROM findings WHERE client_id = :tenant AND product_id = :product AND test_id <> :test "  # noqa: S608
        f"AND duplicate = false AND is_mitigated = false {scope}LIMIT 1",
        {"product": test.product_id, "test": test.id, "engagement": engagement.id},
    )
    return bool(rows)


def _load_existing(writer: BulkWriter, test_id: int) -> dict[str, _Existing]:
    rows = writer.query(
        "SELECT fingerprint, id, severity, content_hash, active, is_mitigated, false_p, out_of_scope, risk_accepted, "
        "duplicate FROM findings WHERE client_id = :tenant AND test_id = :test",
        {"test": test_id},
    )
    return {str(r[0]): _Existing(int(r[1]), str(r[2]), str(r[3]), *(bool(v) for v in tuple(r)[4:10])) for r in rows}


def _old_values(writer: BulkWriter, ids: list[int]) -> dict[int, dict[str, Any]]:
    clause, params = writer.ids_clause("id", ids, "ids")
    rows = writer.query(
        f"SELECT id, {', '.join(_RECORDED)} FROM findings WHERE client_id = :tenant AND {clause}",  # noqa: S608
        params,
    )
    return {row[0]: dict(zip(_RECORDED, row[1:], strict=True)) for row in rows}


def _diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """``{field: [old, new]}`` for the recorded fields that changed (long texts shortened)."""
    changes: dict[str, Any] = {}
    for name in _RECORDED:
        before, after = old.get(name), new.get(name)
        if before != after:
            changes[name] = [_short(before), _short(after)]
    return changes


def _short(value: Any) -> Any:
    return value[:500] + "…" if isinstance(value, str) and len(value) > 500 else value


def _dumps(value: Any) -> str:
    return json.dumps(value, default=str)


def _endpoint_row(finding_id: int, endpoint: dict[str, Any]) -> tuple[Any, ...]:
    return (
        finding_id,
        endpoint.get("protocol"),
        endpoint.get("host"),
        endpoint.get("port"),
        endpoint.get("path"),
        endpoint.get("query"),
        endpoint.get("fragment"),
    )
