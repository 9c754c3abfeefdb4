"""What the sender records as it goes: the rows it takes (claimed, under a lease), each part at
once, a migrated chat, a gone forum topic (run in the database's writer); and what a push
round's summary line counts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.store.database import Store
from bot.store.lease import Fence
from bot.store.outbox import Delivery, Kind
from bot.store.sent_as import SentAs


@dataclass(frozen=True, slots=True)
class Sent:
    """One part Telegram confirmed: its row, its message, and what it said."""

    delivery_id: int
    message_id: int
    last: bool
    part_hash: str
    version: str  # the edition content it was rendered from ("" for other kinds)
    sent_as: SentAs | None = None  # the settings an edition was rendered with


def take(
    store: Store,
    now: dt.datetime,
    *,
    limit: int,
    alerts: bool,
    fence: Fence,
    flight: Mapping[int, int],
) -> list[Delivery]:
    """Due rows claimed for the sender's lease (``OutboxStore.due``), none of a chat in
    ``flight`` (the sender's rows in flight → their chats), in one transaction that first
    gives back the rows it claimed and no longer has in flight (their deliveries ended
    without a write back: a database fault, a stop)."""
    with store.transaction():
        store.outbox.release_claims(fence, keep=[*flight])
        return store.outbox.due(
            now, limit=limit, busy=[*flight.values()], alerts=alerts, fence=fence
        )


@dataclass
class Round:
    """One push, from the first row taken to the outbox drained: what its summary line says."""

    started: float  # time.monotonic()
    throttled: int  # the limiter's 429 count when it began
    chats: set[int] = field(default_factory=set)
    rows: int = 0
    parts: int = 0


def part_sent(
    store: Store, *, row: Delivery, sent: Sent, at: dt.datetime, fence: Fence | None = None
) -> None:
    """Record the part at once (a crash repeats at most the parts in flight); when the last
    part of an edition went out with text older than the edition says now (it was edited
    while this chat's delivery was on its way), the chat's correction is armed. ``fence``:
    the sender's lease; ``Fenced``, and nothing recorded, once another instance leads."""
    with store.transaction():
        store.outbox.part_sent(
            sent.delivery_id,
            sent.message_id,
            last=sent.last,
            now=at,
            part_hash=sent.part_hash,
            version=sent.version,
            sent_as=sent.sent_as,
            fence=fence,
        )
        if sent.last and row.kind == Kind.EDITION and row.target.edition is not None:
            store.corrections.correct_if_outdated(sent.delivery_id, now=at)


def retry_now(store: Store, *, now: dt.datetime) -> int:
    return store.outbox.retry_transient_now(now=now)


def no_thread(store: Store, *, chat_id: int) -> None:
    """The forum topic the chat subscribed in is gone: send to the chat itself."""
    store.chats.update_chat(chat_id, thread_id=None)


def migrated(store: Store, *, delivery_id: int, old: int, new: int) -> None:
    with store.transaction():
        store.chats.migrate_chat(old, new)
        store.outbox.move_delivery(delivery_id, new)
