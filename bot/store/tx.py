"""Write transactions that take the write lock first, so a busy database is waited for.

Part of the store; the engine says how to begin (``Sql.begin``). SQLite's plain ``BEGIN``
(what ``sqlite-utils``' ``atomic()`` issues) starts a read transaction that is upgraded at the
first write; when another process holds the write lock at that moment, the upgrade fails at
once with "database is locked" — the busy timeout is never used. ``BEGIN IMMEDIATE`` takes the
write lock up front and waits for it up to the connection's busy timeout.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from .engines import Sql


@contextmanager
def immediate(db: Sql) -> Iterator[None]:
    """One write transaction for the block (joined, when one is already open)."""
    if db.in_transaction:
        yield
        return
    db.begin()
    try:
        yield
    except BaseException:
        db.rollback()
        raise
    try:
        db.commit()
    except BaseException:
        db.rollback()
        raise
