"""Updates that survive a crash: recorded before Telegram is told they arrived.

``DurableQueue`` is the Application's update queue. Whatever puts an update on it — the
webhook route, or PTB's polling loop, which confirms the updates it fetched with its next
``getUpdates`` — waits until the update is recorded in the journal (store/journal.py), so an
acknowledged update is on the disk; one recorded before (Telegram's retry, a replay) is
dropped. ``ChatOrdered`` (flood.py) calls ``handled`` once the handlers of an update have run.
At start, ``recover`` puts back what was recorded and not handled before a crash.

When the journal cannot record (the disk is full), a polled update is still handled (it was
fetched: it cannot be un-confirmed) and the webhook answers 503, so Telegram sends it again.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from telegram import Bot, Update

from bot.store.faults import DatabaseError
from bot.store.journal import Journal

log = logging.getLogger(__name__)


class NotRecorded(Exception):
    """The journal could not record an update (its database fails)."""


class DurableQueue(asyncio.Queue[object]):
    """The Application's update queue, writing each update to the journal first."""

    def __init__(self, journal: Journal) -> None:
        super().__init__()
        self.journal = journal
        self._failing = False

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
        return fresh

    async def put_recorded(self, update: Update) -> None:
        """Queue an update already recorded (the webhook's, after ``record``)."""
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
