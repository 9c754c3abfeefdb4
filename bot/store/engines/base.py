"""``Sql``: what a repository may ask of a connection, whichever the engine."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from enum import StrEnum
from typing import Any, Protocol


class Engine(StrEnum):
    SQLITE = "sqlite"
    POSTGRES = "postgresql"


def engine_of(location: str) -> Engine:
    """The engine a database location names: a ``postgresql://`` (or ``postgres://``) URL is
    PostgreSQL, anything else a SQLite file (or ``:memory:``)."""
    scheme = location.partition("://")[0].lower() if "://" in location else ""
    return Engine.POSTGRES if scheme in {"postgresql", "postgres"} else Engine.SQLITE


class Cursor(Protocol):
    """The rows of one statement (tuples), as both drivers' cursors give them."""

    @property
    def rowcount(self) -> int: ...

    @property
    def description(self) -> Any: ...

    def fetchone(self) -> Any: ...

    def fetchmany(self, size: int) -> list[Any]: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Sql:
    """One connection to the bot's database. Statements take ``?`` placeholders and
    parameters always; rows are tuples (``query``: dicts by column name).

    Outside ``begin``/``commit`` every statement commits on its own (both engines run in
    autocommit mode); ``store.tx.immediate`` groups statements into one transaction.
    """

    engine: Engine

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        raise NotImplementedError

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        """Run ``sql`` once per row; how many rows it changed in all."""
        raise NotImplementedError

    def batches(self, sql: str, size: int) -> Iterator[list[Any]]:
        """The rows of ``sql`` (no parameters) ``size`` at a time, never all in memory at once
        (PostgreSQL: a server-side cursor, so inside a transaction)."""
        raise NotImplementedError

    def query(self, sql: str, params: Sequence[Any] = ()) -> Iterator[dict[str, Any]]:
        """The rows of ``sql`` as dicts (column name → value)."""
        raise NotImplementedError

    @property
    def in_transaction(self) -> bool:
        raise NotImplementedError

    def begin(self) -> None:
        """Open a write transaction (SQLite: the write lock first, waiting for it)."""
        raise NotImplementedError

    def commit(self) -> None:
        raise NotImplementedError

    def rollback(self) -> None:
        raise NotImplementedError

    def table_names(self) -> list[str]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    # -- what the engines spell differently ---------------------------------------------

    def joined(self, expr: str, sep: str) -> str:
        """An aggregate joining ``expr`` (any type) of a group's rows with ``sep`` (a
        constant of letters and spaces)."""
        raise NotImplementedError

    def appended(self, column: str, sqltype: str) -> str:
        """The JSON array in ``column`` (text) with one more element, the parameter (of SQL
        type ``sqltype``: TEXT or BIGINT), as text."""
        raise NotImplementedError

    def length_of(self, column: str, key: str) -> str:
        """The length of the JSON array under ``key`` (a constant) of the object in
        ``column``."""
        raise NotImplementedError

    def locking(self, clause: str) -> str:
        """A row-locking clause (``FOR UPDATE ... SKIP LOCKED``, ``FOR SHARE``) to end a
        SELECT with, as the engine takes it: SQLite has none (its write transaction, begun
        with ``begin``, holds the whole database)."""
        raise NotImplementedError

    def row(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        """The first row of ``sql`` as a dict, or None."""
        return next(self.query(sql, params), None)
