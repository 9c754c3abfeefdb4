"""The operator's commands: only for configured admins, invisible to everyone else."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from conftest import Clock, Processed, manual_bot

from bot.app import BotRunner
from bot.chat.handlers import COMMANDS
from bot.config import Config
from tgsandbox import Sandbox

ADMIN_ID = 200_000_001  # the emulator's first user


@pytest.fixture
async def app(config: Config, processed: Processed, clock: Clock) -> AsyncIterator[BotRunner]:
    """The bot with the first emulator user as its admin."""
    config = replace(config, telegram=replace(config.telegram, admins=(ADMIN_ID,)))
    async with manual_bot(config, clock, processed=processed) as runner:
        yield runner


async def test_admin_gets_stats_push_and_reload(tg: Sandbox, app: BotRunner) -> None:
    """An admin's /stats counts chats and editions; /push plans; /reload rescans."""
    boss = tg.add_user("Boss")
    assert boss.id == ADMIN_ID
    chat = tg.private_chat(boss)
    reader = tg.private_chat(tg.add_user("Reader"))
    assert app.store is not None
    app.store.chats.ensure_chat(reader.id, type="private")
    app.store.chats.subscribe(reader.id)
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
    for command in ("/stats", "/push", "/reload", "/broadcast 中奖了"):
        tg.send(chat, mallory, command)
    replies = await tg.wait_messages(chat, 4)
    assert {m.text for m in replies} == {"不认识这个命令。发送 /help 查看全部命令。"}
    operator = [c.name for c in COMMANDS if c.operator]
    public = [c["command"] for c in tg.commands[("all_private_chats", "zh")]]
    assert not set(operator) & set(public)
    mine = [c["command"] for c in tg.commands[(f"chat:{ADMIN_ID}", "zh")]]
    assert set(operator) <= set(mine)


def subscribed_readers(tg: Sandbox, app: BotRunner, count: int) -> list[int]:
    assert app.store is not None
    chats = []
    for n in range(count):
        chat = tg.private_chat(tg.add_user(f"Reader{n}"))
        app.store.chats.ensure_chat(chat.id, type="private")
        app.store.chats.subscribe(chat.id)
        chats.append(chat.id)
    return chats


async def test_broadcast_preview_then_send_once(tg: Sandbox, app: BotRunner) -> None:
    """/broadcast shows the text with send/cancel; sending reaches each subscriber once."""
    boss = tg.add_user("Boss")
    chat = tg.private_chat(boss)
    readers = subscribed_readers(tg, app, 3)
    assert app.store is not None
    quiet = tg.private_chat(tg.add_user("NotSubscribed"))
    app.store.chats.ensure_chat(quiet.id, type="private")
    text = "明天起推送改到 9:00 <b>不是标签</b> & 谢谢"
    tg.send(chat, boss, f"/broadcast {text}")
    [preview] = await tg.wait_messages(chat, 1)
    assert preview.text == text
    labels = [b["text"] for row in preview.reply_markup["inline_keyboard"] for b in row]
    assert labels == ["📣 发送给 3 个聊天", "✖️ 取消"]
    assert all(not tg.messages(r) for r in readers)
    tg.press(preview, boss, text="📣 发送给 3 个聊天")
    _, queued = await tg.wait_messages(chat, 2)
    assert queued.text == "📣 公告已排入发送队列：3 个聊天。"
    for reader in readers:
        [message] = await tg.wait_messages(reader, 1)
        assert message.text == text
    tg.press(preview, boss, data="bc:1:go")  # pressed again
    await tg.wait_for(lambda sb: len(sb.callback_answers) == 2)
    assert tg.callback_answers[-1]["text"] == "这条公告已经处理过了。"
    assert app.pusher is not None
    await app.pusher.idle()
    assert all(len(tg.messages(r)) == 1 for r in readers)
    assert not tg.messages(quiet)
    assert app.store.outbox.deliveries_summary()["deliveries"]["broadcast"] == {"sent": 3}


