"""A database written before editions had issue numbers (the schema up to 0017) opens with
every edition, item, search hit, outbox row, approval, held edition and file state carried
forward as issue 0: nothing lost, found twice or sent again; the first scan then numbers the
numbered editions and loads the back catalogue that could not load before (issue 22)."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

from sqlite_utils import Database

from bot.config import Config
from bot.delivery.plan import plan_due
from bot.digest.models import EditionKey
from bot.ingest.folder import scan_folder
from bot.store.approvals import Approval, Decision
from bot.store.database import Store
from bot.store.indexing import EVERY, item_tokens
from bot.store.lookup import search
from bot.store.outbox import Kind, Planned, Target
from bot.store.schema import migrations
from bot.store.sortkeys import sortkey

DAY = dt.date(2024, 1, 8)
LATER = dt.date(2024, 1, 20)  # a held edition's day
NOW = "2024-01-08T00:00:00+00:00"
AT = dt.datetime(2024, 1, 8, 9, tzinfo=dt.UTC)
BEFORE_ISSUES = "0018_issues"


def old_sortkey(day: dt.date, series: int, position: int) -> int:
    """An item's sort key as migrations 0014 to 0017 wrote it: day × 10⁷ + series × 10⁴ +
    position."""
    return day.toordinal() * 10_000_000 + series * 10_000 + position


def old_store(path: Path) -> Database:
    """The schema as the code before issue numbers made it (migrations up to 0017)."""
    conn = sqlite3.connect(path)
    conn.create_function("dg_tokens", 2, lambda a, b: f"{item_tokens(a, b)} {EVERY}")
    conn.create_function("dg_topics", 2, lambda a, b: "[]")
    db = Database(conn)
    migrations.apply(db, stop_before=BEFORE_ISSUES)
    assert BEFORE_ISSUES not in {m["name"] for m in db["_sqlite_migrations"].rows}
    return db


def old_edition(db: Database, series: int, day: dt.date, source: str, texts: list[str]) -> None:
    db.execute(
        "INSERT INTO editions (series_id, date, series, title, source, content_hash, "
        "ingested_at, updated_at) VALUES (?, ?, 'Weekly', 't', ?, 'old', ?, ?)",
        [series, day.isoformat(), source, NOW, NOW],
    )
    for position, text in enumerate(texts, 1):
        key = old_sortkey(day, series, position)
        db.execute(
            "INSERT INTO items (series_id, edition_date, position, title, text, links, "
            "content_hash, sortkey) VALUES (?, ?, ?, '', ?, '[]', ?, ?)",
            [series, day.isoformat(), position, text, f"h{series}{position}", key],
        )
        db.execute(
            "INSERT INTO items_fts (rowid, tokens) VALUES (?, dg_tokens('', ?))", [key, text]
        )


def delivery(db: Database, chat: int, kind: str, series: int, status: str, items: str) -> None:
    db.execute(
        "INSERT INTO deliveries (chat_id, kind, series_id, edition_date, status, due_at, "
        "next_attempt_at, message_ids, items, created_at, updated_at, rendered) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'old')",
        [chat, kind, series, DAY.isoformat(), status, NOW, NOW, "[1]", items, NOW, NOW],
    )


def test_a_database_before_issue_numbers_keeps_everything_as_issue_0(tmp_path: Path) -> None:
    """Editions of two series with their items (same ids, found by search, new sort keys),
    the outbox (a sent edition not planned again, a pending alert still due, ids not reused),
    an approval, a held edition and the file states: all there, as issue 0."""
    path = tmp_path / "old.sqlite3"
    db = old_store(path)
    now = NOW
    db.execute(
        "INSERT INTO series (id, key, name, origin, created_at) VALUES "
        "(0, 'main', 'Daily', '', ?), (1, 'weekly', 'Weekly', 'folder:weekly', ?)",
        [now, now],
    )
    old_edition(db, 0, DAY, f"{DAY}.md", ["全国碳市场扩容", "储能电站并网"])
    old_edition(db, 1, DAY, f"weekly/{DAY}.md", ["本周储能招标回顾"])
    item_ids = [r[0] for r in db.execute("SELECT id FROM items ORDER BY id")]
    for chat in (7, 8):
        db.execute(
            "INSERT INTO chats (id, type, created_at, updated_at) VALUES (?, 'private', ?, ?)",
            [chat, now, now],
        )
        db.execute("INSERT INTO subscriptions VALUES (?, 'all', ?)", [chat, now])
    delivery(db, 7, "edition", 0, "sent", "[]")
    delivery(db, 7, "correction", 0, "sent", "[]")
    delivery(db, 8, "alert", 1, "pending", json.dumps(item_ids[2:]))
    db.execute(
        "INSERT INTO approvals (series_id, edition_date, status, created_at, updated_at) "
        "VALUES (1, ?, 'held', ?, ?)",
        [DAY.isoformat(), now, now],
    )
    held = {
        "date": LATER.isoformat(),
        "series": "Daily",
        "title": "t",
        "items": [{"position": 1, "section": "", "title": "", "text": "下周", "links": []}],
        "source": f"{LATER}.md",
        "warnings": [],
    }
    db.execute(
        "INSERT INTO scheduled (series_id, date, series, title, source, edition, content_hash, "
        "created_at, updated_at) VALUES (0, ?, 'Daily', 't', ?, ?, 'x', ?, ?)",
        [LATER.isoformat(), f"{LATER}.md", json.dumps(held, ensure_ascii=False), now, now],
    )
    for rel, ref in ((f"{DAY}.md", DAY.isoformat()), (f"weekly/{DAY}.md", f"{DAY}+1")):
        db.execute(
            "INSERT INTO files (path, size, mtime_ns, hash, edition_date, checked_at) "
            "VALUES (?, 1, 1, 'h', ?, ?)",
            [rel, ref, now],
        )
    last_delivery = db.execute("SELECT max(id) FROM deliveries").fetchone()[0]
    db.conn.commit()
    db.conn.close()

    store = Store(path)
    try:
        daily, weekly = EditionKey(0, DAY), EditionKey(1, DAY)
        assert daily == EditionKey(0, DAY, 0)
        edition = store.editions.get_edition(daily)
        assert edition is not None
        assert [i.text for i in edition.items] == ["全国碳市场扩容", "储能电站并网"]
        assert store.editions.item_ids(daily) + store.editions.item_ids(weekly) == item_ids
        keys = [r[0] for r in store.db.execute("SELECT sortkey FROM items ORDER BY id")]
        assert keys == [sortkey(daily, 1), sortkey(daily, 2), sortkey(weekly, 1)]
        hits = search(store, "储能").page.hits
        assert [(h.date, h.series, h.issue, h.text) for h in hits] == [
            (DAY, 1, 0, "本周储能招标回顾"),  # one day: series 1 sorts above series 0
            (DAY, 0, 0, "储能电站并网"),
        ]
        assert {h.text for h in search(store, "series:weekly 储能").page.hits} == {
            "本周储能招标回顾"
        }
        assert store.editions.latest_key(0) == daily
        # the outbox: what was sent is not planned again; the pending alert is still due
        assert plan_due(store, Config(), AT) == 1  # chat 8's edition only
        assert store.outbox.deliveries_summary(daily)["deliveries"] == {
            "correction": {"sent": 1},
            "edition": {"pending": 1, "sent": 1},
        }
        due = store.outbox.due(AT, limit=10)
        assert (due[0].chat.id, due[0].kind, due[0].target) == (8, Kind.ALERT, Target(weekly))
        assert list(due[0].items) == item_ids[2:]
        assert store.corrections.edition_sent(7, daily) is not None
        store.outbox.plan([Planned(7, Target(daily), Kind.EDITION, AT)], now=AT)  # no second
        assert store.outbox.deliveries_summary(daily)["deliveries"]["edition"] == {
            "pending": 1,
            "sent": 1,
        }
        new_id = store.db.execute("SELECT max(id) FROM deliveries").fetchone()[0]
        assert new_id > last_delivery
        # the approval, the held edition, the file states
        assert store.approvals.approval(weekly) == Decision(Approval.HELD, None)
        assert store.approvals.unapproved() == {weekly}
        assert [h.key for h in store.scheduled.held()] == [EditionKey(0, LATER)]
        assert store.editions.release(LATER) == [EditionKey(0, LATER)]
        states = store.files.file_states()
        assert states[f"{DAY}.md"].edition == daily
        assert states[f"weekly/{DAY}.md"].edition == weekly
        assert store.files.reread_wanted()  # the next scan learns the issues from the files
    finally:
        store.close()


def issue(n: int) -> str:
    return f"# Rust 周刊 第 {n} 期\n\n1. [Tokio {n}](https://tokio.rs/{n}) 储能{n}号\n"


def test_the_first_scan_numbers_what_loaded_and_loads_the_rest(tmp_path: Path) -> None:
    """Before: issue-1.md was the edition of the day the bot first saw it (issue 0, sent to a
    chat) and issue-2.md, issue-3.md were refused ("date … is already the edition of
    issue-1.md"). After: issue-1.md is issue 1 (same date, same item ids, its delivery with
    it), issues 2 and 3 load; only 3, the newest, is pushed."""
    folder = tmp_path / "digests"
    folder.mkdir()
    for n in (1, 2, 3):
        (folder / f"issue-{n}.md").write_text(issue(n), "utf-8")
    path = tmp_path / "old.sqlite3"
    db = old_store(path)
    db.execute(
        "INSERT INTO series (id, key, name, origin, created_at) VALUES (0, 'main', 'Rust 周刊', "
        "'', ?)",
        [NOW],
    )
    old_edition(db, 0, DAY, "issue-1.md", ["Tokio 1 储能1号"])
    ids = [r[0] for r in db.execute("SELECT id FROM items")]
    db.execute(
        "INSERT INTO chats (id, type, created_at, updated_at) VALUES (7, 'private', ?, ?)",
        [NOW, NOW],
    )
    db.execute("INSERT INTO subscriptions VALUES (7, 'all', ?)", [NOW])
    delivery(db, 7, "edition", 0, "sent", "[]")
    for n in (1, 2, 3):
        st = (folder / f"issue-{n}.md").stat()
        error = None if n == 1 else f"date {DAY} is already the edition of issue-1.md"
        db.execute(
            "INSERT INTO files (path, size, mtime_ns, hash, edition_date, error, checked_at) "
            "VALUES (?, ?, ?, 'h', ?, ?, ?)",
            [f"issue-{n}.md", st.st_size, st.st_mtime_ns, DAY.isoformat() if n == 1 else None,
             error, NOW],
        )  # fmt: skip
    db.conn.commit()
    db.conn.close()

    store = Store(path)
    try:
        assert store.editions.get_edition(EditionKey(0, DAY)) is not None
        today = DAY + dt.timedelta(days=3)
        report = scan_folder(store, folder, today=today)
        assert report.errors == []
        first = EditionKey(0, DAY, 1)
        assert store.editions.get_edition(EditionKey(0, DAY)) is None
        assert store.editions.item_ids(first) == ids
        assert store.outbox.deliveries_summary(first)["deliveries"] == {"edition": {"sent": 1}}
        assert sorted(report.new) == [EditionKey(0, today, 2), EditionKey(0, today, 3)]
        assert report.quiet == [EditionKey(0, today, 2)]
        assert store.editions.latest_key() == EditionKey(0, today, 3)
        state = store.files.file_states()["issue-1.md"]
        assert state.edition == first
        assert state.edition.ref == f"{DAY}#1"
        assert [h.issue for h in search(store, "储能").page.hits] == [3, 2, 1]
        assert not store.files.reread_wanted()
    finally:
        store.close()
