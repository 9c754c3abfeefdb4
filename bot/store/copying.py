"""Copying one bot's whole database into a new PostgreSQL database, and proving it arrived.

Part of the store (``digestbot migrate-db``). Every table of the schema is copied except each
database's own bookkeeping (its migrations, SQLite's sequences) and the search index, which the
target's engine builds from the items itself (``SearchStore.reindex_all``); which tables those
are is read from the source's schema, so a table added later is copied with no change here.
Tables go in the order of the target's foreign keys, each in batches read in primary-key order
(keyset pages: memory stays flat on both engines); ids are carried over, and the target's
identity sequences are moved past the highest id the source ever gave (SQLite's
``sqlite_sequence``: an AUTOINCREMENT id is never reused, even after a delete). All of it is one
transaction on the target, checked before it commits: per table the row count and a SHA-256 of
its rows in primary-key order, computed by the same code on both sides over values normalised
so that an int and its text compare alike. A mismatch rolls it all back: the target is left
empty, as it was found.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .database import Store
from .engines import Engine, Sql
from .textindex import TEXT_INDEX
from .tx import immediate

log = logging.getLogger(__name__)

BATCH = 1000  # rows read and written at once
BOOKKEEPING = frozenset({"_sqlite_migrations", "_migrations"})  # and SQLite's sqlite_* tables
FRESH = frozenset({"meta"})  # what a database the bot just created holds already (its token rule)


class CopyRefused(Exception):
    """The copy cannot start (a target holding data, a schema that differs): one line."""


class CopyMismatch(Exception):
    """The target's rows differ from the source's after the copy (nothing was kept)."""


@dataclass(frozen=True, slots=True)
class TableCheck:
    """One table after the copy: its rows and their hash on each side."""

    table: str
    rows: int  # in the source
    copied: int  # in the target
    source_hash: str
    target_hash: str

    @property
    def ok(self) -> bool:
        return self.rows == self.copied and self.source_hash == self.target_hash


@dataclass(frozen=True, slots=True)
class Shape:
    """What a table's rows are read by: its columns (the source's) and primary key."""

    table: str
    columns: tuple[str, ...]
    key: tuple[str, ...]


def copied_tables(db: Sql) -> list[str]:
    """The tables a copy of ``db`` carries, in its schema's order: all but the bookkeeping
    and the search index (with SQLite's shadow tables of it)."""
    index = TEXT_INDEX[db.engine].table
    return [
        name
        for name in db.table_names()
        if name not in BOOKKEEPING
        and name != index
        and not name.startswith(f"{index}_")
        and not name.startswith("sqlite_")
    ]


def copy_store(
    source: Store, target: Store, *, progress: Callable[[TableCheck], None] | None = None
) -> list[TableCheck]:
    """Copy every table of ``source`` into ``target`` (a PostgreSQL database this bot has
    just created) and check them; the checks, table by table. ``CopyRefused`` before anything
    is written, ``CopyMismatch`` when a check fails (the target rolled back to empty)."""
    if target.engine is not Engine.POSTGRES:
        raise CopyRefused(f"{target.path}: the copy goes into PostgreSQL only")
    tables = copied_tables(source.db)
    shapes = [_shape(source.db, target.db, table) for table in tables]
    by_name = {s.table: s for s in shapes}
    order = [by_name[t] for t in _parents_first(tables, _references(target.db))]
    with immediate(source.db), immediate(target.db):  # one snapshot read, one commit
        _refuse_data(target, [s.table for s in order])
        hashes: dict[str, tuple[int, str]] = {}
        for shape in order:
            hashes[shape.table] = _copy(source.db, target.db, shape)
            log.info("copied %s: %d rows", shape.table, hashes[shape.table][0])
        _move_sequences(source.db, target.db, tables)
        target.index.setup(None)  # the topics the copied meta names
        target.index.reindex_all()
        checks = []
        for shape in shapes:
            rows, digest = hashes[shape.table]
            copied, target_digest = _digest(target.db, shape)
            check = TableCheck(shape.table, rows, copied, digest, target_digest)
            checks.append(check)
            if progress is not None:
                progress(check)
        bad = [c for c in checks if not c.ok]
        if bad:
            raise CopyMismatch(
                f"{target.path}: table {bad[0].table} differs after the copy (source "
                f"{bad[0].rows} rows, target {bad[0].copied}): nothing was kept in the target"
            )
    return checks


# -- the schema of each side --------------------------------------------------------------


def _columns(db: Sql, table: str) -> tuple[str, ...]:
    cur = db.execute(f"SELECT * FROM {_q(table)} WHERE 1 = 0")  # noqa: S608 - a schema name
    return tuple(str(d[0]) for d in cur.description or ())


def _primary_key(db: Sql, table: str) -> tuple[str, ...]:
    if db.engine is Engine.SQLITE:
        rows = db.execute(
            "SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk", [table]
        ).fetchall()
    else:
        rows = db.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid"
            " AND a.attnum = ANY(i.indkey) WHERE i.indrelid = CAST(? AS regclass)"
            " AND i.indisprimary ORDER BY array_position(CAST(i.indkey AS int2[]), a.attnum)",
            [_q(table)],
        ).fetchall()
    return tuple(str(r[0]) for r in rows)


