"""Chats through the real PTB ``telegram.Bot``: blocked, deactivated, kicked, left and upgraded
chats raise the PTB exceptions Telegram's answers raise; groups, privacy mode, forum topics and
channels deliver what Telegram delivers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot, ChatMemberUpdated, Update
from telegram.error import BadRequest, ChatMigrated, Forbidden

from tgsandbox import ANONYMOUS_ADMIN_ID, Sandbox, start_sandbox

TOKEN = "123456:TEST-token"


@pytest.fixture
def sb() -> Sandbox:
    return Sandbox(token=TOKEN, bot_username="digest_test_bot")


@pytest.fixture
async def bot(sb: Sandbox) -> AsyncIterator[Bot]:
    runner, url = await start_sandbox(sb, port=0)
    try:
        async with Bot(TOKEN, base_url=f"{url}/bot") as client:
            yield client
    finally:
        await runner.cleanup()


async def updates(bot: Bot) -> list[Update]:
    """Every pending update, confirmed."""
    found = list(await bot.get_updates())
    if found:
        await bot.get_updates(offset=found[-1].update_id + 1)
    return found


async def test_blocking_user_forbids_and_unblocking_restores(sb: Sandbox, bot: Bot) -> None:
    """A blocked bot gets 403 Forbidden and kicked/member my_chat_member updates."""
    alice = sb.add_user("Alice")
    chat = sb.private_chat(alice)
    sb.block(alice)
    with pytest.raises(Forbidden, match=r"^Forbidden: bot was blocked by the user$"):
        await bot.send_message(chat.id, "hello?")
    sb.unblock(alice)
    await bot.send_message(chat.id, "welcome back")
    statuses = [
        (u.my_chat_member.old_chat_member.status, u.my_chat_member.new_chat_member.status)
        for u in await updates(bot)
        if u.my_chat_member
    ]
    assert statuses == [("member", "kicked"), ("kicked", "member")]


async def test_deactivated_and_unknown_users(sb: Sandbox, bot: Bot) -> None:
    """Deactivated users and users who never opened the chat forbid; unknown ids are 400."""
    alice, bob = sb.add_user("Alice"), sb.add_user("Bob")
    sb.private_chat(alice)
    sb.deactivate(alice)
    with pytest.raises(Forbidden, match=r"^Forbidden: user is deactivated$"):
        await bot.send_message(alice.id, "hi")
    with pytest.raises(
        Forbidden, match=r"^Forbidden: bot can't initiate conversation with a user$"
    ):
        await bot.send_message(bob.id, "hi")
    with pytest.raises(BadRequest, match=r"^Chat not found$"):
        await bot.send_message(12345, "hi")


async def test_migrated_group_raises_chat_migrated(sb: Sandbox, bot: Bot) -> None:
    """After an upgrade, sends to the old id raise ChatMigrated with the supergroup's id."""
    alice = sb.add_user("Alice")
    group = sb.add_group("Readers", members=[alice], admins=[alice])
    await updates(bot)
    supergroup = sb.migrate(group)
    with pytest.raises(ChatMigrated) as migrated:
        await bot.send_message(group.id, "hi")
    assert migrated.value.new_chat_id == supergroup.id
    service = [u.message for u in await updates(bot) if u.message]
    assert [(m.chat.id, m.migrate_to_chat_id, m.migrate_from_chat_id) for m in service] == [
        (group.id, supergroup.id, None),
        (supergroup.id, None, group.id),
    ]
    await bot.send_message(supergroup.id, "hello again")
    assert [m.text for m in sb.messages(supergroup)] == ["hello again"]


async def test_adding_the_bot_to_a_group_is_announced(sb: Sandbox, bot: Bot) -> None:
    """Adding the bot gives my_chat_member (left → administrator) and new_chat_members."""
    alice = sb.add_user("Alice")
    group = sb.add_group("Readers", members=[alice], admins=[alice], bot_admin=True)
    member_update, message_update = await updates(bot)
    change = member_update.my_chat_member
    assert isinstance(change, ChatMemberUpdated)
    assert change.from_user.id == alice.id
    assert (change.old_chat_member.status, change.new_chat_member.status) == (
        "left",
        "administrator",
    )
    assert message_update.message is not None
    assert [u.id for u in message_update.message.new_chat_members] == [bot.id]
    assert group.bot_status == "administrator"


async def test_group_privacy_mode(sb: Sandbox, bot: Bot) -> None:
    """A non-admin bot sees commands for it, replies to it and mentions; not other chatter."""
    alice = sb.add_user("Alice")
    group = sb.add_group("Readers", members=[alice])
    await updates(bot)
    sb.send(group, alice, "just chatting")
    sb.send(group, alice, "/help@other_bot")
    sb.send(group, alice, "/help@digest_test_bot")
    sb.send(group, alice, "/today")
    sb.send(group, alice, "hey @digest_test_bot")
    mine = await bot.send_message(group.id, "menu")
    sb.send(group, alice, "a reply", reply_to=sb.find_message(group.id, mine.message_id))
    texts = [u.message.text for u in await updates(bot) if u.message]
    assert texts == ["/help@digest_test_bot", "/today", "hey @digest_test_bot", "a reply"]
    sb.privacy_mode = False
    sb.send(group, alice, "now everything")
    assert [u.message.text for u in await updates(bot) if u.message] == ["now everything"]


