"""What the sender records as it goes: the rows it takes (claimed, under a lease), each part at
once, a migrated chat, a gone forum topic (run in the database's writer); and what a push
round's summary line counts."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

from bot.store.database import Store
from bot.store.gateway import Db
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


@dataclass(frozen=True, slots=True)
class Confirmed:
    """A part Telegram confirmed, waiting for its write (``part_sent``'s arguments)."""

    row: Delivery
    sent: Sent
    at: dt.datetime
    fence: Fence | None


def parts_sent(store: Store, batch: Sequence[Confirmed]) -> None:
    """``part_sent`` for each, in one transaction (one commit): all or none."""
    with store.transaction():
        for done in batch:
            part_sent(store, row=done.row, sent=done.sent, at=done.at, fence=done.fence)


class Recorder:
    """Writes the parts Telegram confirmed, together: ``await record(...)`` returns once the
    part is committed, or raises what the write raised (``Fenced``, a ``DatabaseError``).

    Every part confirmed while a write is under way goes into the next one, a single
    transaction: under load one commit and one trip to the writer thread records many parts,
    and a part is never kept waiting for others. The guarantee is the one-write-per-part one:
    a delivery takes its next part (or ends) only once this one is written, so a ``kill -9``
    repeats at most the parts in flight, sent and not yet written (at most the sender's
    concurrency)."""

    def __init__(self, db: Db) -> None:
        self.db = db
        self._queue: list[tuple[Confirmed, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def record(self, done: Confirmed) -> None:
        future = asyncio.get_running_loop().create_future()
        self._queue.append((done, future))
        if self._writer is None:
            self._writer = asyncio.create_task(self._write(), name="digestbot-parts")
        await future

    async def _write(self) -> None:
        try:
            while self._queue:
                batch, self._queue = self._queue, []
                try:
                    await self.db.write(partial(parts_sent, batch=[d for d, _ in batch]))
                except asyncio.CancelledError:  # the loop shuts down: no waiter is left hanging
                    for _, future in [*batch, *self._queue]:
                        future.cancel()
                    raise
                except Exception as exc:  # each waiter raises it
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                else:
                    for _, future in batch:
                        if not future.done():
                            future.set_result(None)
        finally:
            self._writer = None


def retry_now(store: Store, *, now: dt.datetime) -> int:
    return store.outbox.retry_transient_now(now=now)


def no_thread(store: Store, *, chat_id: int) -> None:
    """The forum topic the chat subscribed in is gone: send to the chat itself."""
    store.chats.update_chat(chat_id, thread_id=None)


def migrated(store: Store, *, delivery_id: int, old: int, new: int) -> None:
    with store.transaction():
        store.chats.migrate_chat(old, new)
        store.outbox.move_delivery(delivery_id, new)
