"""Items from their heads: title, plain text and links, read from the units (pure).

A heading item's title is its link text (or its text, without its number); a list item's or
numbered line's is the link or bold run that opens it, when a separator or the line's end
follows (``[t](u) — src``, ``**t**：…``), else, in a list item of paragraphs, its first
when that reads as a headline (``- Nixpkgs reached 200,000 commits``, a blank line, ``It
took…``). The text is everything a reader reads of the item, paragraphs on lines of their
own and wrapped lines joined, without 来源/发布时间 metadata, ``摘要：`` labels, machine
timestamps or a generator's note that its summary failed; the links are every link in it,
once each, in order, its web (http/https) addresses before those relative to the
publisher's site.
"""

from __future__ import annotations

import re

from .inline import Inline
from .layout import META, Head, Layout
from .layouts.tagged import TAG
from .models import Item
from .numbers import number
from .outline import How, heading_text
from .text import join
from .tree import Kind, Unit

_WEB = ("http://", "https://")
_SUMMARY = re.compile(r"(?:摘要|概要|简介|summary)[ \t]?[：:][ \t]*", re.IGNORECASE)
_MACHINE_TIME = re.compile(
    r" ?[·|]? ?\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?"
)
# what a generator wrote where its summary failed: no reading (the whole line, nothing more)
_NO_SUMMARY = re.compile(
    r"[\W_]*(?:(?:生成)?摘要(?:生成)?时?(?:出错|失败)|无法生成摘要"
    r"|(?i:error (?:while )?generating (?:the |a )?summary|summary generation (?:failed|error)"
    r"|(?:failed to|unable to|could not) generate (?:the |a )?summary))[\W_]*"
)
# a line that names the item's title once more: ``原文标题: X``, ``Original title: X``
_TITLE_AGAIN = re.compile(
    r"(?:\w{0,4}标题|(?i:(?:original |english )?title))[ \t]?[：:][ \t]*(.+)"
)
_NUMBERED_TITLE = re.compile(r"[0-9０-９]{1,4}[.．、)）]\s*|[(（][0-9０-９]{1,3}[)）]\s*")


_TRAILING = re.compile(r"[\s:：\-–—|]+$")  # what is left where a tagged line's URL was


def _unnumbered(text: str) -> str:
    found = number(text)
    return found.rest if found else text


def title_of(unit: Unit, how: How) -> str:
    first = unit.first
    if how is How.HEADING:
        if first.lead is not None and not first.bold:
            return (
                _NUMBERED_TITLE.sub("", first.lead, count=1) if number(first.lead) else first.lead
            )
        return heading_text(unit)
    if how is How.ROW:
        for cell in unit.lines:
            if cell.links:
                return cell.lead or cell.text
        return ""
    if how is How.TAGGED:
        m = TAG.match(first.text)
        return _TRAILING.sub("", first.text[m.end() :]) if m else ""
    title = first.title or ""
    return _unnumbered(title) if title else ""


def _line_text(line: Inline, *, head: bool = False) -> str:
    """A line's text as the item reads it: no labels, metadata, machine timestamps or a
    generator's note that its summary failed (``生成摘要时出错``: the item has no body)."""
    text = line.text
    if (m := _SUMMARY.match(text)) is not None:
        text = text[m.end() :]
    if not text or (not head and (META.match(text) or _NO_SUMMARY.fullmatch(text))):
        return ""
    return (_MACHINE_TIME.sub("", text) if ":" in text and "T" in text else text).strip()


_MARKS = re.compile(r"[\W_]*")  # a cell of stars or ticks: no letters, no digits
_ROW_NUMBER = re.compile(r"\W*[0-9]{1,4}\W*")


def _row_text(cells: list[Inline]) -> str:
    """A table row as a person reads it: its title cell (the first with a link), then the
    other cells but its leading number and cells of marks alone (a ☆ rating)."""
    titled = next((c for c in cells if c.links), None)
    rest = [
        c
        for n, c in enumerate(cells)
        if c is not titled
        and not _MARKS.fullmatch(c.text)
        and not (n == 0 and _ROW_NUMBER.fullmatch(c.text))
    ]
    return " | ".join(c.text for c in ([titled] if titled else []) + rest if c.text)


