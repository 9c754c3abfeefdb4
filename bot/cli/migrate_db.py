"""``digestbot migrate-db --to URL``: move a SQLite bot's whole state into PostgreSQL.

Reads the config's SQLite database under the data lock (a running bot refuses it: stop the
bot first), copies every table into the new database and prints each table's check — its rows
and whether their hash agrees on both sides. Anything wrong ends in one line and a non-zero
exit, with nothing kept in the target.
"""

from __future__ import annotations

import argparse

import psycopg

from bot.config import Config
from bot.ops.lockfile import DataLock
from bot.store.copying import CopyMismatch, CopyRefused, TableCheck, copy_store
from bot.store.database import Store
from bot.store.engines import Engine, engine_of
from bot.store.engines.postgres import shown
from bot.store.faults import OpenError, describe

from .archive import LOCK_WAIT
from .output import EXIT_FAILED, EXIT_OK, CliError, err, out


def cmd_migrate_db(args: argparse.Namespace, config: Config) -> int:
    url = str(args.to)
    if engine_of(url) is not Engine.POSTGRES:  # never echoed: a mistyped URL may hold a password
        raise CliError(
            "--to: expected a postgresql:// URL of an empty database (a copy of the SQLite "
            "file is `digestbot backup PATH`)"
        )
    if not config.db_path.exists():
        raise CliError(f"{config.db_path}: no database to move (storage.path)")
    with DataLock.acquire(config.db_path, role="migrate-db", wait=LOCK_WAIT):
        source = Store(config.db_path, topics=config.topic_spec)
        try:
            return _migrate(source, url)
        finally:
            source.close()


def _migrate(source: Store, url: str) -> int:
    where = shown(url)
    try:
        target = Store(url)
    except OpenError as exc:
        err(f"digestbot: {describe(where, exc)}")
        return EXIT_FAILED
    try:
        checks = copy_store(source, target, progress=lambda c: out(_line(c)))
    except CopyRefused as exc:
        raise CliError(str(exc)) from None
    except CopyMismatch as exc:
        err(f"digestbot: {exc}")
        return EXIT_FAILED
    except psycopg.Error as exc:  # the target's (the SQLite side's: main names its file)
        err(f"digestbot: {describe(where, exc)}")
        return EXIT_FAILED
    finally:
        target.close()
    rows = sum(c.rows for c in checks)
    out(
        f"moved {len(checks)} tables, {rows} rows to {where}: set storage.url (or "
        "DIGESTBOT_DATABASE_URL) to it, then start the bot"
    )
    return EXIT_OK


def _line(check: TableCheck) -> str:
    if check.ok:
        return f"{check.table}: {check.rows} rows, hash ok"
    return (
        f"{check.table}: {check.rows} rows, {check.copied} in the target, "
        f"hash {'ok' if check.source_hash == check.target_hash else 'differs'}"
    )
