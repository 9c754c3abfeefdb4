"""A database written before editions carried what the tick owes them (the schema up to 0019)
opens with every edition owing nothing: an upgrade sends no alert or correction again."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from bot.digest.models import Edition, EditionKey, Item
from bot.store.changes import Owed
from bot.store.database import Store

DAY = dt.date(2024, 9, 1)


def edition(text: str) -> Edition:
    item = Item(position=1, text=text, links=("https://news.example/1",), section="")
    return Edition(date=DAY, series="Letter", items=(item,), source="2024-09-01.md")


def as_before_0020(path: Path) -> None:
    """The database as the code before the marks left it: no ``owed`` column nor its index."""
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DROP INDEX editions_owed")
        conn.execute("ALTER TABLE editions DROP COLUMN owed")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0020_owed'")
    conn.close()


def test_stored_editions_owe_nothing_after_the_upgrade_and_an_edit_owes_again(
    tmp_path: Path,
) -> None:
    """The edition stored before the upgrade owes nothing; edited after it, it owes its
    corrections."""
    path = tmp_path / "bot.sqlite3"
    store = Store(path)
    store.editions.put_edition(edition("Solar farm opens"))
    store.close()
    as_before_0020(path)
    store = Store(path)
    try:
        assert store.changes.owed() == []
        store.editions.put_edition(edition("Solar farm opens (corrected)"))
        [owed] = store.changes.owed()
        assert (owed.key, owed.owed) == (EditionKey(0, DAY), Owed.CHANGED)
    finally:
        store.close()
