"""Groups, forum topics, channels and membership changes, end to end through the emulator."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from conftest import store_of

from bot.app import BotRunner
from tgsandbox import Sandbox

Settle = Callable[[], Awaitable[None]]


async def test_bot_added_to_group_greets(tg: Sandbox, app: BotRunner) -> None:
    """When the bot is added to a group it says how to subscribe."""
    admin = tg.add_user("Ada")
    group = tg.add_group("碳圈读者群", members=[tg.add_user("Bob")], admins=[admin])
    [greeting] = await tg.wait_messages(group, 1)
    assert "群管理员发送 /subscribe" in greeting.text


async def test_group_admin_subscribes_member_is_refused(
    tg: Sandbox, app: BotRunner, settle: Settle
) -> None:
    """In a group only admins change the subscription; others get a polite refusal."""
    admin, member = tg.add_user("Ada"), tg.add_user("Bob")
    group = tg.add_group("碳圈", members=[member], admins=[admin])
    await tg.wait_messages(group, 1)
    tg.send(group, member, "/subscribe")
    _, refusal = await tg.wait_messages(group, 2)
    assert refusal.text == "抱歉，只有本群管理员可以修改订阅和设置。"
    assert store_of(app).chats.scopes(group.id) == set()
    tg.send(group, admin, "/subscribe")
    *_, confirmation = await tg.wait_messages(group, 3)
    assert confirmation.text.startswith("✅ 已订阅")
    assert store_of(app).chats.scopes(group.id) == {"all"}


async def test_member_reads_but_cannot_press_manage_buttons(tg: Sandbox, app: BotRunner) -> None:
    """Anyone may read (/today, /help); a member pressing a settings button is refused."""
    admin, member = tg.add_user("Ada"), tg.add_user("Bob")
    group = tg.add_group("碳圈", members=[member], admins=[admin])
    await tg.wait_messages(group, 1)
    tg.send(group, member, "/today")
    _, _, edition = await tg.wait_messages(group, 3)
    assert edition.text.startswith("每日碳新闻")
    tg.send(group, admin, "/settings")
    *_, settings = await tg.wait_messages(group, 4)
    tg.press(settings, member, text="🌐 English")
    await tg.wait_for(lambda sb: len(sb.callback_answers) >= 1)
    answer = tg.callback_answers[-1]
    assert answer["text"] == "抱歉，只有本群管理员可以修改订阅和设置。"
    assert answer.get("show_alert") in (True, "true", "True")
    row = store_of(app).chats.get_chat(group.id)
    assert row is not None
    assert row.language == "zh"


async def test_personal_answers_in_a_group_use_the_askers_language(
    tg: Sandbox, app: BotRunner
) -> None:
    """An English-speaking member of a Chinese group gets the refusal, the button refusal and
    /help in English; what the bot posts for the whole group (the edition) stays Chinese."""
    admin, member = (
        tg.add_user("Ada", language_code="zh-hans"),
        tg.add_user("Eve", language_code="en"),
    )
    group = tg.add_group("碳圈", members=[member], admins=[admin])
    [greeting] = await tg.wait_messages(group, 1)
    assert "群管理员发送 /subscribe" in greeting.text
    tg.send(group, member, "/subscribe")
    _, refusal = await tg.wait_messages(group, 2)
    assert (
        refusal.text == "Sorry, only this group's admins can change its subscription and settings."
    )
    tg.send(group, member, "/help")
    *_, help_text = await tg.wait_messages(group, 3)
    assert help_text.text.startswith("Commands")
    tg.send(group, admin, "/settings")
    *_, settings = await tg.wait_messages(group, 4)
    tg.press(settings, member, text="🌐 English")
    await tg.wait_for(lambda sb: len(sb.callback_answers) >= 1)
    assert tg.callback_answers[-1]["text"] == refusal.text
    tg.send(group, member, "/today")
    *_, edition = await tg.wait_messages(group, 6)
    assert edition.text.startswith("每日碳新闻")


async def test_anonymous_admin_may_subscribe(tg: Sandbox, app: BotRunner) -> None:
    """An anonymous admin (posting as the group) can subscribe the group."""
    admin = tg.add_user("Ada")
    group = tg.add_group("碳圈", admins=[admin], supergroup=True)
    await tg.wait_messages(group, 1)
    tg.send(group, admin, "/subscribe", anonymous=True)
    _, confirmation = await tg.wait_messages(group, 2)
    assert confirmation.text.startswith("✅ 已订阅")


async def test_commands_for_other_bots_are_ignored(
    tg: Sandbox, app: BotRunner, settle: Settle
) -> None:
    """/today@otherbot and unknown commands in a group get no answer; addressed ones do."""
    tg.privacy_mode = False
    admin = tg.add_user("Ada")
    group = tg.add_group("碳圈", admins=[admin])
    await tg.wait_messages(group, 1)
    tg.send(group, admin, "/today@other_bot")
    tg.send(group, admin, "/frobnicate")
    tg.send(group, admin, "大家早上好")
    await settle()
    assert len(tg.messages(group)) == 1
    tg.send(group, admin, "/frobnicate@digest_test_bot")
    _, hint = await tg.wait_messages(group, 2)
    assert hint.text.startswith("不认识这个命令")


async def test_forum_topic_subscription_remembers_thread(tg: Sandbox, app: BotRunner) -> None:
    """/subscribe inside a forum topic answers there and remembers that topic for pushes."""
    admin = tg.add_user("Ada")
    forum = tg.add_group("碳圈论坛", admins=[admin], forum=True)
    await tg.wait_messages(forum, 1)
    topic = tg.add_topic(forum, "每日新闻")
    tg.send(forum, admin, "/subscribe", thread_id=topic)
    [confirmation] = await tg.wait_messages(forum, 1, thread_id=topic)
    assert confirmation.thread_id == topic
    assert confirmation.text.startswith("✅ 已订阅")
    row = store_of(app).chats.get_chat(forum.id)
    assert row is not None
    assert row.thread_id == topic


async def test_channel_managed_from_private_chat(tg: Sandbox, app: BotRunner) -> None:
    """/subscribe @channel checks both admin rights, subscribes it; /channels lists it."""
    owner, stranger = tg.add_user("Olga"), tg.add_user("Sam")
    channel = tg.add_channel("碳新闻频道", admins=[owner], username="carbon_news")
    owner_chat, stranger_chat = tg.private_chat(owner), tg.private_chat(stranger)
    tg.send(stranger_chat, stranger, "/subscribe @carbon_news")
    [refused] = await tg.wait_messages(stranger_chat, 1)
    assert refused.text == "只有 碳新闻频道 的管理员可以为它订阅。"
    tg.send(owner_chat, owner, "/subscribe @carbon_news")
    [done] = await tg.wait_messages(owner_chat, 1)
    assert done.text.startswith("✅ 频道 碳新闻频道 已订阅")
    assert store_of(app).chats.scopes(channel.id) == {"all"}
    tg.send(owner_chat, owner, "/channels")
    _, listing = await tg.wait_messages(owner_chat, 2)
    assert "碳新闻频道：已订阅，08:00（Asia/Shanghai），完整" in listing.text
    tg.press(listing, owner, text="退订 碳新闻频道")
    *_, after = await tg.wait_messages(owner_chat, 3)
    assert "碳新闻频道：未订阅" in after.text
    assert store_of(app).chats.scopes(channel.id) == set()


async def test_channel_where_bot_is_not_admin(tg: Sandbox, app: BotRunner) -> None:
    """A channel where the bot cannot post is refused with what to do."""
    owner = tg.add_user("Olga")
    tg.add_channel("小频道", admins=[owner], username="small_one", bot_admin=False)
    chat = tg.private_chat(owner)
    tg.send(chat, owner, "/subscribe @small_one")
    tg.send(chat, owner, "/subscribe @no_such_channel")
    first, second = await tg.wait_messages(chat, 2)
    assert first.text == "我还不是 小频道 的管理员（需要发布消息的权限）。"
    assert second.text.startswith("找不到频道 @no_such_channel")


async def test_kicked_then_readded_group(tg: Sandbox, app: BotRunner, settle: Settle) -> None:
    """Kicking the bot makes the group inactive (data kept); re-adding revives and greets."""
    admin = tg.add_user("Ada")
    group = tg.add_group("碳圈", admins=[admin])
    await tg.wait_messages(group, 1)
    tg.send(group, admin, "/subscribe")
    await tg.wait_messages(group, 2)
    tg.set_bot_status(group, "kicked", by=admin)
    await settle()
    row = store_of(app).chats.get_chat(group.id)
    assert row is not None
    assert (row.active, row.inactive_reason) == (False, "kicked")
    assert store_of(app).chats.scopes(group.id) == {"all"}
    tg.set_bot_status(group, "member", by=admin)
    *_, greeting = await tg.wait_messages(group, 3)
    assert "群管理员" in greeting.text
    row = store_of(app).chats.get_chat(group.id)
    assert row is not None
    assert row.active


async def test_migration_moves_settings(tg: Sandbox, app: BotRunner, settle: Settle) -> None:
    """A group upgraded to a supergroup keeps its subscription, settings and alerts."""
    admin = tg.add_user("Ada")
    group = tg.add_group("碳圈", admins=[admin])
    await tg.wait_messages(group, 1)
    for text in ("/subscribe", "/settings time 07:30", "/alert 绿证"):
        tg.send(group, admin, text)
    await tg.wait_messages(group, 4, timeout=20)
    supergroup = tg.migrate(group)
    await settle()
    store = store_of(app)
    moved = store.chats.get_chat(supergroup.id)
    assert moved is not None
    assert moved.push_time is not None
    assert moved.push_time.strftime("%H:%M") == "07:30"
    assert store.chats.scopes(supergroup.id) == {"all"}
    assert [a.terms for a in store.chats.alerts(supergroup.id)] == [("绿证",)]
    assert store.chats.scopes(group.id) == set()


async def test_forged_and_stale_buttons_change_nothing(tg: Sandbox, app: BotRunner) -> None:
    """Forged callback data, another chat's alert id or a wrong action answer "expired"."""
    alice, mallory = tg.add_user("Alice"), tg.add_user("Mallory")
    alice_chat, mallory_chat = tg.private_chat(alice), tg.private_chat(mallory)
    store = store_of(app)
    store.chats.ensure_chat(alice_chat.id, type="private")
    victim = store.chats.add_alert(alice_chat.id, ("储能",), ())
    tg.send(mallory_chat, mallory, "/settings")
    [view] = await tg.wait_messages(mallory_chat, 1)
    forged = [
        f"alx:{victim.id}",
        "set:lang:xx",
        "set:tz:999",
        "tp:nope",
        "zzz",
        "ed:20991301",
        "ch:1:unsub",
    ]
    for data in forged:
        tg.press(view, mallory, data=data)
    await tg.wait_for(lambda sb: len(sb.callback_answers) >= len(forged), timeout=20)
    assert {a["text"] for a in tg.callback_answers} == {"这个按钮已失效。"}
    assert store.chats.get_alert(victim.id) == victim
    row = store.chats.get_chat(mallory_chat.id)
    assert row is not None
    assert row.language == "zh"


async def test_an_admin_demoted_a_moment_ago_changes_nothing(
    tg: Sandbox, app: BotRunner, settle: Settle
) -> None:
    """An admin who just lost the role is refused at once (no remembered admin status)."""
    admin, owner = tg.add_user("Ada"), tg.add_user("Olga")
    group = tg.add_group("碳圈", admins=[owner, admin])
    await tg.wait_messages(group, 1)
    tg.send(group, admin, "/subscribe")
    _, confirmation = await tg.wait_messages(group, 2)
    assert confirmation.text.startswith("✅ 已订阅")
    tg.chat_of(group.id).admin_ids.remove(admin.id)  # the owner demotes Ada
    tg.send(group, admin, "/unsubscribe")
    *_, refusal = await tg.wait_messages(group, 3)
    assert refusal.text == "抱歉，只有本群管理员可以修改订阅和设置。"
    assert store_of(app).chats.scopes(group.id) == {"all"}
