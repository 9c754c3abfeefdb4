"""Digests of alerts, end to end: a daily alert's matches arrive once at the chat's push time
(not as they come), a weekly one's once on its roundup day, and a restart sends neither again."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import Clock, manual_bot, store_of
from push_world import DAY, at, edition_folder, edition_of

from bot.app import BotRunner
from bot.config import Config, PushConfig
from tgsandbox import Sandbox

NEXT = DAY + dt.timedelta(days=1)  # Saturday 2024-03-02 (DAY is a Friday)
MONDAY = dt.date(2024, 3, 4)
DAILY_HEADER = "🔔 提醒汇总 · "
WEEKLY_HEADER = "🔔 一周提醒汇总 · "


@pytest.fixture
def digests(tmp_path: Path) -> Path:
    return edition_folder(tmp_path)


@pytest.fixture
def config(config: Config) -> Config:
    return replace(config, push=PushConfig(rate=28.0))


async def round_at(app: BotRunner, when: dt.datetime, clock: Clock) -> None:
    """A planning round at ``when``, and the sender done with what it planned."""
    clock.set(when)
    await app.tick()
    assert app.pusher is not None
    await app.pusher.idle()


def headed(tg: Sandbox, chat: int, header: str) -> list[str]:
    return [m.text for m in tg.messages(chat) if m.text.startswith(header)]


async def test_a_daily_alert_digest_arrives_once_at_push_time(
    tg: Sandbox, config: Config, clock: Clock, digests: Path
) -> None:
    """`/alert 碳市场 cadence:daily`: no alert when the edition comes in, one digest of that
    day's matches at 08:00, one the next day, none again after a restart; an alert made after
    08:00 waits for the next day's."""
    user = tg.add_user("Daily")
    chat = tg.private_chat(user)
    late_user = tg.add_user("Late")
    late = tg.private_chat(late_user)
    async with manual_bot(config, clock, at(6, 0)) as app:
        tg.send(chat, user, "/alert 碳市场 cadence:daily")
        [added] = await tg.wait_messages(chat, 1)
        assert "每日汇总" in added.text
        await round_at(app, at(7, 59), clock)
        assert len(tg.messages(chat)) == 1
        await round_at(app, at(8, 0), clock)
        [first] = headed(tg, chat.id, DAILY_HEADER)
        assert first.startswith(DAILY_HEADER + "2024年3月1日：1 条")
        assert "全国碳市场配额成交量创新高" in first
        clock.set(at(9, 0))
        tg.send(late, late_user, "/alert 碳市场 cadence:daily")
        await tg.wait_messages(late, 1)
        await round_at(app, at(9, 1), clock)
        assert len(tg.messages(late)) == 1
        (digests / f"{NEXT}.md").write_text(edition_of(NEXT), "utf-8")
        clock.set(at(7, 0, day=NEXT))
        assert (await app.tick()).alerts == 0  # not as it comes
        assert app.pusher is not None
        await app.pusher.idle()
        assert len(tg.messages(chat)) == 2
        await round_at(app, at(8, 0, day=NEXT), clock)
        await round_at(app, at(12, 0, day=NEXT), clock)
        digests_sent = headed(tg, chat.id, DAILY_HEADER)
        assert len(digests_sent) == 2
        assert digests_sent[1].startswith(DAILY_HEADER + "2024年3月2日：1 条")
        [late_digest] = headed(tg, late.id, DAILY_HEADER)
        assert late_digest.startswith(DAILY_HEADER + "2024年3月2日：1 条")
    async with manual_bot(config, clock) as again:
        await round_at(again, at(13, 0, day=NEXT), clock)
        rows = store_of(again).outbox.deliveries_summary()["deliveries"]
    assert len(tg.messages(chat)) == 3
    assert rows == {"alert_daily": {"sent": 3}}


async def test_a_weekly_alert_digest_arrives_on_its_day(
    tg: Sandbox, config: Config, clock: Clock, digests: Path
) -> None:
    """An alert switched to weekly with ⏱ under /alerts: nothing during the week, one digest
    of the week's matches on Monday at push time, once."""
    user = tg.add_user("Weekly")
    chat = tg.private_chat(user)
    async with manual_bot(config, clock, at(6, 0)) as app:
        tg.send(chat, user, "/alert 储能")
        tg.send(chat, user, "/alerts")
        await tg.wait_messages(chat, 2)
        for label, shown in (("⏱ 1. 即时", "每日汇总"), ("⏱ 1. 每日汇总", "每周汇总")):
            tg.press(tg.messages(chat)[1], user, text=label)
            await tg.wait_for(lambda sb, s=shown: s in (sb.messages(chat)[1].text or ""))
        [alert] = store_of(app).chats.alerts(chat.id)
        assert alert.cadence == "weekly"
        (digests / f"{NEXT}.md").write_text(edition_of(NEXT), "utf-8")
        await round_at(app, at(9, 0, day=NEXT), clock)
        await round_at(app, at(7, 59, day=MONDAY), clock)
        assert len(tg.messages(chat)) == 2
        await round_at(app, at(8, 0, day=MONDAY), clock)
        await round_at(app, at(9, 0, day=MONDAY), clock)
        [weekly] = headed(tg, chat.id, WEEKLY_HEADER)
        assert weekly.startswith(WEEKLY_HEADER + "2024年2月26日–2024年3月3日：2 条")
        assert weekly.count("新型储能电站并网") == 2
        assert "2024年3月1日" in weekly
        assert "2024年3月2日" in weekly
