"""Typed access to what handlers and jobs share: the config, the database, the clock."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

import aiohttp
from telegram import Update
from telegram.ext import CallbackContext, ExtBot

from bot.ops.flood import Throttle
from bot.ops.health import RuntimeState
from bot.ops.metrics import Metrics
from bot.search.matching import AlertIndex
from bot.store.database import Store
from bot.store.gateway import Db
from bot.store.readers import Alert

from .config import Config

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Lru(Generic[K, V]):
    """A bounded memory of the running bot (rendered editions, roundups, charts): the last
    ``size`` values asked for, the least recently used out first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._values: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._values.get(key)
        if value is not None:
            self._values.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._values[key] = value
        self._values.move_to_end(key)
        while len(self._values) > self.size:
            self._values.popitem(last=False)

    def __len__(self) -> int:
        return len(self._values)


class Waker(Protocol):
    """The sender, as handlers see it: told that the outbox has new rows."""

    def wake(self) -> None: ...


class Forwarder(Protocol):
    """Instances sharing a database (``ops.handover``): the leader's work, handed over while
    this instance follows."""

    def follows(self) -> bool: ...

    async def forward(self, update: Update) -> None: ...


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class LiveAlerts:
    """The alert index of every active chat, kept current as alerts and chats change.

    Lives on the event loop (matching is a few microseconds an item); what it reads of the
    database is read in the database's threads."""

    def __init__(self, alerts: list[Alert]) -> None:
        alerts = live(alerts)
        self.index = AlertIndex(alerts)
        self.version = 0  # changes whenever the index does
        self._by_chat: dict[int, set[int]] = {}
        for alert in alerts:
            self._by_chat.setdefault(alert.chat_id, set()).add(alert.id)

    @classmethod
    async def load(cls, db: Db) -> LiveAlerts:
        return cls(await db.read(lambda store: store.chats.alerts()))

    async def catch_up(self, db: Db) -> int:
        """Follow what other instances sharing the database changed: the chats whose alerts
        differ from the index are read again; how many."""
        stored = await db.read(lambda store: store.chats.alert_owners())
        changed = [
            chat_id
            for chat_id in stored.keys() | self._by_chat.keys()
            if stored.get(chat_id, frozenset()) != self._by_chat.get(chat_id, set())
        ]
        if changed:
            await self.reload_chats(db, changed)
        return len(changed)

    async def reload_chats(self, db: Db, chat_ids: Sequence[int]) -> None:
        """Re-read these chats' alerts (after /alert, ✖, blocking, migration…)."""
        wanted = list(chat_ids)
        found = await db.read(lambda store: _active_alerts(store, wanted))
        self.version += 1
        for chat_id in wanted:
            for alert_id in self._by_chat.pop(chat_id, set()):
                self.index.remove(alert_id)
            for alert in live(found.get(chat_id, [])):
                self.index.add(alert)
                self._by_chat.setdefault(chat_id, set()).add(alert.id)


def live(alerts: list[Alert]) -> list[Alert]:
    """The alerts that go out as they come (the others wait for their digest of alerts)."""
    return [a for a in alerts if a.cadence == "now"]


def _active_alerts(store: Store, chat_ids: list[int]) -> dict[int, list[Alert]]:
    """The alerts of each of these chats that is active (an inactive chat alerts nothing)."""
    found: dict[int, list[Alert]] = {}
    for chat_id in chat_ids:
        chat = store.chats.get_chat(chat_id)
        if chat is not None and chat.active:
            found[chat_id] = store.chats.alerts(chat_id)
    return found


@dataclass(frozen=True, slots=True)
class Services:
    config: Config
    db: Db
    now: Callable[[], dt.datetime] = utcnow
    alerts: LiveAlerts | None = None
    http: aiohttp.ClientSession | None = None  # remote sources
    metrics: Metrics = field(default_factory=Metrics)
    runtime: RuntimeState = field(default_factory=lambda: RuntimeState(started_at=utcnow()))
    ticking: asyncio.Lock = field(default_factory=asyncio.Lock)  # one tick at a time

    async def alerts_changed(self, *chat_ids: int) -> None:
        """These chats' alerts (or their state) changed: the live index follows."""
        if self.alerts is not None:
            await self.alerts.reload_chats(self.db, chat_ids)


class BotData:
    """``application.bot_data``: PTB creates it; the composition root sets ``services``.

    The rest is short-lived memory of the running bot (never needed after a restart).
    """

    services: Services

    def __init__(self) -> None:
        self.pusher: Waker | None = None
        self.handover: Forwarder | None = None  # several instances: the leader's work handed over
        self.throttle = Throttle()
        self.operator_menus: set[int] = set()  # admins whose command menu was set
        self.web_url = ""  # the [http] server's own address, once it listens (feed links)

    def planned(self) -> None:
        """New rows are in the outbox: the sender takes them now (a bot that sends nothing,
        such as the command line's, has no sender to wake)."""
        if self.pusher is not None:
            self.pusher.wake()


BotContext = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]
