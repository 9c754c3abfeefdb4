"""Search hits as Telegram HTML: a ~80-character snippet around the first match, matches bold.

Pure. Match offsets come from the normalised text; normalisation keeps lengths, so they are
offsets in the original text too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from .cutting import forbidden
from .edition import format_date
from .fragments import escape
from .i18n import t
from .sources import source_names

SNIPPET_CHARS = 80


def snippet(text: str, spans: Sequence[tuple[int, int]], *, width: int = SNIPPET_CHARS) -> str:
    """HTML of ``text`` cut to about ``width`` characters around the first span, spans bold."""
    text = " ".join(text.split("\n"))
    first = spans[0][0] if spans else 0
    start = max(0, min(first - width // 3, len(text) - width))
    end = min(len(text), start + width)
    inside = forbidden(text)  # the cutting rule: never inside a word or a number
    while start in inside and start < first:
        start += 1
    last = spans[0][1] if spans else 0
    while end in inside and end > max(last, start + 1):
        end -= 1
    out: list[str] = ["…" if start > 0 else ""]
    at = start
    for s, e in spans:
        s, e = max(s, start), min(e, end)
        if s >= e:
            continue
        out.append(escape(text[at:s]))
        out.append(f"<b>{escape(text[s:e])}</b>")
        at = e
    out.append(escape(text[at:end]))
    out.append("…" if end < len(text) else "")
    return "".join(out)


def anchors(links: Sequence[str], lang: str) -> str:
    """The item's links as anchors named by their source (财联社, GitHub …)."""
    urls = [u for u in links if u.startswith(("http://", "https://"))]
    return " ".join(
        f'<a href="{escape(u, quote=True)}">{escape(name)}</a>'
        for u, name in zip(urls, source_names(urls, lang), strict=True)
    )


def hit_html(
    *,
    date: dt.date,
    position: int,
    body: str,
    spans: Sequence[tuple[int, int]],
    links: Sequence[str],
    lang: str,
    series: str = "",
) -> str:
    """One hit: its series (when the bot has several), the edition date and item number, the
    snippet, the links."""
    where = f"{series} · {format_date(date, lang)}" if series else format_date(date, lang)
    head = f"<b>{escape(where)}</b> · {escape(t('item_n', lang, n=position))}"
    links_html = anchors(links, lang)
    return f"{head}\n{snippet(body, spans)}" + (f" {links_html}" if links_html else "")
