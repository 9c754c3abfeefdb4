"""What the sender records as it goes: each part at once, a migrated chat, a gone forum topic,
the paid lane's daily count (run in the database's writer)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

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


def take_paid(store: Store, day: str, cap: int) -> bool:
    """One message of today's paid-lane cap, when any is left."""
    with store.transaction():
        if store.outbox.paid_used(day) >= cap:
            return False
        store.outbox.add_paid(day)
        return True
