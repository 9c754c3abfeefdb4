"""PostgreSQL (≥ 14) through psycopg 3, for operators who need more than one machine.

Owns how a PostgreSQL database is reached (a libpq URL; the password never printed), how the
SQL the repositories write (``?`` placeholders) is handed to psycopg (``%s``), and its
transactions (autocommit between ``begin`` and ``commit``, as on SQLite).

A connection the server drops (a restart, a failover of a managed database, a reset, a
``pg_terminate_backend``) is opened again by the next statement that begins outside a
transaction (``PostgresSql._live``), so a running bot recovers without a restart. Nothing is
done twice: a statement that fails on a connection that was live when it began is not run
again (it may have committed), and a transaction whose connection broke is lost with it
(the server rolls it back; the call fails). While the server cannot be reached, every
statement fails at once with the reason (the connection attempt is refused) — or after
``CONNECT_TIMEOUT`` when nothing answers, and a statement on a connection whose network went
dead fails within about 25 s (``NETWORK``). An outage is logged once, its loss and its end,
however many connections and calls meet it (``OUTAGES``).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import select
import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import dict_row

from .base import Cursor, Engine, Sql

log = logging.getLogger(__name__)

MIN_VERSION = 140000  # server_version_num of PostgreSQL 14
CONNECT_TIMEOUT = 10  # seconds: a server that does not answer is an error, not a hang
# a network that goes dead under an open connection (no reset reaches it) fails its statement
# within seconds, not after the system's quarter of an hour of retries (a URL's own settings
# win; a Unix socket has none of these)
NETWORK = {
    "keepalives": "1",
    "keepalives_idle": "10",  # s idle before the first probe, then one every 5 s, 3 at most
    "keepalives_interval": "5",
    "keepalives_count": "3",
    "tcp_user_timeout": "20000",  # ms that what was sent may stay unacknowledged
}
GOODBYE_READS = 4  # reads of what an idle connection received (a last error, then its end)


class ServerTooOld(psycopg.NotSupportedError):
    """The server is older than PostgreSQL 14 (``MIN_VERSION``); ``str()`` says which and
    what to do."""


class PostgresSql(Sql):
    engine = Engine.POSTGRES

    def __init__(self, url: str, *, read_only: bool = False) -> None:
        self.url = url
        self.read_only = read_only
        self.conn = _open(url, read_only=read_only)
        self._era = OUTAGES.connected(url)  # outages ended before this connection opened
        self._open_tx = False  # between ``begin`` and ``commit`` or ``rollback``

    def _live(self) -> psycopg.Connection[Any]:
        """The connection for the next statement. Outside a transaction, one the server has
        dropped is opened again first (the statement has not been sent: nothing runs twice);
        while the server cannot be reached that fails, and so does the statement. Inside a
        transaction the connection stays as it is: a transaction does not outlive it."""
        if self._open_tx or not _dropped(self.conn):
            return self.conn
        OUTAGES.lost(self.url, since=self._era)
        with contextlib.suppress(psycopg.Error):
            self.conn.close()
        self.conn = _open(self.url, read_only=self.read_only)
        self._era = OUTAGES.connected(self.url)
        return self.conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        return self._live().execute(placeholders(sql), _values(params))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        batch = [_values(r) for r in rows]
        if not batch:
            return 0
        with self._live().cursor() as cur:
            cur.executemany(placeholders(sql), batch)
            return max(cur.rowcount, 0)

    def batches(self, sql: str, size: int) -> Iterator[list[Any]]:
        with self._live().cursor(name="digestbot_batches") as cur:
            cur.execute(placeholders(sql))
            while rows := cur.fetchmany(size):
                yield rows

    def query(self, sql: str, params: Sequence[Any] = ()) -> Iterator[dict[str, Any]]:
        with self._live().cursor(row_factory=dict_row) as cur:
            cur.execute(placeholders(sql), _values(params))
            rows = cur.fetchall()
        yield from rows

    @property
    def in_transaction(self) -> bool:
        return self._open_tx

    def begin(self) -> None:
        self._live().execute("BEGIN")
        self._open_tx = True

    def commit(self) -> None:
        self.conn.execute("COMMIT")  # when it fails the caller rolls back
        self._open_tx = False

    def rollback(self) -> None:
        self._open_tx = False
        if self.conn.closed or self.conn.info.transaction_status == IDLE:
            return  # a transaction whose connection broke: the server rolled it back
        try:
            self.conn.execute("ROLLBACK")
        except psycopg.OperationalError:
            if not self.conn.closed:
                raise

    def table_names(self) -> list[str]:
        rows = self._live().execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        )
        return [r[0] for r in rows]

    def close(self) -> None:
        self.conn.close()

    def joined(self, expr: str, sep: str) -> str:
        return f"string_agg(CAST({expr} AS TEXT), '{sep}')"

    def appended(self, column: str, sqltype: str) -> str:
        return f"CAST(CAST({column} AS jsonb) || to_jsonb(CAST(? AS {sqltype})) AS TEXT)"

    def locking(self, clause: str) -> str:
        return f" {clause}"

    def length_of(self, column: str, key: str) -> str:
        return f"jsonb_array_length(CAST({column} AS jsonb) -> '{key}')"


IDLE = psycopg.pq.TransactionStatus.IDLE


def _open(url: str, *, read_only: bool) -> psycopg.Connection[Any]:
    """A connection in autocommit mode to a server of version 14 or newer (``ServerTooOld``)."""
    given = conninfo_to_dict(url)
    network = {k: v for k, v in NETWORK.items() if k not in given}
    conn = psycopg.connect(
        make_conninfo(url, **network), autocommit=True, connect_timeout=CONNECT_TIMEOUT
    )
    # statements are prepared after a few runs; a generic plan would not see the search's
    # words (a backward walk over every row for a rare one): plan each run for its values
    conn.execute("SET plan_cache_mode = force_custom_plan")
    version = server_version(conn)
    if version < MIN_VERSION:
        conn.close()
        raise ServerTooOld(
            f"the PostgreSQL server is version {_release(version)}; digestbot needs 14 or "
            "newer: upgrade it, or point storage.url at a newer server"
        )
    if read_only:
        conn.execute("SET default_transaction_read_only = on")
    return conn


def server_version(conn: psycopg.Connection[Any]) -> int:
    """The server's ``server_version_num`` (130004 for 13.4)."""
    return int(conn.info.server_version)


