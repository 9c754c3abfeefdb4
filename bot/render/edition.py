"""An edition as Telegram HTML messages (``parse_mode=HTML``), split to Telegram's limits.

Pure: standard library and ``bot.digest.models`` (the emulator validates it, in tests).
Layout of a message part, zh shown (en: "(cont.)", no 【】)::

    <b>每日碳新闻</b> · 2024年1月8日                 header, first part only

    <b>【新闻】</b>                                  when the section changes
    1. <b><a href="https://…">标题</a></b>           the title, linked to the first source
    正文…… <a href="https://…">财联社</a>            the rest of its body (the text without the
                                                title it repeats), further sources by name

    2. <b>第一句。</b>正文…… <a href="…">微信</a>      no title: the first sentence leads

Compact mode puts one line per item: number and the title (or the first sentence), linked to the
first source, cut to about 60 characters by the cutting rule (cutting.py). Parts split between
items; an item too long for one part is cut at a sentence end, else at whitespace, else between
two characters, its further pieces opening with "3.（续）" and its links riding with its last
piece; a summary over QUOTE_CHARS goes into an expandable blockquote (shown collapsed). Sizes
are counted while building, never by re-parsing; only http(s) links become anchors.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.digest.models import Edition, Item

from .cutting import shorten
from .dates import format_date
from .fragments import BLANK as _BLANK
from .fragments import LINE as _LINE
from .fragments import NONE as _NONE
from .fragments import Html as _Html
from .fragments import escape
from .fragments import join as _join
from .fragments import markup as _markup
from .fragments import plain as _plain
from .fragments import utf16 as _utf16
from .i18n import t
from .pieces import SENTENCE_END as _SENTENCE_END
from .pieces import Cursor as _Cursor
from .pieces import Parts as _Parts
from .sources import http_links, source_names

MAX_VISIBLE = 4096  # UTF-16 units of visible text per message
MAX_RAW = 32 * 1024  # UTF-8 bytes of HTML per message
MIN_VISIBLE = 128  # smallest limits render_edition accepts: a header and a piece always fit
MIN_RAW = 512
COMPACT_CHARS = 60  # a compact headline is cut to this many characters
TITLE_CHARS = 200  # a title up to this long leads as one unbroken link
QUOTE_CHARS = 240  # a summary longer than this (about 5 phone lines) is collapsed
LEAD_REST = 20  # an untitled item's first sentence leads in bold when this much text follows
LABEL_CHARS = 32  # series and section names longer than this are shortened
ALERT_MARK = "🔔"  # before an item that matches one of the chat's alerts

__all__ = ["MAX_RAW", "MAX_VISIBLE", "MIN_RAW", "MIN_VISIBLE", "escape", "format_date",
           "part_positions", "render_edition"]  # fmt: skip

_SURROGATES = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class _Layout:
    """One item, ready to place: ``runs`` may be cut anywhere, the other fragments never."""

    head: _Html  # section line and number: opens the first piece
    cont: _Html  # "3.（续）": opens every further piece
    runs: tuple[tuple[str, bool], ...]  # (text, bold): title, line break, text
    tail: tuple[_Html, ...]  # the anchors, each with the space before it
    quoted: bool = False  # the text goes into an expandable blockquote (a long summary)


def _place(parts: _Parts, layout: _Layout, sep: _Html) -> None:
    """Put one item into the parts: whole if it fits in one part, else in pieces."""
    shut = _QUOTE if layout.quoted else (_NONE, _NONE)
    whole = layout.head + _quote(
        _join([_plain(text, bold=bold) for text, bold in layout.runs]), shut
    )
    whole += _join(layout.tail)
    alone = whole.visible <= parts.max_visible and whole.raw <= parts.max_raw
    if alone and not parts.fits(whole, sep):
        parts.flush()  # the item starts the next part rather than being cut
    if parts.fits(whole, sep):
        parts.add(whole, sep)
        return
    cursor, tail = _Cursor(layout.runs), _join(layout.tail)
    full = (parts.max_visible - layout.cont.visible, parts.max_raw - layout.cont.raw)
    apart = tail.visible * 3 > full[0] or tail.raw * 3 > full[1]  # links too long to ride along
    prefix = layout.head
    while True:
        visible, raw = parts.room(sep)
        if not parts.empty and (2 * visible < parts.max_visible or 2 * raw < parts.max_raw):
            parts.flush()
            continue
        visible, raw = visible - prefix.visible, raw - prefix.raw - shut[0].raw - shut[1].raw
        rest_visible, rest_raw = cursor.rest()
        fits_rest = rest_visible <= visible and rest_raw <= raw
        if fits_rest and (
            apart or (rest_visible + tail.visible <= visible and rest_raw + tail.raw <= raw)
        ):
            parts.add(
                prefix + _quote(cursor.take(visible, raw), shut) + (_NONE if apart else tail), sep
            )
            break
        if fits_rest:  # the rest fits but not with the links: leave some text to go with them
            visible, raw = visible - tail.visible, raw - tail.raw
        body = cursor.take(visible, raw)
        if not body.html and parts.empty:  # pragma: no cover - the minimum limits prevent it
            raise RuntimeError("message limits too small for an item")
        if body.html:
            parts.add(prefix + _quote(body, shut), sep)
            prefix = layout.cont
            cursor.skip_space()
        parts.flush()
    if apart:
        _place_links(parts, layout.cont, layout.tail, sep)


_QUOTE = (_markup("<blockquote expandable>", 0), _markup("</blockquote>", 0))


def _quote(body: _Html, shut: tuple[_Html, _Html]) -> _Html:
    return shut[0] + body + shut[1] if body.html else body


def _place_links(parts: _Parts, cont: _Html, anchors: tuple[_Html, ...], sep: _Html) -> None:
    """Links too long to ride with the text: as many per part as fit, after "3.（续）"."""
    piece = cont
    for anchor in anchors:
        if (
            piece.visible + anchor.visible > parts.max_visible
            or piece.raw + anchor.raw > parts.max_raw
        ):
            parts.flush()
            parts.add(piece, sep)
            piece = cont
        piece += anchor
    parts.flush()
    parts.add(piece, sep)


def _clean(text: str) -> str:
    """Lone surrogates (undecodable input) cannot be sent: they become U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATES.sub("\ufffd", text)
    return text


