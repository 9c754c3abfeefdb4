"""Running the schema's migrations on either engine, and refusing a schema from a newer bot.

Part of the store. SQLite: sqlite-utils applies ``schema.migrations`` (each in a transaction
with its record). PostgreSQL: one transaction under an advisory lock (two instances starting
together migrate once) creates ``schema_pg``'s baseline on an empty database, then runs the
migrations of ``schema_both.BOTH`` that are not applied yet. Either way a database
whose applied migrations this bot does not know was made by a newer bot: it is left untouched
(``SchemaTooNew``).
"""

from __future__ import annotations

import datetime as dt

from .engines import Engine, Sql
from .engines.sqlite import SqliteSql
from .schema import BOTH, migrations, names
from .schema_pg import BASELINE, BASELINE_UNTIL
from .stamps import stamp
from .tx import immediate

LOCK = 0x6469_6765_7374  # the advisory lock key of the migrations ("digest")


class SchemaTooNew(RuntimeError):
    """The database holds migrations this bot does not know (a newer bot made it)."""


def apply(db: Sql, *, at: str = "") -> None:
    """Bring the database's schema up to this bot's (SchemaTooNew when it is ahead)."""
    if db.engine is Engine.SQLITE:
        _refuse_newer(_applied(db, "SELECT name FROM _sqlite_migrations"))
        assert isinstance(db, SqliteSql)  # noqa: S101 - its engine says so
        migrations.apply(db.utils)
        return
    db.execute(
        'CREATE TABLE IF NOT EXISTS _migrations (name TEXT COLLATE "C" PRIMARY KEY,'
        " applied_at TEXT NOT NULL)"
    )
    with immediate(db):
        db.execute("SELECT pg_advisory_xact_lock(?)", [LOCK])
        applied = _applied(db, "SELECT name FROM _migrations")
        _refuse_newer(applied)
        done: list[str] = []
        if not applied:
            for statement in BASELINE:
                db.execute(statement)
            every = names()
            done += every[: every.index(BASELINE_UNTIL) + 1]
        for name, migration in BOTH:
            if name not in applied:
                migration(db)
                done.append(name)
        when = at or stamp(dt.datetime.now(dt.UTC))
        db.executemany(
            "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)", [(n, when) for n in done]
        )


def _applied(db: Sql, sql: str) -> set[str]:
    if not {"_sqlite_migrations", "_migrations"} & set(db.table_names()):
        return set()
    return {str(r[0]) for r in db.execute(sql).fetchall()}


def _refuse_newer(applied: set[str]) -> None:
    unknown = sorted(applied - set(names()))
    if unknown:
        raise SchemaTooNew(
            f"the database was made by a newer digestbot (migration {unknown[-1]}): run that "
            "version, or restore a backup made by this one"
        )
