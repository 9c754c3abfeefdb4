"""A chat's manners: its quiet hours and silent delivery — the one place that decides when a
push may ring and whether it does.

Quiet hours (``/settings quiet 22:00-07:30``, in the chat's time zone; a window may cross
midnight): nothing of the outbox goes to the chat inside them (corrections included: their
note of an edited edition is a message too). The sender meets a row that falls inside and
moves it to the window's end (``held_until``): the same row, due later — neither dropped nor
sent twice, and a restart finds it where it was. Replies to commands are
not outbox rows, so a chat that asks is answered at any hour. A silent chat gets every push
with ``disable_notification`` (``send_options``).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

from bot.config import Config
from bot.store.database import Store
from bot.store.lease import Fence
from bot.store.outbox import Delivery

_WINDOW = re.compile(r"\s*(\d{1,2}):(\d{2})\s*[-–~到至]\s*(\d{1,2}):(\d{2})\s*")
OFF_WORDS = frozenset({"off", "none", "no", "关", "无", "0"})


def parse_quiet(value: str) -> str | None:
    """``22:00-07:30`` (or ``22:00 - 7:30``, ``22:00~07:30``) → ``"22:00-07:30"``; ``off`` → "";
    None when it is neither (or the window is empty)."""
    if value.strip().lower() in OFF_WORDS:
        return ""
    m = _WINDOW.fullmatch(value)
    if m is None:
        return None
    start, end = (int(m[1]), int(m[2])), (int(m[3]), int(m[4]))
    if max(start[0], end[0]) > 23 or max(start[1], end[1]) > 59 or start == end:
        return None
    return f"{start[0]:02d}:{start[1]:02d}-{end[0]:02d}:{end[1]:02d}"


def window(quiet: str) -> tuple[dt.time, dt.time] | None:
    """A stored window (``parse_quiet``'s) as (start, end); None for none."""
    if not quiet:
        return None
    start, _, end = quiet.partition("-")
    return dt.time.fromisoformat(start), dt.time.fromisoformat(end)


def quiet_end(quiet: str, zone: str, now: dt.datetime) -> dt.datetime | None:
    """When the chat's quiet hours that hold ``now`` end; None when ``now`` is not in them."""
    found = window(quiet)
    if found is None:
        return None
    start, end = found
    local = now.astimezone(ZoneInfo(zone))
    time, day = local.time(), local.date()
    if start < end:
        inside = start <= time < end
    else:  # across midnight: from start tonight to end tomorrow morning
        inside = time >= start or time < end
        if time >= start:
            day += dt.timedelta(days=1)
    if not inside:
        return None
    return dt.datetime.combine(day, end, tzinfo=ZoneInfo(zone))


def held_until(row: Delivery, config: Config, now: dt.datetime) -> dt.datetime | None:
    """When a row that would go out ``now`` may go (its chat's quiet hours end then), or None:
    it goes now. A delivery already under way is finished."""
    if row.part or not row.chat.quiet:
        return None
    zone = row.chat.timezone or config.push.timezone
    return quiet_end(row.chat.quiet, zone, now)


def hold(
    store: Store, *, row: Delivery, until: dt.datetime, now: dt.datetime, fence: Fence | None
) -> None:
    """The row waits for the end of its chat's quiet hours (not an attempt, not an error)."""
    store.outbox.retry_later(
        row.id, at=until, error="quiet hours", now=now, count=False, fence=fence
    )


def send_options(row: Delivery) -> dict[str, Any]:
    """What every message of a push carries for its chat: no sound for a silent chat."""
    return {"disable_notification": True} if row.chat.silent else {}
