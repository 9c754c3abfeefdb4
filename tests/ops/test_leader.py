"""Several instances on one database: one leader polls, ticks and sends; a follower takes over."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import Clock, manual_bot, store_of
from push_world import DAY, add_readers, at, edition_of

from bot.app import BotRunner
from bot.config import Config, PushConfig
from bot.delivery.sender import Pusher
from bot.store.lease import lease_key
from tgsandbox import Sandbox
from tgsandbox.faults import FaultConfig


@pytest.fixture
def digests(tmp_path: Path) -> Path:
    folder = tmp_path / "digests"
    folder.mkdir()
    (folder / f"{DAY}.md").write_text(edition_of(DAY), "utf-8")
    return folder


@pytest.fixture
def config(config: Config) -> Config:
    return replace(config, push=PushConfig(rate=200.0))


@pytest.fixture
async def app(config: Config, clock: Clock) -> AsyncIterator[BotRunner]:
    """One bot on the test's clock; no repeating tick (the test plans with ``tick``)."""
    async with manual_bot(config, clock, at(6, 0)) as runner:
        yield runner


def wall(seconds: float = 0.0) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)


def sender(app: BotRunner, holder: str, *, after: float = 0.0) -> Pusher:
    """A sender working under ``holder``'s lease of a minute, taken ``after`` seconds from
    now (a lease taken now has expired after 60 s)."""
    assert app.services is not None
    assert app.app is not None
    key = lease_key(app.config.telegram.token)
    lease = store_of(app).leases.acquire(key, holder, now=wall(after), ttl=60.0)
    assert lease.leader
    return Pusher(app.services, app.app.bot, concurrency=8, fence=lease.fence)


async def test_a_fenced_sender_stops_at_once(tg: Sandbox, app: BotRunner, clock: Clock) -> None:
    """A leader paused with a message in flight (Telegram's answer is slow) while another
    instance takes the lease over: its write back is fenced, it sends nothing more, and the
    new leader delivers the rest; only the message in flight reaches its chat twice."""
    assert app.pusher is not None
    await app.pusher.stop()
    old = app.pusher = sender(app, "old")
    old.concurrency = 1
    old.start()
    chats = add_readers(tg, store_of(app), 5)
    tg.faults = FaultConfig(slow_rate=1.0, slow_seconds=1.0, methods=("sendMessage",))
    clock.set(at(8, 0))
    assert (await app.tick()).planned == 5
    await tg.wait_for(lambda sb: any(sb.messages(c) for c in chats))
    new = sender(app, "new", after=61)  # takes the lease while the old one waits for Telegram
    tg.faults = FaultConfig()
    new.start()
    try:
        for chat in chats:
            await tg.wait_messages(chat, 1)
        await new.idle()
        await old.stop()
    finally:
        await new.stop()
    assert old.halted
    assert old.sent == 1
    counts = sorted(len(tg.messages(c)) for c in chats)
    assert counts == [1, 1, 1, 1, 2]
    assert store_of(app).outbox.deliveries_summary()["deliveries"] == {"edition": {"sent": 5}}
