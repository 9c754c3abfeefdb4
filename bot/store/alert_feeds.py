"""Per-alert feeds: each alert's unguessable feed token (part of the store).

An alert's feed (``/feeds/alert/<token>.atom``) shows the items that match it; the token is
its only name there, so the URL is as private as the chat keeps it: 128 random bits, made
the first time the chat's ``/alerts`` shows the alert, gone with the alert. Never the alert's
number, never its share token (copying an alert's terms and reading its feed are separate
permissions).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable

from .chats import ChatStore
from .engines import Sql
from .readers import Alert
from .repository import Repository
from .tx import immediate

FEED_BYTES = 16  # a feed token: 128 random bits, 22 characters of base64url


def alert_feed_tokens(db: Sql) -> None:
    """Migration 0027_alert_feeds (both engines): an alert's feed token (None until shown)."""
    db.execute("ALTER TABLE alerts ADD COLUMN feed_token TEXT")
    db.execute("CREATE UNIQUE INDEX alerts_feed_token ON alerts (feed_token)")


class AlertFeedStore(Repository):
    """A repository of the Store (alerts themselves are ``chats``')."""

    def __init__(self, db: Sql, now: Callable[[], dt.datetime], *, chats: ChatStore) -> None:
        super().__init__(db, now)
        self.chats = chats

    def feed_tokens(self, chat_id: int) -> dict[int, str]:
        """The feed token of each of the chat's alerts, by alert id (made for those that had
        none yet)."""
        with immediate(self.db):
            missing = self.db.execute(
                "SELECT id FROM alerts WHERE chat_id = ? AND feed_token IS NULL", [chat_id]
            ).fetchall()
            self.db.executemany(
                "UPDATE alerts SET feed_token = ? WHERE id = ? AND feed_token IS NULL",
                [(secrets.token_urlsafe(FEED_BYTES), int(r[0])) for r in missing],
            )
            rows = self.db.execute(
                "SELECT id, feed_token FROM alerts WHERE chat_id = ? AND feed_token IS NOT NULL",
                [chat_id],
            ).fetchall()
        return {int(r[0]): str(r[1]) for r in rows}

    def alert_of_feed(self, token: str) -> Alert | None:
        """The alert whose feed ``token`` names (None for any other string)."""
        row = self.db.execute("SELECT id FROM alerts WHERE feed_token = ?", [token]).fetchone()
        return None if row is None else self.chats.get_alert(int(row[0]))
