"""The database engines: one connection type (``Sql``) over SQLite or PostgreSQL.

Owns what differs between the engines and nothing else: opening a connection, placeholders,
transactions, the few functions the two spell differently (``Sql.joined``), and the errors a
user can cause when connecting. The repositories write SQL both engines speak once (upserts,
``RETURNING``, ``?`` placeholders) against ``Sql``; the search index and the schema's first
migrations have one module per engine beside them. May import the standard library,
sqlite-utils and psycopg; nothing of ``bot``.
"""

from __future__ import annotations

from .base import Cursor, Engine, Sql, engine_of
from .postgres import shown


def where(location: str) -> str:
    """A database location fit to print: a SQLite file as it is, a PostgreSQL URL without its
    password."""
    return shown(location) if engine_of(location) is Engine.POSTGRES else location


__all__ = ["Cursor", "Engine", "Sql", "engine_of", "where"]
