"""The outbox: deliveries planned once (unique per chat, kind and target), sent part by part.

A row's key is typed: its ``Kind`` and its ``Target`` (an edition, a roundup's week or a
broadcast), in columns of their own (migration 0016). A row is ``pending`` until its last part is
sent (``sent``), or it ends ``skipped`` (nothing for this chat, chat gone), ``failed`` (with
the reason; transient failures come back on a later tick) or ``ambiguous`` (a read timeout:
Telegram may have delivered it, so it is not sent blindly again).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

from bot.digest.models import EditionKey

from .chats import ALL, chat_from_row
from .claims import CLAIMABLE, TAKE, UNCLAIMED, claim, holds, release
from .engines import Cursor
from .lease import Fence, check, fenced
from .outbox_rows import KEY_COLUMNS, Delivery, Kind, Planned, Status, Target
from .planning import OutboxPlanning
from .sent_as import SentAs
from .stamps import stamp
from .tx import immediate

__all__ = ["KEY_COLUMNS", "KEY_LOOKUP", "Delivery", "Kind", "OutboxStore", "Planned", "Status",
           "Target"]  # fmt: skip

# one row by its whole key (chat_id, kind, then ``Target.columns`` as parameters): every column
# of the UNIQUE index, so SQLite finds it with one probe of that index whatever the outbox holds.
# Part of the key is not enough: with chat, kind, series and date alone SQLite takes the
# (series_id, edition_date, status) index and reads every row of the edition with that status,
# which made each message of a push slower than the one before (issue 21).
KEY_LOOKUP = (
    "chat_id = ? AND kind = ? AND series_id = ? AND edition_date = ? AND issue = ? AND week = ? "
    "AND broadcast_id = ?"
)
# the chat's delivery of the same edition as alert row ``d``, still to send (by its whole key)
EDITION_PENDING = (
    "SELECT 1 FROM deliveries e WHERE e.chat_id = d.chat_id AND e.kind = 'edition' "
    "AND e.series_id = d.series_id AND e.edition_date = d.edition_date AND e.issue = d.issue "
    "AND e.week = '' AND e.broadcast_id = 0 AND e.status = 'pending'"
)


class OutboxStore(OutboxPlanning):
    """Planning and sending bookkeeping; a repository of the Store."""

    def plan(self, rows: Iterable[Planned], *, now: dt.datetime) -> int:
        """Outbox rows as given (alerts), queued ahead of every pending row; existing ones
        are left alone."""
        head = self.next_due_at()
        ahead = min(now, head - dt.timedelta(seconds=1)) if head is not None else now
        values = [
            (
                r.chat_id,
                r.kind,
                *r.target.columns,
                stamp(r.due_at),
                stamp(ahead),
                json.dumps(list(r.items)),
                stamp(now),
                stamp(now),
            )
            for r in rows
        ]
        with immediate(self.db):
            return self.db.executemany(
                f"INSERT INTO deliveries (chat_id, kind, {KEY_COLUMNS}, due_at, "  # noqa: S608 - constant
                "next_attempt_at, items, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                values,
            )

    def due(
        self,
        now: dt.datetime,
        *,
        limit: int,
        busy: Sequence[int] = (),
        alerts: bool = True,
        fence: Fence | None = None,
    ) -> list[Delivery]:
        """Pending rows whose time has come, in queue order (``next_attempt_at``, then id); with
        their chat. At most one row per chat, and none for the ``busy`` chats (those with a
        delivery in flight): a chat gets one delivery after the other, never two interleaved.

        The order is the (status, next_attempt_at) index's, so a call reads ``limit`` rows
        however long the queue is (sorting by anything else read every pending row, per call).
        Planning puts alerts at the head of the queue (``plan``); editions queue in the order
        they were planned. An alert comes after the edition it belongs to: it waits while
        the chat's delivery of that edition is pending (and, ``alerts=False``, while a tick
        is still planning the editions).

        ``fence``: the sender's lease (several instances): the rows are claimed for its
        generation, none of them a row it claimed already, and none at all once another
        instance leads (``claims``).
        """
        marks = ", ".join("?" for _ in busy)
        besides = f"AND d.chat_id NOT IN ({marks}) " if busy else ""
        claimable = f"AND {CLAIMABLE} " if fence is not None else ""
        sql = (
            "SELECT d.id, d.kind, d.part, d.attempts, d.message_ids, d.items, d.due_at, "  # noqa: S608 - placeholders
            "d.series_id, d.edition_date, d.issue, d.week, d.broadcast_id, "
            f"c.*, (SELECT {self.db.joined('scope', ' ')} FROM subscriptions s"
            " WHERE s.chat_id = c.id) AS scopes,"
            f" (SELECT {self.db.joined('series_id', ' ')} FROM chat_series x "
            "WHERE x.chat_id = c.id) AS chosen FROM deliveries d JOIN chats c ON c.id = d.chat_id "
            f"WHERE d.status = 'pending' AND d.next_attempt_at <= ? {besides}"
            f"AND NOT (d.kind = 'alert' AND (? = 1 OR EXISTS ({EDITION_PENDING}))) {claimable}"
            "ORDER BY d.next_attempt_at, d.id LIMIT ?"
        )
        params = [stamp(now), *busy, int(not alerts)]
        if fence is None:
            return _first_per_chat(self.db.execute(sql, [*params, limit]))
        with immediate(self.db):
            if not holds(self.db, fence):
                return []
            taken = self.db.execute(
                sql + self.db.locking(TAKE), [*params, fence.generation, limit]
            )
            out = _first_per_chat(taken)
            claim(self.db, [d.id for d in out], fence)
        return out

    def release_claims(self, fence: Fence, *, keep: Sequence[int]) -> int:
        """The rows the fence's generation claimed but those in ``keep`` (the sender's in
        flight) are due again: their deliveries ended without a write back (a database
        fault, a stop). How many there were."""
        return release(self.db, fence, keep=keep)

    def next_due_at(self) -> dt.datetime | None:
        row = self.db.execute(
            "SELECT min(next_attempt_at) FROM deliveries WHERE status = 'pending'"
        ).fetchone()
        return dt.datetime.fromisoformat(row[0]) if row and row[0] else None

    def part_sent(
        self,
        delivery_id: int,
        message_id: int,
        *,
        last: bool,
        now: dt.datetime,
        part_hash: str = "",
        version: str = "",
        sent_as: SentAs | None = None,
        fence: Fence | None = None,
    ) -> None:
        """One more part delivered (committed at once: a crash repeats at most this part).

        ``version``: the edition content the part was rendered from; the row keeps the one
        of its first part (``rendered``), so a delivery that went out partly before an edit
        is known to need a correction; ``sent_as`` likewise: the settings it was rendered
        with, which its correction renders with. ``fence``: the sender's lease (``Fenced``,
        and nothing written, once another instance leads)."""
        where, held = fenced(self.db, fence)
        cur = self.db.execute(
            f"UPDATE deliveries SET part = part + 1, attempts = 0, error = NULL, {UNCLAIMED}, "  # noqa: S608 - constants
            f"message_ids = {self.db.appended('message_ids', 'BIGINT')}, "
            f"part_hashes = {self.db.appended('part_hashes', 'TEXT')}, status = ?, "
            "updated_at = ?, rendered = coalesce(rendered, nullif(?, '')), "
            f"sent_as = coalesce(sent_as, ?) WHERE id = ?{where}",
            [
                message_id,
                part_hash,
                Status.SENT if last else Status.PENDING,
                stamp(now),
                version,
                sent_as.dumps() if sent_as is not None else None,
                delivery_id,
                *held,
            ],
        )
        if cur.rowcount == 0:
            check(self.db, fence)

    def delivery_done(
        self,
        delivery_id: int,
        status: Status,
        *,
        now: dt.datetime,
        error: str = "",
        fence: Fence | None = None,
    ) -> None:
        """Finish a row without (more) sending: skipped, failed or ambiguous, with the reason
        (``fence``: as ``part_sent``)."""
        where, held = fenced(self.db, fence)
        cur = self.db.execute(
            f"UPDATE deliveries SET status = ?, error = ?, updated_at = ?, {UNCLAIMED} "  # noqa: S608 - constant
            f"WHERE id = ?{where}",
            [status, error or None, stamp(now), delivery_id, *held],
        )
        if cur.rowcount == 0:
            check(self.db, fence)

    def retry_later(
        self,
        delivery_id: int,
        *,
        at: dt.datetime,
        error: str,
        now: dt.datetime,
        count: bool = True,
        fence: Fence | None = None,
    ) -> int:
        """Back to pending at ``at``; returns the attempts so far (``fence``: as
        ``part_sent``)."""
        where, held = fenced(self.db, fence)
        cur = self.db.execute(
            "UPDATE deliveries SET attempts = attempts + ?, next_attempt_at = ?, error = ?, "  # noqa: S608 - constant
            f"updated_at = ?, {UNCLAIMED} WHERE id = ?{where}",
            [int(count), stamp(at), error, stamp(now), delivery_id, *held],
        )
        if cur.rowcount == 0:
            check(self.db, fence)
        row = self.db.execute("SELECT attempts FROM deliveries WHERE id = ?", [delivery_id])
        return int(row.fetchone()[0])

    def retry_transient_now(self, *, now: dt.datetime) -> int:
        """Rows waiting out a transient error are due now (the Bot API answers again)."""
        cur = self.db.execute(
            "UPDATE deliveries SET next_attempt_at = ?, updated_at = ? WHERE status = 'pending' "
            "AND error LIKE 'transient:%' AND next_attempt_at > ?",
            [stamp(now), stamp(now), stamp(now)],
        )
        return cur.rowcount

    def move_delivery(self, delivery_id: int, chat_id: int) -> None:
        """The chat migrated: the row follows it (or goes, when the new chat already has one)."""
        self.db.execute(
            "UPDATE deliveries SET chat_id = ? WHERE id = ? AND NOT EXISTS (SELECT 1 FROM"
            " deliveries n, deliveries o WHERE o.id = ? AND n.chat_id = ? AND n.kind = o.kind"
            " AND n.series_id = o.series_id AND n.edition_date = o.edition_date"
            " AND n.issue = o.issue AND n.week = o.week AND n.broadcast_id = o.broadcast_id)",
            [chat_id, delivery_id, delivery_id, chat_id],
        )

    def requeue_failed(self, *, now: dt.datetime, max_rounds: int) -> int:
        """Transient failures get another round of attempts on a later tick (bounded)."""
        cur = self.db.execute(
            "UPDATE deliveries SET status = 'pending', attempts = 0, rounds = rounds + 1, "
            "updated_at = ? WHERE status = 'failed' AND error LIKE 'transient:%' "
            "AND rounds < ? AND next_attempt_at <= ?",
            [stamp(now), max_rounds, stamp(now)],
        )
        return cur.rowcount

    def sent_items(self, chat_id: int, edition: EditionKey) -> set[int]:
        """Item ids this chat already got from this edition (by alert message).

        Asked once per message sent, so it names the row by its whole key (``KEY_LOOKUP``).
        """
        rows = self.db.execute(
            f"SELECT items FROM deliveries WHERE {KEY_LOOKUP} AND status = 'sent'",  # noqa: S608 - constant
            [chat_id, Kind.ALERT, *Target(edition).columns],
        ).fetchall()
        return {i for r in rows for i in json.loads(r[0])}

    def deliveries_summary(self, edition: EditionKey | None = None) -> dict[str, Any]:
        """Counts by kind and status (of one edition's rows: its own, alerts, corrections,
        approval previews), and the failure reasons."""
        where, args = ("", [])
        if edition is not None:
            where = "WHERE series_id = ? AND edition_date = ? AND issue = ?"
            args = [edition.series, edition.date.isoformat(), edition.issue]
        rows = self.db.execute(
            f"SELECT kind, status, count(*) FROM deliveries {where} GROUP BY kind, status",  # noqa: S608
            args,
        ).fetchall()
        reasons = self.db.execute(
            f"SELECT coalesce(error, ''), count(*) FROM deliveries {where} "  # noqa: S608
            f"{'AND' if where else 'WHERE'} status IN ('failed', 'skipped', 'ambiguous') "
            "GROUP BY 1 ORDER BY 2 DESC",
            args,
        ).fetchall()
        statuses: dict[str, dict[str, int]] = {}
        for kind, status, count in rows:
            statuses.setdefault(kind, {})[status] = count
        return {"deliveries": statuses, "reasons": {r[0]: r[1] for r in reasons}}

    def paid_used(self, day: str) -> int:
        row = self.db.execute("SELECT count FROM paid_usage WHERE day = ?", [day]).fetchone()
        return int(row[0]) if row else 0

    def add_paid(self, day: str, count: int = 1) -> None:
        self.db.execute(
            "INSERT INTO paid_usage (day, count) VALUES (?, ?) "
            "ON CONFLICT(day) DO UPDATE SET count = paid_usage.count + excluded.count",
            [day, count],
        )

    def reserve_paid(self, day: str, *, cap: int, want: int) -> int:
        """Up to ``want`` more of ``day``'s paid-lane messages, as many as ``cap`` leaves:
        counted as used at once (the sender gives back what it did not send)."""
        with immediate(self.db):
            granted = max(0, min(want, cap - self.paid_used(day)))
            if granted:
                self.add_paid(day, granted)
            return granted

    def give_back_paid(self, day: str, count: int) -> None:
        """``count`` reserved paid-lane messages of ``day`` that were not sent."""
        self.db.execute(
            "UPDATE paid_usage SET count = CASE WHEN count > ? THEN count - ? ELSE 0 END "
            "WHERE day = ?",
            [count, count, day],
        )


def _first_per_chat(rows: Cursor) -> list[Delivery]:
    """The deliveries of ``due``'s rows, a chat's earliest one alone."""
    names = [c[0] for c in rows.description]
    out = []
    taken: set[int] = set()
    for values in rows.fetchall():
        row: dict[str, Any] = dict(zip(names, values, strict=True))
        delivery = Delivery(
            id=values[0],
            chat=chat_from_row({k: row[k] for k in _CHAT_COLUMNS}),
            target=Target.from_columns(*values[7:12]),
            kind=Kind(values[1]),
            part=values[2],
            attempts=values[3],
            message_ids=tuple(json.loads(values[4])),
            items=tuple(json.loads(values[5])),
            scopes=frozenset((row["scopes"] or ALL).split()),
            due_at=dt.datetime.fromisoformat(values[6]),
            series=frozenset(int(n) for n in (row["chosen"] or "").split()),
        )
        if delivery.chat.id not in taken:  # a chat's earliest row goes first, alone
            taken.add(delivery.chat.id)
            out.append(delivery)
    return out


_CHAT_COLUMNS = (
    "id",
    "type",
    "title",
    "language",
    "timezone",
    "push_time",
    "thread_id",
    "format",
    "previews",
    "active",
    "inactive_reason",
    "quiet",
    "silent",
)
