"""The update journal: every update Telegram sends is written here before it is acknowledged.

Part of the store. An update is recorded (its JSON, synced to disk) before the webhook answers
200 or the next ``getUpdates`` confirms it, and marked handled once the bot's handlers have
run; after a crash or ``kill -9`` the recorded updates not handled yet are handled first, so
an acknowledged update is never lost, and one recorded before (Telegram's retry, a replay)
is never handled twice.

A database file of its own beside the bot's (``updates.sqlite3``), with its own thread: a
lock another process holds on the bot's database never keeps an update from being recorded
(and so ``/help`` from being answered). Ids are kept ``KEPT`` (Telegram keeps an update 24 h).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from sqlite_utils import Database

from .database import utcnow
from .engines.sqlite import create_private
from .stamps import stamp

log = logging.getLogger(__name__)

T = TypeVar("T")
KEPT = dt.timedelta(days=2)
REPLAY_WINDOW = dt.timedelta(hours=24)  # an unhandled update older than this is not run again
MAX_UPDATE_ID = 2**63 - 1  # what SQLite's INTEGER holds (Telegram's are far smaller)
SCHEMA = """
CREATE TABLE IF NOT EXISTS updates (
    update_id INTEGER PRIMARY KEY,
    body TEXT NOT NULL,
    received_at TEXT NOT NULL,
    handled_at TEXT
);
CREATE INDEX IF NOT EXISTS updates_unhandled ON updates (received_at) WHERE handled_at IS NULL;
"""


@dataclass(frozen=True, slots=True)
class Recorded:
    """An update as the journal keeps it: its id and its JSON body."""

    update_id: int
    body: str


class Journal:
    """The update journal of one bot (see the module doc); every method is awaited from the
    event loop and runs in the journal's own thread."""

    def __init__(self, path: Path | str, *, now: Callable[[], dt.datetime] = utcnow) -> None:
        self.path = Path(path)
        self.now = now
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="digestbot-journal")
        self._db: Database | None = None
        self._recorded = 0

    async def open(self) -> None:
        await self._run(self._open)

    def _open(self) -> None:
        if str(self.path) != ":memory:":
            create_private(self.path)
        conn = sqlite3.connect(str(self.path), check_same_thread=False, timeout=10.0)
        db = Database(conn)
        if str(self.path) != ":memory:":
            db.enable_wal()
            db.execute("PRAGMA synchronous = FULL")  # recorded means on the disk
        conn.executescript(SCHEMA)
        self._db = db

    async def _run(self, fn: Callable[[], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, fn)

    def _conn(self) -> Database:
        if self._db is None:
            raise RuntimeError("the update journal is not open")
        return self._db

    async def record(self, update_id: int, body: str) -> bool:
        """Record an update before it is acknowledged; False when it was recorded before."""
        at = stamp(self.now())

        def write() -> bool:
            db = self._conn()
            cur = db.execute(
                "INSERT OR IGNORE INTO updates (update_id, body, received_at) VALUES (?, ?, ?)",
                [update_id, body, at],
            )
            self._recorded += 1
            if cur.rowcount and self._recorded % 256 == 0:
                db.execute("DELETE FROM updates WHERE received_at < ?", [stamp(self.now() - KEPT)])
            return cur.rowcount > 0

        return await self._run(write)

    async def handled(self, update_id: int) -> None:
        """The bot's handlers have run for this update."""
        at = stamp(self.now())
        await self._run(
            lambda: self._conn().execute(
                "UPDATE updates SET handled_at = ? WHERE update_id = ? AND handled_at IS NULL",
                [at, update_id],
            )
        )

    async def unhandled(self) -> list[Recorded]:
        """The updates recorded in the last day and not handled, in order."""
        since = stamp(self.now() - REPLAY_WINDOW)

        def read() -> list[Recorded]:
            rows = self._conn().execute(
                "SELECT update_id, body FROM updates WHERE handled_at IS NULL "
                "AND received_at >= ? ORDER BY update_id",
                [since],
            )
            return [Recorded(int(r[0]), str(r[1])) for r in rows.fetchall()]

        return await self._run(read)

    async def close(self) -> None:
        db, self._db = self._db, None
        if db is not None:
            await self._run(db.close)
        self._thread.shutdown(wait=False)
