"""HTML fragments that know what they cost in a Telegram message: visible UTF-16 units and
raw UTF-8 bytes once escaped (pure; part of rendering: edition.py builds messages of them)."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate


def escape(text: str, *, quote: bool = False) -> str:
    """Escape ``&``, ``<``, ``>`` for Telegram HTML; with ``quote`` also ``"`` (attributes)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;") if quote else text


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def raw_cost(c: str) -> int:
    """UTF-8 bytes of one character once escaped."""
    if c < "\x80":
        return 5 if c == "&" else 4 if c in "<>" else 1
    return 2 if c < "\u0800" else 3 if c < "\U00010000" else 4


@dataclass(frozen=True, slots=True)
class Html:
    """A fragment of HTML with its cost: visible UTF-16 units and raw UTF-8 bytes."""

    html: str = ""
    visible: int = 0
    raw: int = 0

    def __add__(self, other: Html) -> Html:
        return Html(self.html + other.html, self.visible + other.visible, self.raw + other.raw)


def markup(html: str, visible: int) -> Html:
    return Html(html, visible, len(html.encode("utf-8")))


def plain(text: str, *, bold: bool = False) -> Html:
    html = escape(text)
    return markup(f"<b>{html}</b>" if bold else html, utf16(text))


def join(fragments: tuple[Html, ...] | list[Html]) -> Html:
    html = "".join(f.html for f in fragments)
    return Html(html, sum(f.visible for f in fragments), sum(f.raw for f in fragments))


NONE, LINE, BLANK = Html(), markup("\n", 1), markup("\n\n", 2)


def costs(text: str) -> tuple[list[int], list[int]]:
    """Cumulative visible units and escaped bytes of each prefix of ``text``."""
    visible = list(accumulate((1 + (c > "\uffff") for c in text), initial=0))
    return visible, list(accumulate(map(raw_cost, text), initial=0))
