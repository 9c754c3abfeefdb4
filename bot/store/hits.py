"""What a search answers: its hits and a page of them (part of the store's search)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.digest.models import EditionKey, body_of


@dataclass(frozen=True, slots=True)
class Hit:
    id: int
    date: dt.date
    position: int
    title: str
    text: str
    links: tuple[str, ...]
    series: int = 0  # the series of its edition
    issue: int = 0  # the issue number of its edition (0: none)

    @property
    def edition(self) -> EditionKey:
        return EditionKey(self.series, self.date, self.issue)

    @property
    def body(self) -> str:
        """The title once, then the rest of the text: what was indexed, is shown and
        matched (``bot.digest.models.body_of``, the rule of ``Item.body``)."""
        return body_of(self.title, self.text)


# a search counts its hits up to this many and says "more" past it: counting every one of a
# common term's hits is what an answer's cost would otherwise grow with, not its page
COUNT_CAP = 1000


@dataclass(frozen=True, slots=True)
class SearchPage:
    total: int  # how many hits, or ``COUNT_CAP`` when ``at_least``
    hits: tuple[Hit, ...]
    more_before: bool
    more_after: bool
    at_least: bool = False  # more than ``total`` match (they were not all counted)

    @property
    def shown_total(self) -> str:
        """The count as a reader sees it: ``13``, or ``1000+`` past the cap."""
        return f"{self.total}+" if self.at_least else str(self.total)


def counted(found: int) -> tuple[int, bool]:
    """The total a page shows for ``found`` hits counted (up to ``COUNT_CAP + 1``), and
    whether there are more than it."""
    return min(found, COUNT_CAP), found > COUNT_CAP


def hit_of(row: Sequence[Any]) -> Hit:
    return Hit(
        id=row[0],
        date=dt.date.fromisoformat(row[1]),
        position=row[2],
        title=row[3],
        text=row[4],
        links=tuple(json.loads(row[5])),
        series=row[7],
        issue=row[8],
    )


def page_in_memory(
    hits: list[Hit], *, after: int | None, before: int | None, limit: int
) -> SearchPage:
    ids = [h.id for h in hits]
    start: int | None = None
    if after is not None and after in ids:
        start = ids.index(after) + 1
    elif before is not None and before in ids:
        start = max(0, ids.index(before) - limit)
    elif after is None and before is None:
        start = 0
    total, at_least = counted(len(hits))
    if start is None:
        return SearchPage(total, (), False, False, at_least)
    end = min(start + limit, ids.index(before) if before in ids else len(ids))
    return SearchPage(total, tuple(hits[start:end]), start > 0, end < len(hits), at_least)
