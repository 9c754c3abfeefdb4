"""What the publisher's page reads (``page_figures``), on both engines: subscribers by the
day they subscribed, failed outbox rows, what waits in the outbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from bot.digest.models import EditionKey
from bot.store.database import Store
from bot.store.outbox_rows import Kind, Planned, Status, Target
from bot.store.page_figures import DayCount

T0 = dt.datetime(2024, 1, 8, 8, 0, tzinfo=dt.UTC)
EDITION = Target(EditionKey(0, dt.date(2024, 1, 8)))


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(database: str, clock: Clock) -> Iterator[Store]:
    store = Store(database, now=clock)
    yield store
    store.close()


def subscribed(store: Store, chat_id: int, title: str = "") -> None:
    store.chats.ensure_chat(chat_id, type="group" if title else "private", title=title)
    store.chats.subscribe(chat_id)


def test_subscribers_are_counted_by_the_day_they_first_subscribed(
    store: Store, clock: Clock
) -> None:
    """Two chats on the first day (one with two scopes), one the next day; a chat that left
    is not counted."""
    subscribed(store, 1)
    subscribed(store, 2)
    clock.now = T0 + dt.timedelta(days=1)
    store.chats.subscribe(2, "storage")
    subscribed(store, 3)
    subscribed(store, 4)
    store.chats.set_active(4, False, reason="blocked")
    assert store.page_figures.subscribers_by_day() == [
        DayCount(dt.date(2024, 1, 8), 2, 2),
        DayCount(dt.date(2024, 1, 9), 1, 3),
    ]


def test_failed_rows_and_the_waiting_outbox(store: Store, clock: Clock) -> None:
    """A failed row shows its chat, edition and reason; pending ones wait, due now or at their
    next attempt."""
    subscribed(store, -100, "碳圈")
    subscribed(store, 2)
    subscribed(store, 3)
    later = T0 + dt.timedelta(hours=2)
    rows = [
        Planned(-100, EDITION, Kind.EDITION, T0),
        Planned(2, EDITION, Kind.EDITION, T0),
        Planned(3, EDITION, Kind.ALERT, later),
    ]
    assert store.outbox.plan(rows, now=T0) == 3
    ids = {int(r[1]): int(r[0]) for r in store.db.execute("SELECT id, chat_id FROM deliveries")}
    clock.now = T0 + dt.timedelta(minutes=5)
    store.outbox.retry_later(ids[2], at=later, error="timed out", now=clock.now)
    store.outbox.delivery_done(ids[-100], Status.FAILED, now=clock.now, error="<b>blocked</b>")
    [failed] = store.page_figures.failed_rows()
    assert (failed.chat_id, failed.chat_title, failed.kind) == (-100, "碳圈", "edition")
    assert (failed.target, failed.error) == ("2024-01-08", "<b>blocked</b>")
    assert failed.updated_at == clock.now
    waiting = store.page_figures.waiting()
    assert waiting.by_kind == {"alert": 1, "edition": 1}
    assert waiting.due == 1  # the alert; the edition's next attempt is later
    assert waiting.next_at == T0
