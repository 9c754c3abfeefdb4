"""A group planned once is read again only for the chats changed since: a chat that joins it,
comes back or chooses every series after the push was planned still gets the edition at the
next tick, once, on both engines."""

from __future__ import annotations

import datetime as dt

from bot.config import Config, PushConfig
from bot.delivery.plan import plan_due
from bot.store.database import Store
from bot.store.engines import Engine
from bot.store.planning import CHANGED_SINCE, CHAT_GROUPS
from bot.store.stamps import stamp

DAY = dt.date(2024, 3, 11)
PUSH = dt.datetime(2024, 3, 11, 8, 0, tzinfo=dt.UTC)
CONFIG = Config(push=PushConfig(time=dt.time(8, 0), timezone="UTC"))
EARLY, MOVES, COMES_BACK, ALL_SERIES = 1, 2, 3, 4


class Clock:
    def __init__(self) -> None:
        self.now = PUSH - dt.timedelta(days=3)

    def __call__(self) -> dt.datetime:
        return self.now


def edition_rows(store: Store) -> dict[int, int]:
    rows = store.db.execute(
        "SELECT chat_id, count(*) FROM deliveries WHERE kind = 'edition' AND edition_date = ? "
        "GROUP BY chat_id",
        [DAY.isoformat()],
    ).fetchall()
    return {int(chat): int(count) for chat, count in rows}


def test_chats_changed_after_planning_get_the_edition_at_the_next_tick(database: str) -> None:
    """Moving into the due group, coming back, choosing every series: planned next tick, once."""
    clock = Clock()
    store = Store(database, now=clock)
    try:
        for chat in (EARLY, MOVES, COMES_BACK, ALL_SERIES):
            store.chats.ensure_chat(chat, type="private", title=f"reader {chat}")
            store.chats.subscribe(chat)
        store.chats.update_chat(MOVES, push_time=dt.time(9, 0))
        store.chats.set_active(COMES_BACK, False, reason="blocked by the user")
        store.series.set_chat_series(ALL_SERIES, [5])
        store.db.execute(
            "INSERT INTO editions (series_id, date, series, title, source, content_hash, "
            "ingested_at, updated_at) VALUES (0, ?, 's', '', 'a.md', 'h', ?, ?)",
            [DAY.isoformat(), stamp(clock.now), stamp(clock.now)],
        )
        clock.now = PUSH + dt.timedelta(minutes=1)
        assert plan_due(store, CONFIG, clock.now) == 1
        assert edition_rows(store) == {EARLY: 1}
        clock.now += dt.timedelta(seconds=30)
        store.chats.update_chat(MOVES, push_time=None)  # the default: 08:00, due already
        store.chats.set_active(COMES_BACK, True)
        store.series.set_chat_series(ALL_SERIES, [])
        clock.now += dt.timedelta(seconds=30)
        assert plan_due(store, CONFIG, clock.now) == 3
        clock.now += dt.timedelta(seconds=30)
        assert plan_due(store, CONFIG, clock.now) == 0
        assert edition_rows(store) == {EARLY: 1, MOVES: 1, COMES_BACK: 1, ALL_SERIES: 1}
    finally:
        store.close()


def test_a_chat_subscribing_into_a_group_of_its_own_is_planned_at_its_time(
    database: str,
) -> None:
    """A push time no subscribed chat had when the groups were read: its chat, subscribing
    after that, still gets the edition when its time comes."""
    clock = Clock()
    store = Store(database, now=clock)
    try:
        for chat in (EARLY, MOVES):
            store.chats.ensure_chat(chat, type="private", title=f"reader {chat}")
        store.chats.subscribe(EARLY)
        store.chats.update_chat(MOVES, push_time=dt.time(8, 30))  # not subscribed yet
        store.db.execute(
            "INSERT INTO editions (series_id, date, series, title, source, content_hash, "
            "ingested_at, updated_at) VALUES (0, ?, 's', '', 'a.md', 'h', ?, ?)",
            [DAY.isoformat(), stamp(clock.now), stamp(clock.now)],
        )
        clock.now = PUSH + dt.timedelta(minutes=1)
        assert plan_due(store, CONFIG, clock.now) == 1
        clock.now += dt.timedelta(minutes=1)
        store.chats.subscribe(MOVES)  # before 08:30, so it gets that day's edition
        clock.now = PUSH + dt.timedelta(minutes=31)
        assert plan_due(store, CONFIG, clock.now) == 1
        assert edition_rows(store) == {EARLY: 1, MOVES: 1}
    finally:
        store.close()


def test_groups_come_with_changed_chats_and_go_at_the_whole_read(database: str) -> None:
    """A weekly chat's new group is there at the next read; a group whose last chat left is
    dropped at the hourly whole read."""
    clock = Clock()
    store = Store(database, now=clock)
    try:
        store.chats.ensure_chat(EARLY, type="private", title="reader")
        store.chats.subscribe(EARLY)
        assert [g.push_time for g in store.outbox.push_groups()] == [""]
        assert store.outbox.weekly_groups() == []
        store.chats.ensure_chat(MOVES, type="private", title="weekly reader")
        store.chats.update_chat(MOVES, cadence="weekly", week_day=3, push_time=dt.time(7, 0))
        store.chats.subscribe(MOVES)
        clock.now += dt.timedelta(seconds=30)
        weekly = store.outbox.weekly_groups()
        assert [(g.week_day, g.push_time) for g in weekly] == [(3, "07:00")]
        store.chats.unsubscribe(EARLY)
        clock.now += dt.timedelta(hours=1)
        assert store.outbox.push_groups() == []
        assert len(store.outbox.weekly_groups()) == 1
    finally:
        store.close()


def test_the_changed_chats_groups_are_read_by_index(database: str) -> None:
    """The tick's read of changed chats' groups reaches them through ``chats_updated_at``."""
    store = Store(database)
    try:
        postgres = store.db.engine is Engine.POSTGRES
        if postgres:
            store.db.execute("SET enable_seqscan = off")
        prefix = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
        rows = store.db.execute(prefix + CHAT_GROUPS + CHANGED_SINCE, [stamp(PUSH)]).fetchall()
        plan = "\n".join(str(r[0] if postgres else r[3]) for r in rows)
        assert "chats_updated_at" in plan, plan
    finally:
        store.close()
