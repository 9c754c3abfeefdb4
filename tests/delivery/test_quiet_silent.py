"""Quiet hours and silent delivery, end to end: what the chat's settings do to its pushes."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import Clock, manual_bot, store_of
from push_world import ALERT_HEADER, DAY, EDITION_HEADER, at, edition_folder, edition_of

from bot.app import BotRunner
from bot.config import Config, PushConfig
from tgsandbox import Sandbox

NEXT = DAY + dt.timedelta(days=1)


@pytest.fixture
def digests(tmp_path: Path) -> Path:
    return edition_folder(tmp_path)


@pytest.fixture
def config(config: Config) -> Config:
    return replace(config, push=PushConfig(rate=28.0))


@pytest.fixture
async def app(config: Config, clock: Clock) -> AsyncIterator[BotRunner]:
    async with manual_bot(config, clock, at(6, 0)) as runner:
        yield runner


async def drained(app: BotRunner) -> None:
    """The sender has sent (or held) everything due."""
    assert app.pusher is not None
    await app.pusher.idle()


async def command(tg: Sandbox, chat_id: int, text: str, *, answers: int) -> str:
    """The chat's user sends a command; the text of the bot's answer (its ``answers``-th
    message in the chat)."""
    chat = tg.chat_of(chat_id)
    user = tg.user_of(chat_id)
    tg.send(chat, user, text)
    return (await tg.wait_messages(chat_id, answers))[answers - 1].text or ""


async def test_quiet_hours_hold_an_alert_until_their_end(
    tg: Sandbox, app: BotRunner, clock: Clock, digests: Path
) -> None:
    """An alert that comes at 23:00 in quiet hours 22:00-07:30 arrives at 07:30, once; a
    command in the window is answered at once."""
    chat = tg.private_chat(tg.add_user("Night")).id
    assert "22:00-07:30" in await command(tg, chat, "/settings quiet 22:00-07:30", answers=1)
    assert "碳市场" in await command(tg, chat, "/alert 碳市场", answers=2)
    (digests / f"{NEXT}.md").write_text(edition_of(NEXT), "utf-8")
    clock.set(at(23, 0, day=NEXT))
    assert (await app.tick()).alerts == 1
    await drained(app)
    assert "/alert" in await command(tg, chat, "/help", answers=3)  # asked: answered
    clock.set(at(7, 29, day=NEXT + dt.timedelta(days=1)))
    await app.tick()
    await drained(app)
    assert len(tg.messages(chat)) == 3
    clock.set(at(7, 30, day=NEXT + dt.timedelta(days=1)))
    await app.tick()
    await drained(app)
    *_, alert = await tg.wait_messages(chat, 4)
    assert alert.text.startswith(ALERT_HEADER + "碳市场")
    clock.set(at(9, 0, day=NEXT + dt.timedelta(days=1)))
    await app.tick()
    await drained(app)
    assert len(tg.messages(chat)) == 4


async def test_quiet_hours_hold_the_push_in_the_chats_zone(
    tg: Sandbox, app: BotRunner, clock: Clock
) -> None:
    """A Berlin reader's 07:30 push inside its quiet hours 07:00-09:00 (Berlin time) comes at
    09:00 Berlin, once; `/settings quiet off` clears the window."""
    user = tg.add_user("Hans")
    chat = tg.private_chat(user).id
    store = store_of(app)
    store.chats.ensure_chat(chat, type="private", title="Hans")
    store.chats.update_chat(
        chat, timezone="Europe/Berlin", push_time=dt.time(7, 30), quiet="07:00-09:00"
    )
    store.chats.subscribe(chat)
    clock.set(at(14, 30))  # 07:30 in Berlin
    assert (await app.tick()).planned == 1
    await drained(app)
    assert tg.messages(chat) == []
    clock.set(at(16, 0))  # 09:00 in Berlin
    await app.tick()
    await drained(app)
    [edition] = await tg.wait_messages(chat, 1)
    assert edition.text.startswith(EDITION_HEADER)
    await app.tick()
    await drained(app)
    assert len(tg.messages(chat)) == 1
    assert "免打扰时段已取消" in await command(tg, chat, "/settings quiet off", answers=2)
    assert store.chats.get_chat(chat).quiet == ""  # type: ignore[union-attr]


async def test_a_bad_quiet_window_is_one_line(tg: Sandbox, app: BotRunner) -> None:
    """`/settings quiet 22-7` is refused in one line naming the setting and what it takes."""
    chat = tg.private_chat(tg.add_user("Typo")).id
    answer = await command(tg, chat, "/settings quiet 22-7", answers=1)
    assert answer == "quiet 的值无效：22-7（应为 HH:MM-HH:MM | off）。设置未改变。"


async def test_a_silent_chat_gets_pushes_and_alerts_without_a_sound(
    tg: Sandbox, app: BotRunner, clock: Clock, digests: Path
) -> None:
    """After `/settings silent on` the push and an alert carry disable_notification; another
    chat's do not, and a reply to a command rings as usual."""
    quiet_chat = tg.private_chat(tg.add_user("Mute")).id
    loud_chat = tg.private_chat(tg.add_user("Loud")).id
    store = store_of(app)
    for chat in (quiet_chat, loud_chat):
        store.chats.ensure_chat(chat, type="private")
        store.chats.set_scopes(chat, {"storage"})
        store.chats.add_alert(chat, ("碳市场",), ())
    assert app.services is not None
    await app.services.alerts_changed(quiet_chat, loud_chat)
    saved = await command(tg, quiet_chat, "/settings silent on", answers=1)
    assert "静音推送已开启" in saved
    (digests / f"{NEXT}.md").write_text(edition_of(NEXT), "utf-8")
    clock.set(at(9, 0, day=NEXT))
    await app.tick()
    await drained(app)
    for chat, silent in ((quiet_chat, True), (loud_chat, False)):
        pushed = [m for m in tg.messages(chat) if m.text.startswith((EDITION_HEADER, "🔔"))]
        assert {m.text.split("\n")[0][:4] for m in pushed} == {EDITION_HEADER[:4], "🔔 提醒"}
        assert all(m.silent is silent for m in pushed)
        assert not any(m.silent for m in tg.messages(chat) if m not in pushed)