def _clip(text: str, size: int) -> str:
    return shorten(text, size)


def _runs(
    item: Item,
    body: str,
    rest: str,
    *,
    with_title: bool,
    spans: Sequence[tuple[int, int]] = (),
) -> tuple[tuple[str, bool], ...]:
    """The cuttable part of an item: (text, bold) runs; ``spans`` of its body in bold.

    Spans are offsets in ``body`` (``item.body``: how alerts and search match), which ends
    with ``rest`` (``item.rest``: the text without the title it repeats). An item with no
    title leads with its first sentence in bold.
    """
    title = " ".join(_clean(item.title).split())
    text = _clean(rest)  # stripped, and cleaning keeps offsets
    shift = len(body) - len(rest)
    bold = [False] * len(text)
    if not title:
        first = _SENTENCE_END.search(text)
        lead = first.end() if first else 0
        if len(text[lead:].strip()) < LEAD_REST:  # one sentence and a note: nothing to lead
            lead = 0
        bold[:lead] = [True] * lead
    for start, end in spans:
        for at in range(max(start - shift, 0), min(end - shift, len(text))):
            bold[at] = True
    runs: list[tuple[str, bool]] = []
    for char, strong in zip(text, bold, strict=True):
        if runs and runs[-1][1] == strong:
            runs[-1] = (runs[-1][0] + char, strong)
        else:
            runs.append((char, strong))
    joint = body[len(item.title) : shift]  # a line break, or "" where the text ran on
    head = [(title, True), (joint, False)] if with_title and title and text else []
    if with_title and title and not text:
        head = [(title, True)]
    return tuple(run for run in [*head, *runs] if run[0])


def _anchor(url: str, label: str, *, bold: bool = False, space: str = "") -> _Html:
    html = f'<a href="{escape(url, quote=True)}">{escape(label)}</a>'
    return _markup(space + (f"<b>{html}</b>" if bold else html), len(space) + _utf16(label))


def _within(fragment: _Html, limits: _Html) -> bool:  # half a message: text must still fit
    return 2 * fragment.visible <= limits.visible and 2 * fragment.raw <= limits.raw


