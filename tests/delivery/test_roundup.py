"""The weekly roundup: one message a week per weekly chat, its topics grouped, alerts marked."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import Clock, manual_bot, store_of

from bot.app import BotRunner
from bot.chat.preferences import parse_week_day
from bot.config import Config, PushConfig
from bot.delivery.plan import push_everyone
from bot.delivery.roundup import TopicName, last_due, roundup_edition
from bot.digest.models import Edition, EditionKey, Item
from tgsandbox import Sandbox

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = dt.date(2024, 3, 4)
WEEK = [MONDAY + dt.timedelta(days=n) for n in range(7)]


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


def digest(day: dt.date) -> str:
    n = day.day
    return (
        f"---\ntitle: 每日碳新闻 {day}\n---\n==新闻==\n"
        f"1. 第{n}日：全国碳市场配额成交活跃。 https://example.org/{n}/1\n"
        f"2. 第{n}日：新型储能电站并网，容量 {n}00MW。 https://example.org/{n}/2\n"
        f"3. 第{n}日：光伏组件价格下降，绿证交易活跃。 https://example.org/{n}/3\n"
    )


# -- pure ------------------------------------------------------------------------------


def test_last_due_is_the_latest_day_and_time_not_after_now() -> None:
    """Monday 08:00: at 07:59 the last roundup was a week earlier; at 08:00 it is today's."""
    due, start = last_due(
        at(dt.date(2024, 3, 11), 7, 59), week_day=0, at=dt.time(8), zone=SHANGHAI
    )
    assert (due, start) == (at(MONDAY, 8), dt.date(2024, 2, 26))
    due, start = last_due(at(dt.date(2024, 3, 11), 8), week_day=0, at=dt.time(8), zone=SHANGHAI)
    assert (due, start) == (at(dt.date(2024, 3, 11), 8), MONDAY)
    friday = last_due(at(dt.date(2024, 3, 11), 9), week_day=4, at=dt.time(18), zone=SHANGHAI)
    assert friday == (at(dt.date(2024, 3, 8), 18), dt.date(2024, 3, 1))


@pytest.mark.parametrize(
    ("text", "day"),
    [("mon", 0), ("Friday", 4), ("7", 6), ("周五", 4), ("星期日", 6), ("天", 6), ("一", 0)],
)
def test_week_days_in_both_languages(text: str, day: int) -> None:
    """/settings day takes English names, 1–7 and Chinese weekday names."""
    assert parse_week_day(text) == day


@pytest.mark.parametrize("text", ["", "8", "0", "someday", "周八", "mond", "²", "周³"])
def test_odd_week_days_are_refused(text: str) -> None:
    """Anything else is not a day."""
    assert parse_week_day(text) is None


def _editions() -> tuple[list[Edition], dict[tuple[EditionKey, int], set[str]]]:
    editions, topics = [], {}
    for day in WEEK[:3]:
        items = tuple(Item(position=p, text=f"{day.day}-{p}") for p in range(1, 6))
        editions.append(Edition(date=day, series="每日碳新闻", items=items))
        for p in range(1, 6):
            topics[(EditionKey(0, day), p)] = (
                {"storage"} if p % 2 else {"storage", "carbon-market"}
            )
    return editions, topics


TOPICS = [TopicName("carbon-market", "碳市场"), TopicName("storage", "储能")]


def test_followers_of_everything_get_the_top_items_of_each_topic_once() -> None:
    """Everything followed: the first three items per topic (lead stories, newest first)."""
    editions, topics = _editions()
    roundup = roundup_edition(
        editions, topics, start=MONDAY, scopes=frozenset({"all"}), topics=TOPICS, lang="zh"
    )
    texts = [(i.section, i.text) for i in roundup.items]
    assert texts == [
        ("碳市场", "6-2（3月6日）"),
        ("碳市场", "5-2（3月5日）"),
        ("碳市场", "4-2（3月4日）"),
        ("储能", "6-1（3月6日）"),
        ("储能", "5-1（3月5日）"),
        ("储能", "4-1（3月4日）"),
    ]
    assert [i.position for i in roundup.items] == [1, 2, 3, 4, 5, 6]


