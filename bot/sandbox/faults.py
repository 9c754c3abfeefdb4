"""Faults on demand: a share of 5xx answers, slow answers, dropped connections — seedable.

Each Bot API request draws one number: below ``error_rate`` it gets a Telegram-like 5xx body,
then ``drop_rate`` closes the connection without an answer, then ``slow_rate`` answers only
after ``slow_seconds`` (the request still takes effect: a client that timed out cannot know).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

SERVER_ERRORS: tuple[tuple[int, str], ...] = (
    (500, "Internal Server Error"),
    (502, "Bad Gateway"),
)


@dataclass
class FaultConfig:
    """How often each fault happens; ``methods`` limits them to some methods (empty: all)."""

    error_rate: float = 0.0
    slow_rate: float = 0.0
    slow_seconds: float = 5.0
    drop_rate: float = 0.0
    seed: int | None = None
    methods: tuple[str, ...] = ()


@dataclass
class Faults:
    """Draws the fault of each request from a random generator seeded by ``config.seed``."""

    config: FaultConfig = field(default_factory=FaultConfig)
    _rng: random.Random = field(default_factory=random.Random)
    _seed: int | None = None

    def __post_init__(self) -> None:
        self.reseed()

    def reseed(self) -> None:
        self._seed = self.config.seed
        self._rng = random.Random(self._seed)

    def draw(self, method: str) -> str | None:
        """ "error", "drop", "slow" or None for one request to ``method``."""
        config = self.config
        if config.seed != self._seed:
            self.reseed()
        if config.methods and method not in config.methods:
            return None
        if config.error_rate <= 0 and config.drop_rate <= 0 and config.slow_rate <= 0:
            return None
        u = self._rng.random()
        if u < config.error_rate:
            return "error"
        if u < config.error_rate + config.drop_rate:
            return "drop"
        if u < config.error_rate + config.drop_rate + config.slow_rate:
            return "slow"
        return None

    def server_error(self) -> dict[str, Any]:
        """A 5xx body as Telegram's front end sends it."""
        code, text = self._rng.choice(SERVER_ERRORS)
        return {"ok": False, "error_code": code, "description": text}
