"""Chats and their subscriptions: part of the store (the schema lives in store.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlite_utils import Database
from sqlite_utils.db import NotFoundError

from .models import Chat

ALL = "all"  # the subscription scope for the whole edition


def stamp(value: dt.datetime) -> str:
    """A timezone-aware time as stored: ISO 8601 in UTC, to the second."""
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    return value.astimezone(dt.UTC).isoformat(timespec="seconds")


def _chat(row: dict[str, Any]) -> Chat:
    return Chat(
        id=row["id"],
        type=row["type"],
        title=row["title"] or "",
        language=row["language"],
        timezone=row["timezone"] or "",
        push_time=dt.time.fromisoformat(row["push_time"]) if row["push_time"] else None,
        thread_id=row["thread_id"],
        format=row["format"],
        previews=bool(row["previews"]),
        active=bool(row["active"]),
        inactive_reason=row["inactive_reason"] or "",
    )


class ChatStore:
    """Chat rows and subscriptions; mixed into Store, which provides ``db`` and ``now``."""

    db: Database
    now: Callable[[], dt.datetime]

    def get_chat(self, chat_id: int) -> Chat | None:
        try:
            return _chat(self.db.table("chats").get(chat_id))
        except NotFoundError:
            return None

    def ensure_chat(
        self, chat_id: int, *, type: str, title: str = "", language: str = "zh"
    ) -> Chat:
        """The chat's row, created on first contact (language from the first user's client)."""
        existing = self.get_chat(chat_id)
        if existing is not None:
            if title and title != existing.title:
                self.db.table("chats").update(chat_id, {"title": title})
                existing = self.get_chat(chat_id) or existing
            return existing
        now = stamp(self.now())
        self.db.table("chats").insert(
            {
                "id": chat_id,
                "type": type,
                "title": title,
                "language": language,
                "format": "full",
                "previews": 0,
                "active": 1,
                "inactive_reason": "",
                "created_at": now,
                "updated_at": now,
            },
            pk="id",
        )
        chat = self.get_chat(chat_id)
        assert chat is not None  # noqa: S101 - just inserted
        return chat

    def update_chat(self, chat_id: int, **values: object) -> Chat:
        """Change settings of a chat (keys are Chat field names)."""
        row: dict[str, object] = {}
        for key, value in values.items():
            if isinstance(value, dt.time):
                value = value.strftime("%H:%M")
            elif isinstance(value, bool):
                value = int(value)
            row[key] = value
        row["updated_at"] = stamp(self.now())
        self.db.table("chats").update(chat_id, row)
        chat = self.get_chat(chat_id)
        if chat is None:
            raise KeyError(chat_id)
        return chat

    def set_active(self, chat_id: int, active: bool, *, reason: str = "") -> None:
        self.db.table("chats").update(
            chat_id,
            {
                "active": int(active),
                "inactive_reason": "" if active else reason,
                "updated_at": stamp(self.now()),
            },
        )

    def subscribe(self, chat_id: int, scope: str = ALL) -> bool:
        """Subscribe a chat; False when it already was."""
        if self.is_subscribed(chat_id, scope):
            return False
        self.db.table("subscriptions").insert(
            {"chat_id": chat_id, "scope": scope, "created_at": stamp(self.now())},
            pk=("chat_id", "scope"),
        )
        return True

    def unsubscribe(self, chat_id: int, scope: str | None = None) -> bool:
        """Drop one scope, or every subscription of the chat; False when there was none."""
        if scope is None:
            cur = self.db.execute("DELETE FROM subscriptions WHERE chat_id = ?", [chat_id])
        else:
            cur = self.db.execute(
                "DELETE FROM subscriptions WHERE chat_id = ? AND scope = ?", [chat_id, scope]
            )
        return cur.rowcount > 0

    def is_subscribed(self, chat_id: int, scope: str = ALL) -> bool:
        rows = self.db.execute(
            "SELECT 1 FROM subscriptions WHERE chat_id = ? AND scope = ?", [chat_id, scope]
        ).fetchall()
        return bool(rows)
