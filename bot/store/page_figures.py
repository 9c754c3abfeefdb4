"""What the publisher's page shows that no other part of the store reads: subscribers by the
day they subscribed, the outbox's failed rows and what waits in it (part of the store).

Editions and their delivery progress come from ``editions.list_editions`` and
``outbox.deliveries_summary``; source failures from ``files`` and ``sources``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .outbox_rows import Status
from .repository import Repository
from .stamps import stamp

FAILED = (Status.FAILED, Status.AMBIGUOUS)


@dataclass(frozen=True, slots=True)
class DayCount:
    """On ``day``, ``added`` chats subscribed, and ``total`` were subscribed by its end."""

    day: dt.date
    added: int
    total: int


@dataclass(frozen=True, slots=True)
class FailedRow:
    """An outbox row that failed (or may not have arrived: a read timeout)."""

    chat_id: int
    chat_title: str
    kind: str
    status: str
    target: str  # the edition's date (and series, issue), the roundup's week or the broadcast
    error: str
    attempts: int
    updated_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Waiting:
    """The outbox now: rows to send, by kind, and how many of them are due already."""

    by_kind: dict[str, int]
    due: int
    next_at: dt.datetime | None


class PageFigureStore(Repository):
    """A repository of the Store (reads only)."""

    def subscribers_by_day(self) -> list[DayCount]:
        """The active chats subscribed now, counted by the day of their first subscription
        (a chat that left is not counted: its subscription rows are gone)."""
        rows = self.db.execute(
            "SELECT substr(first, 1, 10), count(*) FROM ("
            " SELECT min(coalesce(s.created_at, c.created_at, '')) AS first"
            " FROM subscriptions s JOIN chats c ON c.id = s.chat_id WHERE c.active = 1"
            " GROUP BY s.chat_id) AS firsts GROUP BY 1 ORDER BY 1"
        ).fetchall()
        out: list[DayCount] = []
        total = 0
        for day, added in rows:
            total += int(added)
            try:
                when = dt.date.fromisoformat(str(day))
            except ValueError:  # rows from before subscriptions were dated
                when = dt.date.min
            if out and out[-1].day == when:
                out[-1] = DayCount(when, out[-1].added + int(added), total)
            else:
                out.append(DayCount(when, int(added), total))
        return out

    def failed_rows(self, *, limit: int = 50) -> list[FailedRow]:
        """The newest failed (or ambiguous) outbox rows, newest first."""
        rows = self.db.execute(
            "SELECT d.chat_id, coalesce(c.title, ''), d.kind, d.status, d.edition_date,"
            " d.series_id, d.issue, d.week, d.broadcast_id, coalesce(d.error, ''), d.attempts,"
            " d.updated_at FROM deliveries d LEFT JOIN chats c ON c.id = d.chat_id"
            " WHERE d.status IN (?, ?) ORDER BY d.updated_at DESC, d.id DESC LIMIT ?",
            [*FAILED, limit],
        ).fetchall()
        return [
            FailedRow(
                chat_id=int(r[0]),
                chat_title=str(r[1]),
                kind=str(r[2]),
                status=str(r[3]),
                target=_target(str(r[4]), int(r[5]), int(r[6]), str(r[7]), int(r[8])),
                error=str(r[9]),
                attempts=int(r[10]),
                updated_at=dt.datetime.fromisoformat(str(r[11])),
            )
            for r in rows
        ]

    def waiting(self) -> Waiting:
        """What the outbox holds to send."""
        rows = self.db.execute(
            "SELECT kind, count(*) FROM deliveries WHERE status = ? GROUP BY kind ORDER BY kind",
            [Status.PENDING],
        ).fetchall()
        due, first = self.db.execute(
            "SELECT sum(CASE WHEN next_attempt_at <= ? THEN 1 ELSE 0 END), min(next_attempt_at)"
            " FROM deliveries WHERE status = ?",
            [stamp(self.now()), Status.PENDING],
        ).fetchone()
        return Waiting(
            by_kind={str(k): int(n) for k, n in rows},
            due=int(due or 0),
            next_at=dt.datetime.fromisoformat(str(first)) if first else None,
        )


def _target(day: str, series: int, issue: int, week: str, broadcast: int) -> str:
    if broadcast:
        return f"broadcast #{broadcast}"
    if week:
        return f"week of {week}"
    ref = f"{day} (series {series})" if series else day
    return f"{ref} #{issue}" if issue else ref
