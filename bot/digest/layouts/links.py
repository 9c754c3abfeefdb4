"""Stories as paragraphs that open with their title's link (pure): ``[title](url)`` alone on
its line with its summary in the paragraphs after it, or ``[title](url) — summary``. Two or
more in a file; a label such as ``[查看原文](u)`` is no title."""

from __future__ import annotations

from collections.abc import Sequence

from .. import rulenames as names
from ..outline import How
from .base import Doc, Rule


def find(doc: Doc, members: Sequence[int]) -> list[int]:
    """Linked-title lines that open a paragraph, or follow one in it (one link a line)."""
    found: list[int] = []
    for k in members:
        unit = doc.units[k]
        if doc.linked_lead(k) or (
            found
            and found[-1] == k - 1
            and doc.units[k - 1].para == unit.para
            and doc.linked_lead(k, inside=True)
        ):
            found.append(k)
    return found


RULE = Rule(names.LINKS, How.LINKED, True, "paragraphs opening with a link", find)
