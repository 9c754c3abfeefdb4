"""A bot's database from before outbox rows were claimed (schema up to 0024) opens with its
queue as it was: every pending row unclaimed, taken by the leader's sender at once."""

from __future__ import annotations

import datetime as dt

from bot.digest.models import EditionKey
from bot.store.database import Store
from bot.store.engines import Engine
from bot.store.lease import lease_key
from bot.store.outbox import Kind, Planned, Status, Target

T0 = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)
EDITION = EditionKey(0, dt.date(2024, 3, 1))


def as_before_0026(store: Store) -> None:
    """The database as the code before claims left it."""
    table = "_sqlite_migrations" if store.db.engine is Engine.SQLITE else "_migrations"
    store.db.execute("DROP INDEX deliveries_claimed")
    store.db.execute("ALTER TABLE deliveries DROP COLUMN claimed")
    store.db.execute(f"DELETE FROM {table} WHERE name = '0026_claims'")  # noqa: S608 - constant


def test_the_queue_survives_the_upgrade_unclaimed(database: str) -> None:
    """Rows pending, half-sent and sent before the upgrade keep their state; the pending ones
    are no one's, so the leader's first take gets them all."""
    store = Store(database)
    for chat in (1, 2, 3):
        store.chats.ensure_chat(chat, type="private", title=f"reader {chat}")
    rows = [Planned(c, Target(EDITION), Kind.ALERT, T0) for c in (1, 2, 3)]
    store.outbox.plan(rows, now=T0)
    [one, two, _] = store.outbox.due(T0, limit=10)
    store.outbox.part_sent(one.id, 11, last=True, now=T0)
    store.outbox.part_sent(two.id, 21, last=False, now=T0)
    as_before_0026(store)
    store.close()
    store = Store(database)
    try:
        summary = store.outbox.deliveries_summary()["deliveries"]
        assert summary == {"alert": {Status.SENT: 1, Status.PENDING: 2}}
        claims = store.db.execute("SELECT DISTINCT claimed FROM deliveries").fetchall()
        assert [tuple(r) for r in claims] == [(0,)]
        fence = store.leases.acquire(lease_key("1:x"), "a", now=T0, ttl=15.0).fence
        taken = store.outbox.due(T0, limit=10, fence=fence)
        assert [(r.chat.id, r.part) for r in taken] == [(2, 1), (3, 0)]
    finally:
        store.close()
