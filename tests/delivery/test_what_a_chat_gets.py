"""What a chat gets of an edition is one rule: the push, /today, /day, ◀ ▶ and a correction
show the same items with the same 🔔 marks, and say what the chat's topics left out."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import Clock, manual_bot, store_of
from push_world import DAY, at, edition_of

from bot.app import BotRunner
from bot.config import Config, PushConfig
from tgsandbox import Sandbox
from tgsandbox.model import Message, User

EARLIER = dt.date(2024, 2, 20)  # long before: never pushed, ◀ from DAY opens it
PUSHED_AND_LEFT_OUT = "另有 2 条不在你关注的话题中。"


@pytest.fixture
def digests(tmp_path: Path) -> Path:
    folder = tmp_path / "digests"
    folder.mkdir()
    for day in (EARLIER, DAY):
        (folder / f"{day}.md").write_text(edition_of(day), "utf-8")
    return folder


@pytest.fixture
def config(config: Config) -> Config:
    return replace(config, push=PushConfig(rate=28.0))


@pytest.fixture
async def app(config: Config, clock: Clock) -> AsyncIterator[BotRunner]:
    async with manual_bot(config, clock, at(6, 0)) as runner:
        yield runner


async def storage_reader(tg: Sandbox, app: BotRunner, *, alert: str = "100mw") -> tuple[User, int]:
    """A subscribed private chat that follows the storage topic, with one alert."""
    user = tg.add_user("Alice")
    chat = tg.private_chat(user).id
    store = store_of(app)
    store.chats.ensure_chat(chat, type="private", title="Alice")
    store.chats.subscribe(chat)
    store.chats.set_scopes(chat, {"storage"})
    store.chats.add_alert(chat, (alert,), ())
    assert app.services is not None
    await app.services.alerts_changed(chat)
    return user, chat


def shown(message: Message) -> tuple[str | None, list[str]]:
    """What a reader sees of a message: its text and the words in bold."""
    raw = (message.text or "").encode("utf-16-le")
    bold = [
        raw[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
        for e in message.entities
        if e["type"] == "bold"
    ]
    return message.text, bold


async def asked(tg: Sandbox, user: User, chat: int, text: str) -> Message:
    """The reader sends a command; the bot's next message."""
    before = len(tg.messages(chat))
    tg.send(tg.private_chat(user), user, text)
    return (await tg.wait_messages(chat, before + 1))[-1]


async def test_push_today_day_and_paging_show_the_same_items_and_marks(
    tg: Sandbox, app: BotRunner, clock: Clock
) -> None:
    """A storage follower with an alert sees its one item, marked 🔔, and "2 more" in the push,
    /today, /day and after ◀ ▶ alike."""
    user, chat = await storage_reader(tg, app)
    clock.set(at(8, 0))
    await app.tick()
    [pushed] = await tg.wait_messages(chat, 1)
    text, bold = shown(pushed)
    assert text is not None
    assert "🔔 2. 新型储能电站并网" in text
    assert "碳市场" not in text
    assert "光伏" not in text
    assert text.endswith(PUSHED_AND_LEFT_OUT)
    assert "100MW" in bold
    today = await asked(tg, user, chat, "/today")
    assert shown(today) == (text, bold)
    day = await asked(tg, user, chat, "/day 2024-03-01")
    assert shown(day) == (text, bold)
    count = len(tg.messages(chat))
    tg.press(day, user, text="◀ 前一期")
    await tg.wait_for(lambda sb: day.text and day.text.startswith("每日碳新闻 · 2024年2月20日"))
    assert day.text is not None
    assert day.text.endswith(PUSHED_AND_LEFT_OUT)
    tg.press(day, user, text="后一期 ▶")
    await tg.wait_for(lambda sb: day.text and day.text.startswith("每日碳新闻 · 2024年3月1日"))
    assert shown(day) == (text, bold)
    assert len(tg.messages(chat)) == count  # edited in place, nothing new posted


async def test_a_correction_keeps_the_language_and_topics_it_was_sent_with(
    tg: Sandbox, app: BotRunner, clock: Clock, digests: Path
) -> None:
    """The chat switched to English and every topic after the push; the corrected edition is
    edited in Chinese, with its storage item only."""
    _, chat = await storage_reader(tg, app)
    clock.set(at(8, 0))
    await app.tick()
    [pushed] = await tg.wait_messages(chat, 1)
    store = store_of(app)
    store.chats.update_chat(chat, language="en")
    store.chats.set_scopes(chat, {"all"})
    clock.advance(dt.timedelta(hours=3))
    tg.flood_control.reset()
    path = digests / f"{DAY}.md"
    path.write_text(edition_of(DAY).replace("100MW", "200MW（更正）"), "utf-8")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    await app.tick()
    await tg.wait_for(lambda sb: pushed.text and "200MW（更正）" in pushed.text)
    assert pushed.text is not None
    assert pushed.text.startswith("每日碳新闻 · 2024年3月1日")
    assert "碳市场" not in pushed.text
    assert pushed.text.endswith(PUSHED_AND_LEFT_OUT)
    assert [m.message_id for m in tg.messages(chat)] == [pushed.message_id]


async def test_the_alert_comes_after_the_edition_it_belongs_to(
    tg: Sandbox, app: BotRunner, clock: Clock, digests: Path
) -> None:
    """An edition published after the push time: its edition first, then the alert for the
    item outside the chat's topics."""
    _, chat = await storage_reader(tg, app, alert="绿证")
    later = DAY + dt.timedelta(days=1)
    clock.set(at(8, 0))
    await app.tick()
    await tg.wait_messages(chat, 1)  # DAY's edition (read before the chat had its alert)
    (digests / f"{later}.md").write_text(edition_of(later), "utf-8")
    clock.set(at(9, 0, day=later))
    report = await app.tick()
    assert report.alerts == 1
    *_, edition, alert = await tg.wait_messages(chat, 3)
    assert edition.text is not None
    assert edition.text.startswith("每日碳新闻 · 2024年3月2日")
    assert alert.text is not None
    assert alert.text.startswith("🔔 提醒：绿证")
