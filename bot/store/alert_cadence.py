"""How a chat wants its alerts: each alert's cadence and ``OR`` groups, the chat's quiet hours
and silent delivery (part of the store; alerts themselves are ``chats``').

An alert goes out ``now`` (with the edition, the default), or in a ``daily`` or ``weekly``
digest of alerts (``bot.delivery.alert_digest``). Its ``any_of`` groups are the ``OR`` parts
of its query (``储能 OR 氢能``): one term of each group must occur, besides every term.
"""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from typing import NamedTuple

from .chats import chat_from_row
from .engines import Sql
from .readers import Alert, Chat
from .repository import Repository
from .stamps import stamp


class AlertCadence(StrEnum):
    """When a chat gets an alert's matches."""

    NOW = "now"  # as it comes: with the edition (an alert message for what it does not hold)
    DAILY = "daily"  # one digest of alerts at the chat's push time
    WEEKLY = "weekly"  # one digest of alerts a week, on the chat's roundup day


def alert_cadence_columns(db: Sql) -> None:
    """Migration 0031_quiet_alerts (both engines): an alert's cadence (every existing one goes
    out as it comes, as before) and ``OR`` groups (none: an existing alert keeps meaning what
    it meant), and when it last changed; a chat's quiet hours ("" = none) and silent
    delivery (off)."""
    db.execute("ALTER TABLE alerts ADD COLUMN cadence TEXT NOT NULL DEFAULT 'now'")
    db.execute("ALTER TABLE alerts ADD COLUMN any_of TEXT NOT NULL DEFAULT '[]'")
    db.execute("ALTER TABLE alerts ADD COLUMN cadence_since TEXT")  # NULL: never changed
    db.execute("ALTER TABLE chats ADD COLUMN quiet TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE chats ADD COLUMN silent BIGINT NOT NULL DEFAULT 0")


def any_of_of(text: str | None) -> tuple[tuple[str, ...], ...]:
    """An alert's stored ``any_of`` column as groups of terms."""
    return tuple(tuple(g) for g in json.loads(text or "[]"))


class DigestChat(NamedTuple):
    """A chat with alerts of one digest cadence, those alerts, and since when the first of
    them has had it (None: from before changes were recorded)."""

    chat: Chat
    alerts: tuple[Alert, ...]
    since: dt.datetime | None

    def due(self, at: dt.datetime) -> bool:
        """Whether a digest due ``at`` is this chat's (an alert had the cadence by then: no
        digest that fell due before the chat chose it)."""
        return self.since is None or self.since <= at


class AlertCadenceStore(Repository):
    """A repository of the Store."""

    def set_cadence(self, chat_id: int, alert_id: int, cadence: AlertCadence) -> bool:
        """Change one of this chat's alerts' cadence (from now on); False when it is not this
        chat's."""
        cur = self.db.execute(
            "UPDATE alerts SET cadence = ?, cadence_since = ? WHERE id = ? AND chat_id = ?",
            [cadence, stamp(self.now()), alert_id, chat_id],
        )
        return cur.rowcount > 0

    def digest_chats(self, cadence: AlertCadence) -> list[DigestChat]:
        """Every active chat with alerts of this digest cadence, with them (by chat id)."""
        rows = self.db.query(
            "SELECT a.id AS alert_id, a.terms, a.excluded, a.any_of, a.cadence AS alert_cadence, "
            "a.cadence_since AS alert_since, c.* FROM alerts a JOIN chats c ON c.id = a.chat_id "
            "WHERE c.active = 1 AND a.cadence = ? ORDER BY c.id, a.id",
            [cadence],
        )
        chats: dict[int, DigestChat] = {}
        for row in rows:
            alert = Alert(
                id=row["alert_id"],
                chat_id=row["id"],
                terms=tuple(json.loads(row["terms"])),
                excluded=tuple(json.loads(row["excluded"])),
                any_of=any_of_of(row["any_of"]),
                cadence=row["alert_cadence"],
            )
            since = row["alert_since"] and dt.datetime.fromisoformat(row["alert_since"])
            found = chats.get(alert.chat_id)
            if found is None:
                chats[alert.chat_id] = DigestChat(chat_from_row(row), (alert,), since or None)
            else:
                first = None if not since or not found.since else min(since, found.since)
                chats[alert.chat_id] = DigestChat(found.chat, (*found.alerts, alert), first)
        return list(chats.values())
