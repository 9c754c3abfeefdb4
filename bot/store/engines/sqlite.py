"""SQLite: the embedded default. sqlite3 in autocommit mode, WAL for readers beside the writer.

Owns how a SQLite database is opened (private file modes, pragmas), its write lock
(``BEGIN IMMEDIATE``: another process's writer is waited for up to the busy timeout), and
sqlite-utils for the migrations written before PostgreSQL (``utils``).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from .base import Cursor, Engine, Sql

BUSY_MS = 10_000


class SqliteSql(Sql):
    engine = Engine.SQLITE

    def __init__(self, path: Path | str, *, read_only: bool = False) -> None:
        self.path = str(path)
        memory = self.path == ":memory:"
        if not memory and not read_only:
            create_private(Path(path))
        self.conn = sqlite3.connect(
            self.path, check_same_thread=False, timeout=BUSY_MS / 1000, isolation_level=None
        )
        self.conn.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
        if read_only:
            self.conn.execute("PRAGMA query_only = ON")
            return
        self.conn.execute("PRAGMA foreign_keys = ON")
        if not memory:
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = NORMAL")

    @classmethod
    def over(cls, conn: sqlite3.Connection) -> SqliteSql:
        """``Sql`` over a connection opened already (a migration's)."""
        sql = cls.__new__(cls)
        sql.path, sql.conn = "", conn
        return sql

    @property
    def utils(self) -> Database:
        """sqlite-utils over this connection (the SQLite migrations use its table API)."""
        return Database(self.conn)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        return self.conn.execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        return self.conn.executemany(sql, rows).rowcount

    def batches(self, sql: str, size: int) -> Iterator[list[Any]]:
        cur = self.conn.execute(sql)
        while rows := cur.fetchmany(size):
            yield rows

    def query(self, sql: str, params: Sequence[Any] = ()) -> Iterator[dict[str, Any]]:
        cur = self.conn.execute(sql, params)
        names = [d[0] for d in cur.description or ()]
        for row in cur:
            yield dict(zip(names, row, strict=True))

    @property
    def in_transaction(self) -> bool:
        return self.conn.in_transaction

    def begin(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self.conn.execute("COMMIT")

    def rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.rollback()

    def table_names(self) -> list[str]:
        rows = self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return [r[0] for r in rows]

    def close(self) -> None:
        self.conn.close()

    def joined(self, expr: str, sep: str) -> str:
        return f"group_concat({expr}, '{sep}')"

    def appended(self, column: str, sqltype: str) -> str:
        return f"json_insert({column}, '$[#]', CAST(? AS {sqltype}))"

    def locking(self, clause: str) -> str:
        return ""

    def length_of(self, column: str, key: str) -> str:
        return f"json_array_length({column}, '$.{key}')"


def create_private(path: Path) -> None:
    """The database's folder (0700) and file (0600), when they do not exist yet: it holds
    every reader's chat id and settings. SQLite gives its -wal and -shm files the same mode."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
