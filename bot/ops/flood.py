"""Floods of commands: who may be ignored, and updates processed side by side per chat.

``Throttle`` keeps sliding windows of recent commands per sender (a user, or the chat an
anonymous admin or channel posts as) and per group: past ``per_user`` commands in
``user_window`` seconds a sender's commands are ignored (after one "slow down"); past
``per_group`` in ``group_window`` a group's are (the bot could not answer faster anyway:
Telegram lets it post 20 messages a minute there). A flooder's ignored commands do not count
against the group, so one member cannot silence the others.

``ChatOrdered`` is the Application's update processor: updates of one chat are handled one
after another, in order; different chats at the same time. A chat that floods only queues up
behind itself: its queue is drained by one worker, so it holds one slot however long it is.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from inspect import iscoroutine
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)

MAX_TRACKED = 10_000  # windows kept before the idle ones are swept


@dataclass
class Throttle:
    """Sliding windows of recent commands, per sender and per group (memory only)."""

    per_user: int = 6
    user_window: float = 10.0
    per_group: int = 20
    group_window: float = 60.0
    clock: Callable[[], float] = time.monotonic
    _users: dict[int, deque[float]] = field(default_factory=dict)
    _groups: dict[int, deque[float]] = field(default_factory=dict)
    _warned: set[int] = field(default_factory=set)

    def check(self, sender: int, chat: int | None) -> str:
        """One command from ``sender`` (in group ``chat``, None for a private chat):
        ``"ok"``, ``"warn"`` (ignore it, say "slow down" once) or ``"drop"`` (ignore it)."""
        now = self.clock()
        if not self._take(self._users, sender, now, self.per_user, self.user_window):
            if sender in self._warned:
                return "drop"
            self._warned.add(sender)
            return "warn"
        self._warned.discard(sender)
        if chat is not None and not self._take(
            self._groups, chat, now, self.per_group, self.group_window
        ):
            self._users[sender].pop()  # not answered: it does not count against the sender
            return "drop"
        return "ok"

    def _take(
        self, windows: dict[int, deque[float]], key: int, now: float, cap: int, span: float
    ) -> bool:
        """Count one more in ``key``'s window unless it is full; False when full."""
        if len(windows) > MAX_TRACKED:
            self._sweep(windows, now, span)
        window = windows.setdefault(key, deque())
        while window and window[0] <= now - span:
            window.popleft()
        if len(window) >= cap:
            return False
        window.append(now)
        return True

    def _sweep(self, windows: dict[int, deque[float]], now: float, span: float) -> None:
        for key in [k for k, w in windows.items() if not w or w[-1] <= now - span]:
            del windows[key]
            self._warned.discard(key)


def chat_key(update: object) -> int | None:
    """Whose turn an update waits for: its chat, else its user (inline queries)."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None


class ChatOrdered(BaseUpdateProcessor):
    """In order within a chat, concurrent across chats (see the module doc). ``done`` is
    awaited after each update's handlers have run, whatever they did (the journal's
    ``handled``)."""

    def __init__(
        self,
        max_concurrent_updates: int = 64,
        *,
        done: Callable[[object], Awaitable[None]] | None = None,
    ) -> None:
        super().__init__(max_concurrent_updates)
        self._queues: dict[int, deque[tuple[object, Awaitable[Any]]]] = {}
        self.done = done

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_key(update)
        if key is None:
            try:
                await coroutine
            except Exception:  # as below: the error handler's; the update was handled
                log.exception("update processing failed")
            await self._done(update)
            return
        queue = self._queues.get(key)
        if queue is not None:  # the chat's worker is busy: it takes this in turn
            queue.append((update, coroutine))
            return
        queue = self._queues[key] = deque([(update, coroutine)])
        try:
            while queue:
                taken, work = queue.popleft()
                try:
                    await work
                except Exception:  # PTB's own errors are its error handler's; never stop the queue
                    log.exception("update processing failed in chat %s", key)
                await self._done(taken)
        finally:
            del self._queues[key]
            for _, left in queue:  # stopped mid-queue: nothing may stay un-awaited
                if iscoroutine(left):
                    left.close()

    async def _done(self, update: object) -> None:
        if self.done is not None:
            await self.done(update)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        for queue in self._queues.values():
            for _, left in queue:
                if iscoroutine(left):
                    with contextlib.suppress(RuntimeError):
                        left.close()
            queue.clear()
