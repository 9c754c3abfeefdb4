"""The leader's sender and the rows it claims (instances on one database; SQLite stands in, the
test hands out the leases): what a halted sender held is not lost, and a paused old leader
stops correcting once another leads."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import Clock, manual_bot, store_of
from push_world import DAY, add_readers, at, edition_folder, edition_of

from bot.app import BotRunner
from bot.config import Config, PushConfig
from bot.delivery.sender import Pusher
from bot.store.lease import lease_key
from tgsandbox import Sandbox
from tgsandbox.faults import FaultConfig

CORRECTED = "200MW（更正）"


@pytest.fixture
def digests(tmp_path: Path) -> Path:
    return edition_folder(tmp_path)


@pytest.fixture
def config(config: Config) -> Config:
    """SQLite (one instance, no lease of its own: the tests hand its sender one), at a pace
    slow enough that messages wait for their turn."""
    return replace(config, db_url="", push=PushConfig(rate=4.0))


@pytest.fixture
async def app(config: Config, clock: Clock) -> AsyncIterator[BotRunner]:
    """One bot on the test's clock, its own sender stopped (the test starts its senders)."""
    async with manual_bot(config, clock, at(6, 0)) as runner:
        assert runner.pusher is not None
        await runner.pusher.stop()
        yield runner


def wall(seconds: float = 0.0) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)


def sender(app: BotRunner, holder: str, *, after: float = 0.0, concurrency: int = 8) -> Pusher:
    """A sender working under ``holder``'s lease of a minute, taken (or renewed) ``after``
    seconds from now."""
    assert app.services is not None
    assert app.app is not None
    key = lease_key(app.config.telegram.token)
    lease = store_of(app).leases.acquire(key, holder, now=wall(after), ttl=60.0)
    assert lease.leader
    app.pusher = Pusher(app.services, app.app.bot, concurrency=concurrency, fence=lease.fence)
    return app.pusher


async def test_leading_again_sends_what_the_halted_sender_held(
    tg: Sandbox, app: BotRunner, clock: Clock
) -> None:
    """A leader whose sender halted with messages waiting for their turn (its renewal came
    late) and that leads again under the same generation (no one took the lease) sends
    them all: what its halted sender had taken is not left claimed."""
    first = sender(app, "a")
    first.start()
    chats = add_readers(tg, store_of(app), 6)
    clock.set(at(8, 0))
    assert (await app.tick()).planned == 6
    await tg.wait_for(lambda sb: any(sb.messages(c) for c in chats))
    first.halt("the lease was not renewed in time")
    await first.stop()
    assert first.sent < 6
    again = sender(app, "a", after=1)
    assert again.fence == first.fence
    again.start()
    try:
        for chat in chats:
            await tg.wait_messages(chat, 1)
        await again.idle()
    finally:
        await again.stop()
    assert sorted(len(tg.messages(c)) for c in chats) == [1] * 6
    assert store_of(app).outbox.deliveries_summary()["deliveries"] == {"edition": {"sent": 6}}


async def test_a_paused_old_leader_stops_correcting(
    tg: Sandbox, app: BotRunner, clock: Clock, digests: Path
) -> None:
    """An edition corrected after its push: the leader editing it is paused (Telegram is slow
    to answer) while another instance takes the lease over. Its record of the edit is fenced,
    it edits nothing more, and the new leader corrects every reader's message."""
    chats = add_readers(tg, store_of(app), 4)
    pushing = sender(app, "old")
    pushing.start()
    clock.set(at(8, 0))
    assert (await app.tick()).planned == 4
    await pushing.idle()
    await pushing.stop()
    (digests / f"{DAY}.md").write_text(edition_of(DAY).replace("100MW", CORRECTED), "utf-8")
    old = sender(app, "old", concurrency=1)
    old.start()
    tg.faults = FaultConfig(slow_rate=1.0, slow_seconds=1.0, methods=("editMessageText",))
    clock.advance(dt.timedelta(minutes=5))
    await app.tick()
    await tg.wait_for(lambda sb: sb.counters.edited_messages >= 1)
    new = sender(app, "new", after=61)  # takes the lease while the old one waits for Telegram
    tg.faults = FaultConfig()
    new.start()
    try:
        await tg.wait_for(lambda sb: all(CORRECTED in sb.messages(c)[0].text for c in chats))
        await new.idle()
        await old.stop()
    finally:
        await new.stop()
    assert old.halted
    assert tg.counters.edited_messages == 4
    assert all(len(tg.messages(c)) == 1 for c in chats)
    summary = store_of(app).outbox.deliveries_summary()["deliveries"]
    assert summary == {"edition": {"sent": 4}, "correction": {"sent": 4}}
