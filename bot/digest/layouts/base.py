"""What every layout rule works on: the digest's outline with its numbering, and the rule's
shape (pure)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..numbers import Numbering, number
from ..outline import How, Outline
from ..tree import Kind, Unit

META = re.compile(  # item body lines that are metadata, not reading
    r"(?i:来源|出处|链接|原文链接|原文地址|阅读原文|详见|发布时间|发布日期|分类|AI ?评分|评分"
    r"|source|link|url|published|category)[ \t]?[：:]"
)
# a byline: who edited or wrote what follows (``整理编辑：[name](u)、[name](u)``), not its source
BYLINE = re.compile(
    r"(?i:(?:整理)?编辑|作者|译者|(?:问题)?贡献者?"
    r"|(?:written|edited|curated|compiled|translated) by|authors?|editors?)[ \t]?[：:]"
)
LABEL = re.compile(r"(?:摘要|概要|简介|summary)[ \t]?[：:]", re.IGNORECASE)
# a reference link (``[Eclair #1323][]``) whose definition the site adds: none in the file
REFERENCE = re.compile(r"\[[^\[\]\n]{1,300}\]\[[^\[\]\n]{0,300}\]")
_VALUE = 30  # characters: a field's value is short (a name, an address, a price)
FINER = 2  # units of a finer kind under a heading that make it a section, not a story


class Doc(Outline):
    """A digest's units with what the rules share: the running numbering of each numbering
    style, the list numbers seen, warnings; and the shapes a rule asks about."""

    def __init__(self, units: list[Unit]) -> None:
        super().__init__(units)
        self.warnings: list[str] = []
        self.numbering = Numbering(self.warnings)
        self.list_numbers: dict[int, int] = {}
        self.last_list_number = 0
        self.memo: dict[str, list[int]] = {}  # what a rule computed once for the whole file
        self.extent: dict[int, int] = {}  # a story heading whose body goes on past its section

    def linked_items(self, start: int, end: int) -> int:
        """How many list items with links (not metadata lines) units[start:end] hold."""
        counts = self.memo.get("linked_items")
        if counts is None:  # running counts, once per file: every heading asks of its span
            counts, n = [0], 0
            for u in self.units:  # a link on an entry's wrapped line counts, or a site reference
                n += bool(
                    u.kind is Kind.ITEM
                    and u.owner < 0
                    and (any(line.links for line in u.lines) or REFERENCE.match(u.first.source))
                    and not META.match(u.first.text)
                )
                counts.append(n)
            self.memo["linked_items"] = counts
        return counts[min(end, len(self.units))] - counts[start]

    def story_end(self, k: int) -> int:
        """Where the body of story heading ``k`` ends: its section's end, or further when an
        article goes on under headings of its own level."""
        return self.extent.get(k) or self.end_of(k)

    def free(self, k: int) -> bool:
        """A unit on its own: not inside a list item's body, not a section mark."""
        return self.units[k].owner < 0 and k not in self.marks

    def opens_paragraph(self, k: int) -> bool:
        unit = self.units[k]
        return unit.kind is Kind.LINE and (k == 0 or self.units[k - 1].para != unit.para)

    def linked_lead(self, k: int, *, inside: bool = False) -> bool:
        """A paragraph that opens with a link as its title (``[t](u)`` alone or followed by a
        separator or its summary), not a metadata line (``inside``: a line within one), not a
        person's credit (``[@name](u)：`` says who wrote what follows)."""
        first = self.units[k].first
        return (
            (self.opens_paragraph(k) or (inside and self.units[k].kind is Kind.LINE))
            and first.lead is not None
            and not first.bold
            and bool(first.links)
            and first.title is not None
            and not first.credit
            and not META.match(first.text)
        )

    def bold_lead(self, k: int) -> bool:
        """A paragraph that opens with a bold title (alone, or before a separator), not a
        label such as 摘要：."""
        first = self.units[k].first
        return (
            self.opens_paragraph(k)
            and first.bold
            and first.title is not None
            and not META.match(first.text)
            and not LABEL.match(first.text)
        )

    def field(self, k: int) -> bool:
        """A one-line paragraph that is a bold label and a short value (``**地址**：<url>``,
        ``**状态**：免费``, ``**介绍**`` over what follows)."""
        unit = self.units[k]
        first = unit.first
        if not (self.opens_paragraph(k) and first.bold and first.lead) or len(first.lead) > 12:
            return False
        if k + 1 < len(self.units) and self.units[k + 1].para == unit.para:
            return False
        value = first.rest.strip(" \t*_")
        if value[:1] in ":：":
            value = value[1:]
        elif value:
            return False
        return len(first.links) <= 1 and len(value.strip()) <= _VALUE

    def form(self, k: int) -> bool:
        """A field among fields, one of them with no link: the fact box of an entry (its
        source, address, price), not a run of ``**title**：<url>`` stories."""
        forms = self.memo.get("form")
        if forms is None:  # each run of fields judged once per file, not once per field
            n = len(self.units)
            fields = [self.field(j) for j in range(n)]
            forms = [0] * n
            j = 0
            while j < n:
                end = j + 1
                if fields[j]:
                    while end < n and fields[end]:
                        end += 1
                    run = range(j, end)
                    box = len(run) >= 2 and any(not self.units[x].first.links for x in run)
                    forms[j:end] = [int(box)] * len(run)
                j = end
            self.memo["form"] = forms
        return bool(forms[k])

    def numbered_line(self, k: int) -> bool:
        unit = self.units[k]
        if unit.kind is not Kind.LINE or not self.opens_paragraph(k):
            return False
        return number(unit.first.text) is not None

    def finer(self, start: int, end: int, *, bold: bool = True) -> int:
        """How many units in units[start:end] are of a kind finer than a heading: list items
        with links, numbered paragraphs that carry a link (points of an explanation do not),
        paragraphs opening with a link (or, with ``bold``, a bold title and holding a link: a
        bold line without one is a subheading of the story). Metadata lines do not count."""
        return sum(1 for j in range(start, end) if self.finer_unit(j, end, bold=bold))

    def finer_unit(self, j: int, end: int, *, bold: bool = True) -> bool:
        """Whether unit ``j`` (in a body ending at ``end``) is one ``finer`` counts."""
        unit = self.units[j]
        if unit.owner >= 0:
            return False
        if unit.kind is Kind.ITEM:
            return self.item_links(j) and not META.match(unit.first.text)
        return unit.kind is Kind.LINE and (
            (self.numbered_line(j) and self.carries_link(j, end))
            or self.linked_lead(j)
            or (bold and self.bold_lead(j) and self.paragraph_links(j) and not self.form(j))
        )

    def item_links(self, k: int) -> bool:
        """Whether list item ``k`` holds a link: on any line of its first paragraph (wrapped
        in the source, it is one paragraph) or of the paragraphs and lists nested in it."""
        if any(line.links for line in self.units[k].lines):
            return True
        j = k + 1
        while j < len(self.units) and self.descends(j, k):
            if any(line.links for line in self.units[j].lines):
                return True
            j += 1
        return False

    def carries_link(self, k: int, end: int) -> bool:
        """Whether numbered line ``k`` and what follows it up to the next numbered line (or
        heading, or rule) hold a link: a story does; a point of an explanation does not."""
        for j in range(k, end):
            unit = self.units[j]
            if j > k and (
                unit.kind in (Kind.HEADING, Kind.RULE) or self.numbered_line(j) or self.level[j]
            ):
                return False
            if any(line.links for line in unit.lines):
                return True
        return False

    def paragraph_links(self, k: int) -> bool:
        """Whether the paragraph that unit ``k`` opens holds a link of its own."""
        para = self.units[k].para
        j = k
        while (
            j < len(self.units) and self.units[j].kind is Kind.LINE and self.units[j].para == para
        ):
            if self.units[j].first.links:
                return True
            j += 1
        return False

    def list_number(self, unit: Unit) -> None:
        """A list is a list whatever its numbers say; a gap in them is worth a warning."""
        if not unit.number:
            return
        prev = self.list_numbers.get(unit.list_id, self.last_list_number)
        if unit.number not in (1, prev + 1) and prev:
            self.warnings.append(
                f"line {unit.no}: list numbering jumps from {prev} to {unit.number}"
            )
        self.list_numbers[unit.list_id] = self.last_list_number = unit.number


Find = Callable[[Doc, Sequence[int]], list[int]]


@dataclass(frozen=True, slots=True)
class Rule:
    """One layout: its name (what ``[[series]] items`` says), how its items are read, whether
    it is strong, what ``check`` calls it, and how it finds the units that open stories among
    a section's units (the headings rule: among all of the file's)."""

    name: str
    how: How
    strong: bool
    label: str
    find: Find
