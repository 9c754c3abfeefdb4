"""What every repository of the store holds: the connection and the clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from .engines import Sql


class Repository:
    """One family of tables behind methods; SQL stays inside (``db`` is the shared
    connection, ``now`` the store's clock)."""

    def __init__(self, db: Sql, now: Callable[[], dt.datetime]) -> None:
        self.db = db
        self.now = now

    def rows_for(self, sql: str, ids: Sequence[object], *args: object) -> Iterator[Any]:
        """The rows of ``sql`` for every one of ``ids``: its ``{marks}`` is the placeholders of
        one chunk (SQLite takes a bounded number of parameters), ``args`` the parameters after
        them."""
        for start in range(0, len(ids), CHUNK):
            part = list(ids[start : start + CHUNK])
            marks = ", ".join("?" for _ in part)
            yield from self.db.execute(sql.format(marks=marks), [*part, *args]).fetchall()


CHUNK = 500  # ids asked at once: far below SQLite's limit of bound parameters


def upsert(table: str, columns: Sequence[str], key: Sequence[str]) -> str:
    """``INSERT`` of ``columns`` (``?`` each) that replaces the other columns of the row with
    the same ``key`` (the spelling both engines speak)."""
    rest = [c for c in columns if c not in key]
    sets = ", ".join(f"{c} = excluded.{c}" for c in rest)
    action = f"DO UPDATE SET {sets}" if rest else "DO NOTHING"
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"  # noqa: S608 - names
        f" ON CONFLICT ({', '.join(key)}) {action}"
    )
