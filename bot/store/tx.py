"""Write transactions that take the write lock first, so a busy database is waited for.

Part of the store. SQLite's plain ``BEGIN`` (what ``sqlite-utils``' ``atomic()`` issues) starts
a read transaction that is upgraded at the first write; when another process holds the write
lock at that moment, the upgrade fails at once with "database is locked" — the busy timeout is
never used. ``BEGIN IMMEDIATE`` takes the write lock up front and waits for it up to the
connection's busy timeout.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlite_utils import Database


@contextmanager
def immediate(db: Database) -> Iterator[None]:
    """One write transaction for the block (joined, when one is already open)."""
    conn = db.conn
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.rollback()
        raise
    try:
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.rollback()
        raise
