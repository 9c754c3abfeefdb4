"""The outline of a digest: its sections, and which units each one holds (pure).

Boundaries are headings and ``==X==`` lines (a ``一、`` line is one too when arabic-numbered
items follow it). ``Outline`` works out, in one pass, where each boundary's body ends and which
boundaries enclose each unit, so every later question ("which section is this in?") is a
lookup, not a scan: the whole inference stays linear in the size of the file.
"""

from __future__ import annotations

import re
from enum import StrEnum

from .numbers import ARABIC, number
from .tree import Kind, Unit

_MARK = re.compile(r"==(?P<name>[^=\s](?:.{0,80}?[^=\s])?)==")


class How(StrEnum):
    HEADING = "heading"
    NUMBERED = "numbered"
    LINKED = "linked"  # a paragraph that opens with its title's link
    BULLETED = "bulleted"
    ROW = "row"
    TAGGED = "tagged"  # a paragraph that opens with a [category] tag
    PARAGRAPH = "paragraph"  # a paragraph that opens with a bold title
    PLAIN = "plain"  # bullets of a file that has nothing else


def section_mark(unit: Unit) -> str | None:
    """``X`` of a ``==X==`` line."""
    if unit.kind is not Kind.LINE:
        return None
    m = _MARK.fullmatch(unit.first.source)
    return m.group("name").strip() if m else None


def heading_text(unit: Unit) -> str:
    """A heading's text without its number (``#### 1. t`` → ``t``)."""
    text = unit.first.text
    found = number(text)
    return found.rest if found else text


class Outline:
    """The boundaries of a digest's units, their bodies and what encloses what."""

    def __init__(self, units: list[Unit]) -> None:
        self.units = units
        self.marks: dict[int, str] = {}  # ==X== lines and 一、 outline lines: their names
        for k, unit in enumerate(units):
            if (name := section_mark(unit)) is not None:
                self.marks[k] = name
        self._outline_marks()
        self.level = [self._level(k) for k in range(len(units))]
        self.ends, self.paths = self._outline()

    def _level(self, k: int) -> int:
        """A unit's level as a section boundary: 1…6 headings, 7 a mark, 0 not a boundary."""
        unit = self.units[k]
        if k in self.marks:
            return 7
        if unit.kind is Kind.HEADING and unit.owner < 0:
            return unit.level
        return 0

    def _outline_marks(self) -> None:
        """``一、政策`` lines are sections when arabic-numbered items follow them."""
        cn = [
            k
            for k, u in enumerate(self.units)
            if u.kind is Kind.LINE
            and u.owner < 0
            and (n := number(u.first.text)) is not None
            and n.family.startswith("cn")
        ]
        if not cn:
            return
        later = self.units[cn[0] :]
        if any(
            (u.kind is Kind.ITEM and u.ordered and u.number == 1)
            or (
                u.kind is Kind.LINE
                and (n := number(u.first.text)) is not None
                and n.family in ARABIC
                and n.value == 1
            )
            for u in later
        ):
            for k in cn:
                self.marks[k] = self.units[k].first.text

    def _outline(self) -> tuple[dict[int, int], list[tuple[int, ...]]]:
        """In one pass: where each boundary's body ends (at the next boundary of its level or
        higher; a mark ends every one; a rule ``---`` ends the bodies of headings under the
        first level, as it sets a footer apart, but not of those whose sub-headings go on after
        it), and each unit's enclosing boundaries."""
        ends: dict[int, int] = {}
        paths: list[tuple[int, ...]] = []
        stack: list[int] = []
        after = 8  # the level of the next boundary after each unit (8: none)
        next_level = [8] * len(self.level)
        for k in range(len(self.level) - 1, -1, -1):
            next_level[k] = after
            after = self.level[k] or after
        for k, level in enumerate(self.level):
            if self.units[k].kind is Kind.RULE and self.units[k].owner < 0:
                # a rule between a section's stories ("---" before the next "###") keeps
                # the section open; before a footer it closes what is under the first level
                while (
                    stack
                    and self.level[stack[-1]] > 1
                    and (next_level[k] == 8 or self.level[stack[-1]] >= next_level[k])
                ):
                    ends[stack.pop()] = k
            if level:
                while stack and (level == 7 or self.level[stack[-1]] >= level):
                    ends[stack.pop()] = k
            paths.append(tuple(stack))
            if level:
                stack.append(k)
        for k in stack:
            ends[k] = len(self.units)
        return ends, paths

    def end_of(self, k: int) -> int:
        """Where the body of boundary ``k`` ends: the next boundary of its level or higher."""
        return self.ends.get(k, len(self.units))

    def section_path(self, k: int) -> tuple[int, ...]:
        """The boundaries (headings, marks) that enclose unit ``k``, outermost first."""
        return self.paths[k]

    def name(self, k: int) -> str:
        return self.marks.get(k) or heading_text(self.units[k])

    def descends(self, j: int, k: int) -> bool:
        """Whether unit ``j`` lies inside list item ``k`` (a nested paragraph or list)."""
        owner = self.units[j].owner
        while owner >= 0:
            if owner == k:
                return True
            owner = self.units[owner].owner
        return False

    def section_of(self, k: int) -> str:
        path = self.section_path(k)
        return self.name(path[-1]) if path else ""
