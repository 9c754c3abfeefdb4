"""Two instances on one PostgreSQL database in webhook mode: the update reaches the follower
(its webhook is the one Telegram posts to), but the work only the leader does — /push,
/reload, a broadcast's "send" — is done by the leader, which answers as one bot alone would."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import Clock, digest
from push_world import add_readers, at
from test_shared_updates import instance

from bot.app import BotRunner
from bot.config import Config
from bot.store.database import Store
from tgsandbox import Sandbox

ADMIN_ID = 200_000_001  # the emulator's first user
SENDS = ("sendMessage", "sendPhoto", "sendDocument", "copyMessage", "answerCallbackQuery")


@pytest.fixture
def instances(config: Config, pg_url: str, tmp_path: Path) -> tuple[Config, Config]:
    """The leader's config and the follower's: one database, one webhook secret, one admin."""
    config = replace(config, telegram=replace(config.telegram, admins=(ADMIN_ID,)))
    secret = "shared-secret_0123456789"
    return (
        instance(config, tmp_path / "a", pg_url=pg_url, secret=secret),
        instance(config, tmp_path / "b", pg_url=pg_url, secret=secret),
    )


@asynccontextmanager
async def pair(
    instances: tuple[Config, Config], clock: Clock
) -> AsyncIterator[tuple[BotRunner, BotRunner, list[str]]]:
    """The leader (started first), the follower (started second: Telegram posts to its
    webhook), and the Bot API calls the follower makes that send something."""
    leader = BotRunner(instances[0], now=clock, auto_tick=False)
    follower = BotRunner(instances[1], now=clock, auto_tick=False)
    await leader.start()
    try:
        await follower.start()
        try:
            assert leader.leader is not None
            assert leader.leader.leading()
            assert follower.leader is not None
            assert not follower.leader.leading()
            yield leader, follower, spy_sends(follower)
        finally:
            await follower.stop()
    finally:
        await leader.stop()


def spy_sends(runner: BotRunner) -> list[str]:
    """The sending Bot API methods ``runner`` calls from now on (its requests, in order)."""
    calls: list[str] = []
    request = runner._requests[0]  # the instance's own connection to the Bot API
    do_request: Callable[..., Any] = request.do_request

    async def recorded(url: str, *args: Any, **kwargs: Any) -> Any:
        method = url.rsplit("/", 1)[-1]
        if method in SENDS:
            calls.append(method)
        return await do_request(url, *args, **kwargs)

    request.do_request = recorded  # type: ignore[method-assign]
    return calls


def store_of(runner: BotRunner) -> Store:
    assert runner.store is not None
    return runner.store


def readers(tg: Sandbox, store: Store, count: int) -> list[int]:
    """``count`` subscribed private chats."""
    chats = []
    for n in range(count):
        chat = tg.private_chat(tg.add_user(f"Reader{n}"))
        store.chats.ensure_chat(chat.id, type="private")
        store.chats.subscribe(chat.id)
        chats.append(chat.id)
    return chats


async def test_push_posted_to_the_follower_is_sent_once_by_the_leader(
    tg: Sandbox, instances: tuple[Config, Config], clock: Clock
) -> None:
    """/push reaching the follower: the leader plans it, its sender delivers the edition to
    each subscriber once and it answers the admin; the follower sends nothing."""
    boss = tg.add_user("Boss")
    assert boss.id == ADMIN_ID
    async with pair(instances, clock) as (leader, _, follower_sends):
        chats = readers(tg, store_of(leader), 3)
        chat = tg.private_chat(boss)
        tg.send(chat, boss, "/push")
        [answer] = await tg.wait_messages(chat, 1)
        assert answer.text.startswith("已安排推送 2024-01-08：新增 3 条投递")
        for reader in chats:
            [edition] = await tg.wait_messages(reader, 1)
            assert edition.text.startswith("每日碳新闻")
        assert leader.pusher is not None
        await leader.pusher.idle()
        assert [len(tg.messages(c)) for c in chats] == [1, 1, 1]
        assert len(tg.messages(chat)) == 1
        assert follower_sends == []
        summary = store_of(leader).outbox.deliveries_summary()["deliveries"]
        assert summary["edition"] == {"sent": 3}


async def test_reload_posted_to_the_follower_is_ingested_by_the_leader(
    tg: Sandbox, instances: tuple[Config, Config], clock: Clock
) -> None:
    """/reload reaching the follower: the leader scans the folder (a new day appears) and
    says what changed; the follower never scans."""
    boss = tg.add_user("Boss")
    async with pair(instances, clock) as (leader, follower, follower_sends):
        text = "---\ntitle: 测试日报 2024-01-09\n---\n\n1. 光伏装机 https://example.org/1\n"
        (instances[0].digests_dir / "2024-01-09.md").write_text(text, "utf-8")
        chat = tg.private_chat(boss)
        tg.send(chat, boss, "/reload")
        [answer] = await tg.wait_messages(chat, 1)
        assert answer.text.startswith("已重新扫描 2 个文件：新增 1，更新 0，删除 0")
        assert [e.date.isoformat() for e in store_of(leader).editions.list_editions()] == [
            "2024-01-09",
            "2024-01-08",
        ]
        assert follower.services is not None
        assert follower.services.runtime.last_scan is None  # /healthz: it never scanned
        assert follower_sends == []


async def test_a_broadcast_sent_from_the_follower_goes_out_once_from_the_leader(
    tg: Sandbox, instances: tuple[Config, Config], clock: Clock
) -> None:
    """/broadcast is drafted by the follower it reaches; its "send" button, pressed there
    too, is the leader's work: each subscriber gets the announcement once."""
    boss = tg.add_user("Boss")
    async with pair(instances, clock) as (leader, _, follower_sends):
        chats = readers(tg, store_of(leader), 2)
        chat = tg.private_chat(boss)
        tg.send(chat, boss, "/broadcast 明天起推送改到 9:00")
        [preview] = await tg.wait_messages(chat, 1)
        assert follower_sends == ["sendMessage"]  # the draft: the follower's to show
        tg.press(preview, boss, text="📣 发送给 2 个聊天")
        _, queued = await tg.wait_messages(chat, 2)
        assert queued.text == "📣 公告已排入发送队列：2 个聊天。"
        for reader in chats:
            [message] = await tg.wait_messages(reader, 1)
            assert message.text == "明天起推送改到 9:00"
        assert leader.pusher is not None
        await leader.pusher.idle()
        assert [len(tg.messages(c)) for c in chats] == [1, 1]
        assert follower_sends == ["sendMessage"]


