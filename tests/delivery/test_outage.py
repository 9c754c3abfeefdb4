"""Bot API outages mid-push: 5xx, dropped connections, a partition — every chat still gets its
edition once, /healthz says degraded while it lasts, and a restart does not cause a 429."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import Clock, manual_bot, store_of
from push_world import add_readers, editions

from bot.app import BotRunner
from bot.config import Config, PushConfig
from bot.digest.models import EditionKey
from bot.ops.health import assess
from bot.store.database import Store
from tgsandbox import FaultConfig, Sandbox

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
DAY = dt.date(2024, 3, 1)
EDITION = (
    "---\ntitle: 每日碳新闻 2024-03-01\n---\n==新闻==\n"
    "1. 全国碳市场配额成交量创新高。 https://example.org/1\n"
    "2. 新型储能电站并网，容量 100MW。 https://example.org/2\n"
)
READERS = 40


def at(hour: int, minute: int = 0, *, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


@pytest.fixture
def digests(tmp_path: Path) -> Path:
    folder = tmp_path / "digests"
    folder.mkdir()
    (folder / f"{DAY}.md").write_text(EDITION, "utf-8")
    return folder


@pytest.fixture
def config(config: Config) -> Config:
    return replace(config, push=PushConfig(rate=200.0, concurrency=8))


@pytest.fixture
async def app(config: Config, clock: Clock, tg: Sandbox) -> AsyncIterator[BotRunner]:
    """The bot at 06:00 on the edition's day (nothing due yet); the test calls ``tick``."""
    tg.flood.global_per_s = 1000
    async with manual_bot(config, clock, at(6, 0)) as runner:
        yield runner


def health_reasons(app: BotRunner) -> tuple[str, ...]:
    """What /healthz says of the running bot's own state (the database's figures aside)."""
    assert app.services is not None
    runtime, tick = app.services.runtime, app.config.push.tick
    return assess(None, runtime, now=app.now(), tick=tick).reasons


async def delivered(tg: Sandbox, chats: list[int], *, timeout: float = 30.0) -> None:  # noqa: ASYNC109
    await tg.wait_for(lambda sb: all(editions(sb, c) for c in chats), timeout=timeout)


async def test_a_5xx_outage_then_dropped_connections_delays_but_loses_nothing(
    tg: Sandbox, app: BotRunner, clock: Clock
) -> None:
    """Telegram answers 5xx, then drops connections: nothing is given up, /healthz is degraded
    naming the API, and once it answers again every reader gets the edition exactly once."""
    readers = add_readers(tg, store_of(app), READERS)
    tg.faults = FaultConfig(error_rate=1.0)
    clock.set(at(8, 0))
    await app.tick()
    await tg.wait_for(lambda sb: sb.counters.faults_5xx >= 10, timeout=20)
    await tg.wait_for(lambda sb: any("Bot API failing" in r for r in health_reasons(app)))
    tg.faults = FaultConfig(drop_rate=1.0)
    dropped = tg.counters.faults_dropped
    await tg.wait_for(lambda sb: sb.counters.faults_dropped > dropped, timeout=20)
    summary = store_of(app).outbox.deliveries_summary(EditionKey(0, DAY))["deliveries"]
    assert set(summary["edition"]) == {"pending"}  # never a terminal "failed" meanwhile
    tg.faults = FaultConfig()
    await delivered(tg, readers)
    assert all(len(editions(tg, chat)) == 1 for chat in readers)
    assert not any("Bot API" in r for r in health_reasons(app))
    assert app.pusher is not None
    async with asyncio.timeout(10):
        await app.pusher.idle()
    assert store_of(app).outbox.deliveries_summary(EditionKey(0, DAY))["deliveries"] == {
        "edition": {"sent": READERS}
    }


async def test_a_partition_resends_what_timed_out_and_nothing_twice(
    tg: Sandbox, app: BotRunner, clock: Clock
) -> None:
    """During a partition the sends in flight time out (maybe delivered); as the partition
    kept them from Telegram, they are sent again afterwards: everyone gets it, once."""
    readers = add_readers(tg, store_of(app), READERS)
    tg.faults = FaultConfig(partition=True)
    clock.set(at(8, 0))
    await app.tick()
    await tg.wait_for(lambda sb: any("Bot API failing" in r for r in health_reasons(app)))
    held = tg.counters.faults_partitioned
    assert held > 0
    await tg.wait_for(lambda sb: sb.counters.faults_partitioned > held, timeout=30)  # a probe
    tg.faults = FaultConfig()
    clock.advance(dt.timedelta(seconds=11))  # past the hold of the timed-out rows
    await delivered(tg, readers)
    assert all(len(editions(tg, chat)) == 1 for chat in readers)


async def test_an_edition_too_old_to_push_is_given_up(
    tg: Sandbox, app: BotRunner, clock: Clock
) -> None:
    """An outage that outlasts push.max_age: the rows end failed, saying why."""
    [reader] = add_readers(tg, store_of(app), 1)
    tg.faults = FaultConfig(error_rate=1.0, methods=("sendMessage",))
    clock.set(at(8, 0))
    await app.tick()
    await tg.wait_for(lambda sb: sb.counters.faults_5xx >= 1, timeout=20)
    clock.advance(dt.timedelta(days=3))
    store_of(app).outbox.retry_transient_now(now=clock())
    assert app.pusher is not None
    app.pusher.wake()
    await tg.wait_for(
        lambda sb: (
            store_of(app).outbox.deliveries_summary(EditionKey(0, DAY))["deliveries"]
            == {"edition": {"failed": 1}}
        ),
        timeout=20,
    )
    reasons = store_of(app).outbox.deliveries_summary(EditionKey(0, DAY))["reasons"]
    [reason] = reasons
    assert reason.endswith("(given up: older than push.max_age)")
    assert editions(tg, reader) == []


async def test_a_restart_right_after_a_full_second_causes_no_429(
    tg: Sandbox, config: Config, clock: Clock
) -> None:
    """A bot starting right after another sent at Telegram's full pace waits out that second
    instead of meeting a 429 (the emulator's windows still hold the other bot's sends)."""
    tg.flood.strict = True
    clock.set(at(8, 0))
    store = Store(config.database, topics=config.topic_spec, now=clock)
    readers = add_readers(tg, store, 20)
    store.close()
    runner = BotRunner(replace(config, push=PushConfig(rate=30.0)), poll_timeout=1, now=clock)
    # the killed bot's last second: 30 messages (the global cap), two of them to our readers
    for n in range(tg.flood.global_per_s - 2):
        assert tg.flood_control.check("sendMessage", 10_000 + n, private=True) is None
    for chat in readers[:2]:
        assert tg.flood_control.check("sendMessage", chat, private=True) is None
    await runner.start()  # the edition is due: the first tick plans it at once
    try:
        await delivered(tg, readers)
    finally:
        await runner.stop()
    assert tg.flood_control.hits == []
    assert tg.counters["http_429"] == 0


async def test_sigterm_while_the_api_is_down_stops_promptly(
    tg: Sandbox, app: BotRunner, clock: Clock
) -> None:
    """Stopping while the sender probes a dead API does not wait for the probe."""
    add_readers(tg, store_of(app), 5)
    tg.faults = FaultConfig(partition=True)
    clock.set(at(8, 0))
    await app.tick()
    await tg.wait_for(lambda sb: any("Bot API failing" in r for r in health_reasons(app)))
    assert app.pusher is not None
    async with asyncio.timeout(10):
        await app.pusher.stop()
    tg.faults = FaultConfig()
