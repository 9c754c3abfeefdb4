"""Feature articles among a newsletter's news: one story however its parts are headed (pure).

A heading that opens a ``<div>`` box is one story, the box its body: a sidebar. A heading
whose body opens with a lead told at length, and whose sub-headings mostly go on
with its subject, is one article; headings of its own level right after it that go on with
that subject are its further parts (a heading-level slip), its body running through them.
"""

from __future__ import annotations

import re

from ..stories import furniture
from ..tree import Kind
from .base import BYLINE, FINER, Doc

LEAD = 600  # characters: an article's lead, not a section's line of introduction


def articles(doc: Doc, stories: set[int]) -> set[int]:
    """A heading whose body opens with an article's lead (paragraphs told at length before its
    first sub-heading) and whose sub-headings mostly go on with its subject (a word of its
    title: "Single-sig spending using Taproot" under "Overview of the Taproot proposals") is
    one story, its sub-headings its parts: a feature article among a newsletter's news."""
    out = set(stories)
    parents = {path[-1] for k in stories if (path := doc.section_path(k))}
    done = 0  # where the last article ended: a part of it is no article of its own
    for p in sorted(parents):
        if p < done or p in out or not 0 < doc.level[p] < 7 or not _lead(doc, p):
            continue
        subs = [k for k in range(p + 1, doc.end_of(p)) if doc.level[k]]
        words = _words(doc.name(p))
        if sum(1 for k in subs if words & _words(doc.name(k))) * 2 < len(subs):
            continue  # its parts go on with its subject; talks, papers, tools each have theirs
        done = _continued(doc, p)
        if done > doc.end_of(p):
            doc.extent[p] = done
        out = {k for k in out if not p < k < done} | {p}
    return out


def boxes(doc: Doc, stories: set[int]) -> set[int]:
    """A heading that opens a box (``<div markdown="1" class="callout">`` around markdown),
    its only heading of that level, is one story however its body is told: the box is a
    sidebar ("Summary: Major releases" over its list of releases), its lists that story's
    points. A box around the whole page is no sidebar."""
    units = doc.units
    out = set(stories)
    for k, unit in enumerate(units):
        if unit.kind is not Kind.HEADING or unit.box != k or (k and units[k - 1].box == k):
            continue
        end = next((j for j in range(k + 1, len(units)) if units[j].box != k), len(units))
        inner = any(0 < doc.level[j] <= unit.level for j in range(k + 1, end))
        if inner or end - k == len(units):  # a heading of its own level inside; the page
            continue
        out = {j for j in out if not k < j < end} | {k}
        doc.extent[k] = end
    return out


def _continued(doc: Doc, p: int) -> int:
    """Where article ``p`` ends: headings of its level right after it that go on with its
    subject (their name shares a word with its title: "Complex spending with Taproot" after
    "Overview of the Taproot proposals"), told in prose, are its further parts."""
    words = _words(doc.name(p))
    end = doc.end_of(p)
    while (
        end < len(doc.units)
        and doc.level[end] == doc.level[p]
        and words & _words(doc.name(end))
        and doc.linked_items(end + 1, doc.end_of(end)) < FINER
        and not furniture(doc.name(end))
    ):
        end = doc.end_of(end)
    return end


def _words(name: str) -> set[str]:
    """A heading's words long enough to name a subject."""
    return set(re.findall(r"[^\W\d_]{5,}", name.casefold()))


def _lead(doc: Doc, k: int) -> bool:
    """Whether heading ``k``'s body opens with paragraphs told at length (two or more, at
    least ``LEAD`` characters) before its first sub-heading, and no run of listed links."""
    end = doc.end_of(k)
    first = next((j for j in range(k + 1, end) if doc.level[j]), end)
    if first == end or doc.linked_items(k + 1, first) >= FINER:
        return False
    lines = [
        u for u in doc.units[k + 1 : first]
        if u.kind is Kind.LINE and u.owner < 0 and not BYLINE.match(u.first.text)
    ]  # fmt: skip
    paras = {u.para for u in lines}
    return len(paras) >= 2 and sum(len(u.first.text) for u in lines) >= LEAD
