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
from contextlib import contextmanager
from pathlib import Path

from .alert_cadence import AlertCadenceStore
from .alert_feeds import AlertFeedStore
from .approvals import ApprovalStore
from .broadcasts import BroadcastStore
from .changes import ChangeStore
from .chats import ChatStore
from .corrections import CorrectionStore
from .edition_rows import Change, EditionInfo
from .editions import EditionStore
from .engines import Engine, Sql, engine_of
from .engines.postgres import PostgresSql, shown
from .engines.sqlite import SqliteSql
from .feedback import FeedbackStore
from .feeds import FeedStore
from .files import FileStore
from .forwarded import ForwardedStore
from .index import SearchStore, TopicSpec
from .lease import LeaseStore
from .migrate import apply
from .outbox import OutboxStore
from .page_figures import PageFigureStore
from .page_logins import PageLoginStore
from .received import ReceivedStore
from .scheduled import ScheduleStore
from .series import SeriesStore
from .sources import RemoteStore
from .told import ToldStore
from .tx import immediate

__all__ = ["Change", "EditionInfo", "Store", "utcnow"]

log = logging.getLogger(__name__)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Store:
    """The database of one bot: the connection, its transactions, and one repository per
    table family (``store.editions``, ``store.chats``, ``store.outbox`` …). Not thread-safe:
    the running bot uses it from one thread (``gateway.Db``'s writer), never the event loop."""

    path: Path | str  # what names the database in a message (never a password)
    target: str  # what opens it again (a file, or a PostgreSQL URL)

    def __init__(
        self,
        path: Path | str,
        *,
        now: Callable[[], dt.datetime] = utcnow,
        topics: TopicSpec | None = None,
    ) -> None:
        self.db = _connect(self, path)
        self.now = now
        self.index = SearchStore(self.db, now)
        try:
            self.index.setup(topics)  # before the migrations: their triggers call its functions
            apply(self.db)
            self.index.retag_if_changed()
        except BaseException:  # a schema from a newer bot, a failed migration: not left open
            self.db.close()
            raise
        self._repositories()

    @classmethod
    def reader(cls, path: Path | str, *, now: Callable[[], dt.datetime] = utcnow) -> Store:
        """A second connection to a database the bot has opened, for reads only
        (``PRAGMA query_only``): no migrations, no index functions."""
        store = cls.__new__(cls)
        store.db = _connect(store, path, read_only=True)
        store.now = now
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
        self.received = ReceivedStore(db, now)
        self.leases = LeaseStore(db, now)
        self.forwarded = ForwardedStore(db, now)
        self.alert_feeds = AlertFeedStore(db, now, chats=self.chats)
        self.told = ToldStore(db, now)
        self.page_logins = PageLoginStore(db, now)
        self.page_figures = PageFigureStore(db, now)
        self.feedback = FeedbackStore(db, now)
        self.alert_cadence = AlertCadenceStore(db, now)
        self.feeds = FeedStore(
            db, now, editions=self.editions, series=self.series, approvals=self.approvals
        )

    @property
    def engine(self) -> Engine:
        return self.db.engine

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
        if not isinstance(self.db, SqliteSql):
            raise NotImplementedError("a PostgreSQL database is backed up with pg_dump")
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


def _connect(store: Store, location: Path | str, *, read_only: bool = False) -> Sql:
    """The connection for a database location (a SQLite file, ``:memory:`` or a PostgreSQL
    URL); sets the store's ``target`` (what opens it again) and ``path`` (what names it in a
    message: a PostgreSQL URL without its password)."""
    store.target = str(location)
    if engine_of(store.target) is Engine.POSTGRES:
        store.path = shown(store.target)
        return PostgresSql(store.target, read_only=read_only)
    store.path = Path(location)
    return SqliteSql(location, read_only=read_only)
