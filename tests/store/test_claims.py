"""Outbox rows claimed by the leader's sender: two senders never take the same row, a paused old
leader takes and marks nothing the new one owns, and the new one takes over what it held."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator

import psycopg
import pytest

from bot.digest.models import EditionKey
from bot.store.database import Store
from bot.store.lease import Fence, Fenced, lease_key
from bot.store.outbox import Delivery, Kind, Planned, Status, Target

T0 = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)
KEY = lease_key("123456:TEST-token")
TTL = 15.0
EDITION = EditionKey(0, dt.date(2024, 3, 1))


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


def queue(store: Store, chats: int) -> None:
    """One due alert for each of ``chats`` private chats."""
    for chat in range(1, chats + 1):
        store.chats.ensure_chat(chat, type="private", title=f"reader {chat}")
    rows = [Planned(c, Target(EDITION), Kind.ALERT, T0) for c in range(1, chats + 1)]
    store.outbox.plan(rows, now=T0)


def lead(store: Store, holder: str, *, at: float = 0.0) -> Fence:
    """``holder`` takes the lease ``at`` seconds after T0 (it must win it)."""
    lease = store.leases.acquire(KEY, holder, now=later(at), ttl=TTL)
    assert lease.leader
    return lease.fence


def ids(rows: list[Delivery]) -> set[int]:
    return {r.id for r in rows}


def take(store: Store, fence: Fence, *, limit: int = 10) -> list[Delivery]:
    return store.outbox.due(later(1), limit=limit, fence=fence)


def test_a_claimed_row_is_due_again_only_once_written_back(
    stores: tuple[Store, Store],
) -> None:
    """The leader takes each due row once: asked again (by any connection) it gets nothing
    more, until a write back (a retry, a part of several) hands the row back to the queue."""
    a, b = stores
    queue(a, 3)
    fence = lead(a, "a")
    first = take(a, fence)
    assert len(first) == 3
    assert take(a, fence) == []
    assert take(b, fence) == []
    [one, two, _] = first
    a.outbox.retry_later(one.id, at=later(1), error="x", now=later(1), fence=fence)
    a.outbox.part_sent(two.id, 7, last=False, now=later(1), fence=fence)
    assert ids(take(b, fence)) == {one.id, two.id}
    assert len(a.outbox.due(later(1), limit=10)) == 3  # one instance, no fence: as ever


def test_racing_takers_get_different_rows(database: str) -> None:
    """Four connections asking for due rows at the same moment under the leader's fence
    never get the same row, and together get every one."""
    connections = [Store(database) for _ in range(4)]
    try:
        queue(connections[0], 20)
        fence = lead(connections[0], "a")
        start = threading.Barrier(len(connections))
        got: list[list[Delivery]] = [[] for _ in connections]

        def ask(n: int) -> None:
            start.wait()
            got[n] = take(connections[n], fence, limit=5)

        threads = [threading.Thread(target=ask, args=(n,)) for n in range(len(connections))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        taken = [r.id for rows in got for r in rows]
        assert len(taken) == len(set(taken)) == 20, got
    finally:
        for store in connections:
            store.close()


def test_a_claim_in_progress_is_skipped_not_shared(pg_url: str) -> None:
    """PostgreSQL: while one transaction is claiming rows (not committed yet), another taker
    skips them (neither waiting nor taking them too) and gets the others."""
    a, b = Store(pg_url), Store(pg_url)
    b.db.execute("SET lock_timeout = '5s'")  # waiting for the first taker fails, not hangs
    try:
        queue(a, 6)
        fence = lead(a, "a")
        with a.transaction():
            first = take(a, fence, limit=3)
            second = take(b, fence, limit=10)
        assert len(first) == 3
        assert len(second) == 3
        assert not ids(first) & ids(second)
        assert take(b, fence) == []
    finally:
        b.close()
        a.close()


def test_a_takeover_waits_for_a_write_back_in_progress(pg_url: str) -> None:
    """PostgreSQL: while the leader's write back is not committed, another instance cannot
    take the lease over (it waits); once it has, the old leader's next write is fenced."""
    a, b = Store(pg_url), Store(pg_url)
    b.db.execute("SET lock_timeout = '200ms'")  # waiting for the write back fails, not hangs
    try:
        queue(a, 1)
        fence = lead(a, "a")
        [row] = take(a, fence)
        with a.transaction():
            a.outbox.part_sent(row.id, 7, last=False, now=later(1), fence=fence)
            with pytest.raises(psycopg.errors.LockNotAvailable):
                b.leases.acquire(KEY, "b", now=later(TTL + 1), ttl=TTL)
        assert b.leases.acquire(KEY, "b", now=later(TTL + 1), ttl=TTL).leader
        with pytest.raises(Fenced):
            a.outbox.part_sent(row.id, 8, last=True, now=later(TTL + 2), fence=fence)
    finally:
        b.close()
        a.close()


