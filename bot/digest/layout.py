"""Which units carry the stories: a digest's layout, inferred from its own structure (pure).

Item heads are looked for in this order, each file for itself:

1. **Headings**: a level whose headings open with a link (``### [t](u)``), are numbered in
   sequence (``#### 1. t``), or — two or more of them — each have a body with links; each
   item runs to the next heading of its level. A heading over such headings is a section.
2. Elsewhere, per section (headings and ``==X==`` lines): **numbered** items — ordered lists
   and lines that continue a numbering (``1、`` ``１．`` ``(1)`` ``**1、t**``, ``1.1月5日``);
   else **bulleted lists with links**; else **table rows with links**.
3. A file with none of these: its bullets.

Then what is not a story goes: a table of contents (a list repeating the items' titles),
sections of events, jobs, calls for participation and the like, changelog lists (links to
pull requests and issues), sponsor items — when other items remain. ``Layout.rule`` says
how the items were found ("12 items: level-3 headings with links"), ``skipped`` what was left.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from .numbers import Numbering, number
from .outline import How, Outline
from .stories import Curation
from .tree import Kind, Unit

META = re.compile(  # item body lines that are metadata, not reading
    r"(?i:来源|出处|链接|原文链接|原文地址|阅读原文|详见|发布时间|发布日期|分类|AI ?评分|评分"
    r"|source|link|url|published|category)[ \t]?[：:]"
)
_LABEL = re.compile(r"(?:摘要|概要|简介|summary)[ \t]?[：:]", re.IGNORECASE)
_DATE_ONLY = re.compile(r"[\W_]*\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?[\W_]*")
_MIN_LINKED_SHARE = 0.3  # a bulleted list whose items carry links this often is a story list


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


class _Infer(Outline):
    """The search for item heads over a digest's outline."""

    def __init__(self, units: list[Unit]) -> None:
        super().__init__(units)
        self.warnings: list[str] = []
        self.numbering = Numbering(self.warnings)
        self.list_numbers: dict[int, int] = {}
        self.last_list_number = 0

    # -- 1. heading items ------------------------------------------------------------------

    def heading_items(self, *, lone: bool = False) -> set[int]:
        """Heading item heads; ``lone``: one heading with a linked body is enough (a file
        with nothing else)."""
        heads = [k for k in range(len(self.units)) if 0 < self.level[k] < 7]
        strong: set[int] = set()
        weak: dict[int, list[int]] = {}
        for k in heads:
            unit = self.units[k]
            if unit.level == 1 or _DATE_ONLY.fullmatch(unit.first.text):
                continue
            found = number(unit.first.text)
            numbered = found is not None and self.numbering.accept(
                f"h{unit.level}", found, unit.no
            )
            linked = unit.first.lead is not None and not unit.first.bold
            if numbered or linked:
                strong.add(k)
            elif self._linked_body(k):
                weak.setdefault(unit.level, []).append(k)
        per_level = Counter(self.units[k].level for k in heads)
        for level, found_weak in weak.items():
            share = len(found_weak) + sum(1 for k in strong if self.units[k].level == level)
            if len(found_weak) >= (1 if lone else 2) and share >= 0.6 * per_level[level]:
                strong.update(found_weak)
        # a heading over item headings, or over a list of stories, is a section
        items = set()
        for k in sorted(strong):
            end = self.end_of(k)
            if any(j in strong for j in range(k + 1, end)) or self._story_list(k + 1, end):
                continue
            items.add(k)
        return items

    def _linked_body(self, k: int) -> bool:
        end = self.end_of(k)
        body = self.units[k + 1 : end]
        if any(u.kind is Kind.HEADING for u in body):
            return False
        has_links = any(u.kind is Kind.LINE and u.first.links for u in body)
        return has_links and not self._story_list(k + 1, end)

    def _story_list(self, start: int, end: int) -> bool:
        """Two or more list items (not metadata lines) with links in units[start:end]."""
        linked = 0
        for u in self.units[start:end]:
            if u.kind is Kind.ITEM and u.first.links and not META.match(u.first.text):
                linked += 1
                if linked >= 2:
                    return True
        return False

    # -- 2. items in sections ------------------------------------------------------------

    def section_items(self, taken: list[range]) -> list[tuple[int, How]]:
        inside = [False] * len(self.units)
        for span in taken:
            for j in span:
                inside[j] = True
        by_section: dict[int, list[int]] = {}
        section = -1
        for k, unit in enumerate(self.units):
            if self.level[k]:
                section = k
            if inside[k] or unit.owner >= 0 or k in self.marks:
                continue
            if unit.kind in (Kind.ITEM, Kind.LINE, Kind.ROW):
                by_section.setdefault(section, []).append(k)
        found: list[tuple[int, How]] = []
        for members in by_section.values():
            found.extend(self._one_section(members))
        if not found and not taken:  # nothing else: a plain bullet digest
            found = [
                (k, How.PLAIN)
                for members in by_section.values()
                for k in members
                if self.units[k].kind is Kind.ITEM and self.units[k].first.text
            ]
        return sorted(found)

    def _list_number(self, unit: Unit) -> None:
        """A list is a list whatever its numbers say; a gap in them is worth a warning."""
        if not unit.number:
            return
        prev = self.list_numbers.get(unit.list_id, self.last_list_number)
        if unit.number not in (1, prev + 1) and prev:
            self.warnings.append(
                f"line {unit.no}: list numbering jumps from {prev} to {unit.number}"
            )
        self.list_numbers[unit.list_id] = self.last_list_number = unit.number

    def _one_section(self, members: list[int]) -> list[tuple[int, How]]:
        units = self.units
        numbered: list[tuple[int, How]] = []
        style = ""
        for k in members:
            unit = units[k]
            if unit.kind is Kind.ITEM and unit.ordered:
                self._list_number(unit)
                numbered.append((k, How.NUMBERED))
            elif unit.kind is Kind.LINE and (found := number(unit.first.text)) is not None:
                if style and found.family != style:
                    continue
                if self.numbering.accept(found.family, found, unit.no):
                    style = found.family
                    numbered.append((k, How.NUMBERED))
        if numbered:
            return numbered
        lists: dict[int, list[int]] = {}
        for k in members:
            if units[k].kind is Kind.ITEM:
                lists.setdefault(units[k].list_id, []).append(k)
        bulleted = [
            (k, How.BULLETED)
            for ks in lists.values()
            if (linked := sum(1 for k in ks if units[k].first.links))
            and linked >= _MIN_LINKED_SHARE * len(ks)
            for k in ks
        ]
        if bulleted:
            return bulleted
        return [
            (k, How.ROW)
            for k in members
            if units[k].kind is Kind.ROW
            and not units[k].header
            and any(cell.links for cell in units[k].lines)
        ]

    # -- what is not a story ------------------------------------------------------------

    # -- bodies --------------------------------------------------------------------------

    def attachable(self, j: int) -> bool:
        """A line (or an unnested bullet: ``   - 链接：`` one space short of nesting) that
        only holds a link, or a 来源/链接/摘要 label: still the item's."""
        unit = self.units[j]
        if unit.kind not in (Kind.LINE, Kind.ITEM) or unit.owner >= 0:
            return False
        if unit.kind is Kind.ITEM and unit.ordered:
            return False
        first = unit.first
        alone = first.lead is not None and not first.rest.strip(" \t*_")
        labelled = META.match(first.text) or _LABEL.match(first.text)
        if unit.kind is Kind.ITEM:
            return bool(labelled)
        return not first.text or alone or labelled is not None

    def body_end(self, k: int, how: How, stop: int) -> int:
        units = self.units
        if how is How.HEADING:
            return self.end_of(k)
        if how is How.ROW:
            return k + 1
        j = k + 1
        head = units[k]
        if head.kind is Kind.ITEM:
            while j < stop and self.descends(j, k):
                j += 1
        else:  # a numbered line: the rest of its paragraph
            while j < stop and units[j].kind is Kind.LINE and units[j].para == head.para:
                j += 1
            alone = j == k + 1 and (k == 0 or units[k - 1].para != head.para)
            if alone:  # a line that is a paragraph of its own ("**1、t**"): what follows
                while j < stop and not self.level[j] and units[j].kind is not Kind.RULE:
                    j += 1
                return j
        while j < stop and not self.level[j] and self.attachable(j):
            j += 1
            while j < stop and self.descends(j, j - 1):  # what is nested in an attached bullet
                j += 1
        return j


def infer(units: list[Unit]) -> Layout:
    """The layout of a digest's units: its item heads, the rule, what was skipped."""
    it = _Infer(units)
    headings = it.heading_items()
    spans = [range(k, it.end_of(k)) for k in headings]
    curation = Curation(it)
    found = it.section_items(spans)
    if not headings and not found:  # a single story under a heading, its link in its body
        it.numbering = Numbering([])
        headings = it.heading_items(lone=True)
    starts = curation.prune(sorted([(k, How.HEADING) for k in headings] + found))
    heads = []
    for n, (k, how) in enumerate(starts):
        stop = starts[n + 1][0] if n + 1 < len(starts) else len(units)
        heads.append(Head(k, how, it.section_of(k), it.body_end(k, how, stop)))
    return Layout(heads, describe(heads, units), curation.skipped, it.warnings, it.marks)


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
    elif how is How.BULLETED:
        rule = "bulleted lists with links"
    elif how is How.ROW:
        rule = "table rows with links"
    else:
        rule = "bullets"
    sections = {h.section for h in heads if h.section}
    if len(sections) > 1:
        rule += f", in {len(sections)} sections"
    return f"{count}: {rule}"
