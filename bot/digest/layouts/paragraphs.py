"""Stories as paragraphs that open with a bold title (pure): ``**title**：text`` or a bold
line over its paragraph, the shape of HTML editions (``<p><strong>t</strong> …</p>``). Weak:
read only when no number, link-led line, linked bullet or table row carries stories anywhere
in the file (an analysis written in bold-led paragraphs next to numbered stories is none)."""

from __future__ import annotations

from collections.abc import Sequence

from .. import rulenames as names
from ..outline import How
from .base import Doc, Rule


def find(doc: Doc, members: Sequence[int]) -> list[int]:
    return [k for k in members if doc.bold_lead(k)]


RULE = Rule(names.PARAGRAPHS, How.PARAGRAPH, False, "paragraphs with a bold title", find)