async def test_broadcast_cancel_sends_nothing(tg: Sandbox, app: BotRunner) -> None:
    """Cancel drops the draft: nothing goes out, and its send button no longer works."""
    boss = tg.add_user("Boss")
    chat = tg.private_chat(boss)
    [reader] = subscribed_readers(tg, app, 1)
    tg.send(chat, boss, "/broadcast 测试")
    [preview] = await tg.wait_messages(chat, 1)
    tg.press(preview, boss, text="✖️ 取消")
    _, cancelled = await tg.wait_messages(chat, 2)
    assert cancelled.text == "已取消，没有发送。"
    tg.press(preview, boss, data="bc:1:go")
    await tg.wait_for(lambda sb: len(sb.callback_answers) == 2)
    assert tg.callback_answers[-1]["text"] == "这条公告已经处理过了。"
    assert not tg.messages(reader)
    assert app.store is not None
    assert "broadcast" not in app.store.outbox.deliveries_summary()["deliveries"]


async def test_broadcast_needs_text_and_an_admin(tg: Sandbox, app: BotRunner) -> None:
    """An empty /broadcast explains; someone else's forged send button is "expired"."""
    boss = tg.add_user("Boss")
    chat = tg.private_chat(boss)
    [reader] = subscribed_readers(tg, app, 1)
    tg.send(chat, boss, "/broadcast")
    [usage] = await tg.wait_messages(chat, 1)
    assert usage.text.startswith("用法：/broadcast")
    tg.send(chat, boss, "/broadcast 只给管理员")
    _, preview = await tg.wait_messages(chat, 2)
    mallory = tg.add_user("Mallory")
    own = tg.private_chat(mallory)
    tg.send(own, mallory, "/start")
    [welcome] = await tg.wait_messages(own, 1)
    for data in ("bc:1:go", "bc:1:no", "bc:x:go", "bc:1:maybe", "bc:99:go"):
        tg.press(welcome, mallory, data=data)
    await tg.wait_for(lambda sb: len(sb.callback_answers) == 5)
    assert {a["text"] for a in tg.callback_answers} == {"这个按钮已失效。"}
    tg.press(preview, boss, data="bc:1:maybe")
    await tg.wait_for(lambda sb: len(sb.callback_answers) == 6)
    assert tg.callback_answers[-1]["text"] == "这个按钮已失效。"
    assert not tg.messages(reader)
    assert app.store is not None
    draft = app.store.broadcasts.broadcast(1)
    assert draft is not None
    assert draft.status == "draft"


async def test_broadcast_is_for_a_private_chat_only(tg: Sandbox, app: BotRunner) -> None:
    """/broadcast from a group (even the bot's admin's) posts no draft there: a refusal."""
    boss = tg.add_user("Boss")
    assert boss.id == ADMIN_ID
    group = tg.add_group("公开群", admins=[boss], members=[tg.add_user("Reader")])
    await tg.wait_messages(group, 1)
    tg.send(group, boss, "/broadcast 内部通知：明天停推")
    _, refusal = await tg.wait_messages(group, 2)
    assert "内部通知" not in refusal.text
    assert refusal.text == "这个命令只能在与我的私聊中使用。"
    assert app.store is not None
    assert app.store.broadcasts.broadcast(1) is None


async def test_whoami_tells_a_would_be_operator_their_id(tg: Sandbox, app: BotRunner) -> None:
    """/whoami answers anyone their user id (in a group, the group's id too) and how to put
    it in telegram.admins; the admin hears that they are one."""
    boss = tg.add_user("Boss", language_code="en")
    newcomer = tg.add_user("Newcomer", language_code="en")
    tg.send(tg.private_chat(boss), boss, "/whoami")
    [known] = await tg.wait_messages(boss.id, 1)
    assert known.text == (
        f"Your user id: {boss.id}\nThis chat's id: {boss.id}\n"
        "You are an admin of this bot (telegram.admins)."
    )
    group = tg.add_group("Readers", admins=[boss], members=[newcomer])
    [_hello] = await tg.wait_messages(group, 1)  # the bot greets the group it joins
    tg.send(group, newcomer, "/whoami")
    _, answer = await tg.wait_messages(group, 2)
    assert answer.text == (
        f"Your user id: {newcomer.id}\nThis chat's id: {group.id}\n"
        f"To make this account the bot's admin, put admins = [{newcomer.id}] under "
        "[telegram] in config.toml and restart the bot."
    )
