"""HTML fragments from ZAP become plain text, the same through the fast path and through HTMLParser."""

from __future__ import annotations

import pytest
from secureops_zap.text import html_to_text, shorten


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>a &amp; b</p><p>c</p>", "a & b\nc"),
        ("plain text ", "plain text"),
        ("<p>x</p>\n<ul><li>one</li><li>two &lt;x&gt;</li></ul>", "x\none\ntwo <x>"),
        ("<p>a <b>bold</b> c</p><script>s</script>", "a bold c\ns"),  # not ZAP's markup: HTMLParser path
        ("a<br/>b<BR>c", "a\nb\nc"),
        ("&#39;q&#39; &apos;", "'q' '"),
        ("", ""),
        (None, ""),
    ],
)
def test_html_to_text(html: str | None, text: str) -> None:
    assert html_to_text(html) == text


def test_shorten_says_what_was_cut() -> None:
    assert shorten("abc", 5) == "abc"
    assert shorten("a" * 10, 4) == "aaaa\n[… 6 more characters not kept]"
