"""Parse a report into normalised, fingerprinted findings, streaming, with every failure a ReportParseError."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from pydantic import ValidationError

from secureops.core.contracts import Importer
from secureops.core.errors import ReportParseError
from secureops.core.findings import Finding
from secureops.core.registry import Registry
from secureops.core.reports import ParseContext
from secureops.importer.detect import HEAD_BYTES, detect_format
from secureops.importer.fingerprint import fingerprint

__all__ = ["ParsedReport", "normalise", "parse_report"]

log = logging.getLogger(__name__)

AUTO = "auto"


@dataclass
class ParsedReport:
    """The chosen format and importer, and the findings as a lazy iterator (consume it once)."""

    format: str
    importer: Importer
    findings: Iterator[Finding]


class _LimitedReader(io.RawIOBase):
    """Reads ``head`` then the rest of ``stream``; refuses to go past ``limit`` bytes in all."""

    def __init__(self, head: bytes, stream: BinaryIO, limit: int, name: str) -> None:
        self._head = memoryview(head)
        self._stream = stream
        self._limit = limit
        self._seen = 0
        self._name = name

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer)
        if self._head:
            count = min(len(view), len(self._head))
            view[:count] = self._head[:count]
            self._head = self._head[count:]
        else:
            chunk = self._stream.read(len(view))
            count = len(chunk)
            view[:count] = chunk
        self._seen += count
        if self._seen > self._limit:
            raise ReportParseError(f"{self._name} is larger than the {self._limit:,}-byte limit")
        return count

    def close(self) -> None:
        self._stream.close()
        super().close()


def parse_report(
    registry: Registry,
    source: Path | bytes | BinaryIO,
    *,
    format: str = AUTO,
    filename: str | None = None,
    context: ParseContext | None = None,
    max_bytes: int = 512 * 1024 * 1024,
) -> ParsedReport:
    """Pick the importer (``format`` id or auto-detection) and return its findings as a stream.

    The findings carry their ``fingerprint``. Reading is lazy: errors in the middle of a report surface while
    iterating, always as :class:`ReportParseError` (never the importer's own exception type).

    :raises UnknownFormatError: the format is not installed, or auto-detection found no single match.
    :raises ReportParseError: the report is empty, too big or unreadable.
    """
    if isinstance(source, Path):
        filename = filename or source.name
        try:
            stream: BinaryIO = source.open("rb")
        except OSError as err:
            raise ReportParseError(f"cannot read {str(source)!r}: {err.strerror or err}") from None
    elif isinstance(source, bytes | bytearray):
        stream = io.BytesIO(bytes(source))
    else:
        stream = source
    shown = repr(filename) if filename else "the report"
    head = stream.read(HEAD_BYTES)
    if not head.strip():
        stream.close()
        raise ReportParseError(f"{shown} is empty")
    try:
        if format == AUTO:
            format_id, importer = detect_format(registry, head, filename)
        else:
            format_id, importer = format, registry.importer_for(format)
    except Exception:
        stream.close()
        raise
    reader = io.BufferedReader(_LimitedReader(head, stream, max_bytes, shown))
    base = context or ParseContext()
    ctx = base.model_copy(update={"format": format_id, "filename": base.filename or filename})
    return ParsedReport(format_id, importer, normalise(importer, reader, ctx))


def normalise(importer: Importer, stream: BinaryIO, context: ParseContext) -> Iterator[Finding]:
    """Run ``importer.parse`` and yield validated findings with their fingerprints; closes ``stream``."""
    shown = repr(context.filename) if context.filename else "the report"
    with stream:
        identity = importer.identity_fields
        try:
            for index, item in enumerate(importer.parse(stream, context)):
                if not isinstance(item, Finding):
                    raise ReportParseError(
                        f"importer {importer.name!r} yielded {type(item).__name__} #{index}, not a Finding"
                    )
                # The importer handed the finding over: set the host's field in place (validated: it is a str),
                # without a copy or a re-validation per finding.
                object.__setattr__(item, "fingerprint", fingerprint(item, identity, namespace=importer.name))
                item.__pydantic_fields_set__.add("fingerprint")
                yield item
        except ReportParseError:
            raise
        except ValidationError as err:
            first = err.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ReportParseError(f"{shown}: invalid finding ({where}: {first['msg']})") from err
        except (MemoryError, RecursionError) as err:
            raise ReportParseError(f"{shown} is too large or too deeply nested to parse") from err
        except Exception as err:
            log.debug("importer %r failed on %s", importer.name, shown, exc_info=True)
            raise ReportParseError(
                f"{shown} could not be parsed as {context.format}: {type(err).__name__}: {err}"
            ) from err
