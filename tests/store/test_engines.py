"""The two engines behind one connection type: the same statement, the same answer."""

from __future__ import annotations

import pytest

from bot.store.database import Store
from bot.store.engines import Engine, engine_of, where
from bot.store.engines.postgres import placeholders


def test_a_location_names_its_engine() -> None:
    """A postgresql:// (or postgres://) URL is PostgreSQL; a path or :memory: is SQLite."""
    assert engine_of("postgresql://u@h/db") is Engine.POSTGRES
    assert engine_of("postgres://u@h/db") is Engine.POSTGRES
    assert engine_of("data/digestbot.sqlite3") is Engine.SQLITE
    assert engine_of(":memory:") is Engine.SQLITE


def test_a_url_is_printed_without_its_password() -> None:
    """What names a PostgreSQL database in a message holds no password, in either spelling."""
    for url in ("postgresql://bot:s3cret@db.example.org:5433/news",
                "postgresql://db.example.org/news?user=bot&password=s3cret"):  # fmt: skip
        shown = where(url)
        assert "s3cret" not in shown
        assert "db.example.org" in shown
        assert shown.endswith("/news")
    assert where("data/digestbot.sqlite3") == "data/digestbot.sqlite3"


def test_placeholders_outside_quotes_only() -> None:
    """``?`` becomes psycopg's ``%s`` outside quotes only, and a literal ``%`` is doubled."""
    sql = "SELECT '?', \"a?\" FROM t WHERE x = ? AND e LIKE 'transient:%' AND y = ?"
    assert placeholders(sql) == (
        "SELECT '?', \"a?\" FROM t WHERE x = %s AND e LIKE 'transient:%%' AND y = %s"
    )


def test_the_same_statements_answer_alike(database: str) -> None:
    """Upserts, RETURNING, joined groups, JSON appends and lengths give the same values on
    both engines, and a reader's NUL character is kept as something both can store."""
    store = Store(database)
    db = store.db
    try:
        db.execute("INSERT INTO meta (key, value) VALUES ('a', '1')")
        db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key)"
            " DO UPDATE SET value = excluded.value",
            ["a", "2"],
        )
        assert db.execute("SELECT value FROM meta WHERE key = 'a'").fetchone()[0] == "2"
        first = db.execute(
            "INSERT INTO searches (chat_id, query, created_at) VALUES (?, ?, ?) RETURNING id",
            [1, "储能", "t"],
        ).fetchone()[0]
        second = db.execute(
            "INSERT INTO searches (chat_id, query, created_at) VALUES (?, ?, ?) RETURNING id",
            [1, "bad\0input", "t"],
        ).fetchone()[0]
        assert second > first
        [(kept,)] = db.execute("SELECT query FROM searches WHERE id = ?", [second]).fetchall()
        assert kept.startswith("bad")
        assert kept.endswith("input")
        joined = db.execute(
            f"SELECT {db.joined('query', ' ')} FROM searches WHERE id = ?",  # noqa: S608
            [first],
        ).fetchone()[0]
        assert joined == "储能"
        db.execute("INSERT INTO meta (key, value) VALUES ('j', '[]')")
        for value in (7, 9):
            db.execute(
                f"UPDATE meta SET value = {db.appended('value', 'BIGINT')} WHERE key = 'j'",  # noqa: S608
                [value],
            )
        text = db.execute("SELECT value FROM meta WHERE key = 'j'").fetchone()[0]
        assert text.replace(" ", "") == "[7,9]"
        db.execute("""INSERT INTO meta (key, value) VALUES ('o', '{"items": [1, 2, 3]}')""")
        length = db.execute(
            f"SELECT {db.length_of('value', 'items')} FROM meta WHERE key = 'o'"  # noqa: S608
        ).fetchone()[0]
        assert length == 3
    finally:
        store.close()


@pytest.mark.parametrize("rows", [0, 3])
def test_executemany_counts_the_rows_it_changed(database: str, rows: int) -> None:
    """How many rows a batch inserted, conflicts skipped: the outbox's planned count."""
    store = Store(database)
    try:
        batch = [(f"k{n % 2}", str(n)) for n in range(rows)]
        changed = store.db.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT DO NOTHING", batch
        )
        assert changed == min(rows, 2)
    finally:
        store.close()
