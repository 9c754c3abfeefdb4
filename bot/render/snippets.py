"""Search hits as Telegram HTML: a ~80-character snippet around the first match, matches bold.

Pure. Match offsets come from the normalised text; normalisation keeps lengths, so they are
offsets in the original text too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from .edition import escape, format_date
from .i18n import t

SNIPPET_CHARS = 80


def snippet(text: str, spans: Sequence[tuple[int, int]], *, width: int = SNIPPET_CHARS) -> str:
    """HTML of ``text`` cut to about ``width`` characters around the first span, spans bold."""
    text = " ".join(text.split("\n"))
    first = spans[0][0] if spans else 0
    start = max(0, min(first - width // 3, len(text) - width))
    end = min(len(text), start + width)
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
    """The item's links as anchors: 原文, or 原文1 原文2 …"""
    urls = [u for u in links if u.startswith(("http://", "https://"))]
    if len(urls) == 1:
        return f'<a href="{escape(urls[0], quote=True)}">{escape(t("link", lang))}</a>'
    return " ".join(
        f'<a href="{escape(u, quote=True)}">{escape(t("link_n", lang, n=n))}</a>'
        for n, u in enumerate(urls, 1)
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
