"""The paid broadcast lane's daily cap, counted in blocks.

``push.paid_daily_cap`` paid-lane messages a UTC day, counted in the database (``paid_usage``:
restarts and several instances share it). Counting each message took a write of its own before
it went out, a trip to the writer thread and a commit per message. The sender reserves them
``BLOCK`` at a time instead (never past the cap: the database grants what the cap leaves),
hands them out from memory, and gives back what it did not use when it stops or the UTC day
changes. The cap is never exceeded; a ``kill -9`` leaves at most a block counted that was not
sent, so the day's paid messages err low, never over the cap.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time

from bot.services import Services

log = logging.getLogger(__name__)

BLOCK = 64  # paid messages reserved at a time (at 1000/s: 16 writes a second, not 1000)
RECHECK = 5.0  # s: once the cap is reached, how long before the database is asked again


class PaidLane:
    """Today's paid-lane messages for one sender: ``take`` one, ``give_back`` the rest."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._day = ""
        self._left = 0  # reserved for ``_day`` and not used yet
        self._capped_at: float | None = None  # monotonic: when the cap was found reached
        self._lock = asyncio.Lock()

    async def take(self, now: dt.datetime) -> bool:
        """One of today's paid-lane messages (UTC day of ``now``), when the cap leaves one."""
        day = now.astimezone(dt.UTC).date().isoformat()
        if self._left and self._day == day:
            self._left -= 1
            return True
        async with self._lock:  # one reservation at a time; the others wait for its block
            if self._day != day:
                await self.give_back()
                self._day, self._capped_at = day, None
            if not self._left and not self._capped():
                cap = self.services.config.push.paid_daily_cap
                self._left = await self.services.db.write(
                    lambda store: store.outbox.reserve_paid(day, cap=cap, want=BLOCK)
                )
                self._capped_at = None if self._left else time.monotonic()
            if not self._left:
                return False
            self._left -= 1
            return True

    def _capped(self) -> bool:
        at = self._capped_at
        return at is not None and time.monotonic() - at < RECHECK

    async def give_back(self) -> None:
        """Return the reserved messages not sent (the sender stops, or the day changed)."""
        day, left, self._left = self._day, self._left, 0
        if left:
            await self.services.db.write(lambda store: store.outbox.give_back_paid(day, left))
            log.debug("paid lane: %d reserved messages of %s given back", left, day)
