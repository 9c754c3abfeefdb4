"""Logins to the publisher's page (``page_logins``): part of the store.

A bot admin's ``/page`` makes a login link: a random token (256 bits) good for one opening
within ``LINK_TTL``; opening it makes a session token good for ``SESSION_TTL``, kept by the
browser in a cookie. Only a SHA-256 digest of each token is stored (a copy of the database
opens nothing), with its kind (a link is not a session and a session is not a link), the bot
it is for (the bot's numeric id: several bots may share a PostgreSQL database, and each
honours only its own) and when it expires; any instance on the same database honours a token
another one made. A link is spent in one conditional ``UPDATE``, so two openings at once
cannot both win.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum

from .engines import Sql
from .repository import Repository
from .stamps import stamp
from .tx import immediate

TOKEN_BYTES = 32  # 256 random bits, 43 characters of base64url
LINK_TTL = dt.timedelta(minutes=15)
SESSION_TTL = dt.timedelta(hours=4)

TABLE = """CREATE TABLE page_logins (
    digest TEXT NOT NULL PRIMARY KEY,
    kind TEXT NOT NULL,
    bot_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    created_at TEXT NOT NULL
)"""


def page_logins_table(db: Sql) -> None:
    """Migration 0029_page_logins (both engines): login links and sessions of the page."""
    db.execute(TABLE)
    db.execute("CREATE INDEX page_logins_expires_at ON page_logins (expires_at)")


class LoginKind(StrEnum):
    LINK = "link"  # in the message to the admin: opened once
    SESSION = "session"  # in the browser's cookie


@dataclass(frozen=True, slots=True)
class Issued:
    """A token just made: the token itself (never stored) and when it expires."""

    token: str
    expires_at: dt.datetime


def digest(token: str) -> str:
    """What the table keeps of a token."""
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


class PageLoginStore(Repository):
    """A repository of the Store."""

    def issue_link(self, user_id: int, *, bot_id: int, ttl: dt.timedelta = LINK_TTL) -> Issued:
        """A new login link's token for ``user_id`` (expired rows are dropped on the way)."""
        return self._issue(LoginKind.LINK, user_id, bot_id=bot_id, ttl=ttl)

    def open_link(
        self, token: str, *, bot_id: int, ttl: dt.timedelta = SESSION_TTL
    ) -> Issued | None:
        """Spend a login link: a new session, or None when the token is no unspent, unexpired
        link of this bot."""
        now = self.now()
        with immediate(self.db):
            spent = self.db.execute(
                "UPDATE page_logins SET used_at = ? WHERE digest = ? AND kind = ? "
                "AND bot_id = ? AND used_at IS NULL AND expires_at > ?",
                [stamp(now), digest(token), LoginKind.LINK, bot_id, stamp(now)],
            ).rowcount
            if spent != 1:
                return None
            row = self.db.execute(
                "SELECT user_id FROM page_logins WHERE digest = ?", [digest(token)]
            ).fetchone()
            return self._issue(LoginKind.SESSION, int(row[0]), bot_id=bot_id, ttl=ttl)

    def session_user(self, token: str, *, bot_id: int) -> int | None:
        """The user id of an unexpired session of this bot, else None."""
        row = self.db.execute(
            "SELECT user_id FROM page_logins WHERE digest = ? AND kind = ? AND bot_id = ? "
            "AND expires_at > ?",
            [digest(token), LoginKind.SESSION, bot_id, stamp(self.now())],
        ).fetchone()
        return None if row is None else int(row[0])

    def _issue(self, kind: LoginKind, user_id: int, *, bot_id: int, ttl: dt.timedelta) -> Issued:
        now = self.now()
        token = secrets.token_urlsafe(TOKEN_BYTES)
        expires = (now + ttl).replace(microsecond=0)
        with immediate(self.db):
            self.db.execute("DELETE FROM page_logins WHERE expires_at <= ?", [stamp(now)])
            self.db.execute(
                "INSERT INTO page_logins (digest, kind, bot_id, user_id, expires_at, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [digest(token), kind, bot_id, user_id, stamp(expires), stamp(now)],
            )
        return Issued(token, expires)