async def test_an_alert_set_on_the_follower_is_matched_by_the_leader(
    tg: Sandbox, instances: tuple[Config, Config], clock: Clock
) -> None:
    """/alert reaching the follower is saved there; the leader's next tick matches it against
    a new edition and the 🔔 alert arrives; a deleted one no longer matches."""
    user = tg.add_user("Hydrogen")
    async with pair(instances, clock) as (leader, _, _):
        chat = tg.private_chat(user)
        tg.send(chat, user, "/alert 氢")
        await tg.wait_messages(chat, 1)
        day = dt.date(2024, 3, 2)
        (instances[0].digests_dir / f"{day}.md").write_text(
            f"---\ntitle: 每日碳新闻 {day}\n---\n1. 氢能重卡示范城市群扩容。 https://example.org/h1\n",
            "utf-8",
        )
        clock.set(at(9, 0, day=day))
        assert (await leader.tick()).alerts == 1
        [_, alert] = await tg.wait_messages(chat, 2)
        assert alert.text.startswith("🔔 提醒：氢")
        [mine] = store_of(leader).chats.alerts(chat.id)
        store_of(leader).chats.delete_alert(chat.id, mine.id)  # as ✖ on the follower would
        day = dt.date(2024, 3, 3)
        (instances[0].digests_dir / f"{day}.md").write_text(
            f"---\ntitle: 每日碳新闻 {day}\n---\n1. 绿电制氢项目开工。 https://example.org/h2\n",
            "utf-8",
        )
        clock.set(at(9, 0, day=day))
        assert (await leader.tick()).alerts == 0


async def test_an_approval_pressed_on_the_follower_is_planned_by_the_leader(
    tg: Sandbox, instances: tuple[Config, Config], clock: Clock
) -> None:
    """push.approve: the admin's "send", pressed on the follower, is the leader's planning
    round: every reader gets the edition once, and the follower sends nothing for it."""
    approving = tuple(replace(c, push=replace(c.push, approve=True)) for c in instances)
    boss = tg.add_user("Boss")
    admin_chat = tg.private_chat(boss).id
    day = dt.date(2024, 3, 2)
    clock.set(at(6, 0, day=day))
    async with pair((approving[0], approving[1]), clock) as (leader, _, follower_sends):
        chats = add_readers(tg, store_of(leader), 2)
        tg.send(admin_chat, boss, "/start")
        await tg.wait_messages(admin_chat, 1)
        (instances[0].digests_dir / f"{day}.md").write_text(digest(day, "氢能重卡示范线开通。"))
        await leader.tick()
        [preview] = await tg.wait_for(
            lambda sb: [m for m in sb.messages(admin_chat) if "氢能重卡" in m.text]
        )
        clock.set(at(9, 0, day=day))
        before = len(follower_sends)
        tg.press(preview, boss, data=f"ap:{day:%Y%m%d}:go")
        for reader in chats:
            [got] = await tg.wait_messages(reader, 1)
            assert "氢能重卡" in got.text
        assert leader.pusher is not None
        await leader.pusher.idle()
        assert [len(tg.messages(c)) for c in chats] == [1, 1]
        assert follower_sends[before:] == []
