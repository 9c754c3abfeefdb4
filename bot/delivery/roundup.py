"""The weekly roundup: a week's items for one chat, grouped by topic, as one edition (pure).

A weekly chat gets, once a week on its day at its push time, the items of the seven days
before: everything in the topics it follows, or, when it follows everything, the top items
of each topic (a digest puts its lead stories first, so "top" is the earliest position, the
newest day first on a tie; with ``push.roundup_rank = "feedback"`` what readers liked most
comes first, liked.py). Each item appears once, under its first topic, with its day
after the text. Each story appears once too: an item that tells the same story as one
listed (``bot.search.stories.same_story``: another series or day retelling it) is not
listed again; the one listed says "also in …" with the editions that told it too. The
result is an ``Edition`` so rendering, splitting and alert marks are the same as for a daily
edition.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.digest.models import Edition, EditionKey, Item
from bot.render.i18n import t
from bot.search.stories import StoryIndex, of_item

WEEK = dt.timedelta(days=7)
# a week's items are fingerprinted once for the roundups of every scope and language, not
# once per roundup (about 0.3 ms an item; a fingerprint is about 1 KB)
_print_of = functools.lru_cache(maxsize=8192)(of_item)
TOP_PER_TOPIC = 3
ALL = "all"


def last_due(
    now: dt.datetime, *, week_day: int, at: dt.time, zone: dt.tzinfo
) -> tuple[dt.datetime, dt.date]:
    """The latest roundup time at or before ``now`` (its day is ``week_day`` at ``at`` in
    ``zone``) and the first day of the week it covers (the seven days before it)."""
    local = now.astimezone(zone)
    day = local.date() - dt.timedelta(days=(local.weekday() - week_day) % 7)
    due = dt.datetime.combine(day, at, tzinfo=zone)
    if due > now:
        day -= WEEK
        due = dt.datetime.combine(day, at, tzinfo=zone)
    return due, day - WEEK


@dataclass(frozen=True, slots=True)
class TopicName:
    key: str
    name: str


def roundup_edition(
    editions: Sequence[Edition],
    topics_of: Mapping[tuple[EditionKey, int], set[str]],
    *,
    start: dt.date,
    scopes: frozenset[str],
    topics: Sequence[TopicName],
    lang: str,
    scores: Mapping[tuple[EditionKey, int], int] | None = None,
) -> Edition:
    """The week's items for a chat with these subscription ``scopes``, grouped by topic.

    ``topics_of``: (edition key, item position) → the item's topic keys; ``topics``: every
    topic in display order, with its name in ``lang``; ``scores``: (edition key, item
    position) → what readers said of it (``push.roundup_rank = "feedback"``): the most liked
    lead each topic, before the usual order.
    """
    liked = scores or {}
    everything = ALL in scopes
    story, tellers = _stories(editions)
    chosen: list[tuple[str, EditionKey, Item]] = []
    used: set[int] = set()  # the stories listed
    for topic in topics:
        if not everything and topic.key not in scopes:
            continue
        found = [
            (edition.key, item)
            for edition in editions
            for item in edition.items
            if topic.key in topics_of.get((edition.key, item.position), set())
            and story[(edition.key, item.position)] not in used
        ]
        if everything:
            found.sort(key=lambda hit: (hit[1].position, -hit[0].date.toordinal(), hit[0]))
        else:
            found.sort(key=lambda hit: (hit[0].date, hit[1].position, hit[0].series))
        found.sort(key=lambda hit: -liked.get((hit[0], hit[1].position), 0))  # stable
        firsts: dict[int, tuple[EditionKey, Item]] = {}  # the first item of each story
        for key, item in found:
            firsts.setdefault(story[(key, item.position)], (key, item))
        found = list(firsts.values())
        if everything:
            found = found[:TOP_PER_TOPIC]
        for key, item in found:
            used.add(story[(key, item.position)])
            chosen.append((topic.name, key, item))
    items = tuple(
        Item(
            position=number,
            text=f"{item.rest}（{_day(key.date, lang)}）"
            + _also(tellers[story[(key, item.position)]], key, lang),
            links=item.links,
            section=name,
            title=item.title,
        )
        for number, (name, key, item) in enumerate(chosen, start=1)
    )
    series = editions[0].series if editions else ""
    return Edition(date=start, series=series, items=items, title=series)


def _stories(
    editions: Sequence[Edition],
) -> tuple[dict[tuple[EditionKey, int], int], dict[int, list[Edition]]]:
    """Each item's story (a number: items of one story share it) and, by story, the
    editions that told it, in order."""
    index: StoryIndex[tuple[EditionKey, int]] = StoryIndex()
    story: dict[tuple[EditionKey, int], int] = {}
    tellers: dict[int, list[Edition]] = {}
    for edition in editions:
        for item in edition.items:
            at, print_ = (edition.key, item.position), _print_of(item)
            same = index.duplicates(print_)
            story[at] = story[same[0]] if same else len(tellers)
            tellers.setdefault(story[at], []).append(edition)
            index.add(at, print_)
    return story, tellers


def _day(day: dt.date, lang: str) -> str:
    return t("roundup_day", lang, month=day.month, day=day.day)


def _also(tellers: Sequence[Edition], listed: EditionKey, lang: str) -> str:
    """ "also in …": the other editions that told the story ("" when none did)."""
    names = dict.fromkeys(
        f"{e.label} {_day(e.date, lang)}".strip() for e in tellers if e.key != listed
    )
    if not names:
        return ""
    return t("roundup_also", lang, names=t("roundup_also_sep", lang).join(names))


def roundup_heading(start: dt.date, lang: str) -> str:
    """The first line of a roundup: the week it covers."""
    end = start + WEEK - dt.timedelta(days=1)
    return t(
        "roundup_heading",
        lang,
        start_month=start.month,
        start_day=start.day,
        end_month=end.month,
        end_day=end.day,
        year=end.year,
    )
