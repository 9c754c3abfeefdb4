"""The text index under the search, one kind per engine: how it is stored and asked.

Part of the store. ``SearchStore`` (``index``) writes the same tokens to both (``indexing``:
textnorm's tokens of an item's body, ``EVERY``, a token per topic) and asks with the same
phrases (``bot.search.textnorm.Phrase``); this module says how each engine spells that:

- SQLite: a contentless FTS5 table ``items_fts`` whose rowid is the item's sort key; a
  phrase is FTS5 syntax. Its triggers (``schema``) unindex deleted and changed items, calling
  the Python functions ``register`` puts on the connection.
- PostgreSQL: ``item_index (sortkey, tokens tsvector)`` with a GIN index; the tokens are
  stored as they are (a tsvector literal with their positions: no text-search configuration
  touches them) and a phrase is a ``tsquery`` with ``<->``. Rows follow their item's sort key
  by a cascading foreign key; a changed item is indexed again by the store (``refresh``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.search.textnorm import Phrase, lexeme

from .engines import Engine, Sql
from .hits import COUNT_CAP
from .indexing import EVERY, topic_token

Indexer = Callable[[str | None, str | None], tuple[str, str]]  # (tokens, topics as JSON)
# PostgreSQL keeps positions up to 16 383 (later ones are stored as that) and 256 of them per
# token: a phrase past those in one very long item may go unfound there, never on SQLite
MAX_POSITION = 16_383
MAX_POSITIONS = 256


def _all(parts: Sequence[str], joiner: str) -> str:
    return parts[0] if len(parts) == 1 else "(" + f" {joiner} ".join(parts) + ")"


@dataclass(frozen=True, slots=True)
class TextIndex:
    """How one engine stores and asks the index: ``SELECT {key} FROM {table} WHERE {match}``
    with the expression of ``expression`` as the parameter; rows written with ``insert``."""

    engine: Engine
    table: str
    key: str
    match: str
    scan: str  # the same test on rows read in sort-key order (not through the index)
    rows: str  # an expression: about how many rows the index holds (0: unknown or not needed)
    insert: str
    clear: str
    refreshes_itself: bool  # an item's changed text is indexed again by the database

    def expression(
        self,
        terms: Sequence[Phrase],
        excluded: Sequence[Phrase],
        topics: Sequence[str],
        *,
        any_of: Sequence[Sequence[Phrase]] = (),
    ) -> str:
        """Every term, one phrase of each ``any_of`` group, one of the topics (when any),
        none of the excluded phrases."""
        if self.engine is Engine.SQLITE:
            either = [f"({' OR '.join(p.fts() for p in g)})" for g in any_of]
            match = " AND ".join([*(p.fts() for p in terms), *either]) or _fts(EVERY)
            if topics:
                match = f"({match}) AND ({' OR '.join(_fts(topic_token(t)) for t in topics)})"
            if excluded:
                match = f"({match}) NOT ({' OR '.join(p.fts() for p in excluded)})"
            return match
        groups = [_all([p.tsquery() for p in g], "|") for g in any_of]
        parts = [*(p.tsquery() for p in terms), *groups] or [lexeme(EVERY)]
        if topics:
            parts.append(_all([lexeme(topic_token(t)) for t in topics], "|"))
        if excluded:
            parts.append("!" + _all([p.tsquery() for p in excluded], "|"))
        return _all(parts, "&")

    def page_match(self, *, found: int, rows: float, limit: int) -> str:
        """The test a page is fetched with when ``found`` hits were counted (at least that
        many: the count stops past ``COUNT_CAP``) and the index holds about ``rows`` rows
        (``rows`` as the count query gave it): through the index, or by reading rows newest
        first until the page is full.

        PostgreSQL's planner guesses a phrase's hits far too few (a few where there are
        thousands), fetches them all through GIN and checks each one's positions, only to
        keep a page of them: when the hits are common, reading rows in sort-key order finds
        the page after about ``(limit + 1) * rows / found`` rows instead of ``found`` or more.
        When the count stopped, that bound holds and the index's cost has none: scan.
        """
        common = found > COUNT_CAP or 0 < (limit + 1) * rows < found * found
        return self.scan if common else self.match

    def stored(self, tokens: str) -> str:
        """What the index's column holds for an item's tokens (space-separated)."""
        if self.engine is Engine.SQLITE:
            return tokens
        positions: dict[str, list[int]] = {}
        for n, token in enumerate(tokens.split(), start=1):
            positions.setdefault(token, []).append(min(n, MAX_POSITION))
        kept = {t: sorted(set(p))[:MAX_POSITIONS] for t, p in positions.items()}
        return " ".join(f"{lexeme(t)}:{','.join(map(str, p))}" for t, p in kept.items())

    def register(self, db: Sql, indexer: Indexer) -> None:
        """SQLite: the functions its triggers call (``dg_tokens``, ``dg_topics``)."""
        if self.engine is not Engine.SQLITE:
            return
        conn = db.conn  # type: ignore[attr-defined]
        conn.create_function("dg_tokens", 2, lambda a, b: indexer(a, b)[0], deterministic=True)
        conn.create_function("dg_topics", 2, lambda a, b: indexer(a, b)[1], deterministic=True)

    def size(self, db: Sql) -> int:
        """Bytes the index takes."""
        if self.engine is Engine.SQLITE:
            sql = "SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'items_fts%'"
        else:
            sql = "SELECT pg_total_relation_size('item_index')"
        return int(db.execute(sql).fetchone()[0] or 0)


def _fts(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


SQLITE = TextIndex(
    engine=Engine.SQLITE,
    table="items_fts",
    key="rowid",
    match="items_fts MATCH ?",
    scan="items_fts MATCH ?",  # FTS5 returns matches in rowid order anyway
    rows="0",  # ``scan`` is ``match``: not needed
    insert="INSERT INTO items_fts(rowid, tokens) VALUES (?, ?)",
    clear="INSERT INTO items_fts(items_fts) VALUES ('delete-all')",
    refreshes_itself=True,
)
POSTGRES = TextIndex(
    engine=Engine.POSTGRES,
    table="item_index",
    key="sortkey",
    match="tokens @@ ?::tsquery",
    scan="coalesce(tokens @@ ?::tsquery, false)",  # a filter the planner cannot use GIN for
    rows="(SELECT reltuples FROM pg_class WHERE oid = 'item_index'::regclass)",  # -1: unknown
    insert="INSERT INTO item_index (sortkey, tokens) VALUES (?, ?::tsvector)",
    clear="DELETE FROM item_index",
    refreshes_itself=False,
)
TEXT_INDEX = {index.engine: index for index in (SQLITE, POSTGRES)}