def _layout(
    item: Item,
    lang: str,
    *,
    compact: bool,
    section: str,
    limits: _Html,
    spans: Sequence[tuple[int, int]] | None = None,
) -> _Layout:
    """The item's title leads, in bold and linked to its first source; its text follows; the
    other sources close it by name. Compact: the title (or first sentence) alone, linked."""
    head = _plain(t("section", lang, name=section), bold=True) + _LINE if section else _NONE
    head += _plain(
        f"{ALERT_MARK} {item.position}. " if spans is not None else f"{item.position}. "
    )
    cont = _plain(t("continued", lang, n=item.position))
    urls = http_links(_clean(link) for link in item.links)
    title = " ".join(_clean(item.title).split())
    body, rest = item.body, item.rest  # the rest: the text without the title it repeats
    if compact:
        text = _clean(rest)
        first = _SENTENCE_END.search(text)
        headline = _clip(title or " ".join((text[: first.end()] if first else text).split()),
                         COMPACT_CHARS)  # fmt: skip
        if urls and headline:
            linked = _anchor(urls[0], headline)
            if _within(head + linked, limits):
                head, headline, urls = head + linked, "", urls[1:]
        lone: tuple[tuple[str, bool], ...] = ((headline, bool(title)),) if headline else ()
        return _Layout(head, cont, lone, _sources(urls, lang, cont, limits, first=not lone))
    linked = _anchor(urls[0], title, bold=True) if title and urls else _NONE
    leads = bool(linked.html and len(title) <= TITLE_CHARS and _within(head + linked, limits))
    if leads:
        ran_on = len(body) == len(item.title) + len(rest)  # 储能 + 电站建设: no line between
        head += linked + (_LINE if rest and not ran_on else _NONE)
        urls = urls[1:]
    runs = _runs(item, body, rest, with_title=not leads, spans=spans or ())
    quoted = leads and len(rest) > QUOTE_CHARS
    tail = _sources(urls, lang, cont, limits, first=not runs or quoted)
    return _Layout(head, cont, runs, tail, quoted)


def _sources(
    urls: list[str], lang: str, cont: _Html, limits: _Html, *, first: bool
) -> tuple[_Html, ...]:
    """The links by source name, each after a space (``first``: none before the first one)."""
    tail: list[_Html] = []
    for url, name in zip(urls, source_names(urls, lang), strict=True):
        anchor = _anchor(url, name, space="" if first and not tail else " ")
        if cont.visible + anchor.visible <= limits.visible and cont.raw + anchor.raw <= limits.raw:
            tail.append(anchor)
    return tuple(tail)


def _header(edition: Edition, lang: str) -> _Html:
    series = _clip(" ".join(_clean(edition.label).split()), LABEL_CHARS)
    when = _plain(format_date(edition.date, lang), bold=not series)
    return _plain(series, bold=True) + _plain(" · ") + when if series else when


def render_edition(
    edition: Edition,
    *,
    lang: str = "zh",
    compact: bool = False,
    max_visible: int = MAX_VISIBLE,
    max_raw: int = MAX_RAW,
    marks: Mapping[int, Sequence[tuple[int, int]]] | None = None,
    heading: str | None = None,
    footer: str = "",
) -> list[str]:
    """The edition as Telegram HTML message parts, in order, each within both limits.

    ``marks``: item position → spans to bold (in the item's ``body``); those items get 🔔.
    ``heading``: a first line instead of "series · date" (the weekly roundup's).
    ``footer``: a last line (what a chat's topics left out).
    """
    parts = _render(edition, lang, compact, (max_visible, max_raw), marks, heading, footer)
    return parts.done


def part_positions(
    edition: Edition,
    *,
    lang: str = "zh",
    compact: bool = False,
    marks: Mapping[int, Sequence[tuple[int, int]]] | None = None,
    heading: str | None = None,
    footer: str = "",
) -> list[frozenset[int]]:
    """For each part ``render_edition`` makes with these arguments, the positions of the items
    in it (an item cut into pieces is in each part that holds one): what a reader's vote or
    reaction on one message is about."""
    limits = (MAX_VISIBLE, MAX_RAW)
    return _render(edition, lang, compact, limits, marks, heading, footer).tags


def _render(
    edition: Edition,
    lang: str,
    compact: bool,
    limits: tuple[int, int],
    marks: Mapping[int, Sequence[tuple[int, int]]] | None,
    heading: str | None,
    footer: str,
) -> _Parts:
    max_visible, max_raw = limits
    if max_visible < MIN_VISIBLE or max_raw < MIN_RAW:
        raise ValueError(f"limits below {MIN_VISIBLE} visible units / {MIN_RAW} bytes")
    parts = _Parts(max_visible, max_raw)
    if heading:
        parts.add(_plain(_clip(heading, 2 * LABEL_CHARS), bold=True), _NONE)
    else:
        parts.add(_header(edition, lang), _NONE)
    if not edition.items:
        parts.add(_plain(t("no_items", lang)), _BLANK)
    previous, html_limits = "", _Html("", max_visible, max_raw)
    for index, item in enumerate(edition.items):
        section = _clip(" ".join(_clean(item.section).split()), LABEL_CHARS)
        layout = _layout(
            item,
            lang,
            compact=compact,
            section=section if section != previous else "",
            limits=html_limits,
            spans=(marks or {}).get(item.position),
        )
        previous = section
        parts.tag = item.position
        _place(parts, layout, _LINE if compact and index else _BLANK)
    parts.tag = 0
    if footer:
        line = _plain(_clip(footer, 2 * LABEL_CHARS))
        if not parts.fits(line, _BLANK):
            parts.flush()
        parts.add(line, _BLANK)
    parts.flush()
    return parts
