"""Typed access to what handlers and jobs share: the config, the store, the clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telegram.ext import CallbackContext, ExtBot

from .config import Config
from .store import Store


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class Services:
    config: Config
    store: Store
    now: Callable[[], dt.datetime] = utcnow


class BotData:
    """``application.bot_data``: PTB creates it; the composition root sets ``services``.

    The rest is short-lived memory of the running bot (never needed after a restart).
    """

    services: Services

    def __init__(self) -> None:
        self.admin_cache: dict[tuple[int, int], tuple[float, bool]] = {}
        self.recent_commands: dict[int, list[float]] = {}
        self.warned_slow: set[int] = set()


BotContext = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]
