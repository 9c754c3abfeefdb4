"""Database faults in words: one line naming the file, the cause and the fix.

Part of the store. ``describe(path, exc)`` turns a ``sqlite3.Error`` into what an operator can
act on — ``data/digestbot.sqlite3: the database is locked by another process (waited 10 s):
…`` — from its SQLite error code (Python ≥ 3.11 gives it), falling back to the message.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Final

import psycopg

from .engines.postgres import ServerTooOld, shown
from .migrate import SchemaTooNew

NO_ROOM = 64 * 1024  # bytes free on a disk that counts as full

# SQLite primary result codes (the low byte of an extended code) → what it means, what to do
_CAUSES: dict[str, str] = {
    "SQLITE_BUSY": "the database is locked by another process: stop it, or try again",
    "SQLITE_LOCKED": "the database is locked by another process: stop it, or try again",
    "SQLITE_READONLY": (
        "the database is read-only: give the bot's user write access to the file and its folder"
    ),
    "SQLITE_FULL": "the disk is full: free some space (the bot carries on once it can write)",
    "SQLITE_CORRUPT": (
        "the database file is corrupt: stop the bot and restore a backup (digestbot backup)"
    ),
    "SQLITE_NOTADB": (
        "this is not a digestbot database (not SQLite, or damaged): restore a backup, or point "
        "storage.path elsewhere"
    ),
    "SQLITE_CANTOPEN": "cannot open the database: check that its folder exists and is writable",
    "SQLITE_IOERR": "the disk reported an I/O error: check the disk (dmesg), then restart",
    "SQLITE_PERM": "access to the database was denied: check its permissions",
}
_BY_CODE = {
    5: "SQLITE_BUSY",
    6: "SQLITE_LOCKED",
    8: "SQLITE_READONLY",
    10: "SQLITE_IOERR",
    11: "SQLITE_CORRUPT",
    13: "SQLITE_FULL",
    14: "SQLITE_CANTOPEN",
    3: "SQLITE_PERM",
    26: "SQLITE_NOTADB",
}


# what the store raises when the database fails, on either engine
DatabaseError: Final = (sqlite3.Error, psycopg.Error)
# what opening a database can end in besides (a schema from a newer bot): one line too
OpenError: Final = (*DatabaseError, SchemaTooNew)


def cause(exc: BaseException) -> str:
    """What went wrong and the fix, without the file name."""
    if isinstance(exc, SchemaTooNew):
        return str(exc)
    if isinstance(exc, psycopg.Error):
        return postgres_cause(exc)
    code = getattr(exc, "sqlite_errorcode", None)
    name = _BY_CODE.get(code & 0xFF) if isinstance(code, int) else None
    if name is None:
        text = str(exc).lower()
        name = next(
            (
                n
                for n, words in (
                    ("SQLITE_BUSY", "locked"),
                    ("SQLITE_READONLY", "readonly"),
                    ("SQLITE_FULL", "full"),
                    ("SQLITE_NOTADB", "not a database"),
                    ("SQLITE_CORRUPT", "malformed"),
                    ("SQLITE_CANTOPEN", "unable to open"),
                )
                if words in text
            ),
            None,
        )
    return _CAUSES[name] if name else f"database error: {exc}"


def describe(path: Path | str, exc: BaseException) -> str:
    """``<path>: <cause and fix>``: the one line a user sees. SQLite calls a write that found
    no room an I/O error at times (the WAL index, a journal): a disk with no room left is said
    to be full whatever the code."""
    said = cause(exc)
    if isinstance(exc, psycopg.Error):
        return f"{path}: {said}"
    if said in (_CAUSES["SQLITE_IOERR"], _CAUSES["SQLITE_CANTOPEN"]) and _no_room(Path(path)):
        said = _CAUSES["SQLITE_FULL"]
    return f"{path}: {said}"


def named(exc: BaseException, *, path: Path, url: str) -> Path | str:
    """The database a fault is about, fit to print: the SQLite file, or (``url`` set and the
    fault not SQLite's) the PostgreSQL URL without its password."""
    if isinstance(exc, sqlite3.Error) or not url:
        return path
    return shown(url)


def _no_room(path: Path) -> bool:
    try:
        return shutil.disk_usage(path.parent).free < NO_ROOM
    except OSError:
        return False


# PostgreSQL: SQLSTATE classes and codes → what it means, what to do (the password never shown)
_PG_CAUSES: dict[str, str] = {
    "28P01": "PostgreSQL refused the user name or password: check storage.url (or ~/.pgpass)",
    "28000": "PostgreSQL refused this user: check storage.url and the server's pg_hba.conf",
    "3D000": "the PostgreSQL database does not exist: create it (createdb), or fix storage.url",
    "53100": "the PostgreSQL server's disk is full: free some space there",
    "57P01": "the PostgreSQL server is shutting down: start it again (the bot carries on)",
    "42501": "PostgreSQL denied access: grant the bot's user rights on its database",
}


def postgres_cause(exc: psycopg.Error) -> str:
    """What a PostgreSQL error means and the fix, by its SQLSTATE; a connection that failed
    before any (refused, no such host, timed out) says where to look."""
    if isinstance(exc, ServerTooOld):
        return str(exc)
    code = exc.sqlstate or ""
    if code in _PG_CAUSES:
        return _PG_CAUSES[code]
    text = str(exc).lower()
    if "password authentication failed" in text or "no password supplied" in text:
        return _PG_CAUSES["28P01"]
    if isinstance(exc, psycopg.OperationalError) and not code:
        return (
            "cannot reach the PostgreSQL server (refused, unknown host or no answer): check "
            "storage.url's host and port, and that the server runs"
        )
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"PostgreSQL error: {first}"
