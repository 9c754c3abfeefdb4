"""The weekly roundup ranked by readers' feedback (``push.roundup_rank = "feedback"``): what
daily readers liked leads its topics; by default the digest's lead stories do, as before."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import Clock, manual_bot, store_of

from bot.app import BotRunner
from bot.config import Config, PushConfig
from tgsandbox import Sandbox, User

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = dt.date(2024, 3, 4)
WEEK = [MONDAY + dt.timedelta(days=n) for n in range(7)]


def at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)


@pytest.fixture
def digests(tmp_path: Path) -> Path:
    folder = tmp_path / "digests"
    folder.mkdir()
    for day in WEEK:
        n = day.day
        (folder / f"{day}.md").write_text(
            f"---\ntitle: 每日碳新闻 {day}\n---\n==新闻==\n"
            f"1. 第{n}日：全国碳市场配额成交活跃。 https://example.org/{n}/1\n"
            f"2. 第{n}日：新型储能电站并网，容量 {n}00MW。 https://example.org/{n}/2\n",
            "utf-8",
        )
    return folder


@pytest.fixture(params=["position", "feedback"])
def rank(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def app(config: Config, clock: Clock, rank: str) -> AsyncIterator[BotRunner]:
    config = replace(config, push=PushConfig(rate=28.0, roundup_rank=rank))
    async with manual_bot(config, clock, at(MONDAY, 6)) as runner:
        yield runner


async def liked_monday(tg: Sandbox, app: BotRunner, readers: list[User]) -> None:
    """One reader presses 👍 under Monday's edition, the other reacts 🔥 to it."""
    query = tg.press(tg.messages(readers[0].id)[0], readers[0], text="👍")
    await tg.wait_for(lambda sb: any(a["callback_query_id"] == query for a in sb.callback_answers))
    tg.react(tg.messages(readers[1].id)[0], readers[1], ["🔥"])
    store = store_of(app)
    await tg.wait_for(
        lambda sb: len(store.feedback.of_editions(store.feedback.latest_editions(1))) == 2
    )


async def test_liked_stories_lead_the_roundup(
    tg: Sandbox, app: BotRunner, clock: Clock, rank: str
) -> None:
    """Monday's edition, liked by its daily readers, leads each topic of the roundup when it is
    ranked by feedback; by position the three newest days do and Monday is left out."""
    store = store_of(app)
    weekly = tg.private_chat(tg.add_user("Quan")).id
    store.chats.ensure_chat(weekly, type="private")
    store.chats.update_chat(weekly, cadence="weekly", week_day=0)
    store.chats.subscribe(weekly)
    readers = [tg.add_user(name) for name in ("Ri", "Yue")]
    for reader in readers:
        store.chats.ensure_chat(tg.private_chat(reader).id, type="private")
        store.chats.subscribe(reader.id)
    for day in WEEK:
        clock.set(at(day, 8))
        await app.tick()
        for reader in readers:
            await tg.wait_messages(reader.id, day.toordinal() - MONDAY.toordinal() + 1)
        if day == MONDAY:
            await liked_monday(tg, app, readers)
    clock.set(at(MONDAY + dt.timedelta(days=7), 8))
    await app.tick()
    [roundup] = await tg.wait_messages(weekly, 1)
    leads = [line for line in roundup.text.split("\n") if line[:3] in ("1. ", "4. ")]
    if rank == "feedback":  # Monday's two stories, liked, lead their topics
        assert [line.split("：")[0] for line in leads] == ["1. 第4日", "4. 第4日"]
    else:
        assert [line.split("：")[0] for line in leads] == ["1. 第10日", "4. 第10日"]
        assert "第4日" not in roundup.text
