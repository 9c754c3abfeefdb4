"""Reading editions in a private chat, end to end through the emulator: /today, /day in every
date form a reader writes (the bot's own included), the nearest editions, ◀ ▶."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import Clock, talk, three_editions

from bot.app import BotRunner
from tgsandbox import Sandbox


@pytest.fixture
def digests(tmp_path: Path) -> Path:
    """Three editions: 2024-01-05, the sample 2024-01-08 and 2024-01-10."""
    return three_editions(tmp_path)


async def test_today_has_navigation_between_editions(tg: Sandbox, app: BotRunner) -> None:
    """/today sends the newest edition with ◀ to the previous one; ◀ opens that edition in
    place of the message it is under (edited, no new message)."""
    alice = tg.add_user("Alice")
    chat = tg.private_chat(alice)
    tg.send(chat, alice, "/today")
    _, latest = await tg.wait_messages(chat, 2)
    assert latest.text.startswith("每日碳新闻 · 2024年1月10日")
    assert [[b for b, _ in row] for row in latest.buttons] == [["◀ 前一期"]]
    tg.press(latest, alice, text="◀ 前一期")
    await tg.wait_for(lambda sb: latest.text.startswith("每日碳新闻 · 2024年1月8日"))
    assert latest.edit_date is not None
    assert [m.message_id for m in tg.messages(chat)][-1] == latest.message_id
    assert [[b for b, _ in row] for row in latest.buttons] == [["◀ 前一期", "后一期 ▶"]]


@pytest.mark.parametrize(
    ("arg", "header"),
    [
        ("2024-01-08", "2024年1月8日"),
        ("2024/1/8", "2024年1月8日"),
        ("2024年1月10日", "2024年1月10日"),
        ("1月5日", "2024年1月5日"),
        ("8 Jan 2024", "2024年1月8日"),  # the bot's own English date
        ("10 January 2024", "2024年1月10日"),
    ],
)
async def test_day_accepts_reader_date_forms(
    tg: Sandbox, app: BotRunner, clock: Clock, arg: str, header: str
) -> None:
    """/day takes the date forms readers write and sends that edition."""
    clock.set(dt.datetime(2024, 1, 11, 9, tzinfo=dt.UTC))
    replies = await talk(tg, f"/day {arg}")
    assert replies[0].startswith(f"每日碳新闻 · {header}")


async def test_day_yesterday_relative_to_the_chat(
    tg: Sandbox, app: BotRunner, clock: Clock
) -> None:
    """/day 昨天 and /day yesterday mean the day before today in the chat's time zone."""
    # 2024-01-08 17:00 UTC is already 01:00 on the 9th in Shanghai: yesterday is the 8th
    clock.set(dt.datetime(2024, 1, 8, 17, tzinfo=dt.UTC))
    assert (await talk(tg, "/day 昨天"))[0].startswith("每日碳新闻 · 2024年1月8日")
    assert (await talk(tg, "/day yesterday", lang="en"))[0].startswith("每日碳新闻 · 8 Jan 2024")


async def test_day_without_edition_offers_nearest(tg: Sandbox, app: BotRunner) -> None:
    """A date with no edition answers with the nearest editions as buttons that open them."""
    alice = tg.add_user("Alice")
    chat = tg.private_chat(alice)
    tg.send(chat, alice, "/day 2024-01-07")
    [answer] = await tg.wait_messages(chat, 1)
    assert answer.text == "2024年1月7日 没有一期。最近的几期："
    labels = [b for row in answer.buttons for b, _ in row]
    assert labels == ["2024年1月5日", "2024年1月8日", "2024年1月10日"]
    tg.press(answer, alice, text="2024年1月8日")
    _, opened = await tg.wait_messages(chat, 2)
    assert opened.text.startswith("每日碳新闻 · 2024年1月8日")


@pytest.mark.parametrize("arg", ["", "2024-02-30", "明天见", "x" * 300])
async def test_day_bad_dates_explain_usage(tg: Sandbox, app: BotRunner, arg: str) -> None:
    """/day without a readable date says how to write one."""
    [answer] = await talk(tg, f"/day {arg}".strip())
    assert "/day 2024-01-08" in answer
