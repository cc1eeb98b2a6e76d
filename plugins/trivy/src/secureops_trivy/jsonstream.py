"""An incremental JSON reader: walk the outer containers of a document, decode the inner values whole.

Trivy reports are a few levels of objects and arrays around long arrays of small objects (one per
vulnerability). :class:`JsonCursor` walks the outer levels step by step (``iter_object`` / ``iter_array``)
and hands each small value to the C decoder of the standard library (``JSONDecoder.raw_decode``), so memory
holds one finding at a time while nearly all the decoding work still runs in C. That is what makes it both
bounded in memory and faster than an event-per-token streaming parser driven from Python.

Every error is a :class:`~secureops.ReportParseError` naming the byte-ish offset (character offset into the
decoded text) and what was expected.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from typing import Any, BinaryIO

from secureops import ReportParseError

__all__ = ["JsonCursor"]

_CHUNK = 1 << 18  # characters read per refill (256 KiB: small peak, still few refills)
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
_WALK_DEPTH = 3  # levels skip() walks before decoding the remainder whole


class JsonCursor:
    """A position in a JSON document read from a binary stream, refilled on demand.

    :param stream: UTF-8 (optionally with a BOM) JSON.
    :param max_value_chars: the largest single value :meth:`value` will hold in memory; a bigger one (or a
        malformed one that never ends) raises instead of reading the whole file.
    :param name: how error messages name the document.
    """

    def __init__(self, stream: BinaryIO, *, max_value_chars: int = 64 << 20, name: str = "the report") -> None:
        self._stream = stream
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="strict")
        self._buf = ""
        self._pos = 0
        self._consumed = 0  # characters dropped from the front of the buffer
        self._eof = False
        self._max = max_value_chars
        self.name = name

    # --- low level ---------------------------------------------------------------------------------------------

    @property
    def offset(self) -> int:
        """Character offset of the cursor in the whole document (for error messages)."""
        return self._consumed + self._pos

    def error(self, message: str) -> ReportParseError:
        """A :class:`ReportParseError` for ``message`` at the current offset (saying so when the text ran out)."""
        if self._eof and self._pos >= len(self._buf):
            return ReportParseError(
                f"{self.name}: {message}, but the report ends at character {self.offset:,} (truncated?)"
            )
        return ReportParseError(f"{self.name}: {message} at character {self.offset:,}")

    def _fill(self, want: int = _CHUNK) -> bool:
        """Append at least ``want`` more characters if the stream has them; False at end of stream."""
        if self._eof:
            return False
        if self._pos > _CHUNK:  # drop what was consumed, so the buffer stays about one chunk long
            self._consumed += self._pos
            self._buf = self._buf[self._pos :]
            self._pos = 0
        added = 0
        while added < want:
            raw = self._stream.read(max(want, _CHUNK))
            try:
                text = self._decoder.decode(raw, final=not raw)
            except UnicodeDecodeError as err:
                raise ReportParseError(f"{self.name} is not UTF-8 text ({err.reason})") from None
            self._buf += text
            added += len(text)
            if not raw:
                self._eof = True
                break
        return added > 0

    def _skip_ws(self) -> None:
        buf, pos = self._buf, self._pos
        if pos < len(buf) and buf[pos] not in " \t\n\r":  # the usual case: nothing to skip
            return
        while True:
            end = _WHITESPACE.match(self._buf, self._pos).end()  # type: ignore[union-attr]
            self._pos = end
            if end < len(self._buf) or not self._fill():
                return

    def peek(self) -> str:
        """The next non-whitespace character, without consuming it; ``""`` at the end of the document."""
        self._skip_ws()
        return self._buf[self._pos] if self._pos < len(self._buf) else ""

    def _expect(self, char: str, what: str) -> None:
        found = self.peek()
        if found != char:
            shown = repr(found) if found else "end of file"
            raise self.error(f"expected {what}, found {shown}")
        self._pos += 1

    # --- values ------------------------------------------------------------------------------------------------

    def value(self) -> Any:
        """Decode the next complete JSON value (any type) and move past it."""
        self._skip_ws()
        while True:
            try:
                result, end = _DECODER.raw_decode(self._buf, self._pos)
            except json.JSONDecodeError as err:
                relative = err.pos - self._pos  # the buffer may be compacted by _grow(); keep the distance
                if self._grow():
                    continue
                where = self.offset + relative
                raise ReportParseError(f"{self.name}: malformed JSON: {err.msg} at character {where:,}") from None
            except RecursionError:
                raise self.error("JSON nested too deeply") from None
            # A number (or literal) that ends exactly at the end of the buffer may continue in the next chunk.
            if end == len(self._buf) and self._grow():
                continue
            self._pos = end
            return result

    def _grow(self) -> bool:
        """Read more so that a value that did not fit can be retried; False when there is no more."""
        if len(self._buf) - self._pos > self._max:
            raise self.error(f"a single JSON value is larger than {self._max:,} characters")
        return self._fill(max(_CHUNK, len(self._buf) - self._pos))

    def skip(self, _depth: int = 0) -> None:
        """Move past the next value without keeping it.

        Arrays and objects are walked rather than decoded whole, so a large package list costs no memory;
        below a few levels the rest is decoded whole (small, and it keeps the Python recursion shallow).
        """
        char = self.peek()
        if char == "[" and _depth < _WALK_DEPTH:
            for _ in self.iter_array():
                self.skip(_depth + 1)
        elif char == "{" and _depth < _WALK_DEPTH:
            for _ in self.iter_object():
                self.skip(_depth + 1)
        else:
            self.value()

    # --- containers --------------------------------------------------------------------------------------------

    def iter_array(self) -> Iterator[int]:
        """Enter an array; yield each element's index. The caller must consume the element before resuming."""
        self._expect("[", "'['")
        if self.peek() == "]":
            self._pos += 1
            return
        index = 0
        while True:
            yield index
            index += 1
            char = self.peek()
            if char == "]":
                self._pos += 1
                return
            self._expect(",", "',' or ']' in an array")

    def iter_values(self) -> Iterator[Any]:
        """Enter an array and yield each element decoded whole (the hot path: one finding per element)."""
        for _ in self.iter_array():
            buf, pos = self._buf, self._pos
            # Fast path: the element starts right here and ends well inside the buffer.
            if pos < len(buf) and buf[pos] == "{":
                try:
                    result, end = _DECODER.raw_decode(buf, pos)
                except (json.JSONDecodeError, RecursionError):
                    result, end = None, -1
                if 0 < end < len(buf):
                    self._pos = end
                    yield result
                    continue
            yield self.value()  # whitespace, a chunk boundary or an error: the careful way

    def iter_object(self) -> Iterator[str]:
        """Enter an object; yield each key. The caller must consume the key's value before resuming."""
        self._expect("{", "'{'")
        if self.peek() == "}":
            self._pos += 1
            return
        while True:
            if self.peek() != '"':
                raise self.error("expected a string key in an object")
            key = self.value()
            self._expect(":", "':' after an object key")
            yield key
            char = self.peek()
            if char == "}":
                self._pos += 1
                return
            self._expect(",", "',' or '}' in an object")

    def at_end(self) -> bool:
        """True when only whitespace is left."""
        return self.peek() == ""
