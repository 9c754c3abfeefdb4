"""Stories as numbered units: ordered lists, and lines that continue a numbering (``1、``
``１．`` ``(1)`` ``①`` ``**1、t**``, ``1.1月5日``) (pure).

A list is a list whatever its numbers say (a gap is a warning); a numbered line is a story
only when it continues its style's sequence across the file (the next number, 1 to restart,
a small jump with a warning), so a wrapped ``2023. …`` line is not one.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..numbers import number
from ..outline import How
from ..tree import Kind
from .base import Doc, Rule


def find(doc: Doc, members: Sequence[int]) -> list[int]:
    found: list[int] = []
    style = ""
    for k in members:
        unit = doc.units[k]
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


RULE = Rule("numbered", How.NUMBERED, True, "numbered", find)
