"""/search and `digestbot search`: a reader's query → a page of hits from the store's index.

Parsing is query.py's, the FTS5 expression textnorm's; here the two meet the store: topic
names become keys, inexact terms get a residual check, pages are keyset pages by item id.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.digest.series import Series, find
from bot.search.query import Query, QueryError, fts_plan, parse_query
from bot.search.taxonomy import Topic
from bot.search.textnorm import normalize

from .database import Store
from .hits import Hit, SearchPage
from .index import Filters

PAGE_SIZE = 5


@dataclass(frozen=True, slots=True)
class Result:
    query: Query
    page: SearchPage
    series_names: Mapping[int, str] = field(default_factory=dict)  # when there are several

    def series_of(self, hit: Hit) -> str:
        """The name of the hit's series, when the bot has several ("" otherwise)."""
        return self.series_names.get(hit.series, "")

    def spans(self, hit: Hit) -> list[tuple[int, int]]:
        """Where the query's terms occur in the hit's body as a result shows it (its lines
        joined): the offsets to set in bold."""
        return self.query.spans(normalize(" ".join(hit.body.split("\n"))))


def series_ids(labels: Sequence[str], known: Sequence[Series]) -> frozenset[int]:
    """``series:NAME`` → series numbers; a name that matches none → QueryError."""
    found = [find(known, label) for label in labels]
    if any(s is None for s in found):
        raise QueryError("unknown_series")
    return frozenset(s.id for s in found if s is not None)


def topic_keys(labels: Sequence[str], topics: Sequence[Topic]) -> tuple[str, ...]:
    """``#碳市场`` / ``#carbon-market`` / ``#Carbon market`` → topic keys; unknown → QueryError."""
    keys: list[str] = []
    for label in labels:
        wanted = normalize(label).replace(" ", "").replace("-", "")
        found = next(
            (
                t.key
                for t in topics
                for name in (t.key, t.name_zh, t.name_en)
                if normalize(name).replace(" ", "").replace("-", "") == wanted
            ),
            None,
        )
        if found is None:
            raise QueryError("unknown_topic")
        keys.append(found)
    return tuple(dict.fromkeys(keys))


def filters_for(query: Query, topics: Sequence[Topic], series: Sequence[Series] = ()) -> Filters:
    plan = fts_plan(query)
    return Filters(
        terms=plan.terms,
        excluded=plan.excluded,
        any_of=plan.any_of,
        since=query.since,
        until=query.until,
        topics=topic_keys(query.topics, topics),
        series=series_ids(query.series, series),
        residual=None if plan.exact else query.matches,
    )


def search(
    store: Store,
    text: str,
    *,
    topics: Sequence[Topic] = (),
    after: int | None = None,
    before: int | None = None,
    limit: int = PAGE_SIZE,
) -> Result:
    """One page of hits for a reader's query (QueryError when it cannot run)."""
    query = parse_query(text)
    known = store.series.all_series()
    filters = filters_for(query, topics, known)
    page = store.index.search_items(filters, after=after, before=before, limit=limit)
    names = {s.id: s.label() for s in known} if len(known) > 1 else {}
    return Result(query, page, names)
