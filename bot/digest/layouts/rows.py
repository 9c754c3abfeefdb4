"""Stories as table rows with links (pure): a markdown or HTML ``<table>`` whose body rows are
the stories (papers, repositories), its head row not one."""

from __future__ import annotations

from collections.abc import Sequence

from .. import rulenames as names
from ..outline import How
from ..tree import Kind
from .base import Doc, Rule


def find(doc: Doc, members: Sequence[int]) -> list[int]:
    return [
        k
        for k in members
        if doc.units[k].kind is Kind.ROW
        and not doc.units[k].header
        and any(cell.links for cell in doc.units[k].lines)
    ]


RULE = Rule(names.ROWS, How.ROW, True, "table rows with links", find)
