"""Updates a follower hands to the leader (``forwarded_updates``): part of the store.

Several instances share one PostgreSQL database and each answers the updates its webhook is
posted; the work of some of them is the leader's alone (an ingest, a planning round, waking the
sender: ``bot.chat.leading``). A follower stores such an update here as it was received, and the
leader takes it (``take``: read and deleted in one transaction) and handles it as if Telegram
had posted it there. Rows wait while no instance leads: the next leader takes them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .engines import Sql
from .repository import Repository
from .stamps import stamp
from .tx import immediate

TABLE = """CREATE TABLE forwarded_updates (
    update_id BIGINT NOT NULL PRIMARY KEY,
    body TEXT NOT NULL,
    forwarded_at TEXT NOT NULL
)"""


def forwarded_table(db: Sql) -> None:
    """Migration 0025_forwarded_updates (both engines): updates waiting for the leader."""
    db.execute(TABLE)


@dataclass(frozen=True, slots=True)
class Forwarded:
    """One update a follower handed over: its id and its JSON as Telegram sent it."""

    update_id: int
    body: str


class ForwardedStore(Repository):
    """A repository of the Store."""

    def forward(self, update_id: int, body: str, *, at: dt.datetime) -> bool:
        """Hand ``update_id`` to the leader; False when it was handed over before."""
        with immediate(self.db):
            return (
                self.db.execute(
                    "INSERT INTO forwarded_updates (update_id, body, forwarded_at)"
                    " VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    [update_id, body, stamp(at)],
                ).rowcount
                == 1
            )

    def waiting(self) -> bool:
        """Whether any update waits for the leader (a read: the leader asks often)."""
        return self.db.execute("SELECT 1 FROM forwarded_updates LIMIT 1").fetchone() is not None

    def take(self) -> list[Forwarded]:
        """Every update waiting for the leader, in the order Telegram numbered them, no longer
        waiting (two instances taking at once share them out, never both get one)."""
        with immediate(self.db):
            rows = self.db.execute(
                "DELETE FROM forwarded_updates RETURNING update_id, body"
            ).fetchall()
        return sorted((Forwarded(int(r[0]), str(r[1])) for r in rows), key=lambda f: f.update_id)
