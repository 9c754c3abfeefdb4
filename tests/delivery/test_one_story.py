"""One story, one notice, end to end: a story two series tell alerts a chat once within
alerts.dedup_days (across a restart too), again after it; the weekly roundup lists it once,
"also in" the other series."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from conftest import Clock, manual_bot, store_of
from push_world import ALERT_HEADER, at

from bot.app import BotRunner
from bot.config import Config
from tgsandbox import Sandbox

DAY = dt.date(2024, 3, 2)

# one story as two series tell it: other words, the same article behind a tracking-decorated,
# mobile-host link
TOLD = (
    "1. 全国碳市场配额成交量创新高，生态环境部称2024年度配额分配方案即将发布。"
    " https://news.example.org/carbon/123\n"
)
RETOLD = (
    "1. 生态环境部：年度配额分配方案将于近期发布，碳市场成交活跃。"
    " https://m.news.example.org/carbon/123?utm_source=wechat&utm_medium=share\n"
    "2. 广东启动地方碳市场配额拍卖，首批成交50万吨。 https://news.example.org/carbon/456\n"
)


def edition(series: str, day: dt.date, items: str) -> str:
    return f"---\ntitle: {series} {day}\nseries: {series}\n---\n{items}"


@pytest.fixture
def digests(tmp_path: Path) -> Path:
    folder = tmp_path / "digests"
    folder.mkdir()
    return folder


@pytest.fixture
async def app(config: Config, clock: Clock) -> AsyncIterator[BotRunner]:
    async with manual_bot(config, clock, at(6, 0, day=DAY)) as runner:
        yield runner


async def alert_chat(tg: Sandbox, app: BotRunner, *terms: str) -> int:
    """A private chat, not subscribed, with one alert per term."""
    chat = tg.private_chat(tg.add_user("Alerted"))
    store = store_of(app)
    store.chats.ensure_chat(chat.id, type="private")
    for term in terms:
        store.chats.add_alert(chat.id, (term,), ())
    assert app.services is not None
    await app.services.alerts_changed(chat.id)
    return chat.id


async def publish(
    app: BotRunner, clock: Clock, digests: Path, series: str, day: dt.date, items: str
) -> int:
    """A new edition of ``series`` seen at 09:00 that day: the alerts the tick planned."""
    (digests / f"{series}-{day}.md").write_text(edition(series, day, items), "utf-8")
    clock.set(at(9, 0, day=day))
    return (await app.tick()).alerts


async def test_a_story_in_two_series_alerts_once(
    tg: Sandbox, app: BotRunner, clock: Clock, digests: Path
) -> None:
    """A retold story (other words, the link with utm_ and m.) does not alert again, by
    another alert of the chat either; the other story of that edition does."""
    chat = await alert_chat(tg, app, "配额", "碳市场")
    assert await publish(app, clock, digests, "碳日报", DAY, TOLD) == 1
    [first] = await tg.wait_messages(chat, 1)
    assert first.text.startswith(ALERT_HEADER)
    assert "2024年度配额分配方案" in first.text
    assert await publish(app, clock, digests, "能源周刊", DAY + dt.timedelta(days=1), RETOLD) == 1
    [_, second] = await tg.wait_messages(chat, 2)
    assert "广东启动地方碳市场配额拍卖" in second.text
    assert "年度配额分配方案将于近期发布" not in second.text


async def test_the_same_story_in_one_tick_alerts_once(
    tg: Sandbox, app: BotRunner, clock: Clock, digests: Path
) -> None:
    """Two series publishing the story the same morning: one alert message tells it."""
    chat = await alert_chat(tg, app, "配额")
    (digests / f"碳日报-{DAY}.md").write_text(edition("碳日报", DAY, TOLD), "utf-8")
    assert await publish(app, clock, digests, "能源周刊", DAY, RETOLD) == 2
    messages = await tg.wait_messages(chat, 2)
    texts = "\n".join(m.text for m in messages)
    assert texts.count("配额分配方案") == 1
    assert "广东启动地方碳市场配额拍卖" in texts


async def test_after_the_window_the_story_alerts_again(
    tg: Sandbox, app: BotRunner, clock: Clock, digests: Path
) -> None:
    """Retold three days later it is not news; eight days later (alerts.dedup_days is 7) it
    is again."""
    chat = await alert_chat(tg, app, "配额分配")
    assert await publish(app, clock, digests, "碳日报", DAY, TOLD) == 1
    await tg.wait_messages(chat, 1)
    assert await publish(app, clock, digests, "能源周刊", DAY + dt.timedelta(days=3), RETOLD) == 0
    assert await publish(app, clock, digests, "碳周报", DAY + dt.timedelta(days=8), RETOLD) == 1
    [_, again] = await tg.wait_messages(chat, 2)
    assert "年度配额分配方案将于近期发布" in again.text


async def test_a_restart_inside_the_window_does_not_repeat_the_story(
    tg: Sandbox, config: Config, clock: Clock, digests: Path
) -> None:
    """The bot stopped and started again between the two editions still alerts once."""
    async with manual_bot(config, clock, at(6, 0, day=DAY)) as first:
        chat = await alert_chat(tg, first, "配额分配")
        assert await publish(first, clock, digests, "碳日报", DAY, TOLD) == 1
        await tg.wait_messages(chat, 1)
    later = DAY + dt.timedelta(days=3)
    async with manual_bot(config, clock, at(6, 0, day=later)) as second:
        assert await publish(second, clock, digests, "能源周刊", later, RETOLD) == 0
        assert store_of(second).editions.editions_on(later)  # it was read, and told nothing
    assert len(tg.messages(chat)) == 1


async def test_the_weekly_roundup_lists_a_story_once_with_also_in(
    tg: Sandbox, app: BotRunner, clock: Clock, digests: Path
) -> None:
    """A weekly carbon-market reader sees the story once, under the edition that told it
    first, "also in" the other series; the other story of that edition is listed."""
    monday = dt.date(2024, 3, 4)
    store = store_of(app)
    weekly = tg.private_chat(tg.add_user("Wei")).id
    store.chats.ensure_chat(weekly, type="private")
    store.chats.update_chat(weekly, cadence="weekly", week_day=0)
    store.chats.subscribe(weekly)
    store.chats.set_scopes(weekly, {"carbon-market"})
    await publish(app, clock, digests, "碳日报", monday + dt.timedelta(days=1), TOLD)
    await publish(app, clock, digests, "能源周刊", monday + dt.timedelta(days=2), RETOLD)
    clock.set(at(8, 0, day=monday + dt.timedelta(days=7)))
    assert (await app.tick()).planned == 1
    [roundup] = await tg.wait_messages(weekly, 1)
    assert roundup.text.startswith("每周回顾")
    assert roundup.text.count("配额分配方案") == 1
    assert "2024年度配额分配方案即将发布。（3月5日）（另见：能源周刊 3月6日）" in roundup.text
    assert "广东启动地方碳市场配额拍卖" in roundup.text
