"""Stories as bulleted lists with links (pure): a list whose items carry links this often is a
list of stories (``- [t](u) summary``, ``* [owner / repo](u): description``, ``- **Title:** a
paragraph wrapped over lines, its link on the third``)."""

from __future__ import annotations

from collections.abc import Sequence

from .. import rulenames as names
from ..outline import How
from ..tree import Kind
from .base import Doc, Rule

LINKED_SHARE = 0.3


def find(doc: Doc, members: Sequence[int]) -> list[int]:
    lists: dict[int, list[int]] = {}
    for k in members:
        if doc.units[k].kind is Kind.ITEM:
            lists.setdefault(doc.units[k].list_id, []).append(k)
    return [
        k
        for ks in lists.values()
        if (linked := sum(1 for k in ks if doc.item_links(k))) and linked >= LINKED_SHARE * len(ks)
        for k in ks
    ]


RULE = Rule(names.BULLETS, How.BULLETED, True, "bulleted lists with links", find)
