"""The layouts a digest's stories come in: a named, ordered list of rules (pure).

Like markdown-it's rule lists: each rule is one module with how it finds the units that open a
story (``find``), whether it is *strong* (the unit's shape says it is a story: a number, a
link, a table row) or *weak* (only a paragraph's bold lead: used when no strong rule found
anything in the file), and the words ``check`` uses for it. ``layout.infer`` runs
``HEADINGS`` over the whole file, then ``SECTION_RULES`` in order in each section (the first
that finds units there wins), then ``PLAIN`` when nothing at all was found. A publisher's
``[[series]] items = "…"`` override names one of ``NAMES``. Adding a layout is one module
here and one fixture in tests/fixtures/layouts. ``articles`` is the headings rule's helper: a
feature article's sub-headings are its parts, not stories; ``points`` the section rules':
a list without links in a quote or led in by prose is a story's points, not stories.
"""

from __future__ import annotations

from .base import Rule
from .bullets import RULE as BULLETS
from .headings import RULE as HEADINGS
from .links import RULE as LINKS
from .numbered import RULE as NUMBERED
from .paragraphs import RULE as PARAGRAPHS
from .plain import RULE as PLAIN
from .rows import RULE as ROWS
from .tagged import RULE as TAGGED

SECTION_RULES: tuple[Rule, ...] = (NUMBERED, BULLETS, ROWS, LINKS, TAGGED, PARAGRAPHS)
ALL: tuple[Rule, ...] = (HEADINGS, *SECTION_RULES, PLAIN)
NAMES = tuple(rule.name for rule in ALL)

__all__ = ["ALL", "BULLETS", "HEADINGS", "LINKS", "NAMES", "NUMBERED", "PARAGRAPHS", "PLAIN",
           "ROWS", "SECTION_RULES", "TAGGED", "Rule"]  # fmt: skip
