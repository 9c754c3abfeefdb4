"""PostgreSQL (≥ 14) through psycopg 3, for operators who need more than one machine.

Owns how a PostgreSQL database is reached (a libpq URL; the password never printed), how the
SQL the repositories write (``?`` placeholders) is handed to psycopg (``%s``), and its
transactions (autocommit between ``begin`` and ``commit``, as on SQLite).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import dict_row

from .base import Cursor, Engine, Sql

MIN_VERSION = 140000  # server_version_num of PostgreSQL 14
CONNECT_TIMEOUT = 10  # seconds: a server that does not answer is an error, not a hang


class ServerTooOld(psycopg.NotSupportedError):
    """The server is older than PostgreSQL 14 (``MIN_VERSION``); ``str()`` says which and
    what to do."""


class PostgresSql(Sql):
    engine = Engine.POSTGRES

    def __init__(self, url: str, *, read_only: bool = False) -> None:
        self.url = url
        self.conn = psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT)
        # statements are prepared after a few runs; a generic plan would not see the search's
        # words (a backward walk over every row for a rare one): plan each run for its values
        self.conn.execute("SET plan_cache_mode = force_custom_plan")
        if self.server_version < MIN_VERSION:
            found = _release(self.server_version)
            self.conn.close()
            raise ServerTooOld(
                f"the PostgreSQL server is version {found}; digestbot needs 14 or newer: "
                "upgrade it, or point storage.url at a newer server"
            )
        if read_only:
            self.conn.execute("SET default_transaction_read_only = on")

    @property
    def server_version(self) -> int:
        return int(self.conn.info.server_version)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        return self.conn.execute(placeholders(sql), _values(params))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        batch = [_values(r) for r in rows]
        if not batch:
            return 0
        with self.conn.cursor() as cur:
            cur.executemany(placeholders(sql), batch)
            return max(cur.rowcount, 0)

    def batches(self, sql: str, size: int) -> Iterator[list[Any]]:
        with self.conn.cursor(name="digestbot_batches") as cur:
            cur.execute(placeholders(sql))
            while rows := cur.fetchmany(size):
                yield rows

    def query(self, sql: str, params: Sequence[Any] = ()) -> Iterator[dict[str, Any]]:
        with self.conn.cursor(row_factory=dict_row) as cur:
            cur.execute(placeholders(sql), _values(params))
            rows = cur.fetchall()
        yield from rows

    @property
    def in_transaction(self) -> bool:
        return self.conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE

    def begin(self) -> None:
        self.conn.execute("BEGIN")

    def commit(self) -> None:
        self.conn.execute("COMMIT")

    def rollback(self) -> None:
        if self.in_transaction:
            self.conn.execute("ROLLBACK")

    def table_names(self) -> list[str]:
        rows = self.conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        )
        return [r[0] for r in rows]

    def close(self) -> None:
        self.conn.close()

    def joined(self, expr: str, sep: str) -> str:
        return f"string_agg(CAST({expr} AS TEXT), '{sep}')"

    def appended(self, column: str, sqltype: str) -> str:
        return f"CAST(CAST({column} AS jsonb) || to_jsonb(CAST(? AS {sqltype})) AS TEXT)"

    def length_of(self, column: str, key: str) -> str:
        return f"jsonb_array_length(CAST({column} AS jsonb) -> '{key}')"


def _release(number: int) -> str:
    """``server_version_num`` as people write it: 130004 → 13.4, 90624 → 9.6.24."""
    major = number // 10000
    if major >= 10:
        return f"{major}.{number % 10000}"
    return f"{major}.{number // 100 % 100}.{number % 100}"


def shown(url: str) -> str:
    """The database a URL names, fit to print: user, host, port and name, never a password."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://(a URL that does not parse)"
    user = f"{parts['user']}@" if parts.get("user") else ""
    host = str(parts.get("host") or "")
    where = f"{host}:{parts['port']}" if parts.get("port") and not host.startswith("/") else host
    where = "" if where.startswith("/") else where  # a Unix socket folder: the name says enough
    return f"postgresql://{user}{where}/{parts.get('dbname') or ''}"


def _values(params: Sequence[Any]) -> list[Any]:
    """The parameters as PostgreSQL takes them: its text cannot hold a NUL character (SQLite's
    can), so one that a reader typed is stored as U+FFFD, the character for what cannot be
    shown."""
    return [p.replace("\0", "\ufffd") if isinstance(p, str) and "\0" in p else p for p in params]


@functools.lru_cache(maxsize=1024)
def placeholders(sql: str) -> str:
    """``sql`` with psycopg's placeholders: ``?`` outside quotes becomes ``%s`` and a literal
    ``%`` is doubled (psycopg reads ``%`` as the start of a placeholder)."""
    out: list[str] = []
    quote = ""
    for ch in sql:
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "?":
            out.append("%s")
            continue
        out.append("%%" if ch == "%" else ch)
    return "".join(out)
