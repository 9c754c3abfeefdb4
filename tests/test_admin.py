"""The operator's commands: only for configured admins, invisible to everyone else."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from conftest import Clock, Processed

from bot.app import BotRunner
from bot.config import Config
from bot.handlers import COMMANDS
from bot.sandbox import Sandbox

ADMIN_ID = 200_000_001  # the emulator's first user


@pytest.fixture
async def app(config: Config, processed: Processed, clock: Clock) -> AsyncIterator[BotRunner]:
    """The bot with the first emulator user as its admin."""
    config = replace(config, telegram=replace(config.telegram, admins=(ADMIN_ID,)))
    runner = BotRunner(config, poll_timeout=1, now=clock, auto_tick=False)
    await runner.start()
    processed.track(runner)
    try:
        yield runner
    finally:
        await runner.stop()


async def test_admin_gets_stats_push_and_reload(tg: Sandbox, app: BotRunner) -> None:
    """An admin's /stats counts chats and editions; /push plans; /reload rescans."""
    boss = tg.add_user("Boss")
    assert boss.id == ADMIN_ID
    chat = tg.private_chat(boss)
    reader = tg.private_chat(tg.add_user("Reader"))
    assert app.store is not None
    app.store.ensure_chat(reader.id, type="private")
    app.store.subscribe(reader.id)
    tg.send(chat, boss, "/stats")
    [stats] = await tg.wait_messages(chat, 1)
    assert "private：2 个活跃，0 个停用" in stats.text
    assert "订阅：all 1" in stats.text
    assert "往期：1 期，10 条，最新 2024-01-08" in stats.text
    tg.send(chat, boss, "/push")
    _, pushed = await tg.wait_messages(chat, 2)
    assert pushed.text.startswith("已安排推送 2024-01-08：新增 1 条投递")
    [edition] = await tg.wait_messages(reader, 1)
    assert edition.text.startswith("每日碳新闻")
    tg.send(chat, boss, "/reload")
    *_, reloaded = await tg.wait_messages(chat, 3)
    assert reloaded.text.startswith("已重新扫描 1 个文件")


async def test_admin_commands_do_not_exist_for_others(tg: Sandbox, app: BotRunner) -> None:
    """A non-admin gets the unknown-command hint, and the menu shows them only to admins."""
    boss = tg.add_user("Boss")
    tg.send(tg.private_chat(boss), boss, "/help")
    await tg.wait_messages(boss.id, 1)
    mallory = tg.add_user("Mallory")
    chat = tg.private_chat(mallory)
    for command in ("/stats", "/push", "/reload"):
        tg.send(chat, mallory, command)
    replies = await tg.wait_messages(chat, 3)
    assert {m.text for m in replies} == {"不认识这个命令。发送 /help 查看全部命令。"}
    operator = [c.name for c in COMMANDS if c.operator]
    public = [c["command"] for c in tg.commands[("all_private_chats", "zh")]]
    assert not set(operator) & set(public)
    mine = [c["command"] for c in tg.commands[(f"chat:{ADMIN_ID}", "zh")]]
    assert set(operator) <= set(mine)
