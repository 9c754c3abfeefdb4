"""Worlds for the push tests: many chats at once, in the emulator and in the bot's store.

Chats are seeded straight through the Store API (no /start round trips), so a test with
hundreds of chats spends its time pushing, not typing commands. ``PaceLog`` records when the
emulator accepted each message, per chat, so a test can check the pace it saw.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

from bot.store.chats import ALL
from bot.store.database import Store
from tgsandbox import Sandbox
from tgsandbox.model import Chat, User

DAY = dt.date(2024, 3, 1)  # the push tests' edition day
SHANGHAI = dt.timezone(dt.timedelta(hours=8))  # the default push time zone


def edition_of(day: dt.date = DAY) -> str:
    """The push tests' edition of ``day``: three items, one of them on storage (100MW)."""
    return (
        f"---\ntitle: 每日碳新闻 {day}\n---\n==新闻==\n"
        "1. 全国碳市场配额成交量创新高。 https://example.org/1\n"
        "2. 新型储能电站并网，容量 100MW。 https://example.org/2\n"
        "3. 光伏组件价格下降，绿证交易活跃。 https://example.org/3\n"
    )


def edition_folder(tmp_path: Path, day: dt.date = DAY) -> Path:
    """A digests folder holding one edition (``edition_of``) named by its day."""
    folder = tmp_path / "digests"
    folder.mkdir()
    (folder / f"{day}.md").write_text(edition_of(day), "utf-8")
    return folder


def at(hour: int, minute: int = 0, *, day: dt.date = DAY) -> dt.datetime:
    """That day's time in the default push time zone."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


EDITION_HEADER = "每日碳新闻 · "  # the first line of every edition message
ALERT_HEADER = "🔔 提醒："  # the first line of an alert message


def add_readers(
    tg: Sandbox,
    store: Store,
    count: int,
    *,
    name: str = "reader",
    scopes: Iterable[str] | None = (ALL,),
    alerts: Sequence[str] = (),
    push_time: str | None = None,
) -> list[int]:
    """``count`` private chats with the bot, subscribed to ``scopes`` (None: not subscribed).

    Each gets one alert per term of ``alerts``; returns the chat ids.
    """
    ids = []
    with store.transaction():
        for n in range(count):
            user = tg.add_user(f"{name}{n}")
            chat = tg.private_chat(user)
            store.chats.ensure_chat(chat.id, type="private", title=user.first_name)
            _settle(store, chat.id, scopes, alerts, push_time)
            ids.append(chat.id)
    return ids


def add_group(
    tg: Sandbox,
    store: Store,
    title: str,
    admin: User,
    *,
    scopes: Iterable[str] | None = (ALL,),
    alerts: Sequence[str] = (),
    push_time: str | None = None,
) -> Chat:
    """A group the bot was added to, subscribed to ``scopes``."""
    group = tg.add_group(title, admins=[admin])
    store.chats.ensure_chat(group.id, type="group", title=title)
    _settle(store, group.id, scopes, alerts, push_time)
    return group


def add_channel(tg: Sandbox, store: Store, title: str, admin: User) -> Chat:
    """A channel with the bot as its admin, subscribed to everything."""
    channel = tg.add_channel(title, admins=[admin], bot_admin=True)
    store.chats.ensure_chat(channel.id, type="channel", title=title)
    store.chats.subscribe(channel.id)
    return channel


def add_forum_topic(
    tg: Sandbox, store: Store, title: str, admin: User, topic: str, *, scopes: Iterable[str]
) -> tuple[Chat, int]:
    """A forum supergroup subscribed from one of its topics; the chat and the thread id."""
    forum = tg.add_group(title, admins=[admin], forum=True)
    thread = tg.add_topic(forum, topic)
    store.chats.ensure_chat(forum.id, type="supergroup", title=title)
    store.chats.update_chat(forum.id, thread_id=thread)
    _settle(store, forum.id, scopes, (), None)
    return forum, thread


def _settle(
    store: Store,
    chat_id: int,
    scopes: Iterable[str] | None,
    alerts: Sequence[str],
    push_time: str | None,
) -> None:
    if scopes is not None:
        store.chats.set_scopes(chat_id, set(scopes))
    for term in alerts:
        store.chats.add_alert(chat_id, (term,), ())
    if push_time is not None:
        store.chats.update_chat(chat_id, push_time=push_time)


def texts(tg: Sandbox, chat: Chat | int, *, thread_id: int | None = None) -> list[str]:
    """The text of every message the bot sent to the chat."""
    return [m.text or "" for m in tg.messages(chat, thread_id=thread_id)]


def editions(tg: Sandbox, chat: Chat | int, *, thread_id: int | None = None) -> list[str]:
    """The bot's edition messages in the chat (not greetings, not alerts)."""
    return [t for t in texts(tg, chat, thread_id=thread_id) if t.startswith(EDITION_HEADER)]


def alert_messages(tg: Sandbox, chat: Chat | int) -> list[str]:
    return [t for t in texts(tg, chat) if t.startswith(ALERT_HEADER)]


def bold_spans(text: str, entities: Sequence[dict[str, object]]) -> list[str]:
    """The text of every bold entity (offsets are UTF-16 code units)."""
    raw = text.encode("utf-16-le")
    spans = []
    for entity in entities:
        if entity["type"] == "bold":
            offset, length = int(str(entity["offset"])), int(str(entity["length"]))
            spans.append(raw[2 * offset : 2 * (offset + length)].decode("utf-16-le"))
    return spans


class PaceLog:
    """When the emulator accepted each message (it wraps the emulator's flood check)."""

    def __init__(self, tg: Sandbox) -> None:
        self.by_chat: dict[int, list[float]] = defaultdict(list)
        self.accepted: list[float] = []
        control = tg.flood_control
        check = control.check

        def checked(method: str, chat_id: int, *, private: bool, paid: bool = False) -> int | None:
            refused = check(method, chat_id, private=private, paid=paid)
            if refused is None:
                now = control.clock()
                self.by_chat[chat_id].append(now)
                self.accepted.append(now)
            return refused

        control.check = checked  # type: ignore[method-assign]

    @staticmethod
    def most_in(times: Sequence[float], window: float) -> int:
        """The most sends in any ``window`` seconds (the emulator's sliding window)."""
        ordered = sorted(times)
        best = 0
        for i, t in enumerate(ordered):
            best = max(best, i + 1 - bisect.bisect_right(ordered, t - window))
        return best

    def min_gap(self, chat_id: int) -> float | None:
        """The shortest time between two messages to the chat (None: fewer than two)."""
        times = sorted(self.by_chat.get(chat_id, ()))
        gaps = [b - a for a, b in itertools.pairwise(times)]
        return min(gaps) if gaps else None
