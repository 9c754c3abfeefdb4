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


@dataclass(frozen=True, slots=True)
class SearchPage:
    total: int
    hits: tuple[Hit, ...]
    more_before: bool
    more_after: bool


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
    if after is not None and after in ids:
        start = ids.index(after) + 1
    elif before is not None and before in ids:
        start = max(0, ids.index(before) - limit)
    elif after is None and before is None:
        start = 0
    else:
        return SearchPage(len(hits), (), False, False)
    end = min(start + limit, ids.index(before) if before in ids else len(ids))
    return SearchPage(len(hits), tuple(hits[start:end]), start > 0, end < len(hits))
