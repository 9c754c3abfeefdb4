"""Floods of commands: the flooder is slowed down, everybody else is answered as usual."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.app import BotRunner
from bot.ops.flood import Throttle
from tgsandbox import Sandbox

HELP = "可用命令"  # how every /help answer starts (zh)


async def test_one_member_flooding_a_group_does_not_silence_the_others(
    tg: Sandbox, app: BotRunner, settle: Callable[[], Awaitable[None]]
) -> None:
    """100 /help from one member: a few answers and one "slow down" for them; another member's
    /help right after still gets its answer."""
    flooder, other = tg.add_user("Flo"), tg.add_user("Bea")
    group = tg.add_group("碳圈", members=[flooder, other])
    await settle()
    before = len(tg.messages(group))
    for _ in range(100):
        tg.send(group, flooder, "/help")
    tg.send(group, other, "/help")
    await settle()
    answers = [m.text for m in tg.messages(group)[before:]]
    slow = [text for text in answers if text.startswith("请慢一点")]
    assert len(slow) == 1
    assert len(answers) == 6 + 1 + 1  # the flooder's first six, one warning, Bea's
    assert answers[-1].startswith(HELP)


async def test_a_flooding_user_does_not_delay_another_chat(tg: Sandbox, app: BotRunner) -> None:
    """500 commands from one user: another user's /today is answered before the flooder's
    seven answers, which go out at Telegram's pace for one chat (one a second), are all out."""
    flooder, reader = tg.add_user("Flo"), tg.add_user("Rea")
    flood_chat, reader_chat = tg.private_chat(flooder), tg.private_chat(reader)
    for _ in range(500):
        tg.send(flood_chat, flooder, "/help")
    tg.send(reader_chat, reader, "/today")
    await tg.wait_messages(reader_chat, 1)
    assert len(tg.messages(flood_chat)) < 7  # not queued behind the flooder's six seconds
    answers = await tg.wait_messages(flood_chat, 7, timeout=20)
    assert [m.text.startswith("请慢一点") for m in answers] == [False] * 6 + [True]


def test_the_throttle_counts_senders_and_groups_apart() -> None:
    """Past six commands in ten seconds a sender is warned once, then ignored; the ignored
    ones do not use up the group's twenty a minute; time heals both."""
    now = [0.0]
    throttle = Throttle(clock=lambda: now[0])
    verdicts = [throttle.check(1, -100) for _ in range(9)]
    assert verdicts == ["ok"] * 6 + ["warn", "drop", "drop"]
    assert [throttle.check(n, -100) for n in range(2, 16)] == ["ok"] * 14  # 20 in the group
    assert throttle.check(16, -100) == "drop"  # the group's minute is full
    assert throttle.check(16, None) == "ok"  # the same user in a private chat
    now[0] = 11.0
    assert throttle.check(1, None) == "ok"
    now[0] = 61.0
    assert throttle.check(17, -100) == "ok"
