"""What both Nikto layouts share: findings under construction, titles, severities and dates."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

from secureops import Endpoint, Finding, Severity

__all__ = ["Drafts", "Place", "first_sentence", "osvdb_severity", "report_date"]

Place = tuple[str, str] | tuple[str, str | None, int | None, str | None, str | None]
"""Where an entry was seen, kept small until its finding is built: ``("url", iplink)``, ``("path", uri)`` or
``("parts", host, port, path, query)``. A pydantic Endpoint per entry would triple the memory of a big report."""

_MAX_TITLE = 900
_MAX_SECTIONS = 50
_SENTENCE_END = re.compile(r"[.?]\s")
# "e.g. x" or "Mr. X" do not end a sentence.
_ABBREVIATION = re.compile(r"(?:\b\w\.\w\.|\b[A-Z][a-z]\.)$")


def first_sentence(text: str) -> str:
    """The text up to its first sentence end (kept whole when there is none), at most 900 characters."""
    for match in _SENTENCE_END.finditer(text):
        head = text[: match.start() + 1]
        if not _ABBREVIATION.search(head):
            return head[:_MAX_TITLE]
    return text[:_MAX_TITLE]


def osvdb_severity(osvdb: object) -> Severity:
    """Nikto has no severities: like DefectDojo, Medium when the check links an OSVDB entry, Info otherwise."""
    return Severity.INFO if str(osvdb if osvdb is not None else "0").strip() in ("", "0") else Severity.MEDIUM


def report_date(value: object) -> dt.date | None:
    """The date of Nikto's ``2020-11-16 03:45:07`` (JSON: ``… +0000``) start times; ``None`` when unreadable."""
    match = re.match(r"^\s*(\d{4})-(\d{2})-(\d{2})", str(value or ""))
    if not match:
        return None
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


class _Draft:
    def __init__(self, fields: dict[str, Any]) -> None:
        self.fields = fields
        self.sections: list[str] = []
        self.hidden = 0
        self.places: dict[Place, None] = {}  # an ordered set
        self.count = 0
        self.mixed_ids = False

    def add(self, fields: dict[str, Any], place: Place | None, section: str) -> None:
        self.count += 1
        for name in ("vuln_id_from_tool", "unique_id_from_tool"):
            self.mixed_ids |= fields.get(name) != self.fields.get(name)
        if len(self.sections) < _MAX_SECTIONS:
            self.sections.append(section)
        else:
            self.hidden += 1
        if place is not None:
            self.places[place] = None

    def build(self) -> Finding:
        fields = dict(self.fields)
        if self.mixed_ids:  # an aggregate of several checks has no single check's ids
            fields["vuln_id_from_tool"] = fields["unique_id_from_tool"] = None
        description = "\n-----\n".join(self.sections)
        if self.hidden:
            description += f"\n-----\n… and {self.hidden} more occurrences (see the endpoints)."
        return Finding(
            **fields,
            description=description,
            endpoints=list(dict.fromkeys(_endpoint(place) for place in self.places)),
            nb_occurences=self.count,
            dynamic_finding=True,
        )


class Drafts:
    """Findings by identity (title, severity, payload), in first-seen order."""

    def __init__(self) -> None:
        self._drafts: dict[tuple[str, str, str | None], _Draft] = {}

    def add(self, fields: dict[str, Any], place: Place | None, section: str) -> None:
        """Merge one Nikto item into the finding with the same identity, or start a new one."""
        title = str(fields["title"])[:_MAX_TITLE] or "Nikto finding"
        fields["title"] = title
        key = (title, str(fields["severity"]), fields.get("payload"))
        draft = self._drafts.get(key)
        if draft is None:
            draft = self._drafts[key] = _Draft(fields)
        draft.add(fields, place, section)

    def findings(self) -> Iterator[Finding]:
        """Build the findings in order, letting go of each draft as its finding is handed out."""
        pending: list[_Draft | None] = list(self._drafts.values())
        self._drafts.clear()
        for index, draft in enumerate(pending):
            pending[index] = None
            assert draft is not None
            yield draft.build()


def _endpoint(place: Place) -> Endpoint:
    if len(place) == 5:
        _, host, port, path, query = place
        return Endpoint(host=host, port=port, path=path, query=query)
    kind, text = place
    # A URL that cannot be split becomes a path-only endpoint: the finding keeps it either way.
    return Endpoint.from_url(text) if kind == "url" else Endpoint(path=text)
