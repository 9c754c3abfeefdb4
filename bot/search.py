"""/search and `digestbot search`: a reader's query → a page of hits from the store's index.

Parsing is query.py's, the FTS5 expression textnorm's; here the two meet the store: topic
names become keys, inexact terms get a residual check, pages are keyset pages by item id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .query import Query, QueryError, fts_plan, parse_query
from .store import Store
from .store_search import Filters, SearchPage
from .taxonomy import Topic
from .textnorm import normalize

PAGE_SIZE = 5


@dataclass(frozen=True, slots=True)
class Result:
    query: Query
    page: SearchPage


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


def filters_for(query: Query, topics: Sequence[Topic]) -> Filters:
    plan = fts_plan(query)
    return Filters(
        match=plan.match,
        exclude=plan.exclude,
        since=query.since,
        until=query.until,
        topics=topic_keys(query.topics, topics),
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
    page = store.search_items(filters_for(query, topics), after=after, before=before, limit=limit)
    return Result(query, page)
