"""Stories as bulleted lists with links (pure): a list whose items carry links this often is a
list of stories (``- [t](u) summary``, ``* [owner / repo](u): description``, ``- **Title:** a
paragraph wrapped over lines, its link on the third``)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .. import rulenames as names
from ..outline import How
from ..tree import Kind
from .base import REFERENCE, Doc, Rule

LINKED_SHARE = 0.3
_FACT = re.compile(r"[^:：\n]{1,24}[:：][ \t]*[^:：\n]{0,40}")
PROSE_AFTER = 3  # paragraphs after a list led into by a sentence: an essay's points


def find(doc: Doc, members: Sequence[int]) -> list[int]:
    lists: dict[int, list[int]] = {}
    for k in members:
        if doc.units[k].kind is Kind.ITEM:
            lists.setdefault(doc.units[k].list_id, []).append(k)
    return [
        k
        for ks in lists.values()
        if (linked := sum(1 for k in ks if _linked(doc, k)))
        and linked >= LINKED_SHARE * len(ks)
        and not _fact_box(doc, ks)
        and not _in_prose(doc, ks)
        for k in ks
    ]


def _fact_box(doc: Doc, ks: list[int]) -> bool:
    """A list whose every entry is a short label and a short value (``License: GPL v2``,
    ``Developer: [Prodevelop](u)``, ``Web site: <url>``): facts about one thing, no stories."""
    return (
        len(ks) >= 2
        and all(
            _FACT.fullmatch(doc.units[k].first.text) and doc.units[k].first.lead is None
            for k in ks
        )
        and any(not doc.item_links(k) for k in ks)  # a fact told in words: not all links
    )


def _in_prose(doc: Doc, ks: list[int]) -> bool:
    """A list a sentence leads into (``Since June, we've:``) with the essay going on after
    it, paragraph upon paragraph: the points of that prose, not stories."""
    first, last = ks[0], ks[-1]
    before = first - 1
    if before < 0 or doc.units[before].kind is not Kind.LINE or doc.units[before].owner >= 0:
        return False
    if not doc.units[before].first.text.rstrip().endswith((":", "：")):
        return False
    section = doc.section_path(first)
    paragraphs = set()
    for j in range(last + 1, len(doc.units)):
        unit = doc.units[j]
        if unit.kind is Kind.HEADING or doc.section_path(j) != section:
            break
        if unit.kind is Kind.ITEM and unit.owner < 0:
            return False  # another list: the section's are lists
        if unit.kind is Kind.LINE and unit.owner < 0:
            paragraphs.add(unit.para)
    return len(paragraphs) >= PROSE_AFTER


def _linked(doc: Doc, k: int) -> bool:
    """An item with a link, or led by a reference whose definition the site adds
    (``- [Eclair #1323][] allows…``: a link on the page, none in the file)."""
    return bool(doc.item_links(k)) or REFERENCE.match(doc.units[k].first.source) is not None


RULE = Rule(names.BULLETS, How.BULLETED, True, "bulleted lists with links", find)
