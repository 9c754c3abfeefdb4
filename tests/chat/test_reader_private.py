"""Every reader command in a private chat, end to end through the emulator."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from conftest import store_of, talk, three_editions

from bot.app import BotRunner
from bot.ops.flood import Throttle
from bot.store.database import Store
from bot.store.editions import EditionStore
from tgsandbox import Sandbox


@pytest.fixture
def digests(tmp_path: Path) -> Path:
    """Three editions: 2024-01-05, the sample 2024-01-08 and 2024-01-10."""
    return three_editions(tmp_path)


async def test_subscribe_confirms_and_undo_reverts(tg: Sandbox, app: BotRunner) -> None:
    """/subscribe confirms the push time with an undo button; undo unsubscribes again."""
    alice = tg.add_user("Alice")
    chat = tg.private_chat(alice)
    tg.send(chat, alice, "/subscribe")
    [confirmation] = await tg.wait_messages(chat, 1)
    assert confirmation.text == "✅ 已订阅：每天 08:00（Asia/Shanghai）推送新一期。"
    assert store_of(app).chats.scopes(chat.id) == {"all"}
    tg.press(confirmation, alice, text="↩️ 撤销")
    await tg.wait_for(lambda sb: sb.messages(chat)[0].text.startswith("已退订"))
    assert store_of(app).chats.scopes(chat.id) == set()
    tg.send(chat, alice, "/subscribe")
    tg.send(chat, alice, "/subscribe")
    *_, again = await tg.wait_messages(chat, 3)
    assert again.text == "已经订阅过了。"


async def test_unsubscribe_with_undo(tg: Sandbox, app: BotRunner) -> None:
    """/unsubscribe stops deliveries and offers a one-tap undo that resubscribes."""
    alice = tg.add_user("Alice")
    chat = tg.private_chat(alice)
    tg.send(chat, alice, "/unsubscribe")
    [not_yet] = await tg.wait_messages(chat, 1)
    assert not_yet.text == "本聊天尚未订阅。"
    store_of(app).chats.ensure_chat(chat.id, type="private")
    store_of(app).chats.subscribe(chat.id)
    tg.send(chat, alice, "/unsubscribe")
    _, done = await tg.wait_messages(chat, 2)
    assert done.text.startswith("已退订")
    assert not store_of(app).chats.scopes(chat.id)
    tg.press(done, alice, text="↩️ 撤销")
    await tg.wait_for(lambda sb: sb.messages(chat)[1].text.startswith("✅ 已订阅"))
    assert store_of(app).chats.scopes(chat.id) == {"all"}


async def test_topics_toggle_and_follow_all(tg: Sandbox, app: BotRunner) -> None:
    """/topics toggles ✅/⬜ per topic (following subscribes); 'every item' clears them."""
    alice = tg.add_user("Alice")
    chat = tg.private_chat(alice)
    tg.send(chat, alice, "/topics")
    [menu] = await tg.wait_messages(chat, 1)
    labels = [b for row in menu.buttons for b, _ in row]
    assert labels[:2] == ["⬜ 碳市场", "⬜ 绿电绿证"]
    tg.press(menu, alice, text="⬜ 储能")
    await tg.wait_for(
        lambda sb: any("✅ 储能" in b for r in sb.messages(chat)[0].buttons for b, _ in r)
    )
    assert store_of(app).chats.scopes(chat.id) == {"storage"}
    tg.press(tg.messages(chat)[0], alice, text="接收全部内容")
    await tg.wait_for(
        lambda sb: not any(b.startswith("✅") for r in sb.messages(chat)[0].buttons for b, _ in r)
    )
    assert store_of(app).chats.scopes(chat.id) == {"all"}


async def test_alert_add_list_delete(tg: Sandbox, app: BotRunner) -> None:
    """/alert adds (normalised), duplicates are refused, /alerts lists with ✖ that deletes."""
    alice = tg.add_user("Alice")
    chat = tg.private_chat(alice)
    tg.send(chat, alice, "/alert 儲能 -煤炭")
    [added] = await tg.wait_messages(chat, 1)
    assert added.text.startswith("🔔 已添加提醒：储能 -煤炭")
    tg.send(chat, alice, "/alert 储能 -煤炭")
    _, duplicate = await tg.wait_messages(chat, 2)
    assert duplicate.text == "已经有这个提醒了：储能 -煤炭"
    tg.send(chat, alice, "/alerts")
    *_, listing = await tg.wait_messages(chat, 3)
    assert "1. 储能 -煤炭" in listing.text
    assert not [e for e in listing.entities if e["type"] == "text_link"]  # shared only by choice
    tg.press(listing, alice, text=listing.buttons[0][0][0])
    await tg.wait_for(lambda sb: "还没有提醒" in sb.messages(chat)[2].text)
    assert store_of(app).chats.alerts(chat.id) == []


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("", "用法：/alert"),
        ("a", "关键词需要 2–40 个字符（或一个汉字）：a"),
        ("储能 -x", "关键词需要 2–40 个字符（或一个汉字）：x"),
        ("储能 " + "长" * 41, "关键词需要 2–40 个字符"),
        ("-煤炭", "用法：/alert"),
        ("a1 b2 c3 d4 e5 f6", "一个提醒最多 5 个词"),
    ],
)
async def test_alert_refusals_are_clear(
    tg: Sandbox, app: BotRunner, args: str, expected: str
) -> None:
    """Bad /alert input gets a clear message and stores nothing."""
    [answer] = await talk(tg, f"/alert {args}".strip())
    assert expected in answer
    assert store_of(app).chats.alerts() == []


async def test_alert_limit_per_chat(tg: Sandbox, app: BotRunner) -> None:
    """A chat can keep at most 20 alerts; the 21st is refused politely."""
    alice = tg.add_user("Alice")
    chat = tg.private_chat(alice)
    store = store_of(app)
    store.chats.ensure_chat(chat.id, type="private")
    for n in range(20):
        store.chats.add_alert(chat.id, (f"词{n:02d}",), ())
    tg.send(chat, alice, "/alert 储能")
    [answer] = await tg.wait_messages(chat, 1)
    assert answer.text.startswith("每个聊天最多 20 个提醒")
    assert len(store.chats.alerts(chat.id)) == 20


async def test_settings_by_arguments(tg: Sandbox, app: BotRunner) -> None:
    """/settings KEY VALUE changes one setting; invalid values change nothing."""
    alice = tg.add_user("Alice")
    chat = tg.private_chat(alice)
    for text in ("/settings time 07:30", "/settings tz Europe/Berlin", "/settings time 25:00"):
        tg.send(chat, alice, text)
    saved_time, saved_tz, refused = await tg.wait_messages(chat, 3, timeout=15)
    assert saved_time.text == "✅ 推送时间已改为每天 07:30（上海时间）。"
    assert saved_tz.text == "✅ 时区已改为柏林：每天 07:30 推送。"
    assert refused.text == "time 的值无效：25:00（应为 HH:MM）。设置未改变。"
    row = store_of(app).chats.get_chat(chat.id)
    assert row is not None
    assert (row.push_time, row.timezone) == (dt.time(7, 30), "Europe/Berlin")


SENTENCES = {
    "zh": [
        ("time 07:30", "✅ 推送时间已改为每天 07:30（上海时间）。"),
        ("tz Asia/Tokyo", "✅ 时区已改为东京：每天 07:30 推送。"),
        ("tz Europe/Paris", "✅ 时区已改为Europe/Paris：每天 07:30 推送。"),
        ("format compact", "✅ 以后只推送标题，每条一行。"),
        ("format full", "✅ 以后推送完整条目（标题和摘要）。"),
        ("previews on", "✅ 链接预览已开启：消息下方显示第一个链接的预览。"),
        ("previews off", "✅ 链接预览已关闭。"),
        ("cadence weekly", "✅ 已改为每周回顾：每周一 07:30 送来一周要闻。"),
        ("time 18:00", "✅ 每周回顾改在周一 18:00（Europe/Paris时间）推送。"),
        ("day 周三", "✅ 已改为每周回顾：每周三 18:00 送来一周要闻。"),
        ("cadence daily", "✅ 已改为每日推送：每天 18:00 送来新一期。"),
        ("lang en", "✅ I will speak English from now on."),
    ],
    "en": [
        ("time 07:30", "✅ The edition now comes at 07:30 every day (Shanghai time)."),
        ("tz America/New_York", "✅ Time zone set to New York: the edition comes at 07:30."),
        ("format compact", "✅ Editions now come as headlines, one line each."),
        ("format full", "✅ Editions now come in full (titles and summaries)."),
        ("previews on", "✅ Link previews on: a message shows its first link's preview."),
        ("previews off", "✅ Link previews off."),
        ("cadence weekly", "✅ Weekly it is: the week's roundup comes on Mon at 07:30."),
        ("time 18:00", "✅ The weekly roundup now comes on Mon at 18:00 (New York time)."),
        ("day fri", "✅ Weekly it is: the week's roundup comes on Fri at 18:00."),
        ("cadence daily", "✅ Daily it is: each new edition comes at 18:00."),
        ("lang zh", "✅ 以后用中文和你交流。"),
    ],
}


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_every_setting_is_confirmed_in_a_sentence(
    tg: Sandbox, app: BotRunner, lang: str
) -> None:
    """Each /settings change answers with a sentence in the reader's language, never
    ``key = value``."""
    assert app.app is not None
    app.app.bot_data.throttle = Throttle(per_user=100)  # a dozen commands in a row, on purpose
    user = tg.add_user("Alice", language_code=lang)
    chat = tg.private_chat(user)
    for n, (args, expected) in enumerate(SENTENCES[lang], 1):
        tg.send(chat, user, f"/settings {args}")
        answer = (await tg.wait_messages(chat, n))[-1]
        assert answer.text == expected, args
        assert "=" not in answer.text


async def test_settings_buttons_mark_the_current_choice(tg: Sandbox, app: BotRunner) -> None:
    """The time zone buttons are named in the reader's language and ✓ marks the chat's time,
    zone and the previews state is said in words; a press answers with the sentence."""
    alice = tg.add_user("Alice")
    chat = tg.private_chat(alice)
    tg.send(chat, alice, "/settings")
    [view] = await tg.wait_messages(chat, 1)
    labels = [label for row in view.buttons for label, _ in row]
    assert {"✓ 上海", "香港", "台北", "东京", "柏林", "伦敦", "纽约"} <= set(labels)
    assert "✓ 08:00" in labels
    assert "🔗 链接预览：关" in labels
    assert "📰 格式：完整" in labels
    assert "时区：上海" in view.text
    tg.press(view, alice, text="东京")
    await tg.wait_for(lambda sb: len(sb.callback_answers) >= 1)
    assert tg.callback_answers[-1]["text"] == "✅ 时区已改为东京：每天 08:00 推送。"
    await tg.wait_for(lambda sb: "时区：东京" in sb.messages(chat)[0].text)
    labels = [label for row in tg.messages(chat)[0].buttons for label, _ in row]
    assert "✓ 东京" in labels
    assert "上海" in labels


async def test_settings_buttons_switch_language_and_format(tg: Sandbox, app: BotRunner) -> None:
    """/settings buttons change language, format and previews, and the view updates."""
    alice = tg.add_user("Alice")
    chat = tg.private_chat(alice)
    tg.send(chat, alice, "/settings")
    [view] = await tg.wait_messages(chat, 1)
    assert "推送时间：08:00" in view.text
    tg.press(view, alice, text="🌐 English")
    await tg.wait_for(lambda sb: sb.messages(chat)[0].text.startswith("Settings:"))
    view = tg.messages(chat)[0]
    tg.press(view, alice, text="📰 Format: full items")
    await tg.wait_for(lambda sb: "Format: headlines" in sb.messages(chat)[0].text)
    tg.press(tg.messages(chat)[0], alice, text="Berlin")
    await tg.wait_for(lambda sb: "Time zone: Berlin" in sb.messages(chat)[0].text)
    row = store_of(app).chats.get_chat(chat.id)
    assert row is not None
    assert (row.language, row.format, row.timezone) == ("en", "compact", "Europe/Berlin")
    tg.send(chat, alice, "/today")
    *_, edition = await tg.wait_messages(chat, 3)
    assert edition.text.startswith("每日碳新闻 · 10 Jan 2024")


async def test_unknown_command_and_plain_text_get_hints(tg: Sandbox, app: BotRunner) -> None:
    """An unknown command gets a short hint; plain text that finds nothing says so, and what
    the bot can do."""
    assert await talk(tg, "/frobnicate") == ["不认识这个命令。发送 /help 查看全部命令。"]
    [miss] = await talk(tg, "hello there", lang="en")
    assert miss.endswith(
        "Send a word to search; /today for the latest edition, /help for every command."
    )


async def test_deep_links(tg: Sandbox, app: BotRunner) -> None:
    """/start sub, /start topic-storage and /start alert-<token> act on a shared link."""
    alice = tg.add_user("Alice")
    chat = tg.private_chat(alice)
    tg.send(chat, alice, "/start sub")
    [subscribed] = await tg.wait_messages(chat, 1)
    assert subscribed.text.startswith("✅ 已订阅")
    tg.send(chat, alice, "/start topic-storage")
    _, topic = await tg.wait_messages(chat, 2)
    assert topic.text.startswith("✅ 已订阅话题「储能」")
    assert store_of(app).chats.scopes(chat.id) == {"storage"}
    tg.send(chat, alice, "/alert 绿证")
    tg.send(chat, alice, "/alerts")
    *_, listing = await tg.wait_messages(chat, 4)
    tg.press(listing, alice, text="🔗 分享 1")
    await tg.wait_for(
        lambda sb: (
            "分享" in sb.messages(chat)[3].text
            and any(e["type"] == "text_link" for e in sb.messages(chat)[3].entities)
        )
    )
    [link] = [e["url"] for e in tg.messages(chat)[3].entities if e["type"] == "text_link"]
    bob = tg.add_user("Bob")
    bob_chat = tg.private_chat(bob)
    tg.send(bob_chat, bob, f"/start {link.rpartition('start=')[2]}")
    [copied] = await tg.wait_messages(bob_chat, 1)
    assert copied.text.startswith("🔔 已添加提醒：绿证")


async def test_blocked_then_unblocked(
    tg: Sandbox, app: BotRunner, settle: Callable[[], Awaitable[None]]
) -> None:
    """Blocking makes the chat inactive (settings kept); /start after unblocking revives it."""
    alice = tg.add_user("Alice")
    chat = tg.private_chat(alice)
    tg.send(chat, alice, "/subscribe")
    await tg.wait_messages(chat, 1)
    tg.block(alice)
    store = store_of(app)
    await settle()
    assert is_active(store, chat.id) is False
    row = store.chats.get_chat(chat.id)
    assert row is not None
    assert row.inactive_reason == "blocked"
    assert store.chats.scopes(chat.id) == {"all"}
    tg.unblock(alice)
    await settle()
    assert is_active(store, chat.id) is True


def is_active(store: Store, chat_id: int) -> bool | None:
    row = store.chats.get_chat(chat_id)
    return None if row is None else row.active


async def test_command_flood_gets_one_slow_down(
    tg: Sandbox, app: BotRunner, settle: Callable[[], Awaitable[None]]
) -> None:
    """More than six commands in ten seconds: one "slow down", the rest ignored."""
    alice = tg.add_user("Alice")
    chat = tg.private_chat(alice)
    for _ in range(9):
        tg.send(chat, alice, "/help")
    await tg.wait_messages(chat, 7, timeout=20)
    await settle()
    texts = [m.text for m in tg.messages(chat)]
    assert len(texts) == 7
    assert texts.count("请慢一点 🙏 稍等几秒再发送命令。") == 1


async def test_failing_handler_apologises_and_logs(
    tg: Sandbox,
    app: BotRunner,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """When a handler fails the user gets a short apology and the error is logged."""

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(EditionStore, "latest_edition", broken)  # every connection's
    [apology] = await talk(tg, "/today")
    assert apology == "抱歉，出了点问题，请稍后再试。"
    assert any("disk on fire" in (r.exc_text or "") for r in caplog.records)
    assert not any("TEST-token" in r.getMessage() for r in caplog.records)
