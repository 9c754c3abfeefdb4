"""The database schema: every table, created and changed by sqlite-utils migrations.

Migrations run at start-up in order and are recorded in ``_sqlite_migrations``; a new column or
table is a new migration at the end of this file, never an edit of an applied one.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("digestbot")


@migrations(name="0001_editions_items_files")
def _m0001(db: Database) -> None:
    db.table("editions").create(
        {
            "date": str,
            "series": str,
            "title": str,
            "source": str,
            "content_hash": str,
            "ingested_at": str,
            "updated_at": str,
        },
        pk="date",
    )
    # AUTOINCREMENT: an item id is never reused, so a stale button can't open another item.
    db.execute(
        """CREATE TABLE items (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            edition_date TEXT NOT NULL REFERENCES editions(date),
            position INTEGER NOT NULL,
            section TEXT NOT NULL DEFAULT '',
            title TEXT NOT NULL DEFAULT '',
            text TEXT NOT NULL,
            links TEXT NOT NULL DEFAULT '[]',
            content_hash TEXT NOT NULL
        )"""
    )
    db.table("items").create_index(["edition_date", "position"])
    db.table("files").create(
        {
            "path": str,
            "size": int,
            "mtime_ns": int,
            "hash": str,
            "edition_date": str,
            "error": str,
            "error_line": int,
            "checked_at": str,
        },
        pk="path",
        not_null={"size", "mtime_ns", "hash"},
    )


@migrations(name="0002_chats_subscriptions")
def _m0002(db: Database) -> None:
    db.table("chats").create(
        {
            "id": int,
            "type": str,
            "title": str,
            "language": str,
            "timezone": str,
            "push_time": str,
            "thread_id": int,
            "format": str,
            "previews": int,
            "active": int,
            "inactive_reason": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"type", "language", "format", "previews", "active"},
        defaults={"language": "zh", "format": "full", "previews": 0, "active": 1},
    )
    db.table("subscriptions").create(
        {"chat_id": int, "scope": str, "created_at": str},
        pk=("chat_id", "scope"),
        foreign_keys=[("chat_id", "chats", "id")],
    )


@migrations(name="0003_alerts_managers")
def _m0003(db: Database) -> None:
    db.execute(
        """CREATE TABLE alerts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            chat_id INTEGER NOT NULL REFERENCES chats(id),
            terms TEXT NOT NULL,
            excluded TEXT NOT NULL DEFAULT '[]',
            created_at TEXT NOT NULL
        )"""
    )
    db.table("alerts").create_index(["chat_id"])
    # who may manage a channel from a private chat (checked with getChatMember when added)
    db.table("managers").create(
        {"chat_id": int, "user_id": int, "created_at": str},
        pk=("chat_id", "user_id"),
        foreign_keys=[("chat_id", "chats", "id")],
    )
    db.table("managers").create_index(["user_id"])
