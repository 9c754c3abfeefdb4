"""Sending the outbox: every planned delivery once, part by part, at Telegram's pace.

One task drains due rows, a bounded number at a time (enough in flight to keep the pace with
real network latency); the rate limiter (limiter.py) spaces every message. Each part is
recorded the moment Telegram confirms it (with the parts confirmed meanwhile, in one commit:
recording.Recorder), so a crash repeats at most the parts in flight (paid lane: paid.py).
Errors are classified once (outcomes.py) and applied here: blocked / kicked / not found → the
chat goes inactive; migrated → the row follows the chat (still in flight, never taken twice);
5xx and network errors → a jittered backoff (≤ 60 s) until the row is older than push.max_age,
while the outbox waits out an API outage (outage.py); a read timeout → held and decided
(outage.py), never blindly resent; a bad message → failed, loudly. A database fault never
stops the sender: the row stays, the fault is reported and it is tried again a little later."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from telegram.ext import ExtBot

from bot.services import Services
from bot.store.faults import DatabaseError, describe
from bot.store.lease import Fence, Fenced
from bot.store.outbox import Delivery, Kind, Status

from .content import Parts
from .corrections import correct, part_hash
from .limiter import BROADCAST, Send, Withheld
from .outage import AMBIGUOUS_HOLD, ApiGate, backoff
from .outcomes import Do, Outcome, classify
from .paid import PaidLane
from .quiet import held_until, hold, send_options
from .recording import Confirmed, Recorder, Round, Sent, migrated, no_thread, retry_now, take
from .wire import send_part, votes

log = logging.getLogger(__name__)

STORE_PAUSE = 2.0  # s the sender waits after a database fault before trying again
REFILL = 4  # new rows are read once a quarter of the slots is free


class Pusher:
    """The outbox sender: ``start``, ``wake`` after planning, ``stop`` (finishes in-flight).

    ``fence``: the leader lease it sends under (several instances on one database): every
    write back carries it, and one that finds the lease moved on halts the sender at once;
    ``leading`` is asked before every message, and False (no renewal in time) halts it too.
    A halted sender sends nothing more; the next lease gets a new one."""

    def __init__(
        self,
        services: Services,
        bot: ExtBot[Any],
        *,
        concurrency: int = 64,
        probe_cap: float = 15.0,
        fence: Fence | None = None,
        leading: Callable[[], bool] | None = None,
    ) -> None:
        self.services = services
        self.fence = fence
        self.leading = leading
        self.halted = False
        self.bot = bot
        self.concurrency = concurrency
        self._slots = asyncio.Semaphore(concurrency)
        self._wake = asyncio.Event()
        self._inflight: dict[int, asyncio.Task[None]] = {}
        self._chats: dict[int, int] = {}  # in-flight row id -> its chat (one at a time each)
        self._stopping = False
        self._stopped = asyncio.Event()
        self.gate = ApiGate(services.runtime, bot, probe_cap=probe_cap, stopping=self._stopped)
        self._task: asyncio.Task[None] | None = None
        self.content = Parts(services)
        self.paid = PaidLane(services)
        self.recorder = Recorder(services.db)
        self._changed = asyncio.Condition()
        self.sent = 0
        self._round: Round | None = None
        self._latest: dt.datetime | None = None

    def now(self) -> dt.datetime:
        """The wall clock, never going back: a row that was due stays due when the clock is
        set back (pacing itself is monotonic: limiter.py)."""
        now = self.services.now()
        if self._latest is not None and now < self._latest:
            return self._latest
        self._latest = now
        return now

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="digestbot-push")

    def wake(self) -> None:
        self._wake.set()

    async def stop(self, *, grace: float = 8.0) -> None:
        """Take no new rows; let the parts in flight finish (up to ``grace`` seconds)."""
        self._stopping = True
        self._stopped.set()
        self._wake.set()
        if self._task is not None and (self.halted or not self.gate.open):
            self._task.cancel()  # its reads may hang (halted) or it probes a failing API
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        pending = list(self._inflight.values())
        if pending:
            _, late = await asyncio.wait(pending, timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        with contextlib.suppress(*DatabaseError):
            await self.paid.give_back()

    def may_send(self) -> bool:
        """False once halted, or when the lease it sends under may have expired."""
        if not self.halted and self.leading is not None and not self.leading():
            self.halt("the lease was not renewed in time")
        return not self.halted

    def halt(self, why: str) -> None:
        """Send nothing more, at once (the messages in flight stop before their next part)."""
        if not self.halted:
            log.warning("sender stops: %s", why)
        self.halted = self._stopping = True
        self._stopped.set()
        self._wake.set()

    @property
    def in_flight(self) -> int:
        return len(self._inflight)

    async def idle(self) -> None:
        """Return once nothing is in flight and nothing is due (tests and `digestbot push`)."""
        while True:
            async with self._changed:
                await self._changed.wait_for(lambda: not self._inflight)
            if not await self._due(limit=1):
                return
            self._wake.set()
            async with self._changed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), timeout=1.0)

    async def _due(self, *, limit: int, busy: Sequence[int] = ()) -> list[Delivery]:
        """Due rows; no alert while a tick plans (its edition's rows may come next)."""
        now, alerts = self.now(), not self.services.ticking.locked()
        return await self.services.db.read(
            lambda store: store.outbox.due(now, limit=limit, busy=busy, alerts=alerts)
        )

    async def _take(self, room: int) -> list[Delivery]:
        """Rows to send (none of a chat in flight), claimed under the sender's lease if any."""
        flight, fence = dict(self._chats), self.fence
        if fence is None:
            return await self._due(limit=room, busy=[*flight.values()])
        now, alerts = self.now(), not self.services.ticking.locked()
        return await self.services.db.write(
            lambda store: take(store, now, limit=room, alerts=alerts, fence=fence, flight=flight)
        )

    async def _run(self) -> None:
        db = self.services.db
        refill = max(1, self.concurrency // REFILL)
        while not self._stopping and self.may_send():
            self._wake.clear()
            if not self.gate.open:  # the API is failing: send nothing until it answers
                if await self.gate.ride_out() and not self._stopping:
                    waiting = await db.write(partial(retry_now, now=self.now()))
                    log.info("outbox resumes: %d deliveries waiting out errors are due", waiting)
                continue
            room = self.concurrency - len(self._inflight)
            if room < refill and self._inflight:  # read rows in batches, not one per send
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=1.0)
                continue
            try:
                rows = await self._take(max(room, 0))
            except DatabaseError as exc:
                self._store_fault(exc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopped.wait(), timeout=STORE_PAUSE)
                continue
            if rows and self._round is None:
                self._round = Round(time.monotonic(), self._throttled())
            for row in rows:
                if row.id in self._inflight:  # its chat migrated in flight: not busy by id
                    continue
                await self._slots.acquire()
                if self._stopping:
                    self._slots.release()
                    break
                self._chats[row.id] = row.chat.id
                self._inflight[row.id] = asyncio.create_task(self._deliver_one(row))
            if not rows and not self._inflight:
                self._round_done()
            if not rows or room <= 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=1.0)

    async def _deliver_one(self, row: Delivery) -> None:
        try:
            await self._deliver(row)
        except Fenced as exc:  # another instance leads: its sender owns the row now
            self.halt(str(exc))
        except DatabaseError as exc:  # the row stays as it is: sent again when it works
            self._store_fault(exc)
            await asyncio.sleep(STORE_PAUSE)
        except Exception:  # one row must never stop the sender
            log.exception("delivery %s to %s failed unexpectedly", row.id, row.chat.id)
            with contextlib.suppress(*DatabaseError, Fenced):
                await self.give_up(row, Status.FAILED, "internal error")
        finally:
            if self._round is not None:
                self._round.rows += 1
            self._inflight.pop(row.id, None)
            self._chats.pop(row.id, None)
            self._slots.release()
            if not self._inflight and self._round is not None and not self.halted:
                with contextlib.suppress(*DatabaseError):
                    if not await self._due(limit=1):
                        self._round_done()  # the last one: said before idle() returns
            self._wake.set()
            async with self._changed:
                self._changed.notify_all()

    def _throttled(self) -> int:
        return int(getattr(self.bot.rate_limiter, "throttled", 0))

    def _round_done(self) -> None:
        """The outbox has drained: the push round ends in health (``last_push``) and in its
        one summary line, before ``idle()`` returns."""
        self.services.runtime.drained(self.services.now())
        done, self._round = self._round, None
        if done is None or not done.rows:
            return
        log.info(
            "push done: %d deliveries, %d messages to %d chats in %.1f s, %d × 429",
            done.rows, done.parts, len(done.chats), time.monotonic() - done.started,
            self._throttled() - done.throttled,
        )  # fmt: skip

    # -- one delivery ---------------------------------------------------------------------

    def _store_fault(self, exc: Exception) -> None:
        reason = describe(self.services.db.path, exc)
        if self.services.runtime.store_failed(self.services.now(), reason):
            log.error("sender: %s", reason)

    async def _deliver(self, row: Delivery) -> None:
        db = self.services.db
        if self.gate.resend(row.id) is False:  # timed out, and no outage since: it arrived
            await self.give_up(row, Status.AMBIGUOUS, "read timeout: maybe delivered")
            return
        if (later := held_until(row, self.services.config, self.now())) is not None:
            await db.write(partial(hold, row=row, until=later, now=self.now(), fence=self.fence))
            return  # the chat's quiet hours: due again when they end
        if row.kind == Kind.CORRECTION:
            outcome = await correct(
                row, bot=self.bot, services=self.services, content=self.content, now=self.now,
                fence=self.fence, go=self.may_send,
            )  # fmt: skip
            if outcome is not None:
                await self.apply(row, row.chat.id, outcome)
            return
        rendered = await self.content.parts(row)
        parts, fence = rendered.parts, self.fence
        if not parts:
            at = self.now()
            await db.write(
                lambda store: store.outbox.delivery_done(
                    row.id, Status.SKIPPED, now=at, error="nothing for this chat", fence=fence
                )
            )
            return
        chat_id = row.chat.id
        thread = row.chat.thread_id if row.chat.type == "supergroup" else None
        part = row.part
        markup = await self.content.buttons(row)  # under the last part
        under = votes() if row.kind == Kind.EDITION else None  # under every part
        while part < len(parts) and self.may_send():
            try:
                message_id = await send_part(
                    self.bot,
                    chat_id,
                    parts[part],
                    thread=thread,
                    previews=row.chat.previews,
                    markup=markup if part == len(parts) - 1 and markup else under,
                    options=await self._lane() | send_options(row),
                )
            except Withheld:  # halted while it waited for its turn: the row stays as it is
                return
            except Exception as exc:
                outcome = classify(exc, thread=thread is not None)
                if outcome.do is Do.MIGRATE:
                    new = outcome.new_chat
                    await db.write(partial(migrated, delivery_id=row.id, old=chat_id, new=new))
                    await self.services.alerts_changed(chat_id, new)
                    chat_id = self._chats[row.id] = new  # the new id is busy now
                    continue
                if outcome.do is Do.NO_THREAD:
                    await db.write(partial(no_thread, chat_id=chat_id))
                    thread = None
                    continue
                await self.apply(row, chat_id, outcome)
                return
            part += 1
            self.sent += 1
            if self._round is not None:
                self._round.parts += 1
                self._round.chats.add(chat_id)
            at = self.now()
            sent = Sent(
                row.id,
                message_id,
                last=part == len(parts),
                part_hash=part_hash(parts[part - 1]),
                version=rendered.version,
                sent_as=rendered.sent_as,
            )
            await self.recorder.record(Confirmed(row, sent, at, fence))
            self.services.metrics.message_sent(row.kind)
            self.services.runtime.sending(at, sent=1)

    async def _lane(self) -> dict[str, Any]:
        """The paid broadcast lane when configured and under today's cap, else the free one."""
        push, go = self.services.config.push, self.may_send if self.fence else None
        if push.paid_broadcast and await self.paid.take(self.now()):
            return {
                "allow_paid_broadcast": True,
                "rate_limit_args": Send(BROADCAST, paid=True, go=go),
            }
        return {"rate_limit_args": Send(BROADCAST, go=go)}

    async def apply(self, row: Delivery, chat_id: int, outcome: Outcome) -> None:
        """What ``classify`` said of a row's error: the row ends, or waits to go again."""
        db, now, fence = self.services.db, self.now(), self.fence
        if outcome.do is Do.INACTIVE:
            await db.write(
                lambda store: store.chats.set_active(chat_id, False, reason=outcome.reason)
            )
            await self.services.alerts_changed(chat_id)
            await self.give_up(row, Status.SKIPPED, outcome.reason)
            log.info("chat %s inactive: %s", chat_id, outcome.reason)
        elif outcome.do is Do.WAIT:
            at = now + dt.timedelta(seconds=outcome.seconds)
            await db.write(
                lambda store: store.outbox.retry_later(
                    row.id, at=at, error=outcome.reason, now=now, count=False, fence=fence
                )
            )
        elif outcome.do in (Do.TRANSIENT, Do.AMBIGUOUS):
            await self._transient(row, chat_id, outcome)
        elif outcome.do is Do.SKIPPED:
            await self.give_up(row, Status.SKIPPED, outcome.reason)
        elif outcome.do is not Do.DONE:
            log.error("delivery %s to %s failed: %s", row.id, chat_id, outcome.reason)
            await self.give_up(row, Status.FAILED, outcome.reason)

    async def _transient(self, row: Delivery, chat_id: int, outcome: Outcome) -> None:
        """Try again later, backing off, for as long as the row is not too old to send."""
        now, error = self.now(), outcome.reason
        if outcome.do is Do.AMBIGUOUS:
            log.debug("delivery %s to %s timed out: maybe delivered, held", row.id, chat_id)
            self.gate.timed_out(row.id)
            wait = AMBIGUOUS_HOLD
        else:
            wait = backoff(row.attempts)
        if now - row.due_at > self.services.config.push.max_age:
            await self.give_up(row, Status.FAILED, f"{error} (given up: older than push.max_age)")
            return
        at, fence = now + wait, self.fence
        await self.services.db.write(
            lambda store: store.outbox.retry_later(
                row.id, at=at, error=error, now=now, fence=fence
            )
        )

    async def give_up(self, row: Delivery, status: Status, error: str) -> None:
        """The row ends unsent (failed, skipped or ambiguous), counted for health and metrics."""
        now, fence = self.now(), self.fence
        await self.services.db.write(
            lambda store: store.outbox.delivery_done(
                row.id, status, now=now, error=error, fence=fence
            )
        )
        self.services.metrics.message_failed(error)
        self.services.runtime.sending(now, failed=1)
