"""A file with none of the other layouts: its bullets are its stories (pure)."""

from __future__ import annotations

from collections.abc import Sequence

from .. import rulenames as names
from ..outline import How
from ..tree import Kind
from .base import Doc, Rule


def find(doc: Doc, members: Sequence[int]) -> list[int]:
    return [k for k in members if doc.units[k].kind is Kind.ITEM and doc.units[k].first.text]


RULE = Rule(names.PLAIN, How.PLAIN, False, "bullets", find)