def _dropped(conn: psycopg.Connection[Any]) -> bool:
    """Whether the server has dropped this idle connection: it is closed, or what it received
    since its last statement ends in the end of the stream (a server going away says why,
    then closes; an idle connection is owed nothing else)."""
    if conn.closed:
        return True
    waiting = select.poll()
    waiting.register(conn.fileno(), select.POLLIN)
    for _ in range(GOODBYE_READS):
        if not waiting.poll(0):
            return False
        try:
            conn.pgconn.consume_input()
        except psycopg.OperationalError:
            return True
    return conn.closed


class Outages:
    """The databases whose connections the server dropped, so that an outage is logged once
    (its loss, then its end), however many connections (the writer's, each reader's) and calls
    meet it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._down: set[str] = set()
        self._ended: dict[str, int] = {}  # URL → outages ended so far

    def lost(self, url: str, *, since: int) -> None:
        """A connection opened after ``since`` outages of ``url`` had ended was dropped: a new
        outage, unless one is going on or the connection was dropped in one that has ended."""
        with self._lock:
            if url in self._down or since < self._ended.get(url, 0):
                return
            self._down.add(url)
        log.warning("the connection to %s was lost: connecting again", shown(url))

    def connected(self, url: str) -> int:
        """A connection to ``url`` was opened (ending the outage going on, if any); how many
        outages of it have ended."""
        with self._lock:
            ended = url in self._down
            if ended:
                self._down.discard(url)
                self._ended[url] = self._ended.get(url, 0) + 1
            count = self._ended.get(url, 0)
        if ended:
            log.info("connected to %s again", shown(url))
        return count


OUTAGES = Outages()


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
