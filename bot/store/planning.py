"""Planning the outbox: the groups of subscribed chats (by time zone and push time, or by
roundup day) and the rows planned for them in one statement each (part of ``OutboxStore``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
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
# the same rows for the chats changed since a time (a parameter after the row's values): found
# through ``chats_updated_at``, each one's first subscription by its key; the caller appends
# the rest of the WHERE clause as for PLAN_SUBSCRIBERS, its ``s.since`` being ``SINCE``
PLAN_CHANGED = (
    f"INSERT INTO deliveries (chat_id, kind, {KEY_COLUMNS}, due_at, "  # noqa: S608
    "next_attempt_at, created_at, updated_at) "
    "SELECT c.id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM chats c "
    "WHERE c.updated_at >= ? AND c.active = 1 AND "
)
SINCE = "(SELECT min(created_at) FROM subscriptions s WHERE s.chat_id = c.id)"
# a change that can give a chat an edition its group was planned already (active again,
# another push time or time zone, cadence or series) sets ``chats.updated_at``; it is read
# this much before the group's last planning (a writer's clock a little behind the planner's)
SLACK = dt.timedelta(minutes=5)

# what each tick reads by, so that its cost follows what is due, not the outbox's history
# (migration 0032): failures still to retry (the rest of the outbox's failures, those that used
# up their rounds or were not transient, are never read again); editions by date (the tick
# reads the last days' editions of a ten-year archive); chats by their last change, and when
# each (edition, push group) was last planned: a tick plans a group's every chat once, then
# only the chats changed since (an existing database plans each group in full at its first
# tick, as it always did, and keeps the time). One story, one alert keeps reading a chat's
# alert rows by the UNIQUE key's (chat_id, kind): an index by (chat_id, kind, created_at) made
# every push row cost a third more CPU (bench_planning) to save ~20 ms per 1000 alerted chats.
PLANNING_INDEXES = (
    "CREATE INDEX deliveries_retryable ON deliveries (status, rounds, next_attempt_at) "
    "WHERE status = 'failed' AND error LIKE 'transient:%'",
    "CREATE INDEX editions_date ON editions (date)",
    "CREATE INDEX chats_updated_at ON chats (updated_at)",
    "CREATE TABLE planned_groups (series_id BIGINT NOT NULL, edition_date TEXT NOT NULL, "
    "issue BIGINT NOT NULL, timezone TEXT NOT NULL, push_time TEXT NOT NULL, "
    "planned_at TEXT NOT NULL, "
    "PRIMARY KEY (series_id, edition_date, issue, timezone, push_time))",
)


def planning_indexes(db: Sql) -> None:
    """Migration 0032_planning_indexes (both engines): ``PLANNING_INDEXES``, built from the
    rows already there."""
    for sql in PLANNING_INDEXES:
        db.execute(sql)


# the chats' groups: (cadence, timezone or "", push time or "", week day) of subscribed active
# chats; the second form only of those changed since a time (``chats_updated_at``)
CHAT_GROUPS = (
    "SELECT DISTINCT cadence, coalesce(timezone, ''), coalesce(push_time, ''), week_day "
    "FROM chats c WHERE active = 1 AND EXISTS (SELECT 1 FROM subscriptions s "
    "WHERE s.chat_id = c.id)"
)
CHANGED_SINCE = " AND c.updated_at >= ?"
GROUPS_READ_AGAIN = dt.timedelta(hours=1)  # groups whose chats all left are dropped then
Group = tuple[str, str, str, int]


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

    def __init__(self, db: Sql, now: Callable[[], dt.datetime]) -> None:
        super().__init__(db, now)
        self._groups: set[Group] = set()
        self._groups_read: dt.datetime | None = None  # when changed chats were last read
        self._groups_whole: dt.datetime | None = None  # when every chat was last read

    def push_groups(self) -> list[PushGroup]:
        """The distinct (timezone, push_time) of subscribed active chats ("" = the default)."""
        groups = self._chat_groups()
        found = {PushGroup(timezone=g[1], push_time=g[2]) for g in groups if g[0] == "daily"}
        return sorted(found, key=lambda g: (g.timezone, g.push_time))

    def weekly_groups(self) -> list[WeeklyGroup]:
        """The distinct (timezone, push_time, week_day) of subscribed active weekly chats."""
        return [
            WeeklyGroup(timezone=g[1], push_time=g[2], week_day=g[3])
            for g in sorted(self._chat_groups())
            if g[0] == "weekly"
        ]

    def _chat_groups(self) -> set[Group]:
        """Every (cadence, timezone, push time, week day) of subscribed active chats, kept
        between ticks: each tick adds the groups of the chats changed since the last (a
        subscription, a setting, coming back each set ``chats.updated_at``; ``SLACK``
        before), so an idle tick costs what changed, not every chat. A group whose last chat
        left stays until the whole read every ``GROUPS_READ_AGAIN`` (it plans nothing)."""
        now = self.now()
        read, whole = self._groups_read, self._groups_whole
        if read is None or whole is None or read > now or now - whole >= GROUPS_READ_AGAIN:
            rows = self.db.execute(CHAT_GROUPS).fetchall()
            self._groups = set()
            self._groups_whole = now
        else:
            rows = self.db.execute(CHAT_GROUPS + CHANGED_SINCE, [stamp(read - SLACK)]).fetchall()
        self._groups.update((str(r[0]), str(r[1]), str(r[2]), int(r[3])) for r in rows)
        self._groups_read = now
        return self._groups

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
        Existing rows are left alone. The first planning of the group reads its every chat;
        the next ones (each tick until the edition is too old) only the chats changed since
        (``SLACK`` before), so a tick with nothing new due costs what changed, not the group.
        """
        key = [edition.series, edition.date.isoformat(), edition.issue, timezone, push_time]
        row = self.db.execute(
            "SELECT planned_at FROM planned_groups WHERE series_id = ? AND edition_date = ? "
            "AND issue = ? AND timezone = ? AND push_time = ?",
            key,
        ).fetchone()
        last = dt.datetime.fromisoformat(row[0]) if row else None
        values = [Kind.EDITION, *Target(edition).columns, stamp(due_at), *[stamp(now)] * 3]
        where = (
            "c.cadence = 'daily' AND coalesce(c.timezone, '') = ? "
            "AND coalesce(c.push_time, '') = ? AND "
        )
        group = [timezone, push_time, stamp(available_at), edition.series]
        if last is None or last > now:  # never planned, or the clock went back: every chat
            sql = PLAN_SUBSCRIBERS + where + "s.since <= ?"
        else:
            sql = PLAN_CHANGED + where + SINCE + " <= ?"
            values.append(stamp(last - SLACK))
        cur = self.db.execute(sql + GETS_SERIES + SKIP, [*values, *group])
        self.db.execute(
            "INSERT INTO planned_groups (series_id, edition_date, issue, timezone, push_time, "
            "planned_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (series_id, edition_date, "
            "issue, timezone, push_time) DO UPDATE SET planned_at = excluded.planned_at",
            [*key, stamp(now)],
        )
        return cur.rowcount

    def forget_planned_groups(self, before: dt.date) -> None:
        """The planning times of editions dated before ``before`` (no longer planned)."""
        self.db.execute("DELETE FROM planned_groups WHERE edition_date < ?", [before.isoformat()])

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
