"""Telegram's flood limits for sending, with retry_after computed from the windows.

- global: at most ``global_per_s`` messages in any second (``allow_paid_broadcast`` raises the
  cap to ``paid_per_s``; paid and ordinary messages share the window);
- a private chat: a token bucket of ``private_burst`` messages refilled at ``private_per_s``
  (strict mode: a burst of 1, so the second message within a second is refused);
- a group or channel: at most ``group_per_min`` messages in any 60 seconds.

A refused message is not counted, and its ``retry_after`` is the whole seconds until the window
lets it through: a client that waits that long (and sends nothing else) succeeds. The clock is
injectable (a monotonic ``() -> float``), so tests move time instead of sleeping.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

Clock = Callable[[], float]
GROUP_WINDOW = 60.0


@dataclass
class FloodConfig:
    """The limits; change them at run time (``sb.flood.strict = True``) or replace the config."""

    enabled: bool = True
    strict: bool = False
    global_per_s: int = 30
    private_per_s: float = 1.0
    private_burst: int = 3
    group_per_min: int = 20
    paid_per_s: int = 1000

    @property
    def burst(self) -> int:
        return 1 if self.strict else max(1, self.private_burst)


@dataclass(frozen=True, slots=True)
class FloodHit:
    """One 429: which limit refused which chat, and the retry_after it answered."""

    method: str
    chat_id: int
    limit: str  # "global", "private" or "group"
    retry_after: int
    at: float


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class FloodControl:
    """The windows; ``check`` refuses (returning retry_after) or records a send."""

    config: FloodConfig
    clock: Clock
    hits: list[FloodHit] = field(default_factory=list)
    _global: deque[float] = field(default_factory=deque)
    _groups: dict[int, deque[float]] = field(default_factory=dict)
    _private: dict[int, _Bucket] = field(default_factory=dict)

    def reset(self) -> None:
        """Forget every window and hit."""
        self._global.clear()
        self._groups.clear()
        self._private.clear()
        self.hits.clear()

    def check(self, method: str, chat_id: int, *, private: bool, paid: bool = False) -> int | None:
        """None if a message to ``chat_id`` may go now (and count it), else its retry_after."""
        config = self.config
        if not config.enabled:
            return None
        now = self.clock()
        waits: list[tuple[float, str]] = []
        while self._global and self._global[0] <= now - 1.0:
            self._global.popleft()
        cap = max(1, config.paid_per_s if paid else config.global_per_s)
        if len(self._global) >= cap:
            waits.append((self._global[len(self._global) - cap] + 1.0 - now, "global"))
        if private:
            bucket = self._private.get(chat_id) or _Bucket(float(config.burst), now)
            rate = max(config.private_per_s, 1e-9)
            tokens = min(float(config.burst), bucket.tokens + (now - bucket.updated) * rate)
            if tokens < 1.0:
                waits.append(((1.0 - tokens) / rate, "private"))
        else:
            window = self._groups.setdefault(chat_id, deque())
            while window and window[0] <= now - GROUP_WINDOW:
                window.popleft()
            cap = max(1, config.group_per_min)
            if len(window) >= cap:
                waits.append((window[len(window) - cap] + GROUP_WINDOW - now, "group"))
        if waits:
            wait, limit = max(waits)
            retry_after = max(1, math.ceil(wait - 1e-9))
            self.hits.append(
                FloodHit(method, chat_id, limit=limit, retry_after=retry_after, at=now)
            )
            return retry_after
        self._global.append(now)
        if private:
            self._private[chat_id] = _Bucket(tokens - 1.0, now)
        else:
            self._groups[chat_id].append(now)
        return None
