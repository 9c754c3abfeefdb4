"""Riding out a Bot API outage: back off per row, hold the outbox while the API is down.

The request backend reports every call's outcome (``api_outcome``) into ``RuntimeState``:
several calls failing in a row (5xx, network errors, timeouts) make the API *failing*, one
answer ends it. While it is failing the sender takes no new rows and ``ApiGate.ride_out``
probes with ``getMe`` (1 s, doubling, jittered, at most ``probe_cap`` apart); when a probe
fails the outage is real and counted (``outages``). Once the API answers, the rows that were
waiting out a transient error are due at once, so recovery costs one probe interval, not a
row's whole backoff.

A read timeout is ambiguous (Telegram may have delivered the message): the row is held
(``AMBIGUOUS_HOLD``) and decided when it comes back. Sent again if an outage was counted
while or after it timed out (a partition: nothing arrived), given up as ``ambiguous``
otherwise (a slow answer from a working API: it very likely arrived).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import random
from collections.abc import Callable

from telegram import Bot
from telegram.error import RetryAfter, TelegramError

from bot.ops.health import RuntimeState
from bot.ops.metrics import Metrics

log = logging.getLogger(__name__)

BACKOFF_CAP = 60.0  # s: the longest wait between two tries of one row
PROBE_FIRST = 1.0  # s before the first probe
PROBE_CAP = 15.0  # s: the longest wait between two probes
AMBIGUOUS_HOLD = dt.timedelta(seconds=10)  # a timed-out row waits this long to be decided


def backoff(attempts: int, *, cap: float = BACKOFF_CAP) -> dt.timedelta:
    """The wait before the next try after ``attempts`` failed ones: 2^n s (≤ cap), jittered
    down to half so a crowd of rows that failed together does not come back together."""
    seconds = min(cap, 2.0 ** min(attempts, 16))
    return dt.timedelta(seconds=seconds * random.uniform(0.5, 1.0))


def api_outcome(
    runtime: RuntimeState, metrics: Metrics, now: Callable[[], dt.datetime]
) -> Callable[[str | None], None]:
    """The request backend's hook: ``None`` for an answer, else the reason a call failed."""

    def record(failure: str | None) -> None:
        if failure is None:
            if runtime.api_fault is not None and runtime.api_ok():
                log.info("Telegram Bot API answers again")
            return
        metrics.api_error()
        if runtime.api_failed(now(), failure):
            log.warning("Telegram Bot API failing (%s): holding the outbox", failure)

    return record


class ApiGate:
    """The sender's view of the API: wait while it is failing; what a timeout means."""

    def __init__(
        self,
        runtime: RuntimeState,
        bot: Bot,
        *,
        probe_cap: float = PROBE_CAP,
        stopping: asyncio.Event,
    ) -> None:
        self.runtime = runtime
        self.bot = bot
        self.probe_cap = probe_cap
        self.stopping = stopping
        self.outages = 0  # probes that failed: real outages counted so far
        self._in_outage = False
        self._timed_out: dict[int, int] = {}  # row id → outages when its send timed out

    @property
    def open(self) -> bool:
        return not self.runtime.api_failing

    async def ride_out(self) -> bool:
        """Probe until the API answers (or the sender stops); True if it was a real outage."""
        delay, real = PROBE_FIRST, False
        while self.runtime.api_failing and not self.stopping.is_set():
            try:
                await self.bot.get_me()
            except RetryAfter:  # an answer: the API is up, only busy
                self.runtime.api_ok()
            except TelegramError as exc:
                if not real:
                    real, self._in_outage = True, True
                    self.outages += 1
                    log.warning("Telegram Bot API unreachable (%s): probing", exc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stopping.wait(), delay * random.uniform(0.5, 1))
                delay = min(delay * 2, self.probe_cap)
            else:
                self.runtime.api_ok()
        self._in_outage = False
        return real

    def timed_out(self, row_id: int) -> None:
        """A send of this row timed out while reading the answer (it may have arrived)."""
        self._timed_out[row_id] = -1 if self._in_outage else self.outages

    def resend(self, row_id: int) -> bool | None:
        """For a row that timed out: send again (an outage since), or not (None: the row did
        not time out in this process — after a restart nobody knows, so it is sent)."""
        seen = self._timed_out.pop(row_id, None)
        if seen is None:
            return None
        return seen != self.outages
