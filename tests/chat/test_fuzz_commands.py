"""Random arguments to every command: always a reply, never an unhandled exception."""

from __future__ import annotations

import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import BotRunner
from bot.chat.handlers import COMMANDS
from tgsandbox import Sandbox

NASTY = st.sampled_from(
    [
        '"',
        "'\"'",
        "“引号”",
        "😀" * 30,
        "x" * 5000,
        "\u202e\u200fRTL",
        "\x00\x01\x1f",
        "@",
        "-",
        "--",
        "-储能",
        "@carbon_news",
        "-100123",
        "tz ../../etc/passwd",
        "time 99:99",
        "lang klingon",
        "sub",
        "topic-",
        "alert-abc",
        "<b>&amp;</b>",
        "DROP TABLE chats;",
        "2024-02-30",
        "\ud83d",
    ]
)
ARGS = st.one_of(
    NASTY,
    st.text(max_size=60),
    st.lists(st.one_of(NASTY, st.text(min_size=1, max_size=12)), max_size=4).map(" ".join),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(name=st.sampled_from([c.name for c in COMMANDS]), args=ARGS)
async def test_every_command_answers_any_arguments(
    tg: Sandbox, app: BotRunner, caplog: pytest.LogCaptureFixture, name: str, args: str
) -> None:
    """Whatever follows a command, the user gets a reply and no handler fails."""
    caplog.set_level(logging.ERROR, logger="bot")
    user = tg.add_user("Fuzz", language_code="zh")
    chat = tg.private_chat(user)
    text = f"/{name} {args.encode('utf-8', 'replace').decode('utf-8')}"[:4096]
    tg.send(chat, user, text)
    replies = await tg.wait_messages(chat, 1, timeout=15)
    assert replies[0].text or replies[0].caption  # /trend "a phrase" answers with a chart
    assert not any("出了点问题" in (m.text or m.caption or "") for m in replies)
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert failures == []
