"""Stories as headings: ``### [t](u)``, ``#### 1. t``, or headings each over a body with a link
(pure).

A level of headings carries stories when its headings open with a link, are numbered in
sequence, or — two or more of them, most of their level — each have a body with links. A
heading is a story only when nothing finer repeats under it: one over story headings, or over
a run of list items with links, numbered paragraphs or linked or bold-titled paragraphs, is a
section. One rule for a level: when most of its headings are sections, all are; when most
are stories, so is each heading of it with a body (a story may have no link). ``#``
headings count too when there are several (one alone is the document's title). Where
modules (``## Tips``, ``## Concepts``) hold entries told in prose under ``###`` headings,
with or without links, each is a story: a person reads the entries, not a level's majority.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from itertools import islice

from .. import rulenames as names
from ..numbers import number
from ..outline import How
from ..stories import furniture
from ..tree import Kind
from .articles import articles, boxes
from .base import BYLINE, FINER, Doc, Rule

_STOPPED = re.compile(r"[^.\s]\.[\"'”’]?$")  # a full stop ends it, not an ellipsis
_STOPPED_WIDE = re.compile(r"。[”」』]?$")
_REFERENCES = re.compile(
    r"(?i)[\W_]*(?:参考|参考资料|参考链接|参考文献|延伸阅读|references?|further reading"
    r"|see also)[\W_]*"
)
_WIDE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]")  # a character is a word
_DATE_ONLY = re.compile(r"[\W_]*\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?[\W_]*")


def find(doc: Doc, members: Sequence[int], *, lone: bool = False) -> list[int]:
    """The headings that open stories; ``lone``: one heading with a linked body is enough (a
    file with nothing else)."""
    heads = [k for k in members if 0 < doc.level[k] < 7]
    strong: set[int] = set()
    weak: dict[int, list[int]] = {}
    for k in heads:
        unit = doc.units[k]
        if _DATE_ONLY.fullmatch(unit.first.text):
            continue
        found = number(unit.first.text)
        numbered = found is not None and doc.numbering.accept(f"h{unit.level}", found, unit.no)
        linked = unit.first.lead is not None and not unit.first.bold
        if numbered or linked:
            strong.add(k)
        elif _linked_body(doc, k) and not furniture(doc.name(k)):
            weak.setdefault(unit.level, []).append(k)
    # the headings that could be stories: not furniture ("Key Takeaways", "Recent Posts"),
    # a section of linked items, a closing quotation or the reader's questions
    # (counted only on the levels that have weak ones to weigh)
    per_level = Counter(
        doc.units[k].level
        for k in heads
        if doc.units[k].level in weak and (k in strong or _may_be_story(doc, k))
    )
    for level, found_weak in weak.items():
        share = len(found_weak) + sum(1 for k in strong if doc.units[k].level == level)
        enough = 1 if lone or (len(found_weak) == 1 and _headline(doc, found_weak[0])) else 2
        if len(found_weak) >= enough and share >= 0.6 * per_level[level]:
            strong.update(found_weak)
    titled = {k for k in strong if _titled(doc, k)}
    sections = {k for k in strong if _section(doc, k, strong, titled=k in titled)}
    stories = strong - sections
    for level in {doc.units[k].level for k in strong}:  # one rule for a level
        of_level = [k for k in strong if doc.units[k].level == level]
        if len([k for k in of_level if k in sections]) * 2 >= len(of_level):
            stories.difference_update(of_level)  # mostly sections: its headings are
        elif not lone:  # mostly stories: so is each heading of it, a link in its body or not
            stories.update(
                k
                for k in heads
                if doc.units[k].level == level
                and _story_like(doc, k)
                and not furniture(doc.name(k))
            )
    return sorted(boxes(doc, articles(doc, _with_entries(doc, heads, stories, strong))))


def _with_entries(doc: Doc, heads: Sequence[int], stories: set[int], strong: set[int]) -> set[int]:
    """Modules of entries: where two or more headings of one level (``## Tips``, ``## Tools``)
    each hold only headings told in prose (no run of finer units under them, no headline),
    each of those is an entry, what is inside an entry (its numbered parts) its outline. A
    module's headings that mostly hold runs of titled links (``### Team A`` over its articles)
    are then groups of those stories, not stories; a module before the last one with entries
    that has none but is told in prose (one question, one tool) is one entry itself."""
    kids: dict[int, list[int]] = {}
    for k in heads:
        path = doc.section_path(k)
        if path and doc.level[path[-1]] < 7 and path[-1] not in stories:
            kids.setdefault(path[-1], []).append(k)
    if len(kids) < 2:  # two modules at least, or nothing changes
        return stories
    modules = {}
    groups = set()  # headings over finer units beside them: groups of the module's stories
    for parent, group in kids.items():
        plain = [  # a headline is a story anyway; furniture (back issues) is none
            k for k in group if not _titled(doc, k) and not furniture(doc.name(k))
        ]
        over = sum(1 for k in plain if _over_finer(doc, k, strong))
        if over * 2 >= len(plain) > 0:
            groups |= set(plain)
        if over:
            continue
        told = [k for k in plain if _told(doc, k)]
        if told:
            modules[parent] = told
    tops = {
        p: ks
        for p, ks in modules.items()
        if not any(q in modules and q != p for q in doc.section_path(p))
    }
    levels = Counter(doc.level[p] for p in tops)
    if not levels or levels.most_common(1)[0][1] < 2:
        return stories
    level = levels.most_common(1)[0][0]
    entries = {k for p, ks in tops.items() if doc.level[p] == level for k in ks}
    last = max(p for p in tops if doc.level[p] == level)
    after = [k for k in heads if doc.level[k] == level and k > last]
    footer = next((n for n, k in enumerate(after) if furniture(doc.name(k))), 0)
    last = (
        after[footer - 1]
        if footer and all(furniture(doc.name(k)) for k in after[footer:])
        else last
    )
    entries |= {  # a module told in prose, with no entry headings, before the last or before
        k  # only the footer ("## Contact us"): one entry
        for k in heads
        if doc.level[k] == level
        and k <= last
        and _paragraphs(doc, k)
        and k not in kids
        and _told(doc, k)
        and _titled_finer(doc, k) == 0
    }
    inside = {j for k in entries for j in range(k + 1, doc.end_of(k))}
    # ``### References`` after an entry, beside it: that entry's sources, no story
    ends = {doc.end_of(k): k for k in entries}
    sources = {k for k in heads if k in ends and sources_of(doc, k, ends[k])}
    return (stories - inside - groups - sources) | (entries - sources)


def sources_of(doc: Doc, k: int, story: int) -> bool:
    """Whether unit ``k``, right after heading ``story``'s body, is a heading that only says
    "references" (参考, Further reading) at the story's level or below: its sources (a
    ``## Further reading`` after a ``###`` story is the issue's own reading list)."""
    return (
        bool(doc.level[k])
        and doc.level[k] >= doc.level[story]
        and _REFERENCES.fullmatch(doc.name(k).strip()) is not None
    )


def _paragraphs(doc: Doc, k: int) -> bool:
    """Whether heading ``k``'s body tells something in a paragraph of its own (not a byline,
    not a field of a fact box): a module of a list of points alone ("What you can do") is
    none."""
    return any(
        u.kind is Kind.LINE
        and u.owner < 0
        and u.first.text
        and not BYLINE.match(u.first.text)
        and not doc.field(j)
        for j, u in enumerate(doc.units[k + 1 : doc.end_of(k)], start=k + 1)
    )


def _titled_finer(doc: Doc, k: int) -> int:
    """How many finer units with words of their own the body of heading ``k`` holds (a bare
    address listed under a tip is its reference, no story)."""
    end = doc.end_of(k)
    return sum(1 for j in range(k + 1, end) if doc.finer_unit(j, end) and doc.units[j].first.text)


def _over_finer(doc: Doc, k: int, strong: set[int]) -> bool:
    """A heading over a headline, over a run of finer units in its own part of the body, or
    over sub-headings that mostly are (a section of sections): one entry's sub-part that lists
    two tools (``#### Tools`` in a tip told in prose) does not make the entry a group."""
    end = doc.end_of(k)
    if any(j in strong and _titled(doc, j) and doc.units[j].first.lead for j in range(k + 1, end)):
        return True
    first = next((j for j in range(k + 1, end) if doc.level[j]), end)
    finer = (j for j in range(k + 1, first) if doc.finer_unit(j, end) and doc.units[j].first.text)
    if next(islice(finer, FINER - 1, None), None) is not None:  # FINER of them, counted no further
        return True
    subs = [j for j in range(first, end) if doc.level[j] and doc.section_path(j)[-1:] == (k,)]
    return bool(subs) and sum(_over_finer(doc, j, strong) for j in subs) * 2 >= len(subs)


def _told(doc: Doc, k: int) -> bool:
    """A heading with a body of its own, not a date, not furniture, not a quotation."""
    end = doc.end_of(k)
    unit = doc.units[k]
    return (
        end > k + 1
        and not _DATE_ONLY.fullmatch(unit.first.text)
        and not furniture(doc.name(k))
        and not _quotation(doc, k)
        and not _epigraph_or_prompts(doc, k + 1, end)
        and any(u.kind is not Kind.HEADING for u in doc.units[k + 1 : end])
    )


def _may_be_story(doc: Doc, k: int) -> bool:
    """Not furniture, not a section of linked items, not a closing quotation or questions."""
    end = doc.end_of(k)
    return (
        doc.linked_items(k + 1, end) < FINER
        and not furniture(doc.name(k))
        and not _epigraph_or_prompts(doc, k + 1, end)
    )


def _story_like(doc: Doc, k: int) -> bool:
    """A heading of a story level that is one too: not a date, with a body of its own, over
    no heading of that level's stories, and not over a body that is mostly linked list items
    (``### New apps`` over its eleven linked bullets is their section, beside prose stories),
    and not a quotation: a headline is no sentence that ends with a full stop (``### I have
    no special talents. I am only passionately curious.`` over ``*Albert Einstein*``)."""
    text = doc.units[k].first.text
    if _DATE_ONLY.fullmatch(text) or _quotation(doc, k):
        return False
    end = _parts_end(doc, k)
    if end <= k + 1:
        return False
    if _epigraph_or_prompts(doc, k + 1, end):
        return False
    linked = doc.linked_items(k + 1, end)
    told = sum(
        1 for u in doc.units[k + 1 : end] if u.kind in (Kind.LINE, Kind.ITEM) and u.owner < 0
    )  # its paragraphs and list items, not what continues them
    return linked < FINER or linked * 2 <= told  # a story's links among its own paragraphs


def _epigraph_or_prompts(doc: Doc, start: int, end: int) -> bool:
    """A body with no link that opens with a quotation (a closing epigraph and a word on
    it), or that is a list of questions (prompts for the reader): no story."""
    body = [u for u in doc.units[start:end] if u.owner < 0 and (u.first.text or u.first.links)]
    if not body or any(line.links for u in doc.units[start:end] for line in u.lines):
        return False
    if body[0].quoted:
        return True
    items = [u for u in body if u.kind is Kind.ITEM]
    return len(items) >= 2 and all("?" in u.first.text or "？" in u.first.text for u in items)


def _headline(doc: Doc, k: int) -> bool:
    """A heading that tells news in a few words ("BotBot.me closing its doors"), not a
    section's label ("Survey") or a quotation, before sections of the file's linked items
    ("New apps"): the one story told in prose ahead of the lists."""
    text = doc.units[k].first.text
    if not (len(text.split()) >= 4 or len(_WIDE.findall(text)) >= 8) or _quotation(doc, k):
        return False
    level = doc.level[k]
    return any(
        doc.level[j] == level and doc.linked_items(j + 1, doc.end_of(j)) >= FINER
        for j in range(doc.end_of(k), len(doc.units))
    )


def _quotation(doc: Doc, k: int) -> bool:
    """A quoted sentence, not a headline: five words or more (twelve characters of Chinese)
    ending with a full stop, over its author (a short italic or dashed line) or in the file's
    last section — a closing epigraph. A story's headline may end with a full stop too ("###
    The Fed held rates steady.")."""
    text = doc.units[k].first.text
    if _STOPPED_WIDE.search(text):
        sentence = len(text) >= 12
    else:
        sentence = _STOPPED.search(text) is not None and len(text.split()) >= 5
    if not sentence:
        return False
    after = doc.units[k + 1] if k + 1 < len(doc.units) else None
    attributed = (
        after is not None
        and after.kind is Kind.LINE
        and len(after.first.text.split()) <= 6
        and (after.aside or after.first.text.lstrip().startswith(("—", "―", "–", "-- ")))
    )
    path = doc.section_path(k)
    top = path[0] if path else k
    return attributed or _last_heading(doc)[doc.level[top]] <= top


def _last_heading(doc: Doc) -> list[int]:
    """For each level, where the last heading of that level or above that is no furniture
    stands (the closing section's, once per file)."""
    found = doc.memo.get("last_heading")
    if found is None:
        found = [-1] * 8
        for j, unit in enumerate(doc.units):
            if doc.level[j] and not furniture(doc.name(j)):
                for level in range(unit.level, 8):
                    found[level] = j
        doc.memo["last_heading"] = found
    return found


def _titled(doc: Doc, k: int) -> bool:
    """A heading that is a headline by its own shape: it opens with a link, or a number."""
    first = doc.units[k].first
    return (first.lead is not None and not first.bold) or number(first.text) is not None


def _section(doc: Doc, k: int, strong: set[int], *, titled: bool) -> bool:
    """A heading over story headings, or over a run of finer units, is a section. Under a
    headline (a linked or numbered heading) only linked list items count: its paragraphs with
    bold labels (**背景**：…, **结论**：…) are how the story is told."""
    end = doc.end_of(k)
    if any(j in strong for j in range(k + 1, end)):
        return True
    if titled:
        return doc.linked_items(k + 1, end) >= FINER
    return doc.finer(k + 1, end) >= FINER


def _linked_body(doc: Doc, k: int) -> bool:
    """A body with links of its own in its paragraphs, not a run of linked list items; its
    sub-headings, if any, are parts of it told without links (``### What this means``)."""
    end = _parts_end(doc, k)
    if end < 0:
        return False
    body = doc.units[k + 1 : end]
    has_links = any(  # in its own paragraphs, not a list entry's, not a byline's
        u.kind is Kind.LINE
        and u.first.links
        and not u.aside
        and u.owner < 0
        and not BYLINE.match(u.first.text)
        for u in body
    )
    return has_links and doc.linked_items(k + 1, end) < FINER


def _parts_end(doc: Doc, k: int) -> int:
    """Where the part of heading ``k``'s body before its first sub-heading ends — its whole
    body when it has none; -1 when a sub-heading or what follows it holds a link (then the
    sub-headings are more than parts of one story, or one is furniture)."""
    end = doc.end_of(k)
    first = next((j for j in range(k + 1, end) if doc.level[j]), end)
    if any(line.links for u in doc.units[first:end] for line in u.lines):
        return -1
    if any(doc.level[j] and furniture(doc.name(j)) for j in range(first, end)):
        return -1  # over the file's navigation: its closing block
    return first


RULE = Rule(names.HEADINGS, How.HEADING, True, "headings", lambda doc, members: find(doc, members))
