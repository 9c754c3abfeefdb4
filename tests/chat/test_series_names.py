"""A series' display name, end to end through the emulator: decided by what most of its
editions call it (not by the file read last, nor a side file), found by /today NAME after a
file moves into a sub-folder and after a restart of the bot on the same database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import Clock, Processed, at, digest, manual_bot, store_of

from bot.config import Config
from tgsandbox import Sandbox

DAYS = [dt.date(2024, 3, d) for d in (1, 2, 3)]
TODAY = DAYS[-1]
SIDE = (
    "---\ntitle: Weekend reading 2024-02-25\n---\n1. 周末长文：储能十年。 https://example.org/wk\n"
)
WEEKLY = "---\ntitle: 碳周报 第9期\nseries: Carbon Weekly\n---\n1. 本周储能招标回顾。 https://example.org/w\n"


@pytest.fixture
def digests(tmp_path: Path) -> Path:
    """Three daily digests, a side file of another title in the same folder (the same
    series, sorting last), and a weekly of its own series."""
    folder = tmp_path / "digests"
    folder.mkdir()
    for day in DAYS:
        (folder / f"{day}.md").write_text(digest(day, f"{day} 碳市场成交活跃。"), "utf-8")
    (folder / "zz-weekend-2024-02-25.md").write_text(SIDE, "utf-8")
    (folder / "weekly.md").write_text(WEEKLY.replace("第9期", "2024-03-01"), "utf-8")
    return folder


async def ask(tg: Sandbox, processed: Processed, chat: int, user: int, text: str) -> list[str]:
    """The bot's answers to ``text``: every message it sent once it has handled it."""
    before = len(tg.messages(chat))
    tg.send(chat, user, text)
    await tg.wait_messages(chat, before + 1)
    await processed.through(tg.updates.last_update_id)
    return [m.text for m in tg.messages(chat)[before:] if m.text != text]


async def test_series_name_stays_across_a_move_and_a_restart(
    tg: Sandbox, config: Config, clock: Clock, processed: Processed, digests: Path
) -> None:
    """The folder's series is 每日碳新闻 (most of its editions), not the side file's title;
    /today 每日碳新闻 finds it after its newest file moves into 2024/ and the side file into
    archive/ (read last), and after a restart."""
    alice = tg.add_user("Alice")
    chat = tg.private_chat(alice).id
    async with manual_bot(config, clock, at(TODAY, 9), processed=processed) as runner:
        names = [s.name for s in store_of(runner).series.all_series()]
        assert names == ["每日碳新闻", "Carbon Weekly"]
        for moved, into in ((f"{TODAY}.md", "2024"), ("zz-weekend-2024-02-25.md", "archive")):
            (digests / into).mkdir()
            (digests / moved).rename(digests / into / moved)
        report = await runner.tick()
        assert report.scan.errors == []
        answers = await ask(tg, processed, chat, alice.id, "/today 每日碳新闻")
        assert len(answers) == 1
        assert f"{TODAY} 碳市场成交活跃" in answers[0]
        assert "今天还没有新一期" not in answers[0]
    again = Processed()  # the restarted bot's
    async with manual_bot(config, clock, at(TODAY, 10), processed=again) as runner:
        names = [s.name for s in store_of(runner).series.all_series()]
        assert names == ["每日碳新闻", "Carbon Weekly"]
        answers = await ask(tg, again, chat, alice.id, "/today 每日碳新闻")
        assert f"{TODAY} 碳市场成交活跃" in answers[0]


async def test_today_shows_todays_editions_without_a_not_today_note(
    tg: Sandbox, config: Config, clock: Clock, processed: Processed
) -> None:
    """/today when one series has today's edition and another has not: today's edition
    alone, not followed by "no edition today yet" for the other series."""
    alice = tg.add_user("Alice")
    chat = tg.private_chat(alice).id
    async with manual_bot(config, clock, at(TODAY, 9), processed=processed):
        answers = await ask(tg, processed, chat, alice.id, "/today")
        assert [f"{TODAY} 碳市场成交活跃" in a for a in answers] == [True]
        assert not any("今天还没有新一期" in a for a in answers)
