"""Operator broadcasts: a draft, confirmed once, then one outbox row per subscribed chat.

Confirming is idempotent: a second press
of the button, or a restart in between, plans nothing twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .outbox import KEY_COLUMNS, Kind, Target
from .repository import Repository
from .stamps import stamp
from .tx import immediate


@dataclass(frozen=True, slots=True)
class Broadcast:
    id: int
    html: str
    sender_id: int
    status: str  # draft, planned, cancelled
    planned: int


class BroadcastStore(Repository):
    """A repository of the Store."""

    def audience(self) -> int:
        """How many chats a broadcast goes to now: the active, subscribed ones."""
        row = self.db.execute(
            "SELECT count(*) FROM chats WHERE active = 1 "
            "AND id IN (SELECT chat_id FROM subscriptions)"
        ).fetchone()
        return int(row[0])

    def draft_broadcast(self, html: str, *, sender_id: int, now: dt.datetime) -> Broadcast:
        at = stamp(now)
        with immediate(self.db):
            cur = self.db.execute(
                "INSERT INTO broadcasts (html, sender_id, created_at, updated_at) "
                "VALUES (?, ?, ?, ?) RETURNING id",
                [html, sender_id, at, at],
            )
            new_id = int(cur.fetchone()[0])
        found = self.broadcast(new_id)
        assert found is not None  # noqa: S101 - just inserted
        return found

    def broadcast(self, broadcast_id: int) -> Broadcast | None:
        row = self.db.execute(
            "SELECT id, html, sender_id, status, planned FROM broadcasts WHERE id = ?",
            [broadcast_id],
        ).fetchone()
        return Broadcast(*row) if row else None

    def plan_broadcast(self, broadcast_id: int, *, now: dt.datetime) -> int:
        """Outbox rows for every active subscribed chat, if the draft is still a draft;
        the number planned (0 when it was planned or cancelled before)."""
        at = stamp(now)
        with immediate(self.db):
            claimed = self.db.execute(
                "UPDATE broadcasts SET status = 'planned', updated_at = ? "
                "WHERE id = ? AND status = 'draft'",
                [at, broadcast_id],
            ).rowcount
            if not claimed:
                return 0
            planned = self.db.execute(
                f"INSERT INTO deliveries (chat_id, kind, {KEY_COLUMNS}, due_at, "  # noqa: S608 - constant
                "next_attempt_at, created_at, updated_at) SELECT id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? "
                "FROM chats WHERE active = 1 AND id IN (SELECT chat_id FROM subscriptions)"
                " ON CONFLICT DO NOTHING",
                [Kind.BROADCAST, *Target.of_broadcast(broadcast_id).columns, at, at, at, at],
            ).rowcount
            self.db.execute(
                "UPDATE broadcasts SET planned = ? WHERE id = ?", [planned, broadcast_id]
            )
        return int(planned)

    def cancel_broadcast(self, broadcast_id: int, *, now: dt.datetime) -> bool:
        """Drop a draft; False when it was not a draft any more."""
        with immediate(self.db):
            return bool(
                self.db.execute(
                    "UPDATE broadcasts SET status = 'cancelled', updated_at = ? "
                    "WHERE id = ? AND status = 'draft'",
                    [stamp(now), broadcast_id],
                ).rowcount
            )
