"""Updates a follower hands to the leader (``forwarded_updates``), on both engines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from bot.store.database import Store
from bot.store.forwarded import Forwarded

T0 = dt.datetime(2024, 1, 8, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def stores(database: str) -> Iterator[tuple[Store, Store]]:
    """A follower's connection and the leader's, to one database."""
    first = Store(database)
    second = Store(database)
    yield first, second
    second.close()
    first.close()


def test_the_leader_takes_each_handed_over_update_once_in_order(
    stores: tuple[Store, Store],
) -> None:
    """Updates handed over wait until the leader takes them, in update order, once; one
    handed over twice (Telegram's retry) waits once."""
    follower, leader = stores
    assert not leader.forwarded.waiting()
    assert follower.forwarded.forward(12, '{"update_id": 12}', at=T0)
    assert follower.forwarded.forward(11, '{"update_id": 11}', at=T0)
    assert not follower.forwarded.forward(12, '{"update_id": 12}', at=T0)
    assert leader.forwarded.waiting()
    assert leader.forwarded.take() == [
        Forwarded(11, '{"update_id": 11}'),
        Forwarded(12, '{"update_id": 12}'),
    ]
    assert not leader.forwarded.waiting()
    assert leader.forwarded.take() == []
