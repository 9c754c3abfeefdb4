"""The top of a digest's body: its title heading, its date line, the heading that only
dates it (part of ``reading``, pure).

A ``#`` heading that opens the document is its title, not a section; a heading that says the
title again reads as a blank line; ``###2015-08-18`` (no space after the marks) is a heading
as its writer meant.
"""

from __future__ import annotations

import re
from dataclasses import replace

from .dating import DATELINE
from .inline import Inline
from .tree import Kind, Unit

DATELINE_UNITS = 8  # a date line is among the first units of the body
_TIGHT_HEADING = re.compile(r"(?m)^( {0,3}#{2,6})(?=[^#\s])(?=.{1,80}$)")
_FENCE = re.compile(r"(?m)^ {0,3}(?:`{3,}|~{3,})")


def tighten(body: str) -> str:
    """``###2015-08-18`` and ``####python`` (no space after the marks) are headings: digests
    write them so; code blocks are left alone."""
    if "#" not in body or _TIGHT_HEADING.search(body) is None:
        return body
    if _FENCE.search(body) is None:
        return _TIGHT_HEADING.sub(r"\1 ", body)
    out, fenced = [], False
    for part in re.split(r"(\n)", body):
        if _FENCE.match(part):
            fenced = not fenced
        out.append(part if fenced else _TIGHT_HEADING.sub(r"\1 ", part))
    return "".join(out)


def opens(found: list[Unit], heading: Unit) -> bool:
    """Whether ``heading`` comes before any text of the document."""
    for unit in found:
        if unit is heading:
            return True
        if unit.kind in (Kind.LINE, Kind.ITEM, Kind.ROW) and unit.first.text:
            return False
    return False


def dateline(found: list[Unit]) -> str:
    """The line near the top that says when the edition was published, or ""."""
    for unit in found[:DATELINE_UNITS]:
        if unit.kind is Kind.LINE and DATELINE.match(unit.first.text):
            return unit.first.text
    return ""


def first_text(found: list[Unit]) -> str:
    return next((u.first.text for u in found if u.kind is Kind.LINE and u.first.text), "")


def first_line(found: list[Unit]) -> int | None:
    return next((u.no for u in found if u.kind is Kind.LINE and u.first.text), None)


def key_line(header: list[str], key: str) -> int | None:
    """The file line of a front matter (or Pelican) key, when it has one."""
    start = key.lower() + ":"
    return next((k + 1 for k, line in enumerate(header) if line.lower().startswith(start)), None)


def title_heading(found: list[Unit], headings: list[Unit], h1: list[Unit]) -> Unit | None:
    """The ``#`` heading that opens the document as its title: the only one; or, of several,
    the first when it is the first heading and no link follows it before the next heading
    (several ``#`` headings each over a linked story are stories, none the title)."""
    if not h1 or headings[0] is not h1[0]:
        return None
    if len(h1) == 1:
        return h1[0]
    start = found.index(h1[0]) + 1
    for unit in found[start:]:
        if unit.kind is Kind.HEADING:
            return h1[0]
        if unit.first.links:
            return None
    return h1[0]


def without_title(found: list[Unit], top: Unit | None, title: str) -> list[Unit]:
    """The title heading, when there is one, is not a section: it reads as a blank line; so
    does a heading that says the document's title again (``# TLDR 9`` then ``## Too Long;
    Didn't Read Issue 9``, the front matter's title): what is under it is the introduction."""
    same = plain(title)

    def is_title(unit: Unit) -> bool:
        if unit is top:
            return True
        return bool(same) and unit.kind is Kind.HEADING and plain(unit.first.text) == same

    if top is None and not same:
        return found
    blank = [Inline("", ())]
    return [replace(u, kind=Kind.RULE, lines=blank) if is_title(u) else u for u in found]


def plain(text: str) -> str:
    return " ".join(text.split()).casefold()
