"""SQLite storage: the only module that speaks SQL.

sqlite-utils for tables and migrations, WAL for a reader beside the writer, parameters
always. Everything important lives here so a restart (or ``kill -9``) resumes where it was.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import logging
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sqlite_utils.db import NotFoundError, Table

from .models import Edition, Item
from .store_broadcast import BroadcastStore
from .store_chats import ChatStore, stamp
from .store_corrections import CorrectionStore
from .store_files import FileStore
from .store_outbox import OutboxStore
from .store_remote import RemoteStore
from .store_scheduled import ScheduleStore
from .store_schema import migrations
from .store_search import SearchStore, TopicSpec
from .store_tx import immediate

log = logging.getLogger(__name__)

UPDATES_KEPT = dt.timedelta(days=2)  # how long a webhook update id is remembered


class Change(enum.Enum):
    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    SCHEDULED = "scheduled"  # dated after today: held back until its day


@dataclass(frozen=True, slots=True)
class EditionInfo:
    date: dt.date
    series: str
    title: str
    source: str
    items: int
    updated_at: dt.datetime


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Store(
    ChatStore, SearchStore, OutboxStore, RemoteStore, BroadcastStore, ScheduleStore,
    CorrectionStore, FileStore,
):  # fmt: skip
    """The database of one bot. Not thread-safe: use it from one thread (the event loop)."""

    def __init__(
        self,
        path: Path | str,
        *,
        now: Callable[[], dt.datetime] = utcnow,
        topics: TopicSpec | None = None,
    ) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            _create_private(self.path)
        conn = sqlite3.connect(str(path), check_same_thread=False, timeout=10.0)
        self.db = Database(conn)
        self.now = now
        self.db.execute("PRAGMA foreign_keys = ON")
        self.db.execute("PRAGMA busy_timeout = 10000")
        if str(path) != ":memory:":
            self.db.enable_wal()
            self.db.execute("PRAGMA synchronous = NORMAL")
        self._setup_search(topics)
        migrations.apply(self.db)
        self._retag_if_changed()

    def close(self) -> None:
        self.db.close()

    def backup(self, target: Path) -> None:
        """A consistent copy of the database at ``target`` (SQLite's online backup: the bot
        may keep running and writing meanwhile)."""
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        partial.unlink(missing_ok=True)
        copy = sqlite3.connect(str(partial))
        try:
            self.db.conn.backup(copy, pages=1024)
        finally:
            copy.close()
        partial.replace(target)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes: one commit (and one fsync) for the whole block.

        Inside an open transaction this joins it instead of opening a savepoint: FTS5 writes
        its pending index data at every savepoint, which made a bulk ingest several times
        slower. A failure still rolls back the whole outer transaction. The write lock is
        taken first (``BEGIN IMMEDIATE``): another writer is waited for (busy_timeout).
        """
        with immediate(self.db):
            yield

    def _t(self, name: str) -> Table:
        return self.db.table(name)

    def _get(self, name: str, key: str | int) -> dict[str, Any] | None:
        try:
            return self._t(name).get(key)
        except NotFoundError:
            return None

    # -- editions -------------------------------------------------------------------------

    def put_edition(self, edition: Edition) -> Change:
        """Insert or update an edition in place; unchanged items keep their ids.

        The hot path of an ingest: plain parameterised statements, no introspection.
        """
        key = edition.date.isoformat()
        now = stamp(self.now())
        digest = edition.content_hash
        row = self.db.execute(
            "SELECT content_hash, source FROM editions WHERE date = ?", [key]
        ).fetchone()
        if row is not None and tuple(row) == (digest, edition.source):
            return Change.UNCHANGED
        values = [edition.series, edition.title, edition.source, digest, now, key]
        with self.transaction():
            if row is None:
                self.db.execute(
                    "INSERT INTO editions (series, title, source, content_hash, updated_at, date,"
                    " ingested_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [*values, now],
                )
            else:
                self.db.execute(
                    "UPDATE editions SET series = ?, title = ?, source = ?, content_hash = ?,"
                    " updated_at = ? WHERE date = ?",
                    values,
                )
            self._reconcile_items(key, edition.items)
        return Change.NEW if row is None else Change.CHANGED

    def _reconcile_items(self, key: str, items: tuple[Item, ...]) -> None:
        """Make the edition's items ``items``: unchanged ones keep their ids (maybe moved)."""
        old = self.db.execute(
            "SELECT id, position, content_hash FROM items WHERE edition_date = ?", [key]
        ).fetchall()
        by_hash: dict[str, list[tuple[int, int]]] = {}
        for item_id, position, digest in old:
            by_hash.setdefault(digest, []).append((item_id, position))
        kept: dict[int, int] = {}  # old id -> new position
        unmatched: list[Item] = []
        for item in items:
            candidates = by_hash.get(item.content_hash)
            if candidates:
                same = next((c for c in candidates if c[1] == item.position), None)
                chosen = same or candidates[0]
                candidates.remove(chosen)
                kept[chosen[0]] = item.position
            else:
                unmatched.append(item)
        free = {position: item_id for item_id, position, _ in old if item_id not in kept}
        reused = {
            item.position: free.pop(item.position) for item in unmatched if item.position in free
        }
        day = dt.date.fromisoformat(key).toordinal()
        run = self.db.conn.executemany
        run("DELETE FROM items WHERE id = ?", [(item_id,) for item_id in free.values()])
        was = {item_id: position for item_id, position, _ in old}
        moved = [(p, i) for i, p in kept.items() if was[i] != p]
        # two steps, so no sort key is ever held twice (it is unique, and the index's rowid)
        run("UPDATE items SET sortkey = -sortkey WHERE id = ?", [(i,) for _, i in moved])
        run(
            "UPDATE items SET position = ?, sortkey = ? WHERE id = ?",
            [(p, sortkey(day, p), i) for p, i in moved],
        )
        fresh: list[tuple[object, ...]] = []
        for item in unmatched:
            values = (*_item_row(key, item), sortkey(day, item.position))
            if item.position in reused:
                self.db.execute(
                    "UPDATE items SET edition_date = ?, position = ?, section = ?, title = ?,"
                    " text = ?, links = ?, content_hash = ?, sortkey = ? WHERE id = ?",
                    [*values, reused[item.position]],
                )
            else:
                fresh.append(values)
        if fresh:
            last = self.db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'items'")
            before = (last.fetchone() or (0,))[0]
            run(
                "INSERT INTO items (edition_date, position, section, title, text, links,"
                " content_hash, sortkey) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                fresh,
            )
            self.index_new_items(key, after_id=before)

    def delete_edition(self, date: dt.date) -> bool:
        """Remove the edition of ``date``, published or still held back."""
        key = date.isoformat()
        with self.transaction():
            self.db.execute("DELETE FROM items WHERE edition_date = ?", [key])
            cur = self.db.execute("DELETE FROM editions WHERE date = ?", [key])
            held = self.unhold(date)
        return cur.rowcount > 0 or held

    def publish(self, edition: Edition, *, today: dt.date) -> Change:
        """Store ``edition``: published, or held back until its day when it is dated after
        ``today`` (an edition already out stays out: its date is not in the future)."""
        if edition.date > today and self.edition_hash(edition.date) is None:
            changed = self.hold(edition, now=self.now())
            return Change.SCHEDULED if changed else Change.UNCHANGED
        self.unhold(edition.date)
        return self.put_edition(edition)

    def release(self, today: dt.date) -> list[dt.date]:
        """Publish the held editions whose day has begun; their dates."""
        out = []
        for edition in self.due_held(today):
            with self.transaction():
                self.unhold(edition.date)
                self.put_edition(edition)
            out.append(edition.date)
        return out

    def get_edition(self, date: dt.date) -> Edition | None:
        row = self._get("editions", date.isoformat())
        return None if row is None else self._edition(row)

    def latest_edition(self, *, on_or_before: dt.date | None = None) -> Edition | None:
        where, args = ("date <= ?", [on_or_before.isoformat()]) if on_or_before else (None, [])
        rows = list(self._t("editions").rows_where(where, args, order_by="date DESC", limit=1))
        return self._edition(rows[0]) if rows else None

    def neighbours(self, date: dt.date) -> tuple[dt.date | None, dt.date | None]:
        """The editions just before and just after ``date``."""
        key = date.isoformat()
        before = self.db.execute("SELECT max(date) FROM editions WHERE date < ?", [key])
        after = self.db.execute("SELECT min(date) FROM editions WHERE date > ?", [key])
        return _date_or_none(before.fetchone()[0]), _date_or_none(after.fetchone()[0])

    def nearest_dates(self, date: dt.date, *, count: int = 4) -> list[dt.date]:
        """Up to ``count`` edition dates closest to ``date``, in date order."""
        key = date.isoformat()
        older = self.db.execute(
            "SELECT date FROM editions WHERE date < ? ORDER BY date DESC LIMIT ?", [key, count]
        ).fetchall()
        newer = self.db.execute(
            "SELECT date FROM editions WHERE date > ? ORDER BY date LIMIT ?", [key, count]
        ).fetchall()
        dates = [dt.date.fromisoformat(r[0]) for r in older + newer]
        dates.sort(key=lambda d: (abs((d - date).days), d))
        return sorted(dates[:count])

    def recent_editions(self, since: dt.date) -> list[tuple[dt.date, str, dt.datetime]]:
        """(date, content hash, ingested at) of the editions dated ``since`` or later."""
        rows = self.db.execute(
            "SELECT date, content_hash, ingested_at FROM editions WHERE date >= ? ORDER BY date",
            [since.isoformat()],
        ).fetchall()
        return [(dt.date.fromisoformat(d), h, dt.datetime.fromisoformat(i)) for d, h, i in rows]

    def edition_hash(self, date: dt.date) -> str | None:
        row = self.db.execute(
            "SELECT content_hash FROM editions WHERE date = ?", [date.isoformat()]
        ).fetchone()
        return None if row is None else str(row[0])

    def edition_item_ids(self, date: dt.date) -> dict[int, int]:
        """position → item id, for one edition."""
        rows = self.db.execute(
            "SELECT position, id FROM items WHERE edition_date = ?", [date.isoformat()]
        ).fetchall()
        return {int(p): int(i) for p, i in rows}

    def edition_source(self, date: dt.date) -> str | None:
        """The source of the edition of ``date``, published or held back."""
        row = self.db.execute(
            "SELECT source FROM editions WHERE date = ?", [date.isoformat()]
        ).fetchone()
        return str(row[0]) if row is not None else self.held_source(date)

    def _edition(self, row: dict[str, Any]) -> Edition:
        items = tuple(
            Item(
                position=r["position"],
                text=r["text"],
                links=tuple(json.loads(r["links"])),
                section=r["section"],
                title=r["title"],
            )
            for r in self._t("items").rows_where(
                "edition_date = ?", [row["date"]], order_by="position"
            )
        )
        return Edition(
            date=dt.date.fromisoformat(row["date"]),
            series=row["series"],
            items=items,
            title=row["title"],
            source=row["source"],
        )

    def list_editions(self, *, limit: int | None = None) -> list[EditionInfo]:
        """Editions newest first, with their item counts."""
        sql = (
            "SELECT e.date, e.series, e.title, e.source, e.updated_at, "
            "(SELECT count(*) FROM items i WHERE i.edition_date = e.date) AS n "
            "FROM editions e ORDER BY e.date DESC"
        )
        args: list[object] = []
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        return [
            EditionInfo(
                date=dt.date.fromisoformat(r["date"]),
                series=r["series"],
                title=r["title"],
                source=r["source"],
                items=r["n"],
                updated_at=dt.datetime.fromisoformat(r["updated_at"]),
            )
            for r in self.db.query(sql, args)
        ]

    def item_ids(self, date: dt.date) -> list[int]:
        """Item ids of an edition in position order."""
        return [
            r["id"]
            for r in self.db.query(
                "SELECT id FROM items WHERE edition_date = ? ORDER BY position", [date.isoformat()]
            )
        ]

    def counts(self) -> tuple[int, int]:
        """(editions, items) in the store."""
        return self._t("editions").count, self._t("items").count

    # -- webhook updates ------------------------------------------------------------------

    def update_seen(self, update_id: int) -> bool:
        """Record a webhook update id: True when it was recorded before (a replay).

        Ids older than ``UPDATES_KEPT`` are forgotten (Telegram keeps an update 24 h).
        """
        now = self.now()
        cur = self.db.execute(
            "INSERT OR IGNORE INTO webhook_updates (update_id, received_at) VALUES (?, ?)",
            [update_id, stamp(now)],
        )
        if cur.rowcount and update_id % 256 == 0:
            self.db.execute(
                "DELETE FROM webhook_updates WHERE received_at < ?", [stamp(now - UPDATES_KEPT)]
            )
        return cur.rowcount == 0


def _create_private(path: Path) -> None:
    """The database's folder (0700) and file (0600), when they do not exist yet: it holds
    every reader's chat id and settings. SQLite gives its -wal and -shm files the same mode."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _date_or_none(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def sortkey(day: int, position: int) -> int:
    """An item's place in "newest first" order: its edition's day number, then position."""
    return day * 1_000_000 + position


def _item_row(key: str, item: Item) -> tuple[object, ...]:
    links = json.dumps(list(item.links), ensure_ascii=False)
    return (key, item.position, item.section, item.title, item.text, links, item.content_hash)