async def test_anonymous_admin_and_channel_posts(sb: Sandbox, bot: Bot) -> None:
    """An anonymous admin writes as GroupAnonymousBot; channel posts are channel_post updates."""
    alice = sb.add_user("Alice")
    group = sb.add_group("Readers", members=[alice], admins=[alice])
    channel = sb.add_channel("News", admins=[alice], username="news")
    await updates(bot)
    sb.send(group, alice, "/settings", anonymous=True)
    sb.send(channel, None, "post")
    message_update, post_update = await updates(bot)
    message = message_update.message
    assert message is not None
    assert message.from_user is not None
    assert message.from_user.id == ANONYMOUS_ADMIN_ID
    assert message.sender_chat is not None
    assert message.sender_chat.id == group.id
    assert post_update.channel_post is not None
    assert post_update.channel_post.text == "post"
    sent = await bot.send_message("@news", "to the channel")
    assert sent.chat.id == channel.id
    assert sent.sender_chat is not None
    assert sent.sender_chat.id == channel.id


async def test_only_admins_may_post_as_the_group(sb: Sandbox, bot: Bot) -> None:
    """Posting anonymously (as the group) is for administrators: a member's or a stranger's
    attempt is refused and changes nothing; an admin still posts as GroupAnonymousBot."""
    ada, bob, eve = sb.add_user("Ada"), sb.add_user("Bob"), sb.add_user("Eve")
    for group in (
        sb.add_group("Readers", members=[bob], admins=[ada]),
        sb.add_group("Big", members=[bob], admins=[ada], supergroup=True),
    ):
        await updates(bot)
        before = len(sb.messages(group, outgoing=None))
        for user in (bob, eve):
            with pytest.raises(ValueError, match="only administrators can post anonymously"):
                sb.send(group, user, "/subscribe", anonymous=True)
        assert len(sb.messages(group, outgoing=None)) == before
        assert eve.id not in group.member_ids  # refused before joining
        assert await updates(bot) == []
        sb.send(group, bob, "/subscribe")  # as himself: fine
        sb.send(group, ada, "/subscribe", anonymous=True)
        mine, anonymous = [u.message for u in await updates(bot)]
        assert mine is not None
        assert anonymous is not None
        assert mine.from_user is not None
        assert (mine.from_user.id, mine.sender_chat) == (bob.id, None)
        assert anonymous.from_user is not None
        assert anonymous.sender_chat is not None
        assert (anonymous.from_user.id, anonymous.sender_chat.id) == (ANONYMOUS_ADMIN_ID, group.id)


async def test_bot_status_refusals_in_groups_and_channels(sb: Sandbox, bot: Bot) -> None:
    """Kicked, left and non-admin bots get Telegram's 403/400 texts per chat type."""
    alice = sb.add_user("Alice")
    supergroup = sb.add_group("Big", members=[alice], supergroup=True)
    channel = sb.add_channel("News", admins=[alice], bot_admin=False)
    sb.set_bot_status(supergroup, "kicked")
    with pytest.raises(Forbidden, match=r"^Forbidden: bot was kicked from the supergroup chat$"):
        await bot.send_message(supergroup.id, "hi")
    with pytest.raises(BadRequest, match=r"^Need administrator rights in the channel chat$"):
        await bot.send_message(channel.id, "hi")
    group = sb.add_group("Small", members=[alice])
    sb.set_bot_status(group, "left", by=alice)
    with pytest.raises(Forbidden, match=r"^Forbidden: bot is not a member of the group chat$"):
        await bot.send_message(group.id, "hi")
    sb.set_bot_status(channel, "left")
    with pytest.raises(Forbidden, match=r"^Forbidden: bot is not a member of the channel chat$"):
        await bot.get_chat(channel.id)


async def test_forum_topics_and_threads(sb: Sandbox, bot: Bot) -> None:
    """Messages in a forum topic carry its message_thread_id; unknown threads are refused."""
    alice = sb.add_user("Alice")
    forum = sb.add_group("Forum", members=[alice], admins=[alice], forum=True, bot_admin=True)
    topic = sb.add_topic(forum, "碳市场")
    sb.send(forum, alice, "/subscribe", thread_id=topic)
    *_, update = await updates(bot)
    assert update.message is not None
    assert update.message.message_thread_id == topic
    assert update.message.is_topic_message
    reply = await bot.send_message(forum.id, "subscribed", message_thread_id=topic)
    assert reply.message_thread_id == topic
    assert [m.text for m in await sb.wait_messages(forum, 1, thread_id=topic)] == ["subscribed"]
    with pytest.raises(BadRequest, match=r"^Message thread not found$"):
        await bot.send_message(forum.id, "lost", message_thread_id=topic + 100)
