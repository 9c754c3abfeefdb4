"""Planning the outbox: the groups of subscribed chats (by time zone and push time, or by
roundup day) and the rows planned for them in one statement each (part of ``OutboxStore``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from bot.digest.models import EditionKey

from .chats import chat_from_row
from .engines import Sql
from .outbox_rows import KEY_COLUMNS, Kind, Target
from .readers import Chat
from .repository import Repository
from .stamps import stamp

# outbox rows (kind, series_id, edition_date, issue, week, broadcast_id, due_at, next_attempt_at,
# created_at, updated_at as parameters) for active subscribed chats ``c``, ``s.since`` the
# time each first subscribed; the caller appends the rest of the WHERE clause, then SKIP
PLAN_SUBSCRIBERS = (
    f"INSERT INTO deliveries (chat_id, kind, {KEY_COLUMNS}, due_at, "  # noqa: S608
    "next_attempt_at, created_at, updated_at) "
    "SELECT c.id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM chats c "
    "JOIN (SELECT chat_id, min(created_at) AS since FROM subscriptions GROUP BY chat_id) s"
    " ON s.chat_id = c.id WHERE c.active = 1 AND "
)
# ... and that get the series of the edition (a parameter): every series, or it among theirs
GETS_SERIES = (
    " AND (NOT EXISTS (SELECT 1 FROM chat_series x WHERE x.chat_id = c.id) OR EXISTS "
    "(SELECT 1 FROM chat_series x WHERE x.chat_id = c.id AND x.series_id = ?))"
)
SKIP = " ON CONFLICT DO NOTHING"  # a row planned already stays as it is

# what each tick reads by, so that its cost follows what is due, not the outbox's history
# (migration 0032): failures still to retry (the rest of the outbox's failures, those that used
# up their rounds or were not transient, are never read again); a chat's alert rows by when
# they were planned (one story, one alert reads the last few days', not every one it ever
# got); editions by date (the tick reads the last days' editions of a ten-year archive)
PLANNING_INDEXES = (
    "CREATE INDEX deliveries_retryable ON deliveries (status, rounds, next_attempt_at) "
    "WHERE status = 'failed' AND error LIKE 'transient:%'",
    "CREATE INDEX deliveries_chat_kind_created ON deliveries (chat_id, kind, created_at)",
    "CREATE INDEX editions_date ON editions (date)",
)


def planning_indexes(db: Sql) -> None:
    """Migration 0032_planning_indexes (both engines): ``PLANNING_INDEXES``, built from the
    rows already there."""
    for sql in PLANNING_INDEXES:
        db.execute(sql)


@dataclass(frozen=True, slots=True)
class PushGroup:
    """A timezone and push time some daily chats share ("" = the default)."""

    timezone: str
    push_time: str


@dataclass(frozen=True, slots=True)
class WeeklyGroup:
    """A timezone, push time and week day some weekly chats share ("" = the default)."""

    timezone: str
    push_time: str
    week_day: int


@dataclass(frozen=True, slots=True)
class Subscriber:
    """An active subscribed chat, its scopes and the series it chose (none: every one)."""

    chat: Chat
    scopes: frozenset[str]
    series: frozenset[int]


class OutboxPlanning(Repository):
    """The outbox's planning (``OutboxStore`` is made of it and the sending bookkeeping)."""

    def push_groups(self) -> list[PushGroup]:
        """The distinct (timezone, push_time) of subscribed active chats ("" = the default)."""
        rows = self.db.execute(
            "SELECT DISTINCT coalesce(timezone, ''), coalesce(push_time, '') FROM chats "
            "WHERE active = 1 AND cadence = 'daily' AND id IN (SELECT chat_id FROM subscriptions)"
        ).fetchall()
        return [PushGroup(timezone=r[0], push_time=r[1]) for r in rows]

    def weekly_groups(self) -> list[WeeklyGroup]:
        """The distinct (timezone, push_time, week_day) of subscribed active weekly chats."""
        rows = self.db.execute(
            "SELECT DISTINCT coalesce(timezone, ''), coalesce(push_time, ''), week_day "
            "FROM chats WHERE active = 1 AND cadence = 'weekly' "
            "AND id IN (SELECT chat_id FROM subscriptions)"
        ).fetchall()
        return [WeeklyGroup(timezone=r[0], push_time=r[1], week_day=int(r[2])) for r in rows]

    def plan_weekly_group(
        self,
        start: dt.date,
        *,
        timezone: str,
        push_time: str,
        week_day: int,
        due_at: dt.datetime,
        now: dt.datetime,
    ) -> int:
        """Roundup rows (of the week from ``start``) for the weekly chats of one group that
        subscribed before it was due. Existing rows are left alone."""
        cur = self.db.execute(
            PLAN_SUBSCRIBERS + "c.cadence = 'weekly' AND coalesce(c.timezone, '') = ? "
            "AND coalesce(c.push_time, '') = ? AND c.week_day = ? AND s.since <= ? "
            "AND coalesce(c.cadence_since, '') <= ?" + SKIP,
            [
                Kind.ROUNDUP,
                *Target.of_week(start).columns,
                stamp(due_at),
                stamp(now),
                stamp(now),
                stamp(now),
                timezone,
                push_time,
                week_day,
                stamp(due_at),
                stamp(due_at),
            ],
        )
        return cur.rowcount

    def plan_group(
        self,
        edition: EditionKey,
        *,
        timezone: str,
        push_time: str,
        due_at: dt.datetime,
        available_at: dt.datetime,
        now: dt.datetime,
    ) -> int:
        """Outbox rows for the subscribed chats of one (timezone, push time) group.

        A chat that subscribed after the edition became available (its due time or its ingest,
        whichever is later) does not get it pushed, nor does a chat that chose other series.
        Existing rows are left alone.
        """
        cur = self.db.execute(
            PLAN_SUBSCRIBERS + "c.cadence = 'daily' AND coalesce(c.timezone, '') = ? "
            "AND coalesce(c.push_time, '') = ? AND s.since <= ?" + GETS_SERIES + SKIP,
            [
                Kind.EDITION,
                *Target(edition).columns,
                stamp(due_at),
                stamp(now),
                stamp(now),
                stamp(now),
                timezone,
                push_time,
                stamp(available_at),
                edition.series,
            ],
        )
        return cur.rowcount

    def subscribed_chats(self) -> Iterator[Subscriber]:
        """Every active subscribed chat with its scopes and chosen series (streamed)."""
        rows = self.db.execute(
            f"SELECT c.*, {self.db.joined('s.scope', ' ')} AS scopes,"  # noqa: S608 - constants
            f" (SELECT {self.db.joined('series_id', ' ')} FROM chat_series x"
            " WHERE x.chat_id = c.id) AS chosen FROM chats c "
            "JOIN subscriptions s ON s.chat_id = c.id WHERE c.active = 1 GROUP BY c.id"
        )
        names = [c[0] for c in rows.description]
        for values in rows:
            row = dict(zip(names, values, strict=True))
            chosen = frozenset(int(n) for n in (row["chosen"] or "").split())
            yield Subscriber(
                chat=chat_from_row(row),
                scopes=frozenset(str(row["scopes"]).split()),
                series=chosen,
            )

    def plan_everyone(self, edition: EditionKey, *, now: dt.datetime) -> int:
        """Outbox rows for every active subscribed chat that gets the edition's series, now
        (operator's push)."""
        cur = self.db.execute(
            f"INSERT INTO deliveries (chat_id, kind, {KEY_COLUMNS}, due_at, "  # noqa: S608 - constant
            "next_attempt_at, created_at, updated_at) SELECT c.id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? "
            "FROM chats c WHERE c.active = 1 AND c.cadence = 'daily' "
            "AND c.id IN (SELECT chat_id FROM subscriptions)" + GETS_SERIES + SKIP,
            [Kind.EDITION, *Target(edition).columns, *[stamp(now)] * 4, edition.series],
        )
        return cur.rowcount
