"""Turn the HTML fragments ZAP puts in descriptions, solutions and references into plain text.

ZAP 2.10+ writes ``<p>…</p>`` paragraphs (escaped inside the XML, raw inside JSON); older versions write plain
text. The standard library's ``HTMLParser`` is enough: it never fetches anything and expands only the
predefined character references.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

__all__ = ["html_to_text", "shorten"]

_BREAKS = frozenset({"p", "br", "li", "div", "tr", "ul", "ol", "pre", "h1", "h2", "h3", "h4"})
_BLANKS = re.compile(r"\n\s*\n+")
# ZAP's own markup: paragraphs and lists. Text with only these tags takes a fast path (no HTMLParser).
_SIMPLE_TAG = re.compile(r"</?(?:p|br|li|div|tr|ul|ol|pre|h[1-4])\s*/?>", re.IGNORECASE)


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(value: str | None) -> str:
    """Plain text of an HTML fragment: tags dropped, paragraphs kept as lines, entities decoded."""
    if not value:
        return ""
    if "<" not in value and "&" not in value:
        return value.strip()
    simple = _SIMPLE_TAG.sub("\n", value)
    if "<" not in simple:
        text = unescape(simple)
    else:
        collector = _TextCollector()
        collector.feed(value)
        collector.close()
        text = "".join(collector.parts)
    lines = (line.strip() for line in text.splitlines())
    return _BLANKS.sub("\n", "\n".join(line for line in lines if line)).strip()


def shorten(value: str, limit: int) -> str:
    """``value`` cut to ``limit`` characters, saying how much was left out (evidence can be megabytes)."""
    if len(value) <= limit:
        return value
    return f"{value[:limit]}\n[… {len(value) - limit:,} more characters not kept]"
