"""The frame around a digest's stories (pure): what a layout leaves out or adds whole.

What comes before the first story heading is the introduction (``intros``), but for a
linked paragraph under a bold label, news put first (``alerts``: ``**Security Alert**: …``);
a heading with no link ahead of the file's first section its preface (``without_preface``);
a section whose body is an included article is that one story (``embedded``); the linked
paragraphs and entries a template is learned from (``blocks``); a file whose paragraphs say
far more than its only bullets is one article, the bullets its points (``told_in_prose``).
May import the outline, the layouts' ``Doc`` and stories.py; never layout.py.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from .layouts.base import Doc
from .outline import How
from .stories import candidate_links, furniture
from .tree import Kind

# a label that speaks of the publication itself ("Newsletter Restart", "Note on Format",
# "Editor's note", "本期导读"): the introduction's own furniture, never a story
_ABOUT_US = re.compile(
    r"(?i)\b(?:newsletters?|editions?|digest|format|welcome|editor\W?s|note (?:on|from|about)"
    r"|programming note|housekeeping|this (?:issue|week|month)|today)\b"
    r"|本期|本刊|本周|今日|周刊|周报|日报|编者|导读|前言|说明"
)
PROSE = 2  # times the bullets' text the paragraphs around them run to: an article's points


def told_in_prose(doc: Doc, bullets: list[int]) -> bool:
    """Whether a file's paragraphs outside its bullets say far more than the bullets do
    (``PROSE`` times): one article with a list of features or a fact box in it."""
    inside = set(bullets)
    for j, unit in enumerate(doc.units):
        if unit.owner >= 0 and doc.units[unit.owner].kind is Kind.ITEM:
            inside.add(j)
    listed = sum(len(line.text) for j in inside for line in doc.units[j].lines)
    prose = sum(
        len(unit.first.text)
        for j, unit in enumerate(doc.units)
        if j not in inside and unit.kind is Kind.LINE and unit.owner < 0
    )
    return prose > PROSE * listed


def blocks(doc: Doc) -> list[int]:
    """The file's paragraphs and list items that open with a link: what a template is made
    of whether or not this file's layout took them for candidates."""
    return [
        k
        for k, unit in enumerate(doc.units)
        if unit.first.lead is not None
        and unit.first.links
        and unit.owner < 0
        and (unit.kind is Kind.ITEM or doc.opens_paragraph(k))
    ]


def embedded(
    doc: Doc, found: list[tuple[int, How]], embeds: frozenset[int]
) -> list[tuple[int, How]]:
    """A section of the kind that holds the stories, with none of them but a tag that puts an
    article there (a field report, a guest column: ``{% include articles/x.md %}``) between
    sections, is that article: one story, its heading the title."""
    if not embeds or not found:
        return []
    units, starts = doc.units, {k for k, _ in found}
    lines = sorted(embeds)  # each heading looks its range up, not every tag
    levels = {doc.level[path[-1]] for k in starts if (path := doc.section_path(k))}
    levels |= {doc.level[k] for k, how in found if how is How.HEADING}
    out = []
    for k, unit in enumerate(units):
        if doc.level[k] not in levels or unit.kind is not Kind.HEADING or k in starts:
            continue
        end = doc.end_of(k)
        if end >= len(units):  # tags after the last section: the site's footer machinery
            continue
        stop = units[end].no
        if not any(j in starts for j in range(k, end)) and bisect_right(
            lines, unit.no
        ) < bisect_left(lines, stop):
            out.append((k, How.HEADING))
    return out


def without_preface(doc: Doc, headings: list[int]) -> list[int]:
    """Heading stories less a preface: a heading with no link before the file's first section
    (``### 本期概要`` over a summary, ahead of the ``##`` sections)."""
    stories = set(headings)
    sections = [k for k, u in enumerate(doc.units) if u.kind is Kind.HEADING and k not in stories]
    if not sections:
        return headings
    first = sections[0]
    level = doc.units[first].level
    kept = [
        k
        for k in headings
        if k > first or doc.units[k].level <= level or candidate_links(doc, k, How.HEADING)
    ]
    return kept if kept else headings


def alerts(doc: Doc, headings: list[int]) -> list[int]:
    """Where the stories are headings, a paragraph before the first of them that opens with a
    bold label and carries a link (``**Security Alert**: … [regression](u)``): news the
    editor put first, a story; unless its label speaks of the publication itself."""
    if not headings:
        return []
    first = next((k for k, u in enumerate(doc.units) if u.kind is Kind.HEADING), len(doc.units))
    return [
        k
        for k in range(first)
        if doc.units[k].owner < 0
        and doc.bold_lead(k)
        and (label := doc.units[k].first.title)
        and not furniture(label)
        and not _ABOUT_US.search(label)
        and any(line.links for line in doc.units[k].lines)
    ]


def intros(doc: Doc, headings: list[int]) -> list[range]:
    """Where the stories are headings, what comes before the first of them — in the file, in
    each section that holds them — is an introduction (an editor's note, a credit line, what
    the author posted this week), not a story."""
    if not headings:
        return []
    first = next((k for k, u in enumerate(doc.units) if u.kind is Kind.HEADING), len(doc.units))
    spans = [range(first)]
    # and what stands outside every section before the first story (after a rule that
    # closed the section above it: "This week I posted: - [my post](u)")
    spans += [range(j, j + 1) for j in range(first, min(headings)) if not doc.section_path(j)]
    firsts: dict[int, int] = {}
    for k in headings:
        if doc.units[k].box == k:  # a sidebar: the stories beside it are no introduction
            continue
        path = doc.section_path(k)
        firsts.setdefault(path[-1] if path else -1, k)
    spans += [range(parent + 1, k) for parent, k in firsts.items() if parent >= 0]
    return spans
