"""A database written before there were series opens with every edition, subscription and
outbox row in the one series there is: nothing is lost, found twice or sent again."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

from conftest import SEED
from sqlite_utils import Database

from bot.config import Config
from bot.delivery.plan import plan_due
from bot.digest.models import EditionKey
from bot.ingest.folder import scan_folder
from bot.store.database import Store
from bot.store.indexing import item_tokens
from bot.store.lookup import search
from bot.store.outbox import Kind, Planned, Target
from bot.store.schema import migrations

DAY = dt.date(2024, 1, 8)
FIRST_WITH_SERIES = "0014_series"
DAY_AT = dt.datetime(2024, 1, 8, 9, tzinfo=dt.UTC)


def old_database(path: Path) -> None:
    """The schema as it was up to 0013, with one edition, a subscriber who got it, a search."""
    conn = sqlite3.connect(path)
    conn.create_function("dg_tokens", 2, lambda a, b: item_tokens(a, b) + " \ue004")
    conn.create_function("dg_topics", 2, lambda a, b: "[]")
    db = Database(conn)
    migrations.apply(db, stop_before=FIRST_WITH_SERIES)
    now = "2024-01-08T00:00:00+00:00"
    db.execute(
        "INSERT INTO editions (date, series, title, source, content_hash, ingested_at, "
        "updated_at) VALUES (?, '每日碳新闻', 't', ?, 'old', ?, ?)",
        [DAY.isoformat(), SEED.name, now, now],
    )
    day = DAY.toordinal()
    for position, text in ((1, "全国碳市场扩容"), (2, "储能电站并网")):
        db.execute(
            "INSERT INTO items (edition_date, position, title, text, links, content_hash, sortkey)"
            " VALUES (?, ?, '', ?, '[]', ?, ?)",
            [DAY.isoformat(), position, text, f"h{position}", day * 1_000_000 + position],
        )
        db.execute(
            "INSERT INTO items_fts (rowid, tokens) VALUES (?, dg_tokens('', ?))",
            [day * 1_000_000 + position, text],
        )
    db.execute(
        "INSERT INTO chats (id, type, created_at, updated_at) VALUES (7, 'private', ?, ?)",
        [now, now],
    )
    db.execute("INSERT INTO subscriptions VALUES (7, 'all', ?)", [now])
    db.execute(
        "INSERT INTO deliveries (chat_id, edition_date, kind, status, due_at, next_attempt_at, "
        "message_ids, created_at, updated_at) VALUES (7, ?, 'edition', 'sent', ?, ?, ?, ?, ?)",
        [DAY.isoformat(), now, now, json.dumps([1]), now, now],
    )
    conn.commit()
    conn.close()


def test_an_old_database_keeps_its_editions_subscribers_and_deliveries(
    tmp_path: Path, config: Config
) -> None:
    """Migrated: the edition is series 0's with its items and search hits, the subscriber gets
    every series, the delivery already made is not planned again."""
    path = tmp_path / "old.sqlite3"
    old_database(path)
    store = Store(path)
    try:
        key = EditionKey(0, DAY)
        edition = store.editions.get_edition(key)
        assert edition is not None
        assert [i.text for i in edition.items] == ["全国碳市场扩容", "储能电站并网"]
        hits = search(store, "储能").page.hits
        assert [(h.date, h.series, h.text) for h in hits] == [(DAY, 0, "储能电站并网")]
        assert store.series.chat_series(7) == frozenset()  # every series
        now = dt.datetime(2024, 1, 8, 9, tzinfo=dt.UTC)
        assert plan_due(store, config, now) == 0  # it was sent: not again
        assert store.outbox.deliveries_summary(key)["deliveries"] == {"edition": {"sent": 1}}
    finally:
        store.close()


def test_the_first_scan_after_the_migration_keeps_the_series(tmp_path: Path) -> None:
    """The next scan reads every file once: the edition stays series 0's (no new edition, no
    second series), and the series learns its name from the file."""
    path = tmp_path / "old.sqlite3"
    old_database(path)
    folder = tmp_path / "digests"
    folder.mkdir()
    (folder / SEED.name).write_bytes(SEED.read_bytes())
    store = Store(path)
    try:
        report = scan_folder(store, folder)
        assert report.errors == []
        assert report.new == []
        assert report.changed == [EditionKey(0, DAY)]  # the seed's own items replace the stub
        assert [s.id for s in store.series.all_series()] == [0]
        assert store.files.reread_wanted() is False
        again = scan_folder(store, folder)
        assert (again.new, again.changed, again.unchanged) == ([], [], 1)
    finally:
        store.close()


def test_outbox_rows_keep_their_edition_week_or_broadcast(tmp_path: Path) -> None:
    """The outbox key in its own columns (0016): pending rows written as one text key come
    out with their typed target (an edition of series 2, a roundup's week, a broadcast), and
    a delivery already sent still blocks planning it again."""
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.create_function("dg_tokens", 2, lambda a, b: item_tokens(a, b))
    conn.create_function("dg_topics", 2, lambda a, b: "[]")
    db = Database(conn)
    migrations.apply(db, stop_before="0016_outbox_keys")
    now = "2024-01-08T00:00:00+00:00"
    db.execute(
        "INSERT INTO chats (id, type, created_at, updated_at) VALUES (7, 'private', ?, ?)",
        [now, now],
    )
    for chat, key, kind, status in (
        (7, "2024-01-08+2", "alert", "pending"),
        (8, "week-2024-01-01", "roundup", "pending"),
        (9, "broadcast-3", "broadcast", "pending"),
        (7, "2024-01-08", "edition", "sent"),
    ):
        if chat != 7:
            db.execute(
                "INSERT OR IGNORE INTO chats (id, type, created_at, updated_at) "
                "VALUES (?, 'private', ?, ?)",
                [chat, now, now],
            )
        db.execute(
            "INSERT INTO deliveries (chat_id, edition_date, kind, status, due_at, "
            "next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [chat, key, kind, status, now, now, now, now],
        )
    conn.commit()
    conn.close()
    store = Store(path)
    try:
        due = store.outbox.due(dt.datetime(2024, 1, 9, tzinfo=dt.UTC), limit=10)
        assert {(d.chat.id, d.kind, d.target) for d in due} == {
            (7, Kind.ALERT, Target(EditionKey(2, DAY))),
            (8, Kind.ROUNDUP, Target.of_week(dt.date(2024, 1, 1))),
            (9, Kind.BROADCAST, Target.of_broadcast(3)),
        }
        assert str(due[0].target) in {"2024-01-08+2", "week of 2024-01-01", "broadcast 3"}
        store.outbox.plan(
            [Planned(7, Target(EditionKey(0, DAY)), Kind.EDITION, DAY_AT)], now=DAY_AT
        )
        assert store.outbox.deliveries_summary(EditionKey(0, DAY))["deliveries"] == {
            "edition": {"sent": 1}
        }
    finally:
        store.close()