def test_topic_followers_get_every_item_of_their_topics_in_order() -> None:
    """Topics followed: every item of the week in them, by day and position."""
    editions, topics = _editions()
    roundup = roundup_edition(
        editions,
        topics,
        start=MONDAY,
        scopes=frozenset({"carbon-market"}),
        topics=TOPICS,
        lang="en",
    )
    assert [i.text for i in roundup.items] == [
        "4-2（3/4）",
        "4-4（3/4）",
        "5-2（3/5）",
        "5-4（3/5）",
        "6-2（3/6）",
        "6-4（3/6）",
    ]


# -- end to end ------------------------------------------------------------------------


@pytest.fixture
def digests(tmp_path: Path) -> Path:
    folder = tmp_path / "digests"
    folder.mkdir()
    for day in WEEK:
        (folder / f"{day}.md").write_text(digest(day), "utf-8")
    return folder


@pytest.fixture
def config(config: Config) -> Config:
    return replace(config, push=PushConfig(rate=28.0))


@pytest.fixture
async def app(config: Config, clock: Clock) -> AsyncIterator[BotRunner]:
    """The bot with a clock the test moves; the test calls ``tick``."""
    async with manual_bot(config, clock, at(MONDAY, 6)) as runner:
        yield runner


async def test_weekly_chats_get_one_roundup_on_their_day(
    tg: Sandbox, app: BotRunner, clock: Clock
) -> None:
    """A weekly storage follower gets one roundup on Monday 08:00: its topic, alerts marked."""
    store = store_of(app)
    weekly = tg.private_chat(tg.add_user("Wei")).id
    store.chats.ensure_chat(weekly, type="private")
    store.chats.update_chat(weekly, cadence="weekly", week_day=0)
    store.chats.subscribe(weekly)
    store.chats.set_scopes(weekly, {"storage"})
    store.chats.add_alert(weekly, ("500mw",), ())
    everything = tg.private_chat(tg.add_user("Quan")).id
    store.chats.ensure_chat(everything, type="private", language="en")
    store.chats.update_chat(everything, cadence="weekly", week_day=0)
    store.chats.subscribe(everything)
    daily = tg.private_chat(tg.add_user("Ri")).id
    store.chats.ensure_chat(daily, type="private")
    store.chats.subscribe(daily)
    assert app.services is not None
    await app.services.alerts_changed(weekly)
    for day in WEEK:  # the week goes by: the daily reader gets each edition; weekly readers
        clock.set(at(day, 8))  # only the alert of the day its edition is published
        await app.tick()
        await tg.wait_messages(daily, day.toordinal() - MONDAY.toordinal() + 1)
    [alert] = await tg.wait_messages(weekly, 1)
    assert alert.text.startswith("🔔 提醒：500mw")
    assert not tg.messages(everything)
    latest = store.editions.latest_edition()
    assert latest is not None
    assert push_everyone(store, latest, dry_run=True).chats == 1  # /push: the daily chat only
    next_monday = MONDAY + dt.timedelta(days=7)
    clock.set(at(next_monday, 7, 59))
    await app.tick()
    clock.set(at(next_monday, 8))
    report = await app.tick()
    roundup = (await tg.wait_messages(weekly, 2))[-1]
    assert roundup.text.startswith("每周回顾 · 2024年3月4日–3月10日\n\n【储能】")
    assert roundup.text.count("新型储能电站并网") == 7
    assert "光伏" not in roundup.text
    assert "碳市场" not in roundup.text
    assert roundup.text.count("🔔") == 1
    assert "🔔 2. 第5日：新型储能电站并网，容量 500MW。（3月5日）" in roundup.text
    bold = roundup.text.encode("utf-16-le")
    marked = [
        bold[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
        for e in roundup.entities
        if e["type"] == "bold"
    ]
    assert "500MW" in marked
    [overview] = await tg.wait_messages(everything, 1)
    assert overview.text.startswith("Weekly roundup · 3/4–3/10/2024")
    assert "Carbon market" in overview.text
    assert "Energy storage" in overview.text
    assert overview.text.count("（3/10）") >= 2  # the newest day leads each topic
    assert report.planned == 2
    assert app.pusher is not None
    await app.pusher.idle()
    clock.set(at(next_monday, 9))
    await app.tick()
    await app.pusher.idle()
    assert len(tg.messages(weekly)) == 2  # the alert of the week, and one roundup
    assert len(tg.messages(everything)) == 1
    assert len(tg.messages(daily)) == 7
    summary = store.outbox.deliveries_summary()["deliveries"]
    assert summary["roundup"] == {"sent": 2}


async def test_cadence_and_day_in_settings(tg: Sandbox, app: BotRunner) -> None:
    """/settings day 周五 makes the chat weekly on Friday; the button switches back to daily."""
    user = tg.add_user("Zhou")
    chat = tg.private_chat(user)
    tg.send(chat, user, "/settings day 周五")
    [saved] = await tg.wait_messages(chat, 1)
    assert saved.text == "✅ 已改为每周回顾：每周五 08:00 送来一周要闻。"
    row = store_of(app).chats.get_chat(chat.id)
    assert row is not None
    assert (row.cadence, row.week_day) == ("weekly", 4)
    tg.send(chat, user, "/settings")
    _, view = await tg.wait_messages(chat, 2)
    assert "推送频率：每周回顾（周五 08:00）" in view.text
    tg.press(view, user, text="🗓 改为每日推送")
    await tg.wait_for(lambda sb: "推送频率：每日" in sb.messages(chat)[-1].text)
    row = store_of(app).chats.get_chat(chat.id)
    assert row is not None
    assert row.cadence == "daily"
    tg.send(chat, user, "/settings cadence sometimes")
    *_, refused = await tg.wait_messages(chat, 3)
    assert "daily | weekly" in refused.text


async def test_weekly_chats_get_their_alerts_when_the_edition_comes(
    tg: Sandbox, app: BotRunner, clock: Clock, digests: Path
) -> None:
    """A weekly chat gets no daily digest, so its alert matches come at once, as alerts."""
    store = store_of(app)
    weekly = tg.private_chat(tg.add_user("Wei")).id
    store.chats.ensure_chat(weekly, type="private")
    store.chats.update_chat(weekly, cadence="weekly", week_day=0)
    store.chats.subscribe(weekly)
    store.chats.add_alert(weekly, ("1100mw",), ())
    assert app.services is not None
    await app.services.alerts_changed(weekly)
    day = dt.date(2024, 3, 11)
    (digests / f"{day}.md").write_text(digest(day), "utf-8")
    clock.set(at(day, 7))
    report = await app.tick()
    assert report.alerts == 1
    [alert] = await tg.wait_messages(weekly, 1)
    assert alert.text.startswith("🔔 提醒：1100mw")
    assert "容量 1100MW" in alert.text


async def test_switching_to_weekly_does_not_resend_last_week(
    tg: Sandbox, app: BotRunner, clock: Clock, digests: Path
) -> None:
    """A daily reader who picks Monday on Monday 09:00 gets no roundup of the week just read."""
    user = tg.add_user("Zhou")
    chat = tg.private_chat(user)
    store = store_of(app)
    store.chats.ensure_chat(chat.id, type="private")
    store.chats.subscribe(chat.id)
    next_monday = MONDAY + dt.timedelta(days=7)
    clock.set(at(next_monday, 9))
    tg.send(chat, user, "/settings day mon")
    [saved] = await tg.wait_messages(chat, 1)
    assert saved.text == "✅ 已改为每周回顾：每周一 08:00 送来一周要闻。"
    assert (await app.tick()).planned == 0
    day = next_monday + dt.timedelta(days=2)
    (digests / f"{day}.md").write_text(digest(day), "utf-8")
    clock.set(at(next_monday + dt.timedelta(days=7), 8))
    assert (await app.tick()).planned == 1  # the next Monday's roundup does come
    _, roundup = await tg.wait_messages(chat, 2)
    assert roundup.text.startswith("每周回顾 · 2024年3月11日–3月17日")
