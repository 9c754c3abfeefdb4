"""migrate-db's copy: a SQLite bot after a week of pushes arrives in PostgreSQL whole — every
table row for row, the same search answers — and the PostgreSQL bot carries on from there."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from migrate_world import (
    CONFIG,
    READER,
    Week,
    build_week,
    columns_of,
    primary_key,
    rows_of,
)

from bot.store import copying
from bot.store.copying import CopyRefused, copy_store
from bot.store.database import Store
from bot.store.lookup import search

NOT_COPIED = {"_sqlite_migrations", "sqlite_sequence"}  # each database's own bookkeeping


@pytest.fixture
def week(tmp_path: Path) -> Week:
    return build_week(tmp_path / "data" / "digestbot.sqlite3", tmp_path / "digests")


@pytest.fixture
def pair(week: Week, pg_url: str) -> Iterator[tuple[Store, Store]]:
    """The week's SQLite store and a new PostgreSQL one (closed after the test)."""
    source, target = Store(week.path, topics=CONFIG.topic_spec), Store(pg_url)
    yield source, target
    source.close()
    target.close()


def schema_tables(store: Store) -> list[str]:
    """Every table of the SQLite schema but the bookkeeping and the FTS5 index's own."""
    rows = store.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    names = [str(r[0]) for r in rows]
    return [n for n in names if n not in NOT_COPIED and not n.startswith("items_fts")]


def test_a_week_of_pushes_arrives_whole(pair: tuple[Store, Store]) -> None:
    """Every table of the schema is copied and equal row for row; every one held rows."""
    source, target = pair
    checks = copy_store(source, target)
    tables = schema_tables(source)
    assert sorted(c.table for c in checks) == sorted(tables)
    assert all(c.ok for c in checks), [c for c in checks if not c.ok]
    for table in tables:
        columns = columns_of(source.db, table)
        key = primary_key(source.db, table)
        mine = rows_of(source.db, table, columns, key)
        assert mine, f"{table} is empty in the week: fill it in tests/migrate_world.py"
        assert rows_of(target.db, table, columns, key) == mine, table


def test_searches_answer_alike_after_the_copy(pair: tuple[Store, Store]) -> None:
    """The rebuilt PostgreSQL index finds what SQLite's FTS5 found, hit for hit."""
    source, target = pair
    copy_store(source, target)
    for query in ("储能", "碳市场 -光伏", '"绿证交易"', "#storage", "100MW 2024-03", "CCER"):
        mine = search(source, query, topics=CONFIG.topics, limit=50).page
        theirs = search(target, query, topics=CONFIG.topics, limit=50).page
        assert theirs.total == mine.total, query
        assert [h.id for h in theirs.hits] == [h.id for h in mine.hits], query
    assert all(search(source, q, topics=CONFIG.topics).page.total for q in ("储能", "#storage"))


def test_the_postgresql_bot_carries_on_past_the_copied_ids(
    week: Week, pair: tuple[Store, Store]
) -> None:
    """A new alert, search and broadcast on PostgreSQL get ids above every one SQLite gave —
    a deleted alert's id included — and the copied chats are there to own them."""
    source, bot = pair
    copy_store(source, bot)
    alert = bot.chats.add_alert(READER, ("氢能",), ())
    assert alert.id == week.deleted_alert + 1
    assert [a.terms for a in bot.chats.alerts(READER)][-1] == ("氢能",)
    top = bot.db.execute("SELECT max(id) FROM searches").fetchone()[0]
    assert bot.index.save_search(READER, "氢能", at=bot.now()) == top + 1
    drafts = bot.db.execute("SELECT max(id) FROM broadcasts").fetchone()[0]
    assert bot.broadcasts.draft_broadcast("x", sender_id=1, now=bot.now()).id == drafts + 1


def test_a_target_holding_data_is_refused_and_left_alone(pair: tuple[Store, Store]) -> None:
    """Copying into a database that already holds a bot's chats is refused in one line naming
    it and the fix; nothing in it changes."""
    source, target = pair
    target.chats.ensure_chat(5, type="private", title="already here")
    with pytest.raises(CopyRefused) as refused:
        copy_store(source, target)
    assert str(refused.value) == (
        f"{target.path} already holds data (table chats): migrate into a new, empty database "
        "(createdb), or drop this one and create it again"
    )
    assert target.db.execute("SELECT count(*) FROM chats").fetchone()[0] == 1
    assert target.db.execute("SELECT count(*) FROM items").fetchone()[0] == 0


def test_tables_larger_than_a_batch_are_paged_whole(
    pair: tuple[Store, Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    """In pages of two rows — every table spans pages, keys of several columns and Chinese
    text among them — each table still arrives whole and in order."""
    monkeypatch.setattr(copying, "BATCH", 2)
    source, target = pair
    checks = copy_store(source, target)
    assert all(c.ok for c in checks), [c for c in checks if not c.ok]
    for table in ("item_topics", "kept_topics", "chat_settings", "subscriptions", "editions"):
        key = primary_key(source.db, table)
        columns = columns_of(source.db, table)
        assert rows_of(target.db, table, columns, key) == rows_of(source.db, table, columns, key)
