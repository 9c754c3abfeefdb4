"""Corrections: an edition edited after it was pushed is edited in the chats that got it.

Part of the store. ``plan_corrections`` puts one outbox row (kind ``correction``) per chat that
got the edition within the editing window, or re-arms the one it had; the sender edits the
parts whose hash changed (``edition_sent`` says what was sent; ``part_edited`` records an
edit at once, so a crash repeats at most the edit in flight).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from bot.digest.models import EditionKey

from .claims import UNCLAIMED
from .lease import Fence, check, fenced
from .outbox import KEY_LOOKUP, Kind, Status, Target
from .repository import Repository
from .sent_as import SentAs
from .stamps import stamp
from .tx import immediate


@dataclass(frozen=True, slots=True)
class Sent:
    """An edition as one chat got it: its outbox row, the message of each part, their hashes,
    and when its last part went."""

    delivery_id: int
    message_ids: tuple[int, ...]
    part_hashes: tuple[str, ...]
    at: dt.datetime
    sent_as: SentAs | None = None  # the settings it was sent with (None: sent before 0021)


class CorrectionStore(Repository):
    """A repository of the Store."""

    def plan_corrections(
        self, edition: EditionKey, *, since: dt.datetime, now: dt.datetime
    ) -> int:
        """A correction row for every chat that got the edition after ``since`` (the editing
        window's start); an old correction row is pending again."""
        cur = self.db.execute(
            "INSERT INTO deliveries (chat_id, kind, series_id, edition_date, issue, due_at, "
            "next_attempt_at, created_at, updated_at) SELECT chat_id, ?, series_id, "
            "edition_date, issue, ?, ?, ?, ? FROM deliveries WHERE series_id = ? AND "
            "edition_date = ? AND issue = ? AND kind = 'edition' AND status = 'sent' AND "
            "updated_at >= ? "
            "ON CONFLICT (chat_id, kind, series_id, edition_date, issue, week, broadcast_id) "
            "DO UPDATE SET status = 'pending', part = 0, attempts = 0, error = NULL, "
            "next_attempt_at = excluded.next_attempt_at, due_at = excluded.due_at, "
            "updated_at = excluded.updated_at",
            [
                Kind.CORRECTION,
                *[stamp(now)] * 4,
                edition.series,
                edition.date.isoformat(),
                edition.issue,
                stamp(since),
            ],
        )
        return cur.rowcount

    def edition_sent(self, chat_id: int, edition: EditionKey) -> Sent | None:
        """The edition as this chat got it (None: not sent); asked once per correction sent,
        so the row is named by its whole key (``KEY_LOOKUP``: one probe of the UNIQUE index)."""
        row = self.db.execute(
            "SELECT id, message_ids, part_hashes, updated_at, sent_as FROM deliveries "  # noqa: S608 - constant
            f"WHERE {KEY_LOOKUP} AND status = 'sent'",
            [chat_id, Kind.EDITION, *Target(edition).columns],
        ).fetchone()
        if row is None:
            return None
        return Sent(
            int(row[0]),
            tuple(json.loads(row[1])),
            tuple(json.loads(row[2])),
            dt.datetime.fromisoformat(row[3]),
            SentAs.loads(row[4]),
        )

    def correct_if_outdated(self, delivery_id: int, *, now: dt.datetime) -> bool:
        """A correction for the chat of edition row ``delivery_id`` when a part of it went
        out rendered from content older than the edition's now (it was edited while the
        delivery was in flight, or between its parts); True when one is armed."""
        cur = self.db.execute(
            "INSERT INTO deliveries (chat_id, kind, series_id, edition_date, issue, due_at, "
            "next_attempt_at, created_at, updated_at) SELECT d.chat_id, ?, d.series_id, "
            "d.edition_date, d.issue, ?, ?, ?, ? FROM deliveries d JOIN editions e "
            "ON e.series_id = d.series_id AND e.date = d.edition_date AND e.issue = d.issue "
            "WHERE d.id = ? AND d.kind = 'edition' AND d.rendered IS NOT NULL "
            "AND d.rendered != e.content_hash "
            "ON CONFLICT (chat_id, kind, series_id, edition_date, issue, week, broadcast_id) "
            "DO UPDATE SET status = 'pending', part = 0, attempts = 0, error = NULL, "
            "next_attempt_at = excluded.next_attempt_at, due_at = excluded.due_at, "
            "updated_at = excluded.updated_at",
            [Kind.CORRECTION, *[stamp(now)] * 4, delivery_id],
        )
        return cur.rowcount > 0

    def correction_done(
        self,
        delivery_id: int,
        edition: EditionKey,
        *,
        version: str,
        steps: int,
        now: dt.datetime,
        fence: Fence | None = None,
    ) -> bool:
        """A correction row has edited every part to ``version`` of the edition: it is sent,
        unless the edition changed again meanwhile (then it starts over: pending, part 0).
        True when it is done. ``fence``: the sender's lease, as for the outbox's writes back
        (``Fenced``, and nothing written, once another instance leads)."""
        row = self.db.execute(
            "SELECT content_hash FROM editions WHERE series_id = ? AND date = ? AND issue = ?",
            [edition.series, edition.date.isoformat(), edition.issue],
        ).fetchone()
        done = row is None or row[0] == version
        where, held = fenced(self.db, fence)
        cur = self.db.execute(
            "UPDATE deliveries SET part = ?, attempts = 0, error = NULL, status = ?, "  # noqa: S608 - constants
            f"{UNCLAIMED}, updated_at = ? WHERE id = ?{where}",
            [
                steps if done else 0,
                Status.SENT if done else Status.PENDING,
                stamp(now),
                delivery_id,
                *held,
            ],
        )
        if cur.rowcount == 0:
            check(self.db, fence)
        return done

    def part_edited(
        self, delivery_id: int, index: int, part_hash: str, *, fence: Fence | None = None
    ) -> None:
        """Part ``index`` of a sent edition now says what ``part_hash`` stands for
        (``fence``: as ``correction_done``)."""
        where, held = fenced(self.db, fence)
        with immediate(self.db):
            row = self.db.execute(
                "SELECT part_hashes FROM deliveries WHERE id = ?", [delivery_id]
            ).fetchone()
            if row is None:
                return
            hashes = json.loads(row[0])
            hashes[index : index + 1] = [part_hash]
            cur = self.db.execute(
                f"UPDATE deliveries SET part_hashes = ? WHERE id = ?{where}",  # noqa: S608 - constant
                [json.dumps(hashes), delivery_id, *held],
            )
            if cur.rowcount == 0:
                check(self.db, fence)

    def correction_step(
        self,
        delivery_id: int,
        step: int,
        *,
        last: bool,
        now: dt.datetime,
        fence: Fence | None = None,
    ) -> None:
        """A correction row has done ``step`` of its parts (and is done when ``last``;
        ``fence``: as ``correction_done``)."""
        where, held = fenced(self.db, fence)
        cur = self.db.execute(
            "UPDATE deliveries SET part = ?, attempts = 0, error = NULL, status = ?, "  # noqa: S608 - constants
            f"{UNCLAIMED}, updated_at = ? WHERE id = ?{where}",
            [step, Status.SENT if last else Status.PENDING, stamp(now), delivery_id, *held],
        )
        if cur.rowcount == 0:
            check(self.db, fence)
