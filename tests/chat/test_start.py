"""End to end through the emulator: /start, the Subscribe button, /today, /help, the menu."""

from __future__ import annotations

import pytest

from bot.app import BotRunner
from bot.chat.handlers import BUTTONS, COMMANDS
from bot.render.buttons import ACTIONS
from bot.render.i18n import t
from tgsandbox import FaultConfig, Sandbox


async def test_start_in_private_chat_gets_a_welcome(tg: Sandbox, app: BotRunner) -> None:
    """/start in a private chat answers with a welcome in the user's language and a button."""
    alice = tg.add_user("Alice", language_code="zh-hans")
    chat = tg.private_chat(alice)
    tg.send(chat, alice, "/start")
    [welcome] = await tg.wait_messages(chat, 1)
    assert welcome.text.startswith("你好，Alice！")
    assert "08:00（Asia/Shanghai）" in welcome.text
    assert [[text for text, _ in row] for row in welcome.buttons] == [["📬 订阅每日推送"]]


async def test_english_user_gets_english(tg: Sandbox, app: BotRunner) -> None:
    """A user whose client is in English is greeted in English."""
    bob = tg.add_user("Bob", language_code="en-GB")
    chat = tg.private_chat(bob)
    tg.send(chat, bob, "/start")
    [welcome] = await tg.wait_messages(chat, 1)
    assert welcome.text.startswith("Hello, Bob!")


async def test_subscribe_button_subscribes_the_chat(tg: Sandbox, app: BotRunner) -> None:
    """Pressing Subscribe stores the subscription and confirms the push time."""
    alice = tg.add_user("Alice", language_code="zh")
    chat = tg.private_chat(alice)
    tg.send(chat, alice, "/start")
    [welcome] = await tg.wait_messages(chat, 1)
    tg.press(welcome, alice, text="📬 订阅每日推送")
    _, confirmation = await tg.wait_messages(chat, 2)
    assert confirmation.text == "✅ 已订阅：每天 08:00（Asia/Shanghai）推送新一期。"
    assert app.store is not None
    assert app.store.chats.is_subscribed(chat.id)
    answer = tg.callback_answers[-1]
    assert answer["text"] == confirmation.text
    tg.send(chat, alice, "/start")
    *_, again = await tg.wait_messages(chat, 3)
    assert again.buttons == []


async def test_today_sends_the_latest_edition(tg: Sandbox, app: BotRunner) -> None:
    """/today says the latest edition is not today's and sends it with its ten items."""
    alice = tg.add_user("Alice", language_code="zh")
    chat = tg.private_chat(alice)
    tg.send(chat, alice, "/today")
    note, edition = await tg.wait_messages(chat, 2)
    assert note.text == "今天还没有新一期，以下是最新的一期（2024年1月8日）。"
    assert edition.text.startswith("每日碳新闻 · 2024年1月8日")
    for n in range(1, 11):
        assert f"\n{n}. " in edition.text
    links = [e for e in edition.entities if e["type"] == "text_link"]
    assert len(links) == 10
    assert links[0]["url"] == "https://mp.weixin.qq.com/s/CNXXGYu7FeE_mmXg389mwQ"
    assert edition.link_preview_disabled


async def test_help_menu_and_handlers_agree(tg: Sandbox, app: BotRunner) -> None:
    """/help, the command menus per scope and language, and the handlers list the same commands."""
    alice = tg.add_user("Alice", language_code="zh")
    chat = tg.private_chat(alice)
    tg.send(chat, alice, "/help")
    [help_text] = await tg.wait_messages(chat, 1)
    public = [c for c in COMMANDS if not c.operator]
    names = [c.name for c in public]
    for command in public:
        assert f"/{command.name} — {t(command.help_key, 'zh')}" in help_text.text
    assert "/stats" not in help_text.text
    readers = [c.name for c in public if not c.manage and not c.private_only]
    admins = [c.name for c in public if not c.private_only]
    for lang in ("zh", "en"):
        assert [c["command"] for c in tg.commands[("all_private_chats", lang)]] == names
        assert [c["command"] for c in tg.commands[("all_chat_administrators", lang)]] == admins
        assert [c["command"] for c in tg.commands[("all_group_chats", lang)]] == readers
        described = {
            c["command"]: c["description"] for c in tg.commands[("all_private_chats", lang)]
        }
        assert all(described[c.name] == t(c.help_key, lang) for c in public)
    assert [c["command"] for c in tg.commands[("default", "")]] == names
    assert app.app is not None
    handlers = [h for group in app.app.handlers.values() for h in group]
    registered = {name for h in handlers for name in getattr(h, "commands", ())}
    assert registered == {c.name for c in COMMANDS}


def test_every_button_has_its_handler() -> None:
    """The one table of buttons and the router agree: a button the bot can make is handled,
    and the router handles nothing the bot cannot make."""
    assert set(BUTTONS) == set(ACTIONS)


async def test_not_today_note_is_dated(tg: Sandbox, app: BotRunner) -> None:
    """The note before an older edition names that edition's date in the reader's language."""
    bob = tg.add_user("Bob", language_code="en")
    chat = tg.private_chat(bob)
    tg.send(chat, bob, "/today")
    note, _ = await tg.wait_messages(chat, 2)
    assert note.text == "No edition today yet; here is the latest one (8 Jan 2024)."


@pytest.mark.real_pace  # the pace is what this checks, with lateness measured against it
async def test_quick_replies_never_hit_flood_limits(tg: Sandbox, app: BotRunner) -> None:
    """A burst of commands in one chat is paced by the bot: every reply arrives, no 429, even
    when some replies reach Telegram later than others (a busy machine, the network): the bot
    paces a chat from Telegram's answer to its previous message, not from when it sent it."""
    tg.flood.strict = True
    # seed 3: the 1st and 3rd replies reach Telegram 0.15 s after they were sent, the others
    # at once (paced from the sending, the 2nd would arrive 0.88 s after the 1st)
    tg.faults = FaultConfig(late_rate=0.5, late_seconds=0.15, methods=("sendMessage",), seed=3)
    alice = tg.add_user("Alice", language_code="zh")
    chat = tg.private_chat(alice)
    for command in ("/start", "/today", "/help"):
        tg.send(chat, alice, command)
    messages = await tg.wait_messages(chat, 4, timeout=15)
    assert len(messages) == 4
    assert tg.counters["http_429"] == 0
    assert tg.counters["faults_late"] == 2
