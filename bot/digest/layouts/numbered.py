"""Stories as numbered units: ordered lists, and lines that continue a numbering (``1、``
``１．`` ``(1)`` ``①`` ``**1、t**``, ``1.1月5日``) (pure).

A list is a list whatever its numbers say (a gap is a warning); a numbered line is a story
only when it continues its style's sequence across the file (the next number, 1 to restart,
a small jump with a warning), so a wrapped ``2023. …`` line is not one. Where numbered lines
without links group sub-numbered ones with links (``1、**theme**`` over ``1.1 [t](u)`` and
``1.2 [t](u)``), the sub-numbered lines are the stories, their groups' lines are not.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .. import rulenames as names
from ..numbers import number
from ..outline import How
from ..tree import Kind
from .base import Doc, Rule

_SUB = re.compile(r"[0-9]{1,2}[.．][0-9]{1,2}[ \t　]+\S")


def find(doc: Doc, members: Sequence[int]) -> list[int]:
    if subs := _sub_numbered(doc, members):
        return subs
    found: list[int] = []
    style = ""
    # the points of a quote are the quote's (a story quoting "1. … 7." steps), when the
    # section numbers its own lines too
    quotes = not any(
        u.kind is Kind.LINE and not u.quoted and number(u.first.text) is not None
        for u in (doc.units[k] for k in members)
    )
    for k in members:
        unit = doc.units[k]
        if unit.quoted and not quotes:
            continue
        if unit.kind is Kind.ITEM and unit.ordered:
            doc.list_number(unit)
            found.append(k)
        elif unit.kind is Kind.LINE and (numbered := number(unit.first.text)) is not None:
            if style and numbered.family != style:
                continue
            if doc.numbering.accept(numbered.family, numbered, unit.no):
                style = numbered.family
                found.append(k)
    return found


RULE = Rule(names.NUMBERED, How.NUMBERED, True, "numbered", find)


def _sub_numbered(doc: Doc, members: Sequence[int]) -> list[int]:
    """Sub-numbered lines with links under numbered lines without (see the module doc)."""
    subs: list[int] = []
    groups = 0
    for k in members:
        unit = doc.units[k]
        if unit.kind is not Kind.LINE:
            continue
        if _SUB.match(unit.first.text):
            if not unit.first.links:
                return []
            subs.append(k)
        elif number(unit.first.text) is not None:
            if unit.first.links:
                return []
            groups += 1
    return subs if groups and len(subs) >= 2 else []