def test_an_old_leader_takes_nothing_after_a_takeover(stores: tuple[Store, Store]) -> None:
    """Once another instance took the lease, the old leader's sender gets no row (not even
    one it never claimed) and its writes back are fenced; the new leader gets them all."""
    a, b = stores
    queue(a, 3)
    old = lead(a, "a")
    new = lead(b, "b", at=TTL + 1)
    assert take(a, old) == []
    fresh = take(b, new)
    assert len(fresh) == 3
    with pytest.raises(Fenced):
        a.outbox.part_sent(fresh[0].id, 7, last=True, now=later(TTL + 2), fence=old)
    with pytest.raises(Fenced):
        a.outbox.delivery_done(fresh[1].id, Status.FAILED, now=later(TTL + 2), fence=old)
    assert take(a, old) == []


def test_a_new_leader_takes_over_what_the_old_one_held(stores: tuple[Store, Store]) -> None:
    """Rows the old leader claimed and never wrote back (it was paused, or killed) are taken
    by the next generation, and then are that one's: the old one cannot take them back."""
    a, b = stores
    queue(a, 4)
    old = lead(a, "a")
    held = take(a, old, limit=2)
    assert len(held) == 2
    new = lead(b, "b", at=TTL + 1)
    every = take(b, new)
    assert len(every) == 4
    assert ids(held) < ids(every)
    assert take(b, new) == []
    assert take(a, old) == []


def test_released_claims_are_due_again(stores: tuple[Store, Store]) -> None:
    """The rows a sender claimed and no longer has in flight (their delivery ended without a
    write back) are due again for it once released; the ones it keeps are not."""
    a, _ = stores
    queue(a, 3)
    fence = lead(a, "a")
    [one, two, three] = take(a, fence)
    assert a.outbox.release_claims(fence, keep=[one.id]) == 2
    assert ids(take(a, fence)) == {two.id, three.id}
    assert a.outbox.release_claims(Fence(KEY, fence.generation + 1), keep=[]) == 0


def sent_edition(store: Store) -> tuple[int, int]:
    """A chat got an edition in two parts, and the edition changed: (its delivery, the
    correction row planned for it)."""
    store.chats.ensure_chat(7, type="private", title="Alice")
    store.outbox.plan([Planned(7, Target(EDITION), Kind.EDITION, T0)], now=T0)
    [row] = store.outbox.due(later(1), limit=10)
    store.outbox.part_sent(row.id, 70, last=False, now=later(1), part_hash="h0")
    store.outbox.part_sent(row.id, 71, last=True, now=later(1), part_hash="h1")
    assert store.corrections.plan_corrections(EDITION, since=T0, now=later(2)) == 1
    [fix] = store.outbox.due(later(3), limit=10)
    assert fix.kind is Kind.CORRECTION
    return row.id, fix.id


def correction_state(store: Store, delivery: int, correction: int) -> tuple[list[str], str, int]:
    """(the edition's part hashes, the correction's status and step), as another instance
    reads them."""
    hashes = store.db.execute("SELECT part_hashes FROM deliveries WHERE id = ?", [delivery])
    state = store.db.execute("SELECT status, part FROM deliveries WHERE id = ?", [correction])
    [status, part] = state.fetchone()
    return json.loads(hashes.fetchone()[0]), str(status), int(part)


def test_a_paused_old_leader_cannot_touch_a_correction(stores: tuple[Store, Store]) -> None:
    """An old leader back after a takeover records no edit, no step and no end of a
    correction (Fenced, nothing written); the new leader's go through."""
    a, b = stores
    delivery, correction = sent_edition(a)
    old = lead(a, "a")
    new = lead(b, "b", at=TTL + 1)
    before = correction_state(b, delivery, correction)
    assert before == (["h0", "h1"], "pending", 0)
    with pytest.raises(Fenced):
        a.corrections.part_edited(delivery, 0, "x0", fence=old)
    with pytest.raises(Fenced):
        a.corrections.correction_step(correction, 1, last=False, now=later(20), fence=old)
    with pytest.raises(Fenced):
        a.corrections.correction_done(
            correction, EDITION, version="v2", steps=2, now=later(20), fence=old
        )
    assert correction_state(b, delivery, correction) == before
    b.corrections.part_edited(delivery, 0, "n0", fence=new)
    b.corrections.correction_step(correction, 1, last=False, now=later(21), fence=new)
    assert correction_state(a, delivery, correction) == (["n0", "h1"], "pending", 1)
    assert b.corrections.correction_done(
        correction, EDITION, version="v2", steps=2, now=later(22), fence=new
    )
    assert correction_state(a, delivery, correction)[1:] == ("sent", 2)
