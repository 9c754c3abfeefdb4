"""A database written before deliveries recorded the settings they were sent with (the schema
up to 0020) opens with its sent editions kept as they were, and records the settings of what
it sends from then on."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from bot.digest.models import Edition, EditionKey, Item
from bot.store.database import Store
from bot.store.sent_as import SentAs

DAY = dt.date(2024, 9, 1)
NOW = dt.datetime(2024, 9, 1, 8, tzinfo=dt.UTC)
KEY = EditionKey(0, DAY)


def edition() -> Edition:
    item = Item(position=1, text="Solar farm opens", links=("https://news.example/1",))
    return Edition(date=DAY, series="Letter", items=(item,), source="2024-09-01.md")


def send_all(store: Store, *, sent_as: SentAs | None) -> None:
    """Every due row's one part goes out."""
    for row in store.outbox.due(NOW, limit=10):
        store.outbox.part_sent(row.id, 100 + row.chat.id, last=True, now=NOW, sent_as=sent_as)


def as_before_0021(path: Path) -> None:
    """The database as the code before ``sent_as`` left it."""
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("ALTER TABLE deliveries DROP COLUMN sent_as")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0023_sent_as'")
    conn.close()


def test_a_delivery_sent_before_the_upgrade_keeps_its_parts_and_a_new_one_its_settings(
    tmp_path: Path,
) -> None:
    """The row sent before the upgrade is still there to correct, with no settings (its
    correction uses the chat's); a row sent after it has the settings it was sent with."""
    path = tmp_path / "bot.sqlite3"
    store = Store(path)
    store.editions.put_edition(edition())
    for chat in (1, 2):
        store.chats.ensure_chat(chat, type="private")
        store.chats.subscribe(chat)
    store.outbox.plan_everyone(KEY, now=NOW)
    [first, _] = store.outbox.due(NOW, limit=10)
    store.outbox.part_sent(first.id, 101, last=True, now=NOW)
    store.close()
    as_before_0021(path)
    store = Store(path)
    try:
        old = store.corrections.edition_sent(1, KEY)
        assert old is not None
        assert (old.message_ids, old.sent_as) == ((101,), None)
        english = SentAs("en", "compact", frozenset({"storage"}), previews=True)
        send_all(store, sent_as=english)
        new = store.corrections.edition_sent(2, KEY)
        assert new is not None
        assert (new.message_ids, new.sent_as) == ((102,), english)
    finally:
        store.close()
