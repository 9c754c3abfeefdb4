"""The settings table drives /settings, its buttons, /help and the README; /help explains
searching. End to end through the emulator."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from conftest import store_of

from bot.app import BotRunner
from bot.chat import settings
from bot.chat.settings import Setting
from bot.render.i18n import CATALOGUE
from tgsandbox import Sandbox

Settle = Callable[[], Awaitable[None]]
README = Path(__file__).resolve().parents[2] / "README.md"


def _size(value: str) -> str | None:
    return value if value.isascii() and value.isdecimal() and 1 <= int(value) <= 50 else None


SIZE = Setting("size", ("条数", "items"), _size, "1 … 50", default="10", choices=("5", "10", "20"))


@pytest.fixture
def size_setting(monkeypatch: pytest.MonkeyPatch) -> Setting:
    """A new row in the settings table, with its catalogue strings: nothing else."""
    monkeypatch.setattr(settings, "SETTINGS", (*settings.SETTINGS, SIZE))
    monkeypatch.setitem(CATALOGUE, "setting_size", {"zh": "每期条数", "en": "Items per edition"})
    monkeypatch.setitem(
        CATALOGUE, "saved_size", {"zh": "✅ 每期最多 {value} 条。", "en": "✅ {value} at most."}
    )
    return SIZE


async def test_a_new_row_is_a_working_setting(
    tg: Sandbox, app: BotRunner, size_setting: Setting
) -> None:
    """One row in the table: /settings NAME VALUE (and an alias) sets it, a bad value is one
    line, /settings shows it with buttons that work, and /help lists it."""
    alice = tg.add_user("Alice")
    chat = tg.private_chat(alice)
    tg.send(chat, alice, "/settings 条数 5")
    [saved] = await tg.wait_messages(chat, 1)
    assert saved.text == "✅ 每期最多 5 条。"
    assert store_of(app).chats.settings(chat.id) == {"size": "5"}
    tg.send(chat, alice, "/settings size 99")
    _, refused = await tg.wait_messages(chat, 2)
    assert refused.text == "size 的值无效：99（应为 1 … 50）。设置未改变。"
    tg.send(chat, alice, "/settings")
    *_, view = await tg.wait_messages(chat, 3)
    assert "每期条数：5" in view.text
    labels = [label for row in view.buttons for label, _ in row]
    assert {"✓ 5", "10", "20"} <= set(labels)
    tg.press(view, alice, text="20")
    await tg.wait_for(lambda sb: len(sb.callback_answers) >= 1)
    assert tg.callback_answers[-1]["text"] == "✅ 每期最多 20 条。"
    await tg.wait_for(lambda sb: "每期条数：20" in sb.messages(chat)[2].text)
    assert store_of(app).chats.settings(chat.id) == {"size": "20"}
    tg.send(chat, alice, "/help")
    *_, help_text = await tg.wait_messages(chat, 4)
    assert "size 1 … 50 — 每期条数" in help_text.text


def test_a_new_row_is_missing_from_the_readme(size_setting: Setting) -> None:
    """The README check (tests/test_readme.py) knows the new setting: its row is not there."""
    rows = settings.readme_rows()
    assert "| `size` | `条数`, `items` | 1 … 50 | Items per edition |" in rows
    assert rows not in README.read_text("utf-8")


@pytest.mark.parametrize(
    ("args", "answer"),
    [
        ("timezone Asia/Tokyo", "✅ 时区已改为东京：每天 08:00 推送。"),
        ("时区 Europe/Berlin", "✅ 时区已改为柏林：每天 08:00 推送。"),
        ("push_time 07:00", "✅ 推送时间已改为每天 07:00（上海时间）。"),
        ("LANGUAGE en", "✅ I will speak English from now on."),
        ("timezone Mars/Base", "tz 的值无效：Mars/Base（应为 Area/City）。设置未改变。"),
        ("week_day 8", "day 的值无效：8（应为 mon … sun）。设置未改变。"),
    ],
)
async def test_aliases_are_input_and_errors_say_the_name(
    tg: Sandbox, app: BotRunner, args: str, answer: str
) -> None:
    """An alias sets its setting; a bad value is one line naming the canonical name and what
    a value looks like."""
    alice = tg.add_user("Alice")
    chat = tg.private_chat(alice)
    tg.send(chat, alice, f"/settings {args}")
    [reply] = await tg.wait_messages(chat, 1)
    assert reply.text == answer


async def test_an_unknown_setting_lists_every_name(tg: Sandbox, app: BotRunner) -> None:
    """/settings with a name no setting has answers one line with every name and its values."""
    alice = tg.add_user("Alice", language_code="en")
    chat = tg.private_chat(alice)
    tg.send(chat, alice, "/settings colour red")
    [reply] = await tg.wait_messages(chat, 1)
    assert "\n" not in reply.text
    assert reply.text.startswith("Usage: /settings NAME VALUE, where NAME is time HH:MM | tz")
    for setting in settings.SETTINGS:
        assert f"{setting.name} {setting.expected}" in reply.text


async def test_help_tells_search_syntax_and_inline_mode(tg: Sandbox, app: BotRunner) -> None:
    """/help says that plain text searches, the query syntax (phrases, exclusions, topics,
    series and dates) and inline mode with the bot's own name, and lists every setting."""
    alice = tg.add_user("Alice", language_code="en")
    chat = tg.private_chat(alice)
    tg.send(chat, alice, "/help")
    [help_text] = await tg.wait_messages(chat, 1)
    text = help_text.text
    assert "send text in a private chat" in text
    for syntax in ('"carbon market"', "-coal", "#storage", "series:NAME", "since:", "until:"):
        assert syntax in text, syntax
    assert f"@{tg.bot.username} WORDS" in text
    for setting in settings.SETTINGS:
        assert f"  {setting.name} {setting.expected} — {setting.label('en')}" in text


@pytest.mark.parametrize("text", ["/search 不存在的词语", "不存在的词语"])
async def test_a_search_miss_gives_a_hint(tg: Sandbox, app: BotRunner, text: str) -> None:
    """A search that finds nothing suggests fewer words, another spelling and the syntax."""
    alice = tg.add_user("Alice")
    chat = tg.private_chat(alice)
    tg.send(chat, alice, text)
    [miss] = await tg.wait_messages(chat, 1)
    assert miss.text.startswith("🔍 没有找到：不存在的词语")
    assert "试试更少的词、换一种写法" in miss.text


async def test_a_new_setting_moves_with_a_group_to_its_supergroup(
    tg: Sandbox, app: BotRunner, settle: Settle, size_setting: Setting
) -> None:
    """A setting kept in chat_settings stays with a group that becomes a supergroup."""
    admin = tg.add_user("Ada")
    group = tg.add_group("碳圈", admins=[admin])
    await tg.wait_messages(group, 1)
    tg.send(group, admin, "/settings size 20")
    _, saved = await tg.wait_messages(group, 2)
    assert saved.text == "✅ 每期最多 20 条。"
    supergroup = tg.migrate(group)
    await settle()
    assert store_of(app).chats.settings(supergroup.id) == {"size": "20"}
    assert store_of(app).chats.settings(group.id) == {}
