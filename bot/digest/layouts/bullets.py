"""Stories as bulleted lists with links (pure): a list whose items carry links this often is a
list of stories (``- [t](u) summary``, ``* [owner / repo](u): description``, ``- **Title:** a
paragraph wrapped over lines, its link on the third``)."""

from __future__ import annotations

from collections.abc import Sequence

from .. import rulenames as names
from ..outline import How
from ..tree import Kind
from .base import REFERENCE, Doc, Rule

LINKED_SHARE = 0.3


def find(doc: Doc, members: Sequence[int]) -> list[int]:
    lists: dict[int, list[int]] = {}
    for k in members:
        if doc.units[k].kind is Kind.ITEM:
            lists.setdefault(doc.units[k].list_id, []).append(k)
    return [
        k
        for ks in lists.values()
        if (linked := sum(1 for k in ks if _linked(doc, k))) and linked >= LINKED_SHARE * len(ks)
        for k in ks
    ]


def _linked(doc: Doc, k: int) -> bool:
    """An item with a link, or led by a reference whose definition the site adds
    (``- [Eclair #1323][] allows…``: a link on the page, none in the file)."""
    return bool(doc.item_links(k)) or REFERENCE.match(doc.units[k].first.source) is not None


RULE = Rule(names.BULLETS, How.BULLETED, True, "bulleted lists with links", find)
