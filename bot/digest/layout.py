"""Which units carry the stories: a digest's layout, inferred from its own structure (pure).

The rules are the named, ordered list of ``layouts``: the headings rule over the whole file
(``### [t](u)``, ``#### 1. t``, headings each over a linked body; a heading over a run of
finer units is a section), then in each section the first section rule that finds units
there — numbered units, bulleted lists with links, table rows, paragraphs opening with a
link — and, only when none of those found anything in the file, paragraphs opening with a bold
title; a file with none of these: its bullets. Units without links in a blockquote or led in
by prose are a story's points (layouts/points.py), passed over unless they are all there is;
a section that only told such points is one story, its heading's (an essay with its link).
A publisher (or the series, learned from its files) may name the rule instead (``rule=``):
then only that one is used.

Then what is not a story goes (stories.py): a table of contents, the series' template,
non-story sections, changelogs, sponsors — when other items remain. ``Layout.rule`` says how
the items were found ("12 items: level-3 headings with links"), ``skipped`` what was left.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial

from . import layouts
from .frame import alerts, blocks, embedded, intros, told_in_prose, without_preface
from .layouts.base import LABEL, META, REFERENCE, Doc, Rule
from .layouts.headings import find as heading_stories
from .layouts.headings import sources_of
from .layouts.points import points_of_prose
from .outline import How
from .stories import Curation, candidate_links
from .template import Edges
from .tree import Kind, Unit

__all__ = ["META", "Head", "Layout", "describe", "infer"]


@dataclass(frozen=True, slots=True)
class Head:
    """An item's first unit: where it is, how it was found, its section, its body's end."""

    index: int
    how: How
    section: str
    end: int  # units[index + 1 : end] may hold its body (``body`` says which do)


@dataclass(slots=True)
class Layout:
    heads: list[Head]
    rule: str
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    marks: dict[int, str] = field(default_factory=dict)  # ==X== lines and 一、 outlines
    name: str = ""  # the rule's name (``layouts.NAMES``), "headings:N" for headings of level N
    edges: frozenset[str] = frozenset()  # the template prints of the candidates' ends


def infer(
    units: list[Unit],
    *,
    rule: str = "",
    template: frozenset[str] = frozenset(),
    skip: frozenset[str] = frozenset(),
    embeds: frozenset[int] = frozenset(),
    publication: str = "",
    source: str = "",
) -> Layout:
    """The layout of a digest's units: its item heads, the rule, what was skipped.

    ``rule``: the layout to read with (``numbered``, ``headings:3``…: a publisher's
    ``[[series]] items``, or the series' learned rule), when it finds anything; ``template``:
    the series' boilerplate (stories.py), never items; ``skip``: section names whose units are
    never items (a publisher's ``skip_sections``); ``embeds``: the lines of tags that put a
    whole article in their place; ``publication``: the name the edition calls its series;
    ``source``: the file's name (its other editions are named alike)."""
    doc = Doc(units)
    members = list(range(len(units)))
    curate = partial(
        Curation, template=template, skip=skip, publication=publication, source=source
    )
    curation = curate(doc)
    found = _forced(doc, members, rule) if rule else None
    if not found:
        if rule:  # the named rule left its numbering and warnings: start again
            doc = Doc(units)
            curation = curate(doc)
        found = _inferred(doc, members)
    found = sorted(found + embedded(doc, found, embeds))
    edges = Edges.of([(units[k].first.text, candidate_links(doc, k, how)) for k, how in found])
    linked = [(units[k].first.text, units[k].first.links) for k in blocks(doc)]
    edges = edges.union(Edges.of(linked))
    starts = curation.prune(found)
    heads = []
    for n, (k, how) in enumerate(starts):
        stop = starts[n + 1][0] if n + 1 < len(starts) else len(units)
        heads.append(Head(k, how, doc.section_of(k), body_end(doc, k, how, stop)))
    return Layout(heads, describe(heads, units), curation.skipped, doc.warnings, doc.marks,
                  name_of(heads, units), edges.prints)  # fmt: skip


def _inferred(doc: Doc, members: list[int]) -> list[tuple[int, How]]:
    headings = without_preface(doc, heading_stories(doc, members))
    spans = [range(k, doc.story_end(k)) for k in headings]
    ends = [(doc.story_end(k), k) for k in headings if doc.story_end(k) < len(doc.units)]
    spans += [range(j, doc.end_of(j)) for j, k in ends if sources_of(doc, j, k)]  # its sources
    spans += intros(doc, headings)
    told: list[tuple[int, bool]] = []
    found = _section_items(doc, spans, strong=True, told=told)
    found += _essays(doc, told, found)
    found += _like_bullets(doc, spans, found, stories=len(headings))
    found += [(k, How.PARAGRAPH) for k in alerts(doc, headings)]
    if not headings and not found:  # no story has a number, a link or a row: bold titles
        found = _weak(doc, spans, told=told)
    if not headings and not found and told:  # its only units are points: a digest of them
        doc.numbering = type(doc.numbering)(doc.warnings)
        found = _section_items(doc, spans, strong=True, points=True)
        found = found or _weak(doc, spans, points=True)
    if not headings and not found:  # nothing else: a plain bullet digest
        found = [(k, How.PLAIN) for k in layouts.PLAIN.find(doc, _free(doc, []))]
        if found and told_in_prose(doc, [k for k, _ in found]):
            found = []  # an article with a list of points in it, not a digest of its bullets
    if not headings and not found:  # a single story under a heading, its link in its body
        doc.numbering = type(doc.numbering)([])
        headings = heading_stories(doc, members, lone=True)
    return sorted([(k, How.HEADING) for k in headings] + found)


def _weak(
    doc: Doc,
    spans: list[range],
    *,
    told: list[tuple[int, bool]] | None = None,
    points: bool = False,
) -> list[tuple[int, How]]:
    """Paragraphs with a bold title, when at least two are found."""
    found = _section_items(doc, spans, strong=False, told=told, points=points)
    return found if len(found) >= 2 else []


def _linked(doc: Doc, heads: list[int], how: How) -> bool:
    """Whether any of the stories that open at ``heads`` carries a link, in its body too."""
    for n, k in enumerate(heads):
        stop = heads[n + 1] if n + 1 < len(heads) else len(doc.units)
        end = max(body_end(doc, k, how, stop), k + 1)
        if doc.item_links(k) or any(
            line.links for j in range(k, end) for line in doc.units[j].lines
        ):
            return True
    return False


def _like_bullets(
    doc: Doc, taken: list[range], found: list[tuple[int, How]], *, stories: int
) -> list[tuple[int, How]]:
    """Where most of the stories (``stories`` headings besides ``found``) are bulleted lists
    with links, a section with nothing else holds its stories the same way when its bullets
    open like titles — with a link whose definition the site adds (``- [Eclair #1323][]
    allows…``) or a bold lead: its bullets."""
    bulleted = sum(1 for _, how in found if how is How.BULLETED)
    if not bulleted or bulleted * 2 < len(found) + stories:
        return []
    done = {doc.section_path(k)[-1] if doc.section_path(k) else -1 for k, _ in found}
    more: list[tuple[int, How]] = []
    for members in _sections(doc, _free(doc, taken)):
        path = doc.section_path(members[0])
        if (path[-1] if path else -1) in done or not path:
            continue
        heads = layouts.PLAIN.find(doc, members)
        if heads and all(_titled(doc.units[k]) for k in heads):
            more += [(k, How.BULLETED) for k in heads]
    return more


def _titled(unit: Unit) -> bool:
    first = unit.first
    return (first.bold and first.lead is not None) or bool(REFERENCE.match(first.source))


def _forced(doc: Doc, members: list[int], rule: str) -> list[tuple[int, How]]:
    """The stories by the one rule named (``headings:N``: headings of level N only)."""
    name, _, level = rule.partition(":")
    if name == layouts.HEADINGS.name:  # ``headings:N``: every heading of level N is a story
        heads = [k for k, u in enumerate(doc.units) if u.kind is Kind.HEADING]
        if not level.isdigit():
            found = heading_stories(doc, members)
            levels = Counter(doc.units[k].level for k in heads)
            level = str(levels.most_common(1)[0][0]) if levels and not found else ""
        if level.isdigit():
            found = [k for k in heads if doc.units[k].level == int(level)]
        return [(k, How.HEADING) for k in found]
    chosen = next((r for r in layouts.ALL if r.name == name), None)
    if chosen is None:
        return []
    out: list[tuple[int, How]] = []
    told: list[tuple[int, bool]] = []  # sections of points passed over (see _section_items)
    for section in _sections(doc, _free(doc, [])):
        heads = chosen.find(doc, section)
        if heads and points_of_prose(doc, heads):
            path = doc.section_path(section[0])
            told.append((path[-1] if path else -1, not all(doc.units[k].quoted for k in heads)))
            continue
        out += [(k, chosen.how) for k in heads]
    if told and not out:  # its only units are points: they are what the rule reads
        doc.numbering = type(doc.numbering)(doc.warnings)
        out = [
            (k, chosen.how) for s in _sections(doc, _free(doc, [])) for k in chosen.find(doc, s)
        ]
    return sorted(out + _essays(doc, told, out))


def _free(doc: Doc, taken: list[range]) -> list[int]:
    """The units a section rule may take: not in a heading story, not nested, not a mark."""
    inside = [False] * len(doc.units)
    for span in taken:
        for j in span:
            inside[j] = True
    return [
        k
        for k, unit in enumerate(doc.units)
        if not inside[k] and doc.free(k) and unit.kind in (Kind.ITEM, Kind.LINE, Kind.ROW)
    ]


def _sections(doc: Doc, units: list[int]) -> list[list[int]]:
    """``units`` grouped by the section (heading or mark) they are in, in document order."""
    by_section: dict[int, list[int]] = {}
    for k in units:
        path = doc.section_path(k)
        by_section.setdefault(path[-1] if path else -1, []).append(k)
    return list(by_section.values())


def _section_items(
    doc: Doc,
    taken: list[range],
    *,
    strong: bool,
    told: list[tuple[int, bool]] | None = None,
    points: bool = False,
) -> list[tuple[int, How]]:
    """In each section, the first rule (strong ones, or the weak ones) that finds units;
    ``told`` gets the sections whose only units are points, passed over unless ``points``
    (and whether their prose tells them, not a quote)."""
    rules = [r for r in layouts.SECTION_RULES if r.strong is strong]
    found: list[tuple[int, How]] = []
    for members in _sections(doc, _free(doc, taken)):
        first: tuple[Rule, list[int]] | None = None
        passed, prose = False, False  # points passed over; told in prose, not in a quote
        for rule in rules:
            heads = rule.find(doc, members)
            if not heads:
                continue
            if not points and points_of_prose(doc, heads):
                passed = True
                prose = prose or not all(doc.units[k].quoted for k in heads)
                continue
            if _linked(doc, heads, rule.how):
                first = _with_bullets(doc, members, rules, rule, heads)
                break
            first = first or (rule, heads)  # a list of plain points: a later rule's linked
        if first is not None:  # stories, if any, are the section's, the points theirs
            found += [(k, first[0].how) for k in first[1]]
        elif passed and told is not None:
            path = doc.section_path(members[0])
            told.append((path[-1] if path else -1, prose))
    return sorted(found)


def _essays(
    doc: Doc, told: list[tuple[int, bool]], found: list[tuple[int, How]]
) -> list[tuple[int, How]]:
    """Where other sections hold stories, a section under a heading that only told its
    points in prose (an essay: "he gives five rules", then 1…5) is one story, when its
    body holds a link: the essay a person reads, with the link it discusses."""
    if not found:
        return []
    starts = [k for k, _ in found]
    return [
        (h, How.HEADING)
        for h, prose in told
        if prose
        and h >= 0
        and doc.units[h].kind is Kind.HEADING
        and not any(h < k < doc.end_of(h) for k in starts)
        and any(line.links for j in range(h + 1, doc.end_of(h)) for line in doc.units[j].lines)
    ]


def _with_bullets(
    doc: Doc, members: list[int], rules: list[Rule], rule: Rule, heads: list[int]
) -> tuple[Rule, list[int]]:
    """A section's numbered stories, and the linked bullets beside them (a numbered list of
    the week's links, then a bulleted one of more): every linked list of a section is its
    stories, numbered or not."""
    bullets = next((r for r in rules if r.how is How.BULLETED), None)
    if rule.how is not How.NUMBERED or bullets is None:
        return rule, heads
    wider = bullets.find(doc, members)
    if set(heads) < set(wider) and _linked(doc, wider, How.BULLETED):
        return bullets, wider
    return rule, heads


# -- bodies --------------------------------------------------------------------------------


def attachable(doc: Doc, j: int) -> bool:
    """A line (or an unnested bullet: ``   - 链接：`` one space short of nesting) that only
    holds a link, or a 来源/链接/摘要 label: still the item's."""
    unit = doc.units[j]
    if unit.kind not in (Kind.LINE, Kind.ITEM) or unit.owner >= 0:
        return False
    if unit.kind is Kind.ITEM and unit.ordered:
        return False
    first = unit.first
    alone = first.lead is not None and not first.rest.strip(" \t*_")
    labelled = META.match(first.text) or LABEL.match(first.text)
    if unit.kind is Kind.ITEM:
        return bool(labelled)
    return not first.text or alone or labelled is not None


def body_end(doc: Doc, k: int, how: How, stop: int) -> int:
    units = doc.units
    if how is How.HEADING:
        return doc.story_end(k)
    if how is How.ROW:
        return k + 1
    j = k + 1
    head = units[k]
    if head.kind is Kind.ITEM:
        while j < stop and doc.descends(j, k):
            j += 1
    else:  # a numbered or titled line: the rest of its paragraph
        while j < stop and units[j].kind is Kind.LINE and units[j].para == head.para:
            j += 1
        alone = j == k + 1 and (k == 0 or units[k - 1].para != head.para)
        if alone:  # a line that is a paragraph of its own ("**1、t**"): what follows
            while j < stop and not doc.level[j] and units[j].kind is not Kind.RULE:
                j += 1
            return j
    while j < stop and not doc.level[j] and attachable(doc, j):
        j += 1
        while j < stop and doc.descends(j, j - 1):  # what is nested in an attached bullet
            j += 1
    return j


# -- words for the publisher -----------------------------------------------------------------

_LABELS = {rule.how: rule.label for rule in layouts.ALL}


def name_of(heads: Sequence[Head], units: list[Unit]) -> str:
    """The rule's name as ``[[series]] items`` writes it: ``numbered``, ``headings:3``…"""
    if not heads:
        return ""
    how = Counter(h.how for h in heads).most_common(1)[0][0]
    rule = next(r for r in layouts.ALL if r.how is how)
    if how is How.HEADING:
        levels = Counter(units[h.index].level for h in heads if h.how is How.HEADING)
        return f"{rule.name}:{levels.most_common(1)[0][0]}"
    return rule.name


def describe(heads: list[Head], units: list[Unit]) -> str:
    """How the items were found, for a publisher: "12 items: level-4 headings with links"."""
    if not heads:
        return "no items"
    kinds = Counter(h.how for h in heads)
    how, _ = kinds.most_common(1)[0]
    count = f"{len(heads)} item{'s' if len(heads) != 1 else ''}"
    if how is How.HEADING:
        levels = sorted({units[h.index].level for h in heads if h.how is How.HEADING})
        linked = sum(1 for h in heads if units[h.index].first.lead)
        kind = "with links" if linked > len(heads) / 2 else "each with its body"
        rule = f"level-{'/'.join(map(str, levels))} headings {kind}"
    elif how is How.NUMBERED:
        lists = any(units[h.index].kind is Kind.ITEM for h in heads)
        rule = "a numbered list" if lists else "numbered paragraphs"
    else:
        rule = _LABELS[how]
    sections = {h.section for h in heads if h.section}
    if len(sections) > 1:
        rule += f", in {len(sections)} sections"
    return f"{count}: {rule}"
