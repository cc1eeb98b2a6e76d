"""``ijson.parse``-style ``(prefix, event, value)`` events with a nesting limit.

``ijson.parse`` builds each event's prefix string from the full path, so a few hundred kilobytes of ``[[[[…``
cost quadratic time. This builds the same events from ``ijson.basic_parse`` (linear) and refuses documents
nested deeper than any ZAP report could be.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

import ijson  # type: ignore[import-untyped]  # ships no type information

from secureops import ReportParseError

__all__ = ["MAX_DEPTH", "events", "reason"]

MAX_DEPTH = 32
"""ZAP's deepest JSON path is site → alerts → alert → instances → instance → field (tags add one)."""


_BOM = b"\xef\xbb\xbf"


class _AfterBom:
    """``stream`` with a leading UTF-8 byte-order mark removed (yajl refuses one; some editors add it)."""

    def __init__(self, stream: BinaryIO) -> None:
        head = stream.read(len(_BOM))
        self._head = b"" if head == _BOM else head
        self._stream = stream

    def read(self, size: int = -1) -> bytes:
        if not self._head or size == 0:  # ijson probes with read(0) to tell bytes from text
            return self._stream.read(size)
        head, self._head = self._head, b""
        if size is None or size < 0:
            return head + self._stream.read()
        return head + self._stream.read(max(0, size - len(head)))


def reason(err: Exception) -> str:
    """The first line of an ijson/yajl error (yajl adds a multi-line excerpt with an arrow)."""
    return (str(err).strip().splitlines() or ["unknown error"])[0].strip()


def events(stream: BinaryIO, what: str) -> Iterator[tuple[str, str, Any]]:
    """The document's events, like ``ijson.parse``; ``what`` names the format in error messages."""
    stack: list[tuple[str, bool]] = []  # (container prefix, is an array)
    current = ""  # the prefix of the next value
    for event, value in ijson.basic_parse(_AfterBom(stream)):
        if event == "map_key":
            base = stack[-1][0]
            yield base, event, value
            current = f"{base}.{value}" if base else str(value)
        elif event == "start_map" or event == "start_array":
            if len(stack) >= MAX_DEPTH:
                raise ReportParseError(f"{what} is nested more than {MAX_DEPTH} levels deep; refused")
            yield current, event, None
            array = event == "start_array"
            stack.append((current, array))
            if array:
                current = f"{current}.item" if current else "item"
        elif event == "end_map" or event == "end_array":
            prefix, _ = stack.pop()
            yield prefix, event, None
            if stack and stack[-1][1]:
                current = f"{stack[-1][0]}.item" if stack[-1][0] else "item"
        else:
            yield current, event, value
