"""SQLite storage: the only module that speaks SQL.

sqlite-utils for tables and migrations, WAL for a reader beside the writer, parameters
always. Everything important lives here so a restart (or ``kill -9``) resumes where it was.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sqlite3
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sqlite_utils.db import NotFoundError, Table

from bot.digest.models import Edition, EditionKey, Item

from .approvals import ApprovalStore
from .broadcasts import BroadcastStore
from .chats import ChatStore, stamp
from .corrections import CorrectionStore
from .editions import Change, EditionStore
from .files import FileStore
from .index import SearchStore, TopicSpec
from .outbox import OutboxStore
from .scheduled import ScheduleStore
from .schema import migrations
from .series import SeriesStore
from .sources import RemoteStore
from .tx import immediate

__all__ = ["Change", "EditionInfo", "Store", "utcnow"]

log = logging.getLogger(__name__)

UPDATES_KEPT = dt.timedelta(days=2)  # how long a webhook update id is remembered


@dataclass(frozen=True, slots=True)
class EditionInfo:
    key: EditionKey
    series: str
    title: str
    source: str
    items: int
    updated_at: dt.datetime

    @property
    def date(self) -> dt.date:
        return self.key.date


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Store(
    EditionStore, ChatStore, SearchStore, OutboxStore, RemoteStore, BroadcastStore,
    ScheduleStore, CorrectionStore, FileStore, SeriesStore, ApprovalStore,
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

    # -- editions (writes: store_editions) -----------------------------------------------

    def get_edition(self, key: EditionKey) -> Edition | None:
        rows = list(
            self._t("editions").rows_where(
                "series_id = ? AND date = ?", [key.series, key.date.isoformat()]
            )
        )
        return self._edition(rows[0]) if rows else None

    def latest_edition(
        self, series: int | None = None, *, on_or_before: dt.date | None = None
    ) -> Edition | None:
        """The newest edition (of one series, or of any)."""
        where, args = _where(series, on_or_before=on_or_before)
        rows = list(
            self._t("editions").rows_where(where, args, order_by="date DESC, series_id", limit=1)
        )
        return self._edition(rows[0]) if rows else None

    def editions_on(self, day: dt.date, series: Collection[int] = ()) -> list[Edition]:
        """The editions dated ``day`` (of these series; empty: of every series)."""
        where, args = _where(None, series_in=series)
        where = " AND ".join(filter(None, [where, "date = ?"]))
        rows = self._t("editions").rows_where(
            where, [*args, day.isoformat()], order_by="series_id"
        )
        return [self._edition(r) for r in rows]

    def neighbours(self, key: EditionKey) -> tuple[EditionKey | None, EditionKey | None]:
        """The editions of the same series just before and just after ``key``."""
        args = [key.series, key.date.isoformat()]
        before = self.db.execute(
            "SELECT max(date) FROM editions WHERE series_id = ? AND date < ?", args
        ).fetchone()[0]
        after = self.db.execute(
            "SELECT min(date) FROM editions WHERE series_id = ? AND date > ?", args
        ).fetchone()[0]
        return (
            EditionKey(key.series, dt.date.fromisoformat(before)) if before else None,
            EditionKey(key.series, dt.date.fromisoformat(after)) if after else None,
        )

    def nearest_dates(
        self, date: dt.date, series: Collection[int] = (), *, count: int = 4
    ) -> list[EditionKey]:
        """Up to ``count`` editions (of these series; empty: any) closest to ``date``, in date
        order."""
        where, args = _where(None, series_in=series)
        where = f"{where} AND " if where else ""
        key = date.isoformat()
        found = []
        head = f"SELECT series_id, date FROM editions WHERE {where}"  # noqa: S608 - placeholders
        for sql in (
            f"{head}date < ? ORDER BY date DESC LIMIT ?",
            f"{head}date > ? ORDER BY date LIMIT ?",
        ):
            found += self.db.execute(sql, [*args, key, count]).fetchall()
        keys = [EditionKey(int(s), dt.date.fromisoformat(d)) for s, d in found]
        keys.sort(key=lambda k: (abs((k.date - date).days), k.date, k.series))
        return sorted(keys[:count], key=lambda k: (k.date, k.series))

    def recent_editions(self, since: dt.date) -> list[tuple[EditionKey, str, dt.datetime]]:
        """(key, content hash, ingested at) of the editions dated ``since`` or later."""
        rows = self.db.execute(
            "SELECT series_id, date, content_hash, ingested_at FROM editions WHERE date >= ? "
            "ORDER BY date, series_id",
            [since.isoformat()],
        ).fetchall()
        return [
            (EditionKey(int(s), dt.date.fromisoformat(d)), h, dt.datetime.fromisoformat(i))
            for s, d, h, i in rows
        ]

    def edition_hash(self, key: EditionKey) -> str | None:
        row = self.db.execute(
            "SELECT content_hash FROM editions WHERE series_id = ? AND date = ?",
            [key.series, key.date.isoformat()],
        ).fetchone()
        return None if row is None else str(row[0])

    def edition_item_ids(self, key: EditionKey) -> dict[int, int]:
        """position → item id, for one edition."""
        rows = self.db.execute(
            "SELECT position, id FROM items WHERE series_id = ? AND edition_date = ?",
            [key.series, key.date.isoformat()],
        ).fetchall()
        return {int(p): int(i) for p, i in rows}

    def edition_source(self, key: EditionKey) -> str | None:
        """The source of the edition of ``key``, published or held back."""
        row = self.db.execute(
            "SELECT source FROM editions WHERE series_id = ? AND date = ?",
            [key.series, key.date.isoformat()],
        ).fetchone()
        return str(row[0]) if row is not None else self.held_source(key)

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
                "series_id = ? AND edition_date = ?",
                [row["series_id"], row["date"]],
                order_by="position",
            )
        )
        return Edition(
            date=dt.date.fromisoformat(row["date"]),
            series=row["series"],
            items=items,
            title=row["title"],
            source=row["source"],
            series_id=row["series_id"],
        )

    def list_editions(self, *, limit: int | None = None) -> list[EditionInfo]:
        """Editions newest first, with their item counts."""
        sql = (
            "SELECT e.series_id, e.date, e.series, e.title, e.source, e.updated_at, "
            "(SELECT count(*) FROM items i WHERE i.series_id = e.series_id AND "
            "i.edition_date = e.date) AS n FROM editions e ORDER BY e.date DESC, e.series_id"
        )
        args: list[object] = []
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        return [
            EditionInfo(
                key=EditionKey(r["series_id"], dt.date.fromisoformat(r["date"])),
                series=r["series"],
                title=r["title"],
                source=r["source"],
                items=r["n"],
                updated_at=dt.datetime.fromisoformat(r["updated_at"]),
            )
            for r in self.db.query(sql, args)
        ]

    def item_ids(self, key: EditionKey) -> list[int]:
        """Item ids of an edition in position order."""
        return [
            r["id"]
            for r in self.db.query(
                "SELECT id FROM items WHERE series_id = ? AND edition_date = ? ORDER BY position",
                [key.series, key.date.isoformat()],
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


def _where(
    series: int | None, *, series_in: Collection[int] = (), on_or_before: dt.date | None = None
) -> tuple[str | None, list[object]]:
    """A WHERE clause (and its parameters) for editions of a series (or several) and dates."""
    parts: list[str] = []
    args: list[object] = []
    if series is not None:
        parts.append("series_id = ?")
        args.append(series)
    if series_in:
        parts.append(f"series_id IN ({', '.join('?' for _ in series_in)})")
        args.extend(sorted(series_in))
    if on_or_before is not None:
        parts.append("date <= ?")
        args.append(on_or_before.isoformat())
    return (" AND ".join(parts) or None), args
