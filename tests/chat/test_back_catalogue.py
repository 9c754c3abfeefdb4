"""A back catalogue of numbered issues, end to end through the emulator: 30 undated issues
load at once, readers get only the newest (and only its alerts), /day 12 opens issue 12, ◀ ▶
walk by number, /today is the highest, and issue 31 is pushed at the next tick (issue 22)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from conftest import Clock, at, manual_bot, store_of
from push_world import add_readers, alert_messages, texts

from bot.app import BotRunner
from bot.config import Config
from bot.digest.models import EditionKey
from tgsandbox import Sandbox
from tgsandbox.model import Message

DAY = dt.date(2024, 3, 1)
SERIES = "Rust 周刊"


def issue(n: int) -> str:
    """Issue ``n`` of an undated weekly: its number in its file name and its title."""
    return (
        f"# {SERIES} 第 {n} 期\n\n"
        f"1. [Tokio {n}.0 发布](https://tokio.rs/blog/{n}) 异步运行时更新。\n"
        f"2. [第{n}期储能笔记](https://example.org/notes/{n}) 储能电站并网。\n"
    )


def header(n: int) -> str:
    return f"{SERIES} #{n} · 2024年3月1日"


@pytest.fixture
def digests(tmp_path: Path) -> Path:
    """An empty digests folder: the back catalogue arrives once the readers are there."""
    folder = tmp_path / "digests"
    folder.mkdir()
    return folder


@pytest.fixture
async def app(config: Config, clock: Clock) -> AsyncIterator[BotRunner]:
    async with manual_bot(config, clock, at(DAY, 6)) as runner:
        yield runner


async def idle(app: BotRunner) -> None:
    assert app.pusher is not None
    async with asyncio.timeout(30):
        await app.pusher.idle()


async def ask(tg: Sandbox, chat: int, text: str, count: int = 1) -> list[Message]:
    user = tg.users[chat]
    before = len(tg.messages(chat))
    tg.send(chat, user.id, text)
    return (await tg.wait_messages(chat, before + count))[before:]


def labels(message: Message) -> list[str]:
    return [b for row in message.buttons for b, _ in row]


async def test_a_back_catalogue_loads_whole_and_readers_get_only_its_newest_issue(
    tg: Sandbox, app: BotRunner, clock: Clock, digests: Path
) -> None:
    """30 undated issues: all load (no error), one push (issue 30) per reader, alerts only on
    issue 30; /today, /day 12, /day #12, /day 第12期, ◀ ▶ by number; issue 31 at the next tick
    is pushed as usual; a number with no issue offers the nearest."""
    store = store_of(app)
    services = app.services
    assert services is not None
    [reader] = add_readers(tg, store, 1)
    [watcher] = add_readers(tg, store, 1, name="watcher", scopes={"carbon-market"},
                            alerts=("储能",))  # fmt: skip
    await services.alerts_changed(watcher)
    for n in range(1, 31):
        (digests / f"issue-{n}.md").write_text(issue(n), "utf-8")
    report = await app.tick()
    assert report.scan.errors == []
    assert len(report.scan.new) == 30
    assert sorted(k.issue for k in report.scan.quiet) == list(range(1, 30))
    assert report.alerts == 1  # issue 30's 储能 item, for the watcher; none of 1 … 29
    await idle(app)
    [alert] = alert_messages(tg, watcher)
    assert "第30期储能笔记" in alert
    clock.set(at(DAY, 8))
    report = await app.tick()
    assert report.planned == 2  # issue 30 for both (the watcher's has nothing it follows)
    await idle(app)
    pushed = [t for t in texts(tg, reader) if t.startswith(SERIES)]
    assert [t.split("\n")[0] for t in pushed] == [header(30)]
    assert [t for t in texts(tg, watcher) if t.startswith(SERIES)] == []

    [today] = await ask(tg, reader, "/today")
    assert today.text.startswith(header(30))
    assert labels(today) == ["◀ 前一期"]
    for arg in ("12", "#12", "第12期", "No. 12"):
        [day] = await ask(tg, reader, f"/day {arg}")
        assert day.text.startswith(header(12)), arg
        assert "Tokio 12.0 发布" in day.text
    assert labels(day) == ["◀ 前一期", "后一期 ▶"]
    tg.press(day, tg.users[reader], text="◀ 前一期")  # ◀ ▶ turn this message into the other
    await tg.wait_for(lambda sb: day.text.startswith(header(11)))
    tg.press(day, tg.users[reader], text="后一期 ▶")
    await tg.wait_for(lambda sb: day.text.startswith(header(12)))
    [missing] = await ask(tg, reader, "/day 40")
    assert missing.text == "没有第 40 期。最近的几期："
    assert labels(missing)[-1] == "#30 · 2024年3月1日"

    # a new issue later is pushed as usual, at once (its day's push time has passed)
    (digests / "issue-31.md").write_text(issue(31), "utf-8")
    clock.set(at(DAY, 9))
    before = len(texts(tg, reader))
    report = await app.tick()
    assert (report.scan.new, report.scan.quiet) == ([EditionKey(0, DAY, 31)], [])
    assert report.planned == 2
    assert report.alerts == 1
    await idle(app)
    assert [t.split("\n")[0] for t in texts(tg, reader)[before:]] == [header(31)]
    assert len(alert_messages(tg, watcher)) == 2
    assert store.editions.latest_key() == EditionKey(0, DAY, 31)  # /today's (the reader has
    # typed enough for a minute: the bot's flood guard would ask it to slow down)
