"""The search index and item topics: a repository of the store (tables in ``schema``).

An item's index row holds textnorm's tokens of its body (its title once, then the rest of its
text), ``EVERY`` and a token per topic whose keywords occur (``indexing``); ``item_topics``
holds the topic keys. New items are indexed here; how each engine stores the tokens, unindexes
changed items and is asked is ``textindex``'s. The topic configuration and the version of the
token rule (``TOKENS``) are kept in ``meta``; when either changes, every item is indexed and
tagged again at start-up.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.digest.models import EditionKey
from bot.search.textnorm import Phrase, normalize

from .hits import COUNT_CAP, Hit, SearchPage, counted, hit_of, page_in_memory
from .indexing import TOKENS, ItemIndexer
from .repository import Repository, upsert
from .sortkeys import SORT_DAY, SORT_ISSUE, SORT_SERIES
from .stamps import stamp
from .textindex import TEXT_INDEX, TextIndex
from .tx import immediate

log = logging.getLogger(__name__)

TopicSpec = Sequence[tuple[str, Sequence[str]]]  # (key, keywords)
REINDEX_BATCH = 2000  # items read at once when the whole index is made again
RESIDUAL_BATCH = 500  # candidates read and checked at once for a term the index cannot tell


@dataclass(frozen=True, slots=True)
class SavedSearch:
    """A search a chat ran, kept for its ◀ ▶ pages."""

    chat_id: int
    query: str


@dataclass(frozen=True, slots=True)
class Filters:
    """What a search asks: phrases all required and none allowed, dates, topics, series, and
    a residual check of what the index cannot say exactly."""

    terms: tuple[Phrase, ...] = ()
    excluded: tuple[Phrase, ...] = ()
    since: dt.date | None = None
    until: dt.date | None = None
    topics: tuple[str, ...] = ()
    series: frozenset[int] = frozenset()  # editions of these series only (empty: any)
    residual: Callable[[str], bool] | None = None  # on normalize(body)
    any_of: tuple[tuple[Phrase, ...], ...] = ()  # ``a OR b``: one phrase of each group


@dataclass(frozen=True, slots=True)
class ArchiveStamp:
    """The archive's span and a version that changes whenever an edition is added, edited or
    removed (a cache key for answers computed from the whole archive, such as /trend)."""

    first: dt.date
    last: dt.date
    editions: int
    items: int
    last_item: int  # the highest item id: changes whenever an item is added
    changed: str  # the latest updated_at


def _enough(hits: list[Hit], after: int | None, before: int | None, limit: int) -> bool:
    """Whether more checked hits would change neither the count (past ``COUNT_CAP``) nor the
    page: the anchor is among them with a page and one more after it."""
    if len(hits) <= COUNT_CAP:
        return False
    ids = [h.id for h in hits]
    if before is not None:
        return before in ids
    start = 0 if after is None else ids.index(after) + 1 if after in ids else len(ids)
    return start + limit < len(ids)


class SearchStore(Repository):
    """Indexing hooks and search queries."""

    @property
    def text(self) -> TextIndex:
        """How this engine stores and asks the index."""
        return TEXT_INDEX[self.db.engine]

    def setup(self, topics: TopicSpec | None) -> None:
        """Learn the topics and register the index functions (before migrations run: the
        SQLite triggers need them)."""
        stored = self._meta("topics")
        wanted = [[k, list(words)] for k, words in topics] if topics is not None else None
        spec: list[list[Any]] = wanted if wanted is not None else json.loads(stored or "[]")
        self.indexer = ItemIndexer([(k, words) for k, words in spec])
        self._primed: dict[tuple[str, str], tuple[str, str]] = {}
        last: list[tuple[tuple[str, str], tuple[str, str]]] = []

        def index(title: str | None, text: str | None) -> tuple[str, str]:
            key = (title or "", text or "")
            if key in self._primed:
                return self._primed[key]
            if last and last[0][0] == key:  # tokens and topics of one row: computed once
                return last[0][1]
            value = self.indexer(title, text)
            last[:] = [(key, value)]
            return value

        self.text.register(self.db, index)
        self._wanted_topics = None if wanted is None else json.dumps(wanted, ensure_ascii=False)

    def index_new_items(self, key: EditionKey, *, after_id: int) -> None:
        """Index the items of an edition inserted with ids above ``after_id``."""
        rows = self.db.execute(
            "SELECT id, sortkey, title, text FROM items WHERE series_id = ? AND edition_date = ?"
            " AND issue = ? AND id > ?",
            [key.series, key.date.isoformat(), key.issue, after_id],
        ).fetchall()
        self._index(rows)

    def refresh(self, item_ids: Sequence[int]) -> None:
        """Index again items whose title or text was changed in place (SQLite's triggers have
        done it already)."""
        if self.text.refreshes_itself or not item_ids:
            return
        for item_id in item_ids:
            self.db.execute("DELETE FROM item_topics WHERE item_id = ?", [item_id])
            self.db.execute(
                f"DELETE FROM {self.text.table} WHERE {self.text.key} ="  # noqa: S608 - names
                " (SELECT sortkey FROM items WHERE id = ?)",
                [item_id],
            )
        sql = "SELECT id, sortkey, title, text FROM items WHERE id IN ({marks})"
        self._index(list(self.rows_for(sql, item_ids)))

    def _index(self, rows: Iterable[Sequence[Any]]) -> None:
        """Index rows and topics of items given as (id, sortkey, title, text)."""
        tokens, topics = [], []
        for item_id, key, title, text in rows:
            value = self._primed.get((title, text)) or self.indexer(title, text)
            tokens.append((key, self.text.stored(value[0])))
            topics += [(item_id, topic) for topic in json.loads(value[1])]
        self.db.executemany(self.text.insert, tokens)
        self.db.executemany("INSERT INTO item_topics(item_id, topic) VALUES (?, ?)", topics)

    def prime(self, computed: dict[tuple[str, str], tuple[str, str]]) -> None:
        """Index values computed elsewhere (worker processes) for the next writes."""
        self._primed = computed

    def retag_if_changed(self) -> None:
        """After migrations: index and tag every item again when the topic configuration or
        the token rule (``TOKENS``) changed; the index is rebuilt whole, never patched, as
        rows indexed by an older rule could not be deleted."""
        wanted = self._wanted_topics
        topics = wanted is not None and self._meta("topics") != wanted
        tokens = self._meta("tokens") != TOKENS
        if not (topics or tokens):
            return
        with immediate(self.db):  # topic tokens live in the index too: rebuild both
            self.reindex_all()
            meta = upsert("meta", ("key", "value"), ("key",))
            if wanted is not None:
                self.db.execute(meta, ["topics", wanted])
            self.db.execute(meta, ["tokens", TOKENS])
        log.info("%s changed: items indexed and tagged again", "topics" if topics else "tokens")

    def reindex_all(self) -> None:
        """Every item indexed and tagged again, from nothing (inside a transaction)."""
        self.db.execute("DELETE FROM item_topics")
        self.db.execute(self.text.clear)
        for rows in self.db.batches(
            "SELECT id, sortkey, title, text FROM items ORDER BY id", REINDEX_BATCH
        ):
            self._index(rows)

    def _meta(self, key: str) -> str | None:
        if "meta" not in self.db.table_names():
            return None
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return None if row is None else str(row[0])

    def item_topics(self, item_id: int) -> set[str]:
        rows = self.db.execute("SELECT topic FROM item_topics WHERE item_id = ?", [item_id])
        return {r[0] for r in rows.fetchall()}

    def edition_item_topics(self, key: EditionKey) -> dict[int, set[str]]:
        """position → topic keys, for the items of one edition."""
        rows = self.db.execute(
            "SELECT i.position, t.topic FROM items i JOIN item_topics t ON t.item_id = i.id "
            "WHERE i.series_id = ? AND i.edition_date = ? AND i.issue = ?",
            [key.series, key.date.isoformat(), key.issue],
        ).fetchall()
        out: dict[int, set[str]] = {}
        for position, topic in rows:
            out.setdefault(position, set()).add(topic)
        return out

    def index_size(self) -> int:
        """Bytes the search index takes."""
        return self.text.size(self.db)

    # -- saved queries (for page buttons) ------------------------------------------------

    def save_search(self, chat_id: int, query: str, *, at: dt.datetime) -> int:
        cur = self.db.execute(
            "INSERT INTO searches (chat_id, query, created_at) VALUES (?, ?, ?) RETURNING id",
            [chat_id, query, stamp(at)],
        )
        return int(cur.fetchone()[0])

    def saved_search(self, search_id: int) -> SavedSearch | None:
        """The chat and the query of a saved search."""
        row = self.db.execute(
            "SELECT chat_id, query FROM searches WHERE id = ?", [search_id]
        ).fetchone()
        return None if row is None else SavedSearch(int(row[0]), str(row[1]))

    # -- search ---------------------------------------------------------------------------

    def _match(self, f: Filters) -> str:
        """The index's expression for text, exclusions and topics (every string quoted)."""
        return self.text.expression(f.terms, f.excluded, f.topics, any_of=f.any_of)

    def _select(self, what: str, within: str = "", *, match: str | None = None) -> str:
        """``SELECT what`` of the index rows that match (parameters: the expression, the
        lowest and highest sort key), narrowed by ``within``; ``{k}`` in ``what`` and
        ``within`` is the sort key's column; ``match``: the test (the index's by default)."""
        t = self.text
        return (
            f"SELECT {what.format(k=t.key)} FROM {t.table} WHERE {match or t.match}"  # noqa: S608 - constants
            f" AND {t.key} BETWEEN ? AND ?{within.format(k=t.key)}"
        )

    @staticmethod
    def _range(f: Filters) -> tuple[int, int]:
        """Sort keys of the date filter (inclusive)."""
        low = f.since.toordinal() * SORT_DAY if f.since else 0
        high = (f.until.toordinal() + 1) * SORT_DAY - 1 if f.until else 2**62
        return low, high

    @staticmethod
    def _in_series(f: Filters) -> str:
        """The series filter on sort keys (their middle digits), as SQL ("" for none)."""
        if not f.series:
            return ""
        numbers = ", ".join(str(int(n)) for n in sorted(f.series))
        return f" AND ({{k}} / {SORT_SERIES}) % {SORT_ISSUE // SORT_SERIES} IN ({numbers})"

    def search_items(
        self, filters: Filters, *, after: int | None = None, before: int | None = None, limit: int
    ) -> SearchPage:
        """A page of matching items, newest first; keyset pages after/before an item id.

        FTS5 returns rowids (sort keys) in order, so a page costs about its size however many
        items match; the total is counted over the same expression up to ``COUNT_CAP``.
        """
        match = self._match(filters)
        low, high = self._range(filters)
        if filters.residual is not None:
            return self._residual_page(filters, match, (low, high), after, before, limit)
        within = self._in_series(filters)
        found, rows = self.db.execute(
            f"SELECT count(*), {self.text.rows} FROM"  # noqa: S608 - constants
            f" ({self._select('1', within + ' LIMIT ?')}) AS hits",
            [match, low, high, COUNT_CAP + 1],
        ).fetchone()
        total, at_least = counted(int(found))
        anchor = after if after is not None else before
        key = self._sortkey(anchor) if anchor is not None else None
        if anchor is not None and key is None:
            return SearchPage(total, (), False, False, at_least)
        if before is not None and key is not None:
            low, order = key + 1, "ASC"
        else:
            high, order = (key - 1 if key is not None else high), "DESC"
        test = self.text.page_match(found=int(found), rows=float(rows), limit=limit)
        sql = self._select("{k}", within + " ORDER BY {k} " + order + " LIMIT ?", match=test)
        keys = [r[0] for r in self.db.execute(sql, [match, low, high, limit + 1])]
        more = len(keys) > limit
        if before is not None:
            return SearchPage(total, self._hits(keys[:limit][::-1]), more, True, at_least)
        hits = self._hits(keys[:limit])
        return SearchPage(total, hits, after is not None, more, at_least)

    def _residual_page(
        self,
        filters: Filters,
        match: str,
        bounds: tuple[int, int],
        after: int | None,
        before: int | None,
        limit: int,
    ) -> SearchPage:
        """A term the index cannot tell exactly (one starting with punctuation): candidates
        are read newest first, a batch at a time, and each checked, until the count passes
        ``COUNT_CAP`` with the page found, or none are left."""
        keep = filters.residual
        assert keep is not None  # noqa: S101 - the caller checked
        sql = self._select("{k}", self._in_series(filters) + " ORDER BY {k} DESC LIMIT ?")
        low, high = bounds
        hits: list[Hit] = []
        while True:
            keys = [r[0] for r in self.db.execute(sql, [match, low, high, RESIDUAL_BATCH])]
            hits += [h for h in self._hits(keys) if keep(normalize(h.body))]
            if len(keys) < RESIDUAL_BATCH or _enough(hits, after, before, limit):
                break
            high = keys[-1] - 1
        return page_in_memory(hits, after=after, before=before, limit=limit)

    def _hits(self, keys: list[int]) -> tuple[Hit, ...]:
        """The items of these sort keys, in that order."""
        if not keys:
            return ()
        sql = (
            "SELECT id, edition_date, position, title, text, links, sortkey, series_id, issue"
            " FROM items WHERE sortkey IN ({marks})"
        )
        found = {r[6]: hit_of(r) for r in self.rows_for(sql, keys)}
        return tuple(found[k] for k in keys if k in found)

    def term_days(self, filters: Filters) -> Counter[dt.date]:
        """How many items match, per edition day (the day is the sort key's upper digits).

        The same expression and residual check as ``search_items``: a count here is the
        total /search shows for the same query, split by day.
        """
        match = self._match(filters)
        low, high = self._range(filters)
        within = self._in_series(filters)
        if filters.residual is None:
            rows = self.db.execute(
                self._select(f"{{k}} / {SORT_DAY}, count(*)", within + " GROUP BY 1"),
                [match, low, high],
            )
            return Counter({dt.date.fromordinal(day): n for day, n in rows})
        keys = [r[0] for r in self.db.execute(self._select("{k}", within), [match, low, high])]
        keep = filters.residual
        return Counter(h.date for h in self._hits(keys) if keep(normalize(h.body)))

    def archive_stamp(self) -> ArchiveStamp | None:
        """The first and last edition dates and the archive's version; None when empty."""
        row = self.db.execute(
            "SELECT min(date), max(date), count(*), max(updated_at),"
            " (SELECT count(*) FROM items), (SELECT max(id) FROM items) FROM editions"
        ).fetchone()
        if row is None or not row[2]:
            return None
        first, last, editions, changed, items, last_item = row
        return ArchiveStamp(
            first=dt.date.fromisoformat(first),
            last=dt.date.fromisoformat(last),
            editions=int(editions),
            items=int(items),
            last_item=int(last_item or 0),
            changed=str(changed),
        )

    def _sortkey(self, item_id: int) -> int | None:
        row = self.db.execute("SELECT sortkey FROM items WHERE id = ?", [item_id]).fetchone()
        return None if row is None else int(row[0])