# a sentence ends inside it (". The", "！然后"), or a full stop ends it: prose, no headline
_PROSE = re.compile(
    r"[.!?][\"'”’)]*\s+\S|[。！？][\"'”’」』)）]*\S|[^.\s]\.[\"'”’)]*$|。[\"'”’」』)）]*$"
)
HEADLINE_CHARS = 160  # a first paragraph longer than this is prose, not a headline


def _headline(units: list[Unit], head: Head, lead: str) -> str:
    """The first paragraph of a list item of paragraphs (another of its own follows it, a
    blank line between them) when it reads as a headline — one sentence, not ended by a full
    stop, not long: a person reads it as the item's title and the rest as its body; else ""."""
    after = head.index + 1
    if not (
        after < head.end and units[after].kind is Kind.LINE and units[after].owner == head.index
    ):
        return ""
    return lead if len(lead) <= HEADLINE_CHARS and not _PROSE.search(lead) else ""


def _again(block: str, title: str) -> bool:
    """The block only names the item's title again (``原文标题: Crew-9 returns`` under the
    title ``Crew-9 returns``): no body. An original title the item translates stays."""
    m = _TITLE_AGAIN.fullmatch(block)
    return bool(title) and m is not None and m.group(1).split() == title.split()


def build(units: list[Unit], layout: Layout) -> list[Item]:
    """The items of a digest, numbered from 1; heads whose item has no text or link go (with
    a warning)."""
    items: list[Item] = []
    for head in layout.heads:
        title, text, links = _read(units, head)
        if not text and not links:
            layout.warnings.append(f"line {units[head.index].no}: empty item skipped")
            continue
        items.append(Item(len(items) + 1, text, links, head.section, title))
    return items


def _read(units: list[Unit], head: Head) -> tuple[str, str, tuple[str, ...]]:
    unit = units[head.index]
    links: dict[str, None] = {}
    blocks: list[str] = []
    para = -2

    def add(line: Inline, *, new_block: bool, head: bool = False) -> None:
        links.update(dict.fromkeys(line.links))
        text = _line_text(line, head=head)
        if not text:
            return
        if new_block or not blocks:
            blocks.append(text)
        else:
            blocks[-1] = join(blocks[-1], text)

    lead = ""  # a list item's first paragraph
    if head.how is How.HEADING:
        first = unit.first
        links.update(dict.fromkeys(first.links))
        blocks.append(heading_text(unit))
    elif head.how is How.ROW:
        cells = [c for c in unit.lines if c.text or c.links]
        for cell in cells:
            links.update(dict.fromkeys(cell.links))
        blocks.append(_row_text(cells))
    else:
        for n, line in enumerate(unit.lines):
            if n == 0 and unit.kind is Kind.LINE:
                line = Inline(_unnumbered(line.text), line.links, line.lead, line.rest, line.bold)
            add(line, new_block=n == 0, head=n == 0)
        para = unit.para if unit.kind is Kind.LINE else -2
        lead = blocks[0] if blocks and unit.kind is Kind.ITEM else ""
    for body in units[head.index + 1 : head.end]:
        if body.kind is Kind.LINE:
            add(body.first, new_block=body.para != para)
            para = body.para
        elif body.kind in (Kind.ITEM, Kind.HEADING):
            for n, line in enumerate(body.lines):
                add(line, new_block=n == 0)
            para = -2
        elif body.kind is Kind.ROW:
            for cell in body.lines:
                links.update(dict.fromkeys(cell.links))
            row = " | ".join(c.text for c in body.lines if c.text)
            if row:
                blocks.append(row)
            para = -2
    title = title_of(unit, head.how) or _headline(units, head, lead)
    text = "\n".join(b for n, b in enumerate(blocks) if b and not (n and _again(b, title)))
    found = tuple(links)
    web = tuple(u for u in found if u.startswith(_WEB))  # where it points on the web first,
    if len(web) == len(found):  # (a link is either a checked http(s) URL or a site path)
        return title, text, found
    return title, text, (*web, *(u for u in found if not u.startswith(_WEB)))  # then the site
