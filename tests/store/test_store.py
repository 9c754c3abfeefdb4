"""The store: migrations, idempotent edition writes, stable item ids."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.digest.models import Edition, EditionKey, Item
from bot.store.changes import Owed
from bot.store.database import Change, Store
from bot.store.edition_rows import ArchiveCounts

DAY = dt.date(2024, 1, 8)


def edition(*texts: str, day: dt.date = DAY, source: str = "2024-01-08.md") -> Edition:
    items = tuple(
        Item(position=i, text=t, links=(f"https://example.org/{t}",), section="新闻")
        for i, t in enumerate(texts, 1)
    )
    return Edition(date=day, series="每日碳新闻", items=items, source=source)


@pytest.fixture
def store(database: str) -> Iterator[Store]:
    s = Store(database)
    yield s
    s.close()


def test_new_database_is_migrated_and_in_wal_mode(tmp_path: Path) -> None:
    """Opening a fresh path creates the schema, in WAL mode, and reopening migrates nothing."""
    path = tmp_path / "bot.sqlite3"
    first = Store(path)
    assert {"editions", "items", "files"} <= set(first.db.table_names())
    assert first.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    applied = first.db.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0]
    first.close()
    second = Store(path)
    assert second.db.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0] == applied
    second.close()


def test_edition_round_trips(store: Store) -> None:
    """What goes in comes back: items, order, sections, links, series."""
    e = edition("一、碳市场扩容", "二、储能 <b>&</b> 绿证")
    assert store.editions.put_edition(e) is Change.NEW
    back = store.editions.get_edition(EditionKey(0, DAY))
    assert back == e
    assert store.editions.latest_edition() == e
    assert store.editions.get_edition(EditionKey(0, DAY + dt.timedelta(days=1))) is None


def test_unchanged_edition_writes_nothing(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Putting the same edition again runs no write at all."""
    store.editions.put_edition(edition("a", "b", "c"))
    ran: list[str] = []
    execute, executemany = store.db.execute, store.db.executemany
    monkeypatch.setattr(store.db, "execute", lambda sql, *a: ran.append(sql) or execute(sql, *a))
    monkeypatch.setattr(
        store.db, "executemany", lambda sql, *a: ran.append(sql) or executemany(sql, *a)
    )
    assert store.editions.put_edition(edition("a", "b", "c")) is Change.UNCHANGED
    assert ran, "the store asked nothing"
    assert [sql for sql in ran if not sql.lstrip().upper().startswith("SELECT")] == []


def test_changed_edition_keeps_ids_of_unchanged_items(store: Store) -> None:
    """Editing one item, inserting one and dropping one keeps the ids of the items left alone."""
    store.editions.put_edition(edition("甲", "乙", "丙", "丁"))
    ids = dict(zip("甲乙丙丁", store.editions.item_ids(EditionKey(0, DAY)), strict=True))
    assert store.editions.put_edition(edition("新", "甲", "乙（更正）", "丙")) is Change.CHANGED
    after = store.editions.get_edition(EditionKey(0, DAY))
    assert after is not None
    assert [i.text for i in after.items] == ["新", "甲", "乙（更正）", "丙"]
    new_ids = store.editions.item_ids(EditionKey(0, DAY))
    assert new_ids[1] == ids["甲"]
    assert new_ids[3] == ids["丙"]
    assert ids["丁"] not in new_ids
    assert len(set(new_ids)) == 4


def test_a_stored_edition_stays_owed_until_a_plan_of_its_content(store: Store) -> None:
    """A new edition is owed its alerts and an edited one its corrections until the tick says
    it planned them; an edit stored after the plan read the edition stays owed."""
    store.editions.put_edition(edition("甲"))
    [new] = store.changes.owed()
    assert (new.key, new.owed) == (EditionKey(0, DAY), Owed.NEW)
    store.editions.put_edition(edition("甲（更正）"))  # edited before anyone got it
    assert [c.owed for c in store.changes.owed()] == [Owed.NEW]
    store.changes.planned(store.changes.owed())
    assert store.changes.owed() == []
    store.editions.put_edition(edition("甲（再更正）"))
    read = store.changes.owed()
    assert [c.owed for c in read] == [Owed.CHANGED]
    store.editions.put_edition(edition("甲（三更正）"))  # while the tick planned ``read``
    store.changes.planned(read)
    assert [c.owed for c in store.changes.owed()] == [Owed.CHANGED]


