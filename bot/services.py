"""Typed access to what handlers and jobs share: the config, the store, the clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp
from telegram.ext import CallbackContext, ExtBot

from bot.ops.flood import Throttle
from bot.ops.health import RuntimeState
from bot.ops.metrics import Metrics
from bot.search.matching import AlertIndex
from bot.store.database import Store

from .config import Config


class Waker(Protocol):
    """The sender, as handlers see it: told that the outbox has new rows."""

    def wake(self) -> None: ...


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class LiveAlerts:
    """The alert index of every active chat, kept current as alerts and chats change."""

    def __init__(self, store: Store) -> None:
        self.store = store
        alerts = store.chats.alerts()
        self.index = AlertIndex(alerts)
        self.version = 0  # changes whenever the index does
        self._by_chat: dict[int, set[int]] = {}
        for alert in alerts:
            self._by_chat.setdefault(alert.chat_id, set()).add(alert.id)

    def reload_chat(self, chat_id: int) -> None:
        """Re-read one chat's alerts (after /alert, ✖, blocking, migration…)."""
        self.version += 1
        for alert_id in self._by_chat.pop(chat_id, set()):
            self.index.remove(alert_id)
        chat = self.store.chats.get_chat(chat_id)
        if chat is None or not chat.active:
            return
        for alert in self.store.chats.alerts(chat_id):
            self.index.add(alert)
            self._by_chat.setdefault(chat_id, set()).add(alert.id)


@dataclass(frozen=True, slots=True)
class Services:
    config: Config
    store: Store
    now: Callable[[], dt.datetime] = utcnow
    alerts: LiveAlerts | None = None
    http: aiohttp.ClientSession | None = None  # remote sources
    metrics: Metrics = field(default_factory=Metrics)
    runtime: RuntimeState = field(default_factory=lambda: RuntimeState(started_at=utcnow()))

    def alerts_changed(self, *chat_ids: int) -> None:
        if self.alerts is not None:
            for chat_id in chat_ids:
                self.alerts.reload_chat(chat_id)


class BotData:
    """``application.bot_data``: PTB creates it; the composition root sets ``services``.

    The rest is short-lived memory of the running bot (never needed after a restart).
    """

    services: Services

    def __init__(self) -> None:
        self.pusher: Waker | None = None
        self.admin_cache: dict[tuple[int, int], tuple[float, bool]] = {}
        self.throttle = Throttle()
        self.operator_menus: set[int] = set()  # admins whose command menu was set


BotContext = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]
