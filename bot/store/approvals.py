"""Approval (``push.approve = true``): each new edition waits for a bot admin's "send".

Part of the store. ``ask`` records an edition as pending (once); ``decide`` moves it to
approved or held; ``unapproved`` is what planning must not push (nor alert on) yet. The admins'
previews are outbox rows of kind ``approval``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from bot.digest.models import EditionKey

from .repository import Repository
from .stamps import stamp
from .tx import immediate


class Approval(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    HELD = "held"


@dataclass(frozen=True, slots=True)
class Decision:
    """Where an edition's approval stands, and which admin decided it (None: nobody yet)."""

    status: Approval
    by: int | None


class ApprovalStore(Repository):
    """A repository of the Store."""

    def ask(self, key: EditionKey, *, now: dt.datetime) -> bool:
        """The edition waits for approval; True the first time (the admins are asked once)."""
        cur = self.db.execute(
            "INSERT INTO approvals (series_id, edition_date, issue, status, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [key.series, key.date.isoformat(), key.issue, Approval.PENDING, stamp(now),
             stamp(now)],
        )  # fmt: skip
        return cur.rowcount == 1

    def decide(self, key: EditionKey, status: Approval, *, by: int, now: dt.datetime) -> bool:
        """Approve (or hold) the edition; True when that changed its status (an approved
        edition stays approved: what was pushed cannot be called back)."""
        with immediate(self.db):
            cur = self.db.execute(
                "UPDATE approvals SET status = ?, decided_by = ?, updated_at = ? "
                "WHERE series_id = ? AND edition_date = ? AND issue = ? AND status NOT IN (?, ?)",
                [status, by, stamp(now), key.series, key.date.isoformat(), key.issue, status,
                 Approval.APPROVED],
            )  # fmt: skip
        return cur.rowcount == 1

    def approval(self, key: EditionKey) -> Decision | None:
        """The edition's status and the admin who decided it; None when it was never asked."""
        row = self.db.execute(
            "SELECT status, decided_by FROM approvals WHERE series_id = ? AND edition_date = ? "
            "AND issue = ?",
            [key.series, key.date.isoformat(), key.issue],
        ).fetchone()
        return None if row is None else Decision(Approval(row[0]), row[1])

    def pending_approval(self) -> list[EditionKey]:
        """Editions still waiting for an admin's decision, oldest first."""
        rows = self.db.execute(
            "SELECT series_id, edition_date, issue FROM approvals WHERE status = ? "
            "ORDER BY edition_date, issue, series_id",
            [Approval.PENDING],
        ).fetchall()
        return [EditionKey(int(r[0]), dt.date.fromisoformat(r[1]), int(r[2])) for r in rows]

    def unapproved(self) -> set[EditionKey]:
        """Editions asked about and not approved (pending or held): not to be pushed."""
        rows = self.db.execute(
            "SELECT series_id, edition_date, issue FROM approvals WHERE status != ?",
            [Approval.APPROVED],
        ).fetchall()
        return {EditionKey(int(r[0]), dt.date.fromisoformat(r[1]), int(r[2])) for r in rows}
