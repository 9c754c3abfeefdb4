"""A group planned once is read again only for the chats changed since: a chat that joins it,
comes back or chooses every series after the push was planned still gets the edition at the
next tick, once, on both engines."""

from __future__ import annotations

import datetime as dt

from bot.config import Config, PushConfig
from bot.delivery.plan import plan_due
from bot.store.database import Store
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
