"""Updates that survive a crash: recorded before Telegram is told they arrived.

``DurableQueue`` is the Application's update queue. Whatever puts an update on it — the
webhook route, or PTB's polling loop, which confirms the updates it fetched with its next
``getUpdates`` — waits until the update is recorded in the journal (store/journal.py), so an
acknowledged update is on the disk; one recorded before (Telegram's retry, a replay) is
dropped. ``ChatOrdered`` (flood.py) calls ``handled`` once the handlers of an update have run.
At start, ``recover`` puts back what was recorded and not handled before a crash.

When the journal cannot record (the disk is full), a polled update is still handled (it was
fetched: it cannot be un-confirmed) and the webhook answers 503, so Telegram sends it again.

Instances that share a database (PostgreSQL) also ``claim`` each new update there: one that
another instance received first is dropped as a replay, so a webhook behind a load balancer
handles an update once. When that claim cannot be made the update is handled (a duplicate
answer is better than a lost one).

``PollingErrors``: getUpdates failing is said once per reason, not once per retry.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot, Update
from telegram.error import TelegramError

from bot.store.faults import DatabaseError, cause
from bot.store.journal import Journal

log = logging.getLogger(__name__)


class NotRecorded(Exception):
    """The journal could not record an update (its database fails)."""


class DurableQueue(asyncio.Queue[object]):
    """The Application's update queue, writing each update to the journal first."""

    def __init__(
        self, journal: Journal, *, claim: Callable[[int], Awaitable[bool]] | None = None
    ) -> None:
        super().__init__()
        self.journal = journal
        self.claim = claim  # instances sharing a database: True when this one is the first
        self._failing = False
        self._claims_failing = False

    async def put(self, item: object) -> None:
        """Record, then queue (an update recorded before is dropped: a replay)."""
        if not isinstance(item, Update):
            await super().put(item)
            return
        try:
            fresh = await self.record(item)
        except NotRecorded:
            fresh = True  # fetched by polling and confirmed already: better handled than lost
        if fresh:
            await super().put(item)

    async def record(self, update: Update, body: str | None = None) -> bool:
        """Record ``update`` (``body``: its JSON as received); False when recorded before.
        NotRecorded when the journal fails (said once until it works again)."""
        text = body if body is not None else json.dumps(update.to_dict(), ensure_ascii=False)
        try:
            fresh = await self.journal.record(update.update_id, text)
        except DatabaseError as exc:
            if not self._failing:
                log.error("cannot record update %d in %s: %s", update.update_id,
                          self.journal.path, exc)  # fmt: skip
            self._failing = True
            raise NotRecorded(str(exc)) from None
        if self._failing:
            log.info("the update journal works again")
            self._failing = False
        if not fresh:
            log.info("update %d was received before, ignored", update.update_id)
        elif not await self._first(update.update_id):
            log.info("update %d went to another instance first, ignored", update.update_id)
            await self.journal.handled(update.update_id)
            return False
        return fresh

    async def _first(self, update_id: int) -> bool:
        """Whether no other instance received the update (True when there is none to ask,
        or the shared table cannot say)."""
        if self.claim is None:
            return True
        try:
            first = await self.claim(update_id)
        except DatabaseError as exc:
            if not self._claims_failing:
                log.warning("cannot claim update %d in the shared database: %s", update_id,
                            cause(exc))  # fmt: skip
            self._claims_failing = True
            return True
        self._claims_failing = False
        return first

    async def put_recorded(self, update: Update) -> None:
        """Queue an update already recorded (the webhook's, after ``record``)."""
        await super().put(update)

    async def put_handed_over(self, update: Update, body: str) -> None:
        """Queue an update another instance handed over (``ops.handover``): recorded in the
        journal first, so a crash before it is handled handles it at the restart; not claimed
        (the other instance claimed it when Telegram posted it there)."""
        try:
            await self.journal.record(update.update_id, body)
        except DatabaseError as exc:
            log.warning("cannot record update %d handed over: %s", update.update_id, exc)
        await super().put(update)

    async def handled(self, update: object) -> None:
        """The handlers of ``update`` have run (whatever they did)."""
        if isinstance(update, Update):
            try:
                await self.journal.handled(update.update_id)
            except DatabaseError as exc:
                log.warning("cannot mark update %d handled: %s", update.update_id, exc)

    async def recover(self, bot: Bot) -> int:
        """Queue again the updates recorded and not handled before a crash; how many."""
        count = 0
        for recorded in await self.journal.unhandled():
            update_id = recorded.update_id
            try:
                data: Any = json.loads(recorded.body)
                update = Update.de_json(data, bot)
            except (ValueError, TypeError, KeyError):
                log.warning("update %d in the journal cannot be read again: dropped", update_id)
                await self.journal.handled(update_id)
                continue
            if update is not None:
                await super().put(update)
                count += 1
        if count:
            log.info("%d updates received before a restart and not handled: handling them now",
                     count)  # fmt: skip
        return count


class PollingErrors:
    """getUpdates failing: said once per reason every ``every`` (PTB would log each retry with
    its traceback; /healthz already says the Bot API is failing)."""

    def __init__(self, every: float = 600.0) -> None:
        self.every = every
        self._said: dict[str, float] = {}

    def seen(self, exc: TelegramError) -> None:
        reason = f"{type(exc).__name__}: {exc.message}"
        now = time.monotonic()
        if now - self._said.get(reason, -self.every) >= self.every:
            self._said[reason] = now
            log.warning("polling for updates failed (%s); retrying", reason)
