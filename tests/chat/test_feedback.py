"""Readers' feedback: 👍 / 👎 under a pushed edition and reactions on it, counted once per
reader, shown to the publisher (/stats, ``digestbot stats``) and never to a group."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import Clock, Processed, manual_bot, store_of

from bot.app import BotRunner
from bot.cli.main import main
from bot.config import Config
from bot.delivery import liked
from tgsandbox import Chat, Message, Sandbox, User

ADMIN_ID = 200_000_001  # the emulator's first user
VOTES = [["👍", "👎"]]


@pytest.fixture
async def app(config: Config, processed: Processed, clock: Clock) -> AsyncIterator[BotRunner]:
    """The bot with the first emulator user as its admin."""
    config = replace(config, telegram=replace(config.telegram, admins=(ADMIN_ID,)))
    async with manual_bot(config, clock, processed=processed) as runner:
        yield runner


def labels(message: Message) -> list[list[str]]:
    return [[label for label, _ in row] for row in message.buttons]


def subscribed(app: BotRunner, chat: Chat, kind: str) -> None:
    store = store_of(app)
    store.chats.ensure_chat(chat.id, type=kind, title=chat.title or "")
    store.chats.subscribe(chat.id)


async def pushed(
    tg: Sandbox, app: BotRunner, processed: Processed, boss: User, *chats: Chat
) -> dict[int, list[Message]]:
    """The boss's /push (once the bot has greeted every chat); each chat's edition parts."""
    await processed.through(tg.updates.last_update_id)
    before = {chat.id: len(tg.messages(chat)) for chat in chats}
    tg.send(tg.private_chat(boss), boss, "/push")
    await tg.wait_messages(boss.id, 1)
    for chat in chats:
        await tg.wait_messages(chat, before[chat.id] + 1)
    assert app.pusher is not None
    await app.pusher.idle()
    return {chat.id: tg.messages(chat)[before[chat.id] :] for chat in chats}


async def press(tg: Sandbox, message: Message, user: User, label: str) -> str:
    """``user`` presses ``label`` under ``message``; the bot's answer to them alone."""
    query = tg.press(message, user, text=label)
    answer = await tg.wait_for(
        lambda sb: next((a for a in sb.callback_answers if a["callback_query_id"] == query), None)
    )
    return str(answer.get("text", ""))


def said(app: BotRunner) -> liked.Tally:
    """What readers said of the latest edition, as /stats counts it."""
    assert app.services is not None
    report = liked.report(store_of(app), app.services.config.topics, lang="zh")
    return report.editions[0].tally if report.editions else liked.Tally()


async def test_a_vote_counts_once_per_reader(
    tg: Sandbox, app: BotRunner, processed: Processed
) -> None:
    """👍 counts once per reader: a second press withdraws it, 👎 moves it; each reader's own."""
    boss = tg.add_user("Boss")
    bob, carol = tg.add_user("Bob"), tg.add_user("Carol")
    group = tg.add_group("读者群", members=[bob, carol])
    subscribed(app, group, "group")
    parts = (await pushed(tg, app, processed, boss, group))[group.id]
    assert all(labels(m) == VOTES for m in parts)  # under every part, bare emoji
    first = parts[0]
    assert (await press(tg, first, bob, "👍")).startswith("👍 已记下")
    assert (said(app).up, said(app).down) == (1, 0)
    assert (await press(tg, first, bob, "👍")).startswith("已撤回你的 👍")
    assert (said(app).up, said(app).down) == (0, 0)
    await press(tg, first, bob, "👍")
    await press(tg, first, carol, "👍")
    assert (said(app).up, said(app).down) == (2, 0)
    assert (await press(tg, first, bob, "👎")).startswith("已改为 👎")
    assert (said(app).up, said(app).down) == (1, 1)
    # the group sees no count: nothing new was posted, the labels stayed, answers hold none
    assert tg.messages(group)[-len(parts) :] == parts
    assert all(labels(m) == VOTES for m in parts)
    assert not any(re.search(r"\d", a.get("text", "")) for a in tg.callback_answers)


