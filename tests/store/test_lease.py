"""The leader lease in the database: one holder at a time, handed over on expiry or release."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections.abc import Iterator

import pytest

from bot.digest.models import EditionKey
from bot.store.database import Store
from bot.store.lease import Fence, Fenced, Lease, lease_key
from bot.store.outbox import Delivery, Kind, Planned, Status, Target

T0 = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)
KEY = lease_key("123456:TEST-token")
TTL = 15.0


@pytest.fixture
def stores(database: str) -> Iterator[tuple[Store, Store]]:
    """Two instances' connections to one database (a SQLite file or PostgreSQL)."""
    first = Store(database)
    second = Store(database)
    yield first, second
    second.close()
    first.close()


def later(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def seen(lease: Lease) -> tuple[bool, str, int, dt.datetime]:
    """What an instance learns from one ``acquire``: does it lead, who does, which
    generation, until when."""
    return lease.leader, lease.holder, lease.generation, lease.expires_at


def test_the_key_is_a_hash_never_the_token() -> None:
    """The lease's key says nothing of the token, and two tokens get two keys."""
    assert "TEST-token" not in KEY
    assert "123456" not in KEY
    assert lease_key("123456:other") != KEY


def test_one_of_two_holders_wins(stores: tuple[Store, Store]) -> None:
    """The first to ask leads; the second is told who does, and its renewal does not win."""
    a, b = stores
    won = a.leases.acquire(KEY, "a", now=T0, ttl=TTL)
    lost = b.leases.acquire(KEY, "b", now=later(1), ttl=TTL)
    assert seen(won) == (True, "a", 1, later(TTL))
    assert seen(lost) == (False, "a", 1, later(TTL))
    renewed = a.leases.acquire(KEY, "a", now=later(5), ttl=TTL)
    assert seen(renewed) == (True, "a", 1, later(5 + TTL))
    assert not b.leases.acquire(KEY, "b", now=later(TTL + 1), ttl=TTL).leader  # renewed


def test_another_takes_over_only_after_expiry(stores: tuple[Store, Store]) -> None:
    """Until the lease expires the other waits; then it leads with the next generation, and
    the old holder, back late, is a follower."""
    a, b = stores
    a.leases.acquire(KEY, "a", now=T0, ttl=TTL)
    assert not b.leases.acquire(KEY, "b", now=later(TTL), ttl=TTL).leader  # expires, not yet
    took = b.leases.acquire(KEY, "b", now=later(TTL + 0.001), ttl=TTL)
    assert seen(took)[:3] == (True, "b", 2)
    back = a.leases.acquire(KEY, "a", now=later(TTL + 1), ttl=TTL)
    assert seen(back)[:3] == (False, "b", 2)
    again = a.leases.acquire(KEY, "a", now=later(3 * TTL), ttl=TTL)
    assert seen(again)[:3] == (True, "a", 3)


def test_release_lets_the_other_in_at_once(stores: tuple[Store, Store]) -> None:
    """A released lease is taken at once, with a new generation; releasing someone else's
    lease does nothing."""
    a, b = stores
    a.leases.acquire(KEY, "a", now=T0, ttl=TTL)
    assert not b.leases.release(KEY, "b")
    assert a.leases.release(KEY, "a")
    released = b.leases.current(KEY)
    assert released is not None
    assert (released.holder, released.expires_at) == ("", dt.datetime.fromtimestamp(0, dt.UTC))
    took = b.leases.acquire(KEY, "b", now=later(1), ttl=TTL)
    assert seen(took)[:3] == (True, "b", 2)


def test_leases_of_two_bots_are_apart(stores: tuple[Store, Store]) -> None:
    """Two bots (two tokens) on one database each have a leader."""
    a, b = stores
    assert a.leases.acquire(KEY, "a", now=T0, ttl=TTL).leader
    assert b.leases.acquire(lease_key("654321:x"), "b", now=T0, ttl=TTL).leader


def planned_row(store: Store) -> Delivery:
    """One due outbox row (an alert to a private chat), as the sender takes it."""
    store.chats.ensure_chat(42, type="private", title="Alice")
    target = Target(EditionKey(0, dt.date(2024, 3, 1)))
    store.outbox.plan([Planned(42, target, Kind.ALERT, T0)], now=T0)
    [row] = store.outbox.due(later(1), limit=10)
    return row


def outbox_row(store: Store, row_id: int) -> tuple[str, int, int]:
    """(status, part, attempts) of an outbox row, as another instance reads it."""
    [found] = store.db.execute(
        "SELECT status, part, attempts FROM deliveries WHERE id = ?", [row_id]
    ).fetchall()
    return str(found[0]), int(found[1]), int(found[2])


def test_a_paused_old_leader_cannot_mark_a_part_sent(stores: tuple[Store, Store]) -> None:
    """An old leader back after another took the lease over writes nothing back (Fenced):
    not a part sent, not a row given up, not a retry; the new leader's writes go through."""
    a, b = stores
    row = planned_row(a)
    old = a.leases.acquire(KEY, "a", now=T0, ttl=TTL).fence
    new = b.leases.acquire(KEY, "b", now=later(TTL + 1), ttl=TTL).fence
    with pytest.raises(Fenced):
        a.outbox.part_sent(row.id, 7, last=True, now=later(TTL + 2), fence=old)
    with pytest.raises(Fenced):
        a.outbox.delivery_done(row.id, Status.FAILED, now=later(TTL + 2), fence=old)
    with pytest.raises(Fenced):
        a.outbox.retry_later(row.id, at=later(99), error="x", now=later(TTL + 2), fence=old)
    assert outbox_row(b, row.id) == ("pending", 0, 0)
    b.outbox.part_sent(row.id, 8, last=True, now=later(TTL + 3), fence=new)
    assert outbox_row(a, row.id) == ("sent", 1, 0)


def test_the_leader_records_under_its_fence(stores: tuple[Store, Store]) -> None:
    """While it holds the lease (renewed any number of times) the leader's writes go
    through; without a fence (one instance, SQLite) nothing is asked of the lease."""
    a, _ = stores
    row = planned_row(a)
    fence = a.leases.acquire(KEY, "a", now=T0, ttl=TTL).fence
    a.leases.acquire(KEY, "a", now=later(10), ttl=TTL)
    assert a.outbox.retry_later(row.id, at=later(1), error="x", now=later(11), fence=fence) == 1
    a.outbox.part_sent(row.id, 7, last=False, now=later(12), fence=fence)
    a.outbox.part_sent(row.id, 8, last=True, now=later(13))
    assert outbox_row(a, row.id) == ("sent", 2, 0)
    with pytest.raises(Fenced):  # a lease that was never taken fences too
        a.outbox.part_sent(row.id, 9, last=True, now=later(14), fence=Fence("other", 1))


def race(connections: list[Store], now: dt.datetime) -> list[str]:
    """Every connection asks for the lease at once (threads behind a barrier); who won."""
    start = threading.Barrier(len(connections))
    winners: list[str] = []

    def ask(store: Store, holder: str) -> None:
        start.wait()
        if store.leases.acquire(KEY, holder, now=now, ttl=TTL).leader:
            winners.append(holder)

    threads = [threading.Thread(target=ask, args=(s, f"h{n}")) for n, s in enumerate(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return winners


def test_racing_instances_never_both_lead(database: str) -> None:
    """Instances asking at the same moment for an expired lease: exactly one wins each time,
    and the generation counts the changes of holder."""
    connections = [Store(database) for _ in range(4)]
    try:
        winners = [race(connections, later(n * (TTL + 1))) for n in range(5)]
        assert [len(w) for w in winners] == [1] * 5, winners
        changes = sum(1 for before, after in itertools.pairwise(winners) if before != after)
        last = connections[0].leases.acquire(KEY, "watcher", now=later(4 * (TTL + 1)), ttl=TTL)
        assert seen(last)[:3] == (False, winners[-1][0], 1 + changes)
    finally:
        for store in connections:
            store.close()
