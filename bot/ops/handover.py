"""Followers hand the leader the updates whose work is the leader's alone.

Several instances share one PostgreSQL database behind a load balancer: each answers the
updates its webhook is posted, but only the leader ingests, plans and sends (``ops.leader``).
Which updates carry such work is the chat's rule (``bot.chat.leading``); a follower stores each
of them in the shared database (``store.forwarded``) instead of handling it, and the leader
looks for them every ``POLL`` seconds and handles them as if Telegram had posted them there, so
the user gets the very answer one instance alone would give, from the instance that did the
work. Updates handed over while no instance leads wait for the next leader.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
from collections.abc import Callable

from telegram import Bot, Update

from bot.store.faults import DatabaseError, describe
from bot.store.gateway import Db

from .updates import DurableQueue

log = logging.getLogger(__name__)

POLL = 0.5  # s between the leader's looks for updates handed over


class Handover:
    """``follows()``, ``forward(update)`` on a follower; ``start(bot)``, ``stop()`` around the
    leader's work (taking what followers handed over)."""

    def __init__(
        self,
        db: Db,
        queue: DurableQueue,
        *,
        leading: Callable[[], bool],
        now: Callable[[], dt.datetime],
    ) -> None:
        self.db = db
        self.queue = queue
        self.leading = leading
        self.now = now
        self._task: asyncio.Task[None] | None = None
        self._failing = ""

    def follows(self) -> bool:
        """Whether another instance does the leader's work now (this one must hand it over)."""
        return not self.leading()

    async def forward(self, update: Update) -> None:
        """Hand ``update`` to the leader, through the shared database."""
        body, at = json.dumps(update.to_dict(), ensure_ascii=False), self.now()
        await self.db.write(lambda store: store.forwarded.forward(update.update_id, body, at=at))
        log.info("update %d handed to the leader", update.update_id)

    def start(self, bot: Bot) -> None:
        """Leading: take what followers handed over, now and every ``POLL`` seconds."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(bot), name="digestbot-handover")

    async def stop(self) -> None:
        """Following again: take nothing more (what was taken is being handled)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self, bot: Bot) -> None:
        while True:
            try:
                await self.take(bot)
            except DatabaseError as exc:
                reason = describe(self.db.path, exc)
                if reason != self._failing:
                    log.warning("cannot take the updates followers handed over: %s", reason)
                self._failing = reason
            else:
                self._failing = ""
            await asyncio.sleep(POLL)

    async def take(self, bot: Bot) -> int:
        """Handle what followers handed over; how many updates."""
        if not await self.db.read(lambda store: store.forwarded.waiting()):
            return 0
        count = 0
        for forwarded in await self.db.write(lambda store: store.forwarded.take()):
            try:
                update = Update.de_json(json.loads(forwarded.body), bot)
            except (ValueError, TypeError, KeyError):
                log.warning("update %d handed over cannot be read: dropped", forwarded.update_id)
                continue
            if update is not None:
                log.info("update %d: handling it for a follower", forwarded.update_id)
                await self.queue.put_handed_over(update, forwarded.body)
                count += 1
        return count
