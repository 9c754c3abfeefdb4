"""One pace for everything the bot sends, so Telegram never has to answer 429.

PTB routes every Bot API call through ``Limiter.process_request``. A message to a chat first
waits for that chat (>= 1 s after the previous message to a private chat; at most 20 in any
60 s to a group or channel), then for a global slot: one dispatcher hands out slots at the
configured rate, interactive replies (priority 0) ahead of broadcasts (higher numbers). A
``RetryAfter`` pauses all sending until its deadline and the request is tried again, and the
pace slows down, speeding back up gradually as sends succeed.

Telegram counts a message when its request arrives, some unknown time after the slot was
handed out (the event loop's delay, a new connection, the network), and that time varies from
one request to the next: pacing the slots alone lets two messages arrive closer than they left
(a 429 from a private chat after a long /today under load; at ``rate = 30`` 31 arrivals in a
second once the first requests of a fresh process are slow and later ones fast). So the
limits are kept on what Telegram can have counted, whatever the delays: Telegram counted each
message before it answered, so a chat is paced from the *answer* to its previous message (its
lock is held for the call), and a new slot is handed out only while fewer than ``rate``
requests are in flight or were answered within the last second (any second at Telegram then
holds at most ``rate``: the last of them to start saw all the others in flight or recent).

A new limiter starts as if the second before it had been full (the same bot may have been
sending at full pace until a ``kill -9`` a moment ago, and Telegram still counts that): for
its first second, broadcasts wait (a broadcast to a private chat a chat interval); replies
to commands are not held.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import heapq
import itertools
import logging
import math
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

JSON = bool | dict[str, Any] | list[dict[str, Any]]
GROUP_WINDOW = 61.0  # Telegram's 60 s, plus a second to spare
GLOBAL_WINDOW = 1.0  # s: Telegram's global limit is per second
MARGIN = 1.03  # pace a little under the limits: requests arrive with jitter
CATCH_UP = 0.02  # s: slots handed out this late (coarse timers, a busy loop) are made up for
PRUNE_EVERY = 30.0  # s between sweeps of the per-chat state of chats that may be sent to now
INTERACTIVE, BROADCAST = 0, 10


@dataclass(frozen=True, slots=True)
class Send:
    """``rate_limit_args`` of a call: its priority, and how often to retry after a 429."""

    priority: int = INTERACTIVE
    max_retries: int = 3
    paid: bool = False
    go: Callable[[], bool] | None = None  # asked when its turn comes: False withholds it


class Withheld(Exception):
    """A send its caller called off while it waited for its turn (``Send.go``; the sender
    halted: another instance leads): nothing went out."""


def retry_seconds(exc: RetryAfter) -> float:
    """RetryAfter.retry_after as seconds (PTB gives an int or a timedelta)."""
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def is_counted(endpoint: str) -> bool:
    """Calls that put a message into a chat, or change one there (Telegram's flood limits
    apply to these)."""
    name = endpoint.lower()
    if name.startswith("edit"):
        return name in ("editmessagetext", "editmessagereplymarkup", "editmessagecaption")
    return name.startswith(("send", "copymessage", "forwardmessage")) and name != "sendchataction"


class Limiter(BaseRateLimiter[Send]):
    """The bot's rate limiter; ``rate`` messages/s overall, ``paid_rate`` on the paid lane."""

    def __init__(
        self,
        *,
        rate: float = 25.0,
        paid_rate: float = 1000.0,
        private_interval: float = 1.0 * MARGIN,
        group_per_minute: int = 20,
        clock: Callable[[], float] = time.monotonic,
        on_throttled: Callable[[float], None] | None = None,
    ) -> None:
        self.rate = rate
        self.on_throttled = on_throttled  # told the retry_after of every 429
        self.paid_rate = paid_rate
        self.private_interval = private_interval
        self.group_per_minute = group_per_minute
        self.clock = clock
        self.retry_after_total = 0.0
        self.throttled = 0
        self._slow = 1.0  # pace factor after a 429, back to 1.0 gradually
        self._paused_until = 0.0
        self._next_slot = 0.0
        self._heap: list[tuple[int, int, asyncio.Future[None], bool]] = []
        self._seq = itertools.count()
        self._wake = asyncio.Event()
        # the global window (module doc): requests in flight, and when recent ones were answered
        # (all of them: the paid lane's budget; ordinary ones: the ordinary lane's)
        self._in_flight = {False: 0, True: 0}
        self._answered: dict[bool, deque[float]] = {False: deque(), True: deque()}
        self._chat_next: dict[int, float] = {}
        self._chat_locks: dict[int, asyncio.Lock] = {}
        self._chat_turns: dict[int, int] = {}  # chat -> sends holding or awaiting its lock
        self._groups: dict[int, deque[float]] = {}
        self._pruned_at = 0.0
        self._task: asyncio.Task[None] | None = None
        self._born = clock()  # as if the second before this had been full (module doc)

    async def initialize(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._dispatch(), name="digestbot-pace")

    async def shutdown(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for _, _, future, _ in self._heap:
            future.cancel()
        self._heap.clear()

    def pause(self, seconds: float) -> None:
        """Stop handing out slots for ``seconds`` (after a 429) and slow the pace down."""
        self._paused_until = max(self._paused_until, self.clock() + seconds)
        self._slow = min(self._slow * 1.5, 4.0)
        self._wake.set()

    def _window_opens(self, paid: bool, now: float) -> float:
        """When a request of the lane may start without making a second at Telegram hold more
        than the lane's budget (``now`` if it may now, ``inf``: when one in flight ends)."""
        answered = self._answered[True]
        while answered and answered[0] <= now - GLOBAL_WINDOW:
            answered.popleft()
        ordinary = self._answered[False]
        while ordinary and ordinary[0] <= now - GLOBAL_WINDOW:
            ordinary.popleft()
        if paid:  # every message counts against the paid lane's budget
            budget = max(1, int(self.paid_rate))
            busy = self._in_flight[False] + self._in_flight[True]
        else:  # the ordinary lane's: ordinary messages only (the paid lane has its own)
            budget, busy, answered = max(1, int(self.rate)), self._in_flight[False], ordinary
        if busy >= budget:
            return math.inf
        over = busy + len(answered) - budget  # this many answered ones must leave the window
        return now if over < 0 else answered[over] + GLOBAL_WINDOW

    async def _dispatch(self) -> None:
        while True:
            while not self._heap:
                self._wake.clear()
                await self._wake.wait()
            now = self.clock()
            priority, _, head, paid = self._heap[0]
            if head.done():  # given up while waiting (cancelled)
                heapq.heappop(self._heap)
                continue
            start = max(now, self._next_slot, self._paused_until)
            if priority >= BROADCAST:
                start = max(start, self._born + 1.0)
            start = max(start, self._window_opens(paid, now))
            if start > now:
                self._wake.clear()
                wait = None if math.isinf(start) else start - now
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), wait)
                continue
            heapq.heappop(self._heap)
            self._in_flight[paid] += 1
            head.set_result(None)
            rate = self.paid_rate if paid else self.rate
            # Slots stay on their grid when handed out a little late (the loop wakes up to a
            # millisecond or two after the timer, which at 1000/s would halve the pace); after
            # an idle spell the grid restarts from now. The extra burst this allows is under
            # CATCH_UP * rate messages, and the window above holds whatever the delays.
            self._next_slot = max(now - CATCH_UP, self._next_slot) + self._slow * MARGIN / rate
            self._slow = max(1.0, self._slow * 0.99)

    async def _slot(self, send: Send) -> None:
        """Wait for a global slot; the caller then sends and calls ``_answered_now``."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._heap, (send.priority, next(self._seq), future, send.paid))
        self._wake.set()
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():  # given a slot it will not use
                self._answered_now(send)
            raise

    def _answered_now(self, send: Send) -> None:
        """A request that had a slot is over (answered, failed or given up): it stays in the
        window for a second from now (Telegram counted it, if at all, before now)."""
        now = self.clock()
        self._in_flight[send.paid] -= 1
        self._answered[True].append(now)
        if not send.paid:
            self._answered[False].append(now)
        self._wake.set()

    async def _paced(self, send: Send, call: Callable[[], Coroutine[Any, Any, JSON]]) -> JSON:
        await self._slot(send)
        try:
            if send.go is not None and not send.go():
                raise Withheld
            return await call()
        finally:
            self._answered_now(send)

    async def _to_chat(
        self, chat_id: int, send: Send, call: Callable[[], Coroutine[Any, Any, JSON]]
    ) -> JSON:
        """Wait until the chat may get another message, take a global slot and send; the
        chat is paced from the answer (its lock is held until then)."""
        self._prune()
        lock = self._chat_locks.setdefault(chat_id, asyncio.Lock())
        self._chat_turns[chat_id] = self._chat_turns.get(chat_id, 0) + 1
        try:
            async with lock:
                await self._chat_ready(chat_id, send)
                try:
                    result = await self._paced(send, call)
                except RetryAfter:
                    raise  # refused: Telegram did not count it
                except BaseException:
                    self._chat_sent(chat_id)  # it may have been delivered all the same
                    raise
                self._chat_sent(chat_id)
                return result
        finally:
            left = self._chat_turns.pop(chat_id) - 1
            if left:
                self._chat_turns[chat_id] = left
            else:
                del self._chat_locks[chat_id]

    def _prune(self) -> None:
        """Forget the pace of chats that may be sent to now (a push reaches every chat once:
        kept, their state would grow with the number of chats)."""
        now = self.clock()
        if now - self._pruned_at < PRUNE_EVERY:
            return
        self._pruned_at = now
        busy = self._chat_turns
        self._chat_next = {c: t for c, t in self._chat_next.items() if t > now or c in busy}
        self._groups = {
            c: w
            for c, w in self._groups.items()
            if (w and w[-1] > now - GROUP_WINDOW) or c in busy
        }

    async def _chat_ready(self, chat_id: int, send: Send) -> None:
        """Sleep until the chat may get another message (its lock held)."""
        if chat_id < 0:
            window = self._groups.setdefault(chat_id, deque())
            while window and window[0] <= self.clock() - GROUP_WINDOW:
                window.popleft()
            if len(window) < self.group_per_minute:
                return
            ready = window[-self.group_per_minute] + GROUP_WINDOW
        else:
            # see the module doc: a broadcast's first message to a private chat, just started
            fresh = send.priority >= BROADCAST
            first = self._born + self.private_interval if fresh else 0.0
            ready = self._chat_next.get(chat_id, first)
        wait = ready - self.clock()
        if wait > 0:
            await asyncio.sleep(wait)

    def _chat_sent(self, chat_id: int) -> None:
        """A message to the chat was answered now (Telegram counted it before)."""
        now = self.clock()
        if chat_id < 0:
            self._groups.setdefault(chat_id, deque()).append(now)
        else:
            self._chat_next[chat_id] = now + self.private_interval

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSON]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Send | None,
    ) -> JSON:
        send = rate_limit_args or Send(paid=bool(data.get("allow_paid_broadcast")))
        chat_id = _chat_id(data.get("chat_id"))

        def call() -> Coroutine[Any, Any, JSON]:
            return callback(*args, **kwargs)

        for attempt in itertools.count():
            try:
                counted = is_counted(endpoint)
                if counted and chat_id is not None:
                    return await self._to_chat(chat_id, send, call)
                if counted or endpoint.lower().startswith("edit"):  # to @channel, inline edits
                    return await self._paced(send, call)
                return await call()
            except RetryAfter as exc:
                seconds = retry_seconds(exc)
                self.throttled += 1
                self.retry_after_total += seconds
                if self.on_throttled is not None:
                    self.on_throttled(seconds)
                log.warning("Telegram asked to wait %.0f s (%s to %s)", seconds, endpoint, chat_id)
                self.pause(seconds)
                if attempt >= send.max_retries:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover


def _chat_id(value: object) -> int | None:
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return int(value)
    return None  # @channelusername: no per-chat pacing, the global pace still applies
