"""Deduplication across tests: a new finding whose identity already exists in the product is a duplicate.

The scope is the product, or the engagement when the engagement asks for it. The original is the oldest
non-duplicate finding with the same fingerprint in another test of the scope that is not mitigated — an
active finding is never linked to a mitigated one (DefectDojo did that, hiding reintroduced vulnerabilities).
"""

from __future__ import annotations

from collections.abc import Sequence

from secureops.importer.bulk import BulkWriter

__all__ = ["find_originals"]


def find_originals(
    writer: BulkWriter,
    fingerprints: Sequence[str],
    *,
    product_id: int,
    engagement_id: int | None,
    exclude_test_id: int,
) -> dict[str, int]:
    """Map each of ``fingerprints`` that already exists in the scope to its original finding's id (one query)."""
    if not fingerprints:
        return {}
    clause, params = writer.ids_clause("fingerprint", list(fingerprints), "fps")
    scope = "AND engagement_id = :engagement " if engagement_id is not None else ""
    rows = writer.query(
        "SELECT fingerprint, min(id) FROM findings "  # noqa: S608
        "WHERE client_id = :tenant AND product_id = :product AND test_id <> :test "
        f"AND duplicate = false AND is_mitigated = false {scope}AND {clause} GROUP BY fingerprint",
        {**params, "product": product_id, "engagement": engagement_id, "test": exclude_test_id},
    )
    return {str(row[0]): int(row[1]) for row in rows}