async def test_reactions_on_a_pushed_edition_count(
    tg: Sandbox, app: BotRunner, processed: Processed
) -> None:
    """A reader's reaction on their pushed edition counts (a changed one replaces it), as do a
    group member's where the bot is admin and a channel's totals; one on another message not."""
    boss = tg.add_user("Boss")
    alice, bob = tg.add_user("Alice"), tg.add_user("Bob")
    subscribed(app, tg.private_chat(alice), "private")
    group = tg.add_group("读者群", members=[bob], bot_admin=True, supergroup=True)
    subscribed(app, group, "supergroup")
    channel = tg.add_channel("每日频道", admins=[tg.add_user("Owner")])
    subscribed(app, channel, "channel")
    got = await pushed(tg, app, processed, boss, tg.private_chat(alice), group, channel)
    tg.react(got[alice.id][0], alice, ["🔥"])
    tg.react(got[alice.id][0], alice, ["🎉"])  # changed her mind
    tg.react(got[group.id][0], bob, ["👍"])
    for name in ("Dan", "Erin"):
        tg.react(got[channel.id][0], tg.add_user(name), ["❤"])
    tg.react(tg.messages(boss.id)[0], boss, ["💩"])  # the /push answer: no edition
    await processed.through(tg.updates.last_update_id)
    assert said(app).reactions == {"🎉": 1, "👍": 1, "❤": 2}
    assert (said(app).up, said(app).down, said(app).score) == (0, 0, 4)


async def test_stats_show_votes_and_reactions(
    tg: Sandbox,
    app: BotRunner,
    processed: Processed,
    config: Config,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """/stats (to an admin) and ``digestbot stats`` show the votes and reactions on pushed
    editions, per edition and per topic."""
    boss, alice = tg.add_user("Boss"), tg.add_user("Alice")
    subscribed(app, tg.private_chat(alice), "private")
    channel = tg.add_channel("每日频道", admins=[tg.add_user("Owner")])
    subscribed(app, channel, "channel")
    got = await pushed(tg, app, processed, boss, tg.private_chat(alice), channel)
    await press(tg, got[alice.id][0], alice, "👍")
    tg.react(got[alice.id][0], alice, ["🔥"])
    for name in ("Dan", "Erin"):
        tg.react(got[channel.id][0], tg.add_user(name), ["❤"])
    await processed.through(tg.updates.last_update_id)
    figures = "👍 1 · 👎 0 · 回应 ❤ 2 🔥 1"
    tg.send(tg.private_chat(boss), boss, "/stats")
    *_, stats = await tg.wait_messages(boss.id, 2)
    assert f"读者反馈（最近 1 期）：\n· 2024-01-08：{figures}" in stats.text
    assert re.search(f"按话题：\n· \\S+：{figures}", stats.text)
    storage = f'url = "{config.db_url}"' if config.db_url else f'path = "{config.db_path}"'
    file = tmp_path / "cli.toml"
    file.write_text(f'[storage]\n{storage}\n[digests]\ndir = "{config.digests_dir}"\n', "utf-8")
    capsys.readouterr()
    assert main(["--config", str(file), "stats"]) == 0
    assert f"· 2024-01-08：{figures}" in capsys.readouterr().out
    assert main(["--config", str(file), "stats", "--json", "--lang", "en"]) == 0
    [edition] = json.loads(capsys.readouterr().out)["editions"]
    assert edition == {
        "series": 0, "date": "2024-01-08", "issue": 0, "label": "2024-01-08", "up": 1,
        "down": 0, "reactions": {"❤": 2, "🔥": 1}, "score": 4,
    }  # fmt: skip


async def test_a_stranger_vote_on_another_message_is_expired(tg: Sandbox, app: BotRunner) -> None:
    """A vote forged under a message that is no pushed edition changes nothing."""
    alice = tg.add_user("Alice")
    chat = tg.private_chat(alice)
    tg.send(chat, alice, "/start")
    [welcome] = await tg.wait_messages(chat, 1)
    query = tg.press(welcome, alice, data="fb:u")
    answer = await tg.wait_for(
        lambda sb: next((a for a in sb.callback_answers if a["callback_query_id"] == query), None)
    )
    assert answer["text"] == "这个按钮已失效。"
    assert said(app).up == 0
