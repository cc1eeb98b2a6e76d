"""Findings under construction: one per aggregation key, in first-seen order, with bounded descriptions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from secureops import Endpoint, Finding

__all__ = ["Draft", "Drafts"]

_MAX_SECTIONS = 50
"""Descriptions keep the first sections (one per place the issue was seen); endpoints keep every place."""


class Draft:
    """A finding that later hosts may still add endpoints and description sections to."""

    def __init__(self, fields: dict[str, Any]) -> None:
        self.fields = fields
        self.sections: list[str] = []
        self.hidden = 0
        self.endpoints: list[Endpoint] = []
        self._seen: set[Endpoint] = set()
        self.occurrences = 0

    def add(self, endpoint: Endpoint, section: str, *, count: bool = True) -> None:
        """Record one more place the issue was seen (a repeated endpoint is kept once)."""
        if count:
            self.occurrences += 1
        if len(self.sections) < _MAX_SECTIONS:
            self.sections.append(section)
        else:
            self.hidden += 1
        if endpoint not in self._seen:
            self._seen.add(endpoint)
            self.endpoints.append(endpoint)

    def build(self) -> Finding:
        """The finished, validated finding."""
        description = "\n\n-----\n\n".join(self.sections)
        if self.hidden:
            description += f"\n\n… and {self.hidden} more occurrences (see the endpoints)."
        extra: dict[str, Any] = {"nb_occurences": self.occurrences} if self.occurrences else {}
        return Finding(
            **self.fields,
            **extra,
            description=description,
            endpoints=self.endpoints,
            dynamic_finding=True,
        )


class Drafts(dict[str, Draft]):
    """Drafts by aggregation key; iteration order is the order keys were first seen (DefectDojo's order)."""

    def get_or_add(self, key: str, **fields: Any) -> Draft:
        """The draft for ``key``, created with ``fields`` when the key is new (later fields are ignored)."""
        draft = self.get(key)
        if draft is None:
            draft = self[key] = Draft(fields)
        return draft

    def drain(self) -> Iterator[Finding]:
        """Build the findings in order, letting go of each draft as its finding is handed out."""
        pending: list[Draft | None] = list(self.values())
        self.clear()
        for index, draft in enumerate(pending):
            pending[index] = None
            assert draft is not None
            yield draft.build()
