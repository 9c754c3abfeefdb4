"""SQLite storage: the only module that speaks SQL.

sqlite-utils for tables and migrations, WAL for a reader beside the writer, parameters
always. Everything important lives here so a restart (or ``kill -9``) resumes where it was.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from sqlite_utils import Database

from .approvals import ApprovalStore
from .broadcasts import BroadcastStore
from .changes import ChangeStore
from .chats import ChatStore
from .corrections import CorrectionStore
from .edition_rows import Change, EditionInfo
from .editions import EditionStore
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


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Store:
    """The database of one bot: the connection, its transactions, and one repository per
    table family (``store.editions``, ``store.chats``, ``store.outbox`` …). Not thread-safe:
    the running bot uses it from one thread (``gateway.Db``'s writer), never the event loop."""

    def __init__(
        self,
        path: Path | str,
        *,
        now: Callable[[], dt.datetime] = utcnow,
        topics: TopicSpec | None = None,
    ) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            create_private(self.path)
        conn = sqlite3.connect(str(path), check_same_thread=False, timeout=10.0)
        self.db = Database(conn)
        self.now = now
        self.db.execute("PRAGMA foreign_keys = ON")
        self.db.execute("PRAGMA busy_timeout = 10000")
        if str(path) != ":memory:":
            self.db.enable_wal()
            self.db.execute("PRAGMA synchronous = NORMAL")
        self.index = SearchStore(self.db, now)
        self.index.setup(topics)  # before the migrations: their triggers call its functions
        migrations.apply(self.db)
        self.index.retag_if_changed()
        self._repositories()

    @classmethod
    def reader(cls, path: Path | str, *, now: Callable[[], dt.datetime] = utcnow) -> Store:
        """A second connection to a database the bot has opened, for reads only
        (``PRAGMA query_only``): no migrations, no index functions."""
        store = cls.__new__(cls)
        store.path = Path(path)
        conn = sqlite3.connect(str(path), check_same_thread=False, timeout=10.0)
        store.db = Database(conn)
        store.now = now
        store.db.execute("PRAGMA busy_timeout = 10000")
        store.db.execute("PRAGMA query_only = ON")
        store.index = SearchStore(store.db, now)
        store._repositories()
        return store

    def _repositories(self) -> None:
        db, now = self.db, self.now
        self.scheduled = ScheduleStore(db, now)
        self.editions = EditionStore(db, now, scheduled=self.scheduled, index=self.index)
        self.chats = ChatStore(db, now)
        self.series = SeriesStore(db, now)
        self.files = FileStore(db, now)
        self.sources = RemoteStore(db, now)
        self.outbox = OutboxStore(db, now)
        self.broadcasts = BroadcastStore(db, now)
        self.corrections = CorrectionStore(db, now)
        self.changes = ChangeStore(db, now)
        self.approvals = ApprovalStore(db, now)

    def close(self) -> None:
        self.db.close()

    def backup(self, target: Path) -> None:
        """A consistent copy of the database at ``target`` (SQLite's online backup: the bot
        may keep running and writing meanwhile)."""
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        partial.unlink(missing_ok=True)
        # the copy holds every chat and alert: readable by the bot's user only, from the start
        os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
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


def create_private(path: Path) -> None:
    """The database's folder (0700) and file (0600), when they do not exist yet: it holds
    every reader's chat id and settings. SQLite gives its -wal and -shm files the same mode."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
