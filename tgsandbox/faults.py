"""Faults on demand: 5xx answers, dropped connections, slow answers, 429s, a partition — seedable.

Each Bot API request draws one number: below ``error_rate`` it gets a Telegram-like 5xx body,
then ``drop_rate`` closes the connection without an answer, then ``slow_rate`` answers only
after ``slow_seconds`` (the request still takes effect: a client that timed out cannot know),
then ``throttle_rate`` answers 429 "Too Many Requests: retry after ``throttle_retry_after``"
(with ``parameters.retry_after``, as flood control does), then ``late_rate`` reaches Telegram
only ``late_seconds`` after it was sent (latency on the way in, which varies from one request
to the next: it takes effect, and flood limits count it, when it arrives). A 5xx, a drop and a
429 have no effect. ``methods`` limits these draws to some methods.

``partition`` is a network partition between the bot and Telegram: while it is true every new
request (any method, any token, file downloads too; ``methods`` spares none) is held and never
reaches Telegram: no effect, no answer; it is counted in ``faults_partitioned`` (a Bot API call
is logged too, with status 0). When it ends (``sb.faults = …``, ``sb.faults.partition = False``
or the control API's config) or the server stops, each held connection is closed without an
answer, like a drop; later requests are served as usual. Requests already running when it
starts (a long poll) are not cut, and webhook delivery goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

SERVER_ERRORS: tuple[tuple[int, str], ...] = (
    (500, "Internal Server Error"),
    (502, "Bad Gateway"),
)
PARTITION_POLL = 0.05  # seconds: how soon a held request sees `faults.partition = False`


@dataclass
class FaultConfig:
    """How often each fault happens; ``methods`` limits them to some methods (empty: all).

    ``partition`` holds every request while it is true (see the module docstring).
    """

    error_rate: float = 0.0
    slow_rate: float = 0.0
    slow_seconds: float = 5.0
    drop_rate: float = 0.0
    seed: int | None = None
    methods: tuple[str, ...] = ()
    throttle_rate: float = 0.0
    throttle_retry_after: int = 5
    partition: bool = False
    late_rate: float = 0.0
    late_seconds: float = 0.2


@dataclass
class Faults:
    """Draws the fault of each request from a random generator seeded by ``config.seed``."""

    config: FaultConfig = field(default_factory=FaultConfig)
    _rng: random.Random = field(default_factory=random.Random)
    _seed: int | None = None
    _wake: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.reseed()

    def reseed(self) -> None:
        self._seed = self.config.seed
        self._rng = random.Random(self._seed)

    def draw(self, method: str) -> str | None:
        """ "error", "drop", "slow", "throttle", "late" or None for one request to ``method``."""
        config = self.config
        if config.seed != self._seed:
            self.reseed()
        if config.methods and method not in config.methods:
            return None
        rates = (
            ("error", config.error_rate),
            ("drop", config.drop_rate),
            ("slow", config.slow_rate),
            ("throttle", config.throttle_rate),
            ("late", config.late_rate),
        )
        if all(rate <= 0 for _, rate in rates):
            return None
        u, bound = self._rng.random(), 0.0
        for fault, rate in rates:
            bound += rate
            if u < bound:
                return fault
        return None

    def server_error(self) -> dict[str, Any]:
        """A 5xx body as Telegram's front end sends it."""
        code, text = self._rng.choice(SERVER_ERRORS)
        return {"ok": False, "error_code": code, "description": text}

    def wake(self) -> None:
        """Make held requests look at the partition again (a new config, the server closing)."""
        self._wake.set()
        self._wake = asyncio.Event()

    async def partitioned(self, closing: Callable[[], bool]) -> None:
        """Return once the partition is over or ``closing()`` (the server stops).

        ``wake`` ends the wait at once; a plain ``config.partition = False`` is seen within
        ``PARTITION_POLL`` seconds.
        """
        while self.config.partition and not closing():
            wake = self._wake
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(PARTITION_POLL):
                    await wake.wait()
