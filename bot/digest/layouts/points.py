"""Points, not stories (pure): units none of which holds a link of its own, inside a
blockquote or led into by a sentence of prose — ``本次更新如下：`` over a release's notes,
``He gives five rules.`` over (1)…(5) with the essay going on after them. A person reads
them as the points of the story they sit in; the section rules pass over them (``layout``),
unless they are all a file holds.
"""

from __future__ import annotations

from ..tree import Kind
from .base import Doc


def points_of_prose(doc: Doc, heads: list[int]) -> bool:
    """Units none of which holds a link of its own, inside a blockquote or led into by a
    sentence of prose (``本次更新如下：``, ``He gives five rules.`` with the essay going on
    after them): a story's points, never the edition's stories."""
    if any(_own_links(doc, k) for k in heads):
        return False
    if all(doc.units[k].quoted for k in heads):
        return True
    before = heads[0] - 1
    if before < 0 or not _prose(doc, before, heads[0]):
        return False
    if doc.units[before].first.text.rstrip().endswith((":", "：")):
        return True
    last = doc.units[heads[-1]]
    for j in range(heads[-1] + 1, len(doc.units)):  # the first paragraph after the last one
        unit = doc.units[j]
        if unit.owner < 0 and (unit.kind is not Kind.LINE or unit.para != last.para):
            return _prose(doc, j, heads[-1])
    return False


def _own_links(doc: Doc, k: int) -> bool:
    """Whether unit ``k`` holds a link itself: a list item in its text or what is nested in
    it, a line in its paragraph (not in the paragraphs a story's body goes on with)."""
    if doc.units[k].kind is Kind.ITEM:
        return doc.item_links(k)
    return doc.paragraph_links(k)


def _prose(doc: Doc, j: int, k: int) -> bool:
    """Whether unit ``j`` is a paragraph of prose in unit ``k``'s section: a plain line, no
    mark, no numbered line, no title (a link in its words it may hold)."""
    unit = doc.units[j]
    return (
        unit.kind is Kind.LINE
        and doc.free(j)
        and not unit.quoted
        and doc.section_path(j) == doc.section_path(k)
        and not doc.numbered_line(j)
        and not unit.first.bold
        and not doc.linked_lead(j)
    )
