"""Quiet logs: a tick that did nothing says nothing, a push ends in one summary line, a failing
getUpdates is said once per reason, and the scheduler's chatter stays below INFO."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from conftest import Clock, at, digest, manual_bot, store_of
from push_world import add_readers
from telegram.error import NetworkError

from bot.app import BotRunner, PollingErrors
from bot.config import Config, LogConfig
from bot.ops.logs import reset_logging, setup_logging
from tgsandbox import Sandbox

DAY = dt.date(2024, 3, 1)


@pytest.fixture
def digests(tmp_path: Path) -> Path:
    folder = tmp_path / "digests"
    folder.mkdir()
    (folder / f"{DAY}.md").write_text(digest(DAY, "全国碳市场配额成交量创新高。"), "utf-8")
    return folder


@pytest.fixture
async def app(config: Config, clock: Clock) -> AsyncIterator[BotRunner]:
    async with manual_bot(config, clock, at(DAY, 6)) as runner:
        yield runner


def info_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]


async def test_an_idle_tick_is_silent_and_a_push_says_so_once(
    tg: Sandbox, app: BotRunner, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    """Ticks before the push time log nothing; the push logs its plan and one summary line
    (deliveries, messages, chats, seconds, 429s); the ticks after it are silent again."""
    readers = add_readers(tg, store_of(app), 3)
    caplog.set_level(logging.INFO)
    clock.set(at(DAY, 7, 30))
    await app.tick()
    await app.tick()
    assert info_lines(caplog) == []
    clock.set(at(DAY, 8))
    await app.tick()
    assert app.pusher is not None
    await app.pusher.idle()
    assert all(len(tg.messages(r)) == 1 for r in readers)
    lines = info_lines(caplog)
    assert [line.split(":")[0] for line in lines] == ["tick", "push done"], lines
    assert lines[0].startswith("tick: 3 deliveries planned")
    summary = lines[1]
    assert summary.startswith("push done: 3 deliveries, 3 messages to 3 chats in ")
    assert summary.endswith(" s, 0 × 429")
    caplog.clear()
    clock.set(at(DAY, 9))
    await app.tick()
    assert info_lines(caplog) == []


def test_a_failing_poll_is_said_once_per_reason(caplog: pytest.LogCaptureFixture) -> None:
    """PTB retries getUpdates every moment while the network is down: one warning per reason
    (and again after ten minutes), no traceback."""
    errors = PollingErrors()
    with caplog.at_level(logging.WARNING, logger="bot.app"):
        for _ in range(5):
            errors.seen(NetworkError("Cannot connect to host"))
        errors.seen(NetworkError("Server disconnected"))
    assert [(r.getMessage(), r.exc_info) for r in caplog.records] == [
        ("polling for updates failed (NetworkError: Cannot connect to host); retrying", None),
        ("polling for updates failed (NetworkError: Server disconnected); retrying", None),
    ]


def test_the_scheduler_says_nothing_at_info() -> None:
    """At level INFO the job scheduler's and PTB's start/stop chatter is dropped; their
    warnings still show."""
    setup_logging(LogConfig(level="INFO"), token="")
    try:
        for name in ("apscheduler.executors.default", "telegram.ext.Application"):
            logger = logging.getLogger(name)
            assert not logger.isEnabledFor(logging.INFO), name
            assert logger.isEnabledFor(logging.WARNING), name
        assert logging.getLogger("bot.cycle").isEnabledFor(logging.INFO)
    finally:
        reset_logging()
