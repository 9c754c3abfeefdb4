"""Reactions through the real PTB ``telegram.Bot``: a reader's reaction is reported where
Telegram reports it (private chats, groups where the bot is admin; a channel's anonymous
totals), only when ``allowed_updates`` asks, in the shape PTB reads."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from telegram import Bot, ReactionTypeEmoji, Update

from tgsandbox import Sandbox, start_sandbox

TOKEN = "123456:TEST-token"
BOTH = ["message", "message_reaction", "message_reaction_count"]


@pytest.fixture
def sb() -> Sandbox:
    return Sandbox(token=TOKEN, bot_username="digest_test_bot")


@pytest.fixture
async def url(sb: Sandbox) -> AsyncIterator[str]:
    runner, address = await start_sandbox(sb, port=0)
    try:
        yield address
    finally:
        await runner.cleanup()


@pytest.fixture
async def bot(url: str) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=f"{url}/bot") as client:
        await client.get_updates(allowed_updates=BOTH)
        yield client


async def updates(bot: Bot) -> list[Update]:
    """Every pending update, confirmed."""
    found = list(await bot.get_updates(allowed_updates=BOTH))
    if found:
        await bot.get_updates(offset=found[-1].update_id + 1, allowed_updates=BOTH)
    return found


def emoji(reactions: object) -> list[str]:
    return [r.emoji for r in reactions if isinstance(r, ReactionTypeEmoji)]  # type: ignore[attr-defined]


async def test_private_reaction_reports_old_and_new(sb: Sandbox, bot: Bot) -> None:
    """A reader's reaction, changed, then taken back: three message_reaction updates."""
    alice = sb.add_user("Alice")
    sb.private_chat(alice)
    sent = await bot.send_message(alice.id, "今日要闻")
    message = sb.find_message(alice.id, sent.message_id)
    assert message is not None
    sb.react(message, alice, ["👍"])
    sb.react(message, alice, ["🔥"])
    sb.react(message, alice, [])
    found = [u.message_reaction for u in await updates(bot)]
    assert [(emoji(r.old_reaction), emoji(r.new_reaction)) for r in found if r] == [
        ([], ["👍"]),
        (["👍"], ["🔥"]),
        (["🔥"], []),
    ]
    assert {(r.user.id, r.message_id, r.chat.id) for r in found if r and r.user} == {
        (alice.id, sent.message_id, alice.id)
    }


async def test_group_reports_only_to_an_admin_bot(sb: Sandbox, bot: Bot) -> None:
    """In a group the bot hears of reactions only once it is an administrator."""
    alice, bob = sb.add_user("Alice"), sb.add_user("Bob")
    group = sb.add_group("Readers", members=[alice, bob])
    sent = await bot.send_message(group.id, "今日要闻")
    message = sb.find_message(group.id, sent.message_id)
    assert message is not None
    await updates(bot)
    sb.react(message, alice, ["👍"])
    assert not [u for u in await updates(bot) if u.message_reaction]
    sb.set_bot_status(group, "administrator")
    sb.react(message, bob, ["👎"])
    [reaction] = [u.message_reaction for u in await updates(bot) if u.message_reaction]
    assert reaction.user is not None
    assert reaction.user.id == bob.id
    assert emoji(reaction.new_reaction) == ["👎"]
    stranger = sb.add_user("Mallory")
    with pytest.raises(ValueError, match="not a member"):
        sb.react(message, stranger, ["👍"])
    with pytest.raises(ValueError, match="not a reaction Telegram offers"):
        sb.react(message, alice, ["🦖"])
    with pytest.raises(ValueError, match="at most 1"):
        sb.react(message, alice, ["👍", "🔥"])


async def test_channel_reports_anonymous_totals(sb: Sandbox, bot: Bot) -> None:
    """A channel post's reactions come as totals, without who set them."""
    owner = sb.add_user("Owner")
    channel = sb.add_channel("Daily", admins=[owner])
    sent = await bot.send_message(channel.id, "今日要闻")
    message = sb.find_message(channel.id, sent.message_id)
    assert message is not None
    await updates(bot)
    for name, mark in (("A", "👍"), ("B", "👍"), ("C", "🔥")):
        sb.react(message, sb.add_user(name), [mark])
    counts = [u.message_reaction_count for u in await updates(bot)]
    assert len(counts) == 3
    last = counts[-1]
    assert last is not None
    assert last.message_id == sent.message_id
    assert {emoji([r.type])[0]: r.total_count for r in last.reactions} == {"👍": 2, "🔥": 1}


async def test_reactions_are_opt_in(sb: Sandbox, bot: Bot) -> None:
    """Without message_reaction in allowed_updates nothing is reported."""
    alice = sb.add_user("Alice")
    sb.private_chat(alice)
    sent = await bot.send_message(alice.id, "今日要闻")
    await bot.get_updates(allowed_updates=["message"])
    message = sb.find_message(alice.id, sent.message_id)
    assert message is not None
    sb.react(message, alice, ["👍"])
    assert await bot.get_updates(allowed_updates=["message"]) == ()


async def test_control_api_reacts(sb: Sandbox, bot: Bot, url: str) -> None:
    """POST /_sandbox/react sets a user's reactions; a reaction Telegram lacks is a 400."""
    alice = sb.add_user("Alice")
    sb.private_chat(alice)
    sent = await bot.send_message(alice.id, "今日要闻")
    body = {"chat_id": alice.id, "message_id": sent.message_id, "user_id": alice.id}
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{url}/_sandbox/react", json=body | {"emojis": ["🎉"]}) as ok:
            assert ok.status == 200
        async with session.post(f"{url}/_sandbox/react", json=body | {"emojis": ["🦖"]}) as bad:
            assert bad.status == 400
            assert "not a reaction Telegram offers" in (await bad.json())["error"]
    [update] = [u.message_reaction for u in await updates(bot) if u.message_reaction]
    assert emoji(update.new_reaction) == ["🎉"]
