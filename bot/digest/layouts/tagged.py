"""Stories as paragraphs that open with a bracketed category tag and carry a link (pure):
``[文章] 作为前端，我对业务的一点理解：<https://…>``, ``【工具】 … https://…``, ``[Video] …
<url>``. The tag is a label of a few words, not a link and not a date."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .. import rulenames as names
from ..outline import How
from ..tree import Kind
from .base import Doc, Rule

# a short label in brackets opening the line, then its text: [文章] …, 【工具】…, [Video] …
TAG = re.compile(r"[ \t]*(?:\[([^\[\]\d]{1,16})\]|【([^【】\d]{1,16})】)[ \t]*(?=\S)")


def tag_of(text: str) -> str | None:
    """The category tag that opens ``text`` (``文章`` of ``[文章] …``), or None."""
    m = TAG.match(text)
    return (m.group(1) or m.group(2)).strip() if m else None


def find(doc: Doc, members: Sequence[int]) -> list[int]:
    """The tagged paragraphs with a link; where two or more have one, the tagged paragraphs
    without a link among them too (``[技巧] 按住 Shift 滚动…`` is a story told in one line)."""
    tagged = [
        k
        for k in members
        if doc.units[k].kind is Kind.LINE
        and doc.opens_paragraph(k)
        and tag_of(doc.units[k].first.source) is not None
    ]
    linked = [k for k in tagged if doc.paragraph_links(k)]
    return tagged if len(linked) >= 2 else linked


RULE = Rule(names.TAGGED, How.TAGGED, True, "paragraphs opening with a [tag]", find)