def _shape(source: Sql, target: Sql, table: str) -> Shape:
    """The table's columns and key, refused when the target's schema lacks any of them."""
    if table not in target.table_names():
        raise CopyRefused(f"table {table} is not in the target's schema: upgrade digestbot there")
    columns = _columns(source, table)
    missing = sorted(set(columns) - set(_columns(target, table)))
    if missing:
        raise CopyRefused(f"table {table} of the target has no column {missing[0]}")
    key = _primary_key(source, table)
    if not key:
        raise CopyRefused(f"table {table} has no primary key: its rows cannot be paged")
    return Shape(table, columns, key)


def _references(db: Sql) -> dict[str, set[str]]:
    """table → the tables its foreign keys point at, in ``db`` (PostgreSQL)."""
    found: dict[str, set[str]] = {}
    rows = db.execute(
        "SELECT a.relname, b.relname FROM pg_constraint c"
        " JOIN pg_class a ON a.oid = c.conrelid JOIN pg_class b ON b.oid = c.confrelid"
        " JOIN pg_namespace n ON n.oid = c.connamespace"
        " WHERE c.contype = 'f' AND n.nspname = current_schema()"
    )
    for child, parent in rows.fetchall():
        found.setdefault(str(child), set()).add(str(parent))
    return found


def _parents_first(tables: Sequence[str], refs: dict[str, set[str]]) -> list[str]:
    """``tables`` ordered so that a table comes after those it references (otherwise in the
    given order)."""
    done: list[str] = []
    waiting = list(tables)
    while waiting:
        ready = next(
            (t for t in waiting if not (refs.get(t, set()) - {t}) & (set(waiting) - {t})),
            waiting[0],  # a cycle: the schema's order (the copy names the failing key)
        )
        waiting.remove(ready)
        done.append(ready)
    return done


# -- copying and hashing ------------------------------------------------------------------


def _refuse_data(target: Store, tables: Sequence[str]) -> None:
    """A target holding rows is refused; what a freshly made database holds is cleared."""
    for table in tables:
        if table in FRESH:
            continue
        if target.db.execute(f"SELECT 1 FROM {_q(table)} LIMIT 1").fetchone():  # noqa: S608
            raise CopyRefused(
                f"{target.path} already holds data (table {table}): migrate into a new, empty "
                "database (createdb), or drop this one and create it again"
            )
    for table in FRESH & set(tables):
        target.db.execute(f"DELETE FROM {_q(table)}")  # noqa: S608 - a schema name