def test_item_ids_are_never_reused(store: Store) -> None:
    """An id that belonged to a removed item never names another item later."""
    store.editions.put_edition(edition("a", "b"))
    old = set(store.editions.item_ids(EditionKey(0, DAY)))
    store.editions.delete_edition(EditionKey(0, DAY))
    store.editions.put_edition(edition("c", "d"))
    assert old.isdisjoint(store.editions.item_ids(EditionKey(0, DAY)))


def test_list_editions_newest_first_with_counts(store: Store) -> None:
    """Editions list newest first with how many items each has."""
    store.editions.put_edition(edition("a", day=DAY))
    store.editions.put_edition(edition("a", "b", day=DAY + dt.timedelta(days=1), source="b.md"))
    rows = store.editions.list_editions()
    assert [(r.date, r.items) for r in rows] == [(DAY + dt.timedelta(days=1), 2), (DAY, 1)]
    assert store.editions.counts() == ArchiveCounts(editions=2, items=3)
    assert store.editions.latest_edition(on_or_before=DAY) == edition("a", day=DAY)


def test_source_change_alone_is_recorded(store: Store) -> None:
    """A renamed file updates the edition's source without touching its items."""
    store.editions.put_edition(edition("a"))
    ids = store.editions.item_ids(EditionKey(0, DAY))
    assert store.editions.put_edition(replace(edition("a"), source="renamed.md")) is Change.CHANGED
    assert store.editions.edition_source(EditionKey(0, DAY)) == "renamed.md"
    assert store.editions.item_ids(EditionKey(0, DAY)) == ids


def test_naive_datetimes_are_refused(tmp_path: Path) -> None:
    """The store only records timezone-aware times."""
    s = Store(tmp_path / "x.sqlite3", now=lambda: dt.datetime(2024, 1, 1))  # noqa: DTZ001
    with pytest.raises(ValueError, match="naive"):
        s.editions.put_edition(edition("a"))
    s.close()


def test_chat_created_once_with_first_language(store: Store) -> None:
    """A chat row is made on first contact and keeps its language on later contacts."""
    chat = store.chats.ensure_chat(-100123, type="supergroup", title="碳圈", language="en")
    assert (chat.type, chat.title, chat.language, chat.active) == (
        "supergroup",
        "碳圈",
        "en",
        True,
    )
    again = store.chats.ensure_chat(-100123, type="supergroup", title="碳圈 2", language="zh")
    assert (again.language, again.title) == ("en", "碳圈 2")


def test_subscribe_is_idempotent_and_undoable(store: Store) -> None:
    """Subscribing twice keeps one subscription; unsubscribing removes it."""
    store.chats.ensure_chat(42, type="private")
    assert store.chats.subscribe(42)
    assert not store.chats.subscribe(42)
    assert store.chats.is_subscribed(42)
    assert store.chats.unsubscribe(42)
    assert not store.chats.unsubscribe(42)
    assert not store.chats.is_subscribed(42)


def test_chat_settings_and_activity(store: Store) -> None:
    """Settings update in place; an inactive chat keeps its reason until reactivated."""
    store.chats.ensure_chat(7, type="private")
    chat = store.chats.update_chat(
        7, push_time=dt.time(7, 30), timezone="Europe/Berlin", previews=True
    )
    assert (chat.push_time, chat.timezone, chat.previews) == (
        dt.time(7, 30),
        "Europe/Berlin",
        True,
    )
    store.chats.set_active(7, False, reason="blocked")
    chat = store.chats.get_chat(7)
    assert chat is not None
    assert (chat.active, chat.inactive_reason) == (False, "blocked")
    store.chats.set_active(7, True)
    chat = store.chats.get_chat(7)
    assert chat is not None
    assert (chat.active, chat.inactive_reason) == (True, "")
