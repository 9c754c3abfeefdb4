"""The leader lease: which one of several instances sharing a database polls, ticks and sends.

Part of the store. One row per bot (``lease_key``: a hash of its token, never the token) says
who holds the lease (``host:pid:random``), until when, and its generation, which grows by one
each time the lease changes hands. ``acquire`` is one statement on either engine (an upsert
whose update only happens when the asker holds the lease or it has expired), so two instances
racing for it cannot both win. A write the leader's sender makes back to the outbox carries
its ``Fence`` (key and generation) and does nothing once the generation has moved on
(``fenced``, ``check``): a paused old leader cannot mark what the new one owns.

Moments are milliseconds since the epoch (a lease of a few seconds needs finer than the
store's stamps), from the caller's clock: the instances' clocks must agree to well under the
lease's length (NTP does).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from .engines import Engine, Sql, engine_of
from .engines.postgres import PostgresSql
from .engines.sqlite import SqliteSql
from .repository import Repository
from .tx import immediate

TABLE = """CREATE TABLE leases (
    key TEXT NOT NULL PRIMARY KEY,
    holder TEXT NOT NULL,
    generation BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    heartbeat_at BIGINT NOT NULL
)"""


def lease_table(db: Sql) -> None:
    """Migration 0024_leases (both engines): the leader lease of each bot."""
    db.execute(TABLE)


def lease_key(token: str) -> str:
    """The lease's key for a bot token: a hash, so the database never holds the token."""
    return hashlib.sha256(f"digestbot lease:{token}".encode()).hexdigest()[:32]


class Fenced(RuntimeError):
    """A write carried a lease generation that has moved on: another instance leads now."""


@dataclass(frozen=True, slots=True)
class Fence:
    """What a leader's writes carry: its lease's key and generation."""

    key: str
    generation: int


@dataclass(frozen=True, slots=True)
class Lease:
    """The lease as one ``acquire`` left it; ``leader``: the asker holds it."""

    key: str
    holder: str  # who holds it now ("" after a release)
    generation: int
    expires_at: dt.datetime
    leader: bool

    @property
    def fence(self) -> Fence:
        return Fence(self.key, self.generation)


def fenced(db: Sql, fence: Fence | None) -> tuple[str, list[object]]:
    """The condition (and its parameters) that makes a write do nothing once ``fence``'s
    generation has moved on; nothing without a fence (one instance: SQLite). On PostgreSQL
    the lease row is held (``FOR SHARE``) until the write commits: a takeover waits for it,
    and a write that waited for a takeover finds the generation moved on and does nothing."""
    if fence is None:
        return "", []
    lock = db.locking("FOR SHARE")
    return (
        f" AND EXISTS (SELECT 1 FROM leases WHERE key = ? AND generation = ?{lock})",  # noqa: S608 - constants
        [fence.key, fence.generation],
    )


def check(db: Sql, fence: Fence | None) -> None:
    """``Fenced`` unless ``fence``'s generation still holds the lease (a no-op without one)."""
    if fence is None:
        return
    row = db.execute("SELECT generation FROM leases WHERE key = ?", [fence.key]).fetchone()
    if row is None or int(row[0]) != fence.generation:
        now = "none" if row is None else row[0]
        raise Fenced(f"lease generation {fence.generation} has moved on (now {now})")


class LeaseStore(Repository):
    """A repository of the Store (``connect``: on a connection of its own)."""

    @classmethod
    def connect(cls, target: str) -> LeaseStore:
        """The lease on a connection of its own to ``target`` (a PostgreSQL URL or a SQLite
        file with the schema in place): a heartbeat never waits behind the bot's writes."""
        db = PostgresSql(target) if engine_of(target) is Engine.POSTGRES else SqliteSql(target)
        return cls(db, lambda: dt.datetime.now(dt.UTC))

    def acquire(self, key: str, holder: str, *, now: dt.datetime, ttl: float) -> Lease:
        """Take the lease, or renew it, for ``ttl`` seconds from ``now`` when ``holder`` holds
        it already or it has expired; else the lease as another holder keeps it."""
        at, until = _ms(now), _ms(now + dt.timedelta(seconds=ttl))
        with immediate(self.db):
            row = self.db.execute(
                "INSERT INTO leases (key, holder, generation, expires_at, heartbeat_at) "
                "VALUES (?, ?, 1, ?, ?) ON CONFLICT (key) DO UPDATE SET "
                "generation = CASE WHEN leases.holder = excluded.holder THEN leases.generation"
                " ELSE leases.generation + 1 END, holder = excluded.holder, "
                "expires_at = excluded.expires_at, heartbeat_at = excluded.heartbeat_at "
                "WHERE leases.holder = excluded.holder OR leases.expires_at < ? "
                "RETURNING holder, generation, expires_at",
                [key, holder, until, at, at],
            ).fetchone()
            if row is None:  # another holder's, and not expired
                row = self.db.execute(
                    "SELECT holder, generation, expires_at FROM leases WHERE key = ?", [key]
                ).fetchone()
        return Lease(
            key=key,
            holder=str(row[0]),
            generation=int(row[1]),
            expires_at=_moment(int(row[2])),
            leader=row[0] == holder,
        )

    def current(self, key: str) -> Lease | None:
        """The lease as it stands, None before anyone took it (``leader``: False)."""
        row = self.db.execute(
            "SELECT holder, generation, expires_at FROM leases WHERE key = ?", [key]
        ).fetchone()
        if row is None:
            return None
        return Lease(key, str(row[0]), int(row[1]), _moment(int(row[2])), leader=False)

    def release(self, key: str, holder: str) -> bool:
        """Give the lease up now (when ``holder`` has it), so another instance takes it at
        once; True when it was held."""
        cur = self.db.execute(
            "UPDATE leases SET holder = '', expires_at = 0 WHERE key = ? AND holder = ?",
            [key, holder],
        )
        return cur.rowcount == 1


def _ms(moment: dt.datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return round(moment.timestamp() * 1000)


def _moment(ms: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC)