def _pages(db: Sql, shape: Shape) -> Iterator[list[tuple[Any, ...]]]:
    """The table's rows in primary-key order, ``BATCH`` at a time (each page starts after
    the last key of the one before: no cursor is held open between pages)."""
    columns = ", ".join(_q(c) for c in shape.columns)
    order = ", ".join(_q(c) for c in shape.key)
    first = f"SELECT {columns} FROM {_q(shape.table)} ORDER BY {order} LIMIT ?"  # noqa: S608
    after = (
        f"SELECT {columns} FROM {_q(shape.table)} WHERE ({order}) > ({', '.join('?' for _ in shape.key)})"  # noqa: S608, E501
        f" ORDER BY {order} LIMIT ?"
    )
    where = [shape.columns.index(c) for c in shape.key]
    last: list[Any] | None = None
    while True:
        params = [BATCH] if last is None else [*last, BATCH]
        rows = [tuple(r) for r in db.execute(first if last is None else after, params).fetchall()]
        if not rows:
            return
        yield rows
        if len(rows) < BATCH:
            return
        last = [rows[-1][i] for i in where]


def _copy(source: Sql, target: Sql, shape: Shape) -> tuple[int, str]:
    """Copy one table; its source rows' count and hash."""
    kinds = _kinds(target, shape)
    columns = ", ".join(_q(c) for c in shape.columns)
    marks = ", ".join("?" for _ in shape.columns)
    insert = f"INSERT INTO {_q(shape.table)} ({columns}) VALUES ({marks})"  # noqa: S608
    digest, count = hashlib.sha256(), 0
    for rows in _pages(source, shape):
        target.executemany(insert, [_fitted(row, kinds) for row in rows])
        for row in rows:
            digest.update(_normalised(row))
        count += len(rows)
    return count, digest.hexdigest()


def _digest(db: Sql, shape: Shape) -> tuple[int, str]:
    digest, count = hashlib.sha256(), 0
    for rows in _pages(db, shape):
        for row in rows:
            digest.update(_normalised(row))
        count += len(rows)
    return count, digest.hexdigest()


def _normalised(row: Sequence[Any]) -> bytes:
    """One row as the hash sees it: NULL as null, every other value as its text (an int and
    the same number held as text are alike; bytes as hex)."""
    values = [
        None
        if v is None
        else v.hex()
        if isinstance(v, bytes)
        else str(int(v))
        if isinstance(v, float) and v.is_integer()
        else str(v)
        for v in row
    ]
    return json.dumps(values, ensure_ascii=False).encode() + b"\n"


def _kinds(target: Sql, shape: Shape) -> list[str]:
    """The target's type of each column (``text``, ``bigint`` …)."""
    types = {
        str(name): str(kind)
        for name, kind in target.execute(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = ?",
            [shape.table],
        ).fetchall()
    }
    return [types.get(c, "") for c in shape.columns]


def _fitted(row: Sequence[Any], kinds: Sequence[str]) -> list[Any]:
    """A SQLite row as PostgreSQL's columns take it: SQLite keeps a number in a text column
    (and text in a number column) that PostgreSQL's types refuse."""
    out = []
    for value, kind in zip(row, kinds, strict=True):
        if value is not None and kind == "text" and not isinstance(value, str):
            value = value.hex() if isinstance(value, bytes) else str(value)
        elif isinstance(value, str) and kind in ("bigint", "integer") and _integer(value):
            value = int(value)
        out.append(value)
    return out


def _integer(text: str) -> bool:
    return text.strip().lstrip("+-").isdigit()


def _move_sequences(source: Sql, target: Sql, tables: Sequence[str]) -> None:
    """Each identity column's sequence past the highest id the source ever gave."""
    given: dict[str, int] = {}
    if source.engine is Engine.SQLITE and "sqlite_sequence" in source.table_names():
        rows = source.execute("SELECT name, seq FROM sqlite_sequence").fetchall()
        given = {str(name): int(seq) for name, seq in rows}
    identities = target.execute(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND is_identity = 'YES'"
    ).fetchall()
    for table, column in identities:
        if table not in tables:
            continue
        row = target.execute(f"SELECT max({_q(column)}) FROM {_q(table)}").fetchone()  # noqa: S608
        top = max(int(row[0] or 0), given.get(str(table), 0))
        if top > 0:
            target.execute(
                "SELECT setval(pg_get_serial_sequence(?, ?), ?)", [_q(table), column, top]
            )


def _q(name: str) -> str:
    """A table or column name, quoted (``key``, ``text`` and ``position`` are names too)."""
    return '"' + name.replace('"', '""') + '"'
