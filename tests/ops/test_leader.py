"""Several instances on one database: one leader polls, ticks and sends; a follower takes over."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import Clock, manual_bot, metric_samples, store_of
from pgcable import Cable, cabled
from pgserver import PgCluster
from push_world import add_readers, at, edition_folder

from bot.app import BotRunner
from bot.config import Config, PushConfig
from bot.delivery.sender import Pusher
from bot.ops.health import Role
from bot.store.database import Store
from bot.store.lease import lease_key
from tgsandbox import Sandbox
from tgsandbox.faults import FaultConfig


@pytest.fixture
def digests(tmp_path: Path) -> Path:
    return edition_folder(tmp_path)


@pytest.fixture
def config(config: Config) -> Config:
    """SQLite (one instance, no lease of its own: the tests hand its sender one)."""
    return replace(config, db_url="", push=PushConfig(rate=200.0))


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


@pytest.fixture
def instances(config: Config, pg_url: str, tmp_path: Path) -> tuple[Config, Config]:
    """Two instances' configs: one PostgreSQL database, a data folder each, a 2 s lease."""
    shared = replace(config, db_url=pg_url, lease_seconds=2.0)

    def of(name: str) -> Config:
        data = tmp_path / name
        return replace(shared, data_dir=data, db_path=data / "digestbot.sqlite3")

    return of("a"), of("b")


@asynccontextmanager
async def instance(config: Config, clock: Clock) -> AsyncIterator[BotRunner]:
    """A running instance on the test's clock (the lease runs on the wall clock)."""
    runner = BotRunner(config, poll_timeout=1, now=clock, auto_tick=False)
    await runner.start()
    try:
        yield runner
    finally:
        await runner.stop()


def polling(runner: BotRunner) -> bool:
    assert runner.app is not None
    return runner.app.updater is not None and runner.app.updater.running


async def test_one_instance_leads_the_other_follows(
    tg: Sandbox, instances: tuple[Config, Config], clock: Clock
) -> None:
    """Of two instances on one database the first leads: it alone polls and sends, /healthz
    and /metrics say who leads; the edition reaches every chat once."""
    clock.set(at(6, 0))
    async with instance(instances[0], clock) as a, instance(instances[1], clock) as b:
        assert (polling(a), polling(b)) == (True, False)
        assert (a.pusher is not None, b.pusher is None) == (True, True)
        assert ((await a.health()).to_json()["role"], (await b.health()).to_json()["role"]) == (
            "leader",
            "follower",
        )
        chats = add_readers(tg, store_of(a), 12)
        clock.set(at(8, 0))
        assert (await a.tick()).planned == 12
        for chat in chats:
            await tg.wait_messages(chat, 1)
        assert a.pusher is not None
        await a.pusher.idle()
        assert [len(tg.messages(c)) for c in chats] == [1] * 12
        assert a.services is not None
        assert b.services is not None
        seen = metric_samples(a.services.metrics.exposition()[0].decode())
        assert seen[("digestbot_leader", ())] == 1
        assert seen[("digestbot_lease_generation", ())] == 1
        assert (
            metric_samples(b.services.metrics.exposition()[0].decode())[("digestbot_leader", ())]
            == 0
        )


async def test_the_follower_takes_over_a_push(
    tg: Sandbox, instances: tuple[Config, Config], clock: Clock
) -> None:
    """The leader stops in the middle of a push without handing its lease over (as a crash
    would): once the lease expires the follower leads, sends the rest, and every chat has
    the edition exactly once."""
    slow = replace(instances[0], push=PushConfig(rate=10.0))
    clock.set(at(6, 0))
    a = BotRunner(slow, poll_timeout=1, now=clock, auto_tick=False)
    await a.start()
    try:
        async with instance(instances[1], clock) as b:
            assert b.services is not None
            assert b.services.runtime.role is Role.FOLLOWER
            chats = add_readers(tg, store_of(a), 30)
            clock.set(at(8, 0))
            assert (await a.tick()).planned == 30
            await tg.wait_for(lambda sb: sum(bool(sb.messages(c)) for c in chats) >= 5)
            await a.stop(release=False)
            for chat in chats:
                await tg.wait_messages(chat, 1, timeout=20)
            assert b.pusher is not None
            await b.pusher.idle()
            assert [len(tg.messages(c)) for c in chats] == [1] * 30
            runtime = b.services.runtime
            assert (runtime.role, runtime.lease_generation, runtime.lease_changes) == (
                Role.LEADER,
                2,
                1,
            )
    finally:
        await a.stop()


async def test_the_lease_is_renewed_while_the_bots_writes_wait(
    instances: tuple[Config, Config], clock: Clock
) -> None:
    """A long write of the bot's (a big ingest) does not hold up the lease's heartbeat: it
    has a connection of its own, so the leader keeps leading."""
    clock.set(at(6, 0))
    async with instance(instances[0], clock) as a:
        assert a.leader is not None
        assert a.db is not None
        before = store_of(a).leases.current(a.leader.key)
        assert before is not None
        started, gate = threading.Event(), threading.Event()

        def long_write(_: Store) -> None:
            started.set()
            gate.wait(30)

        busy = asyncio.ensure_future(a.db.write(long_write))
        try:
            assert await asyncio.to_thread(started.wait, 10)
            await a.leader.beat()
            await a.leader.beat()
            after = store_of(a).leases.current(a.leader.key)
            assert after is not None
            assert after.expires_at > before.expires_at
            assert a.leader.leading()
        finally:
            gate.set()
            await busy


@asynccontextmanager
async def arrivals(tg: Sandbox) -> AsyncIterator[list[tuple[float, int]]]:
    """(wall time, chat) of every message the bot sends while inside, as the emulator gets it."""
    seen: list[tuple[float, int]] = []
    queue = tg.subscribe()

    async def record() -> None:
        while (event := await queue.get()) is not None:
            message = event.get("message") if isinstance(event, dict) else None
            if isinstance(event, dict) and event.get("type") == "message" and message:
                seen.append((time.time(), int(event["chat_id"])))

    task = asyncio.create_task(record())
    try:
        yield seen
    finally:
        task.cancel()
        tg.unsubscribe(queue)


@pytest.fixture
async def cut_off(pg_cluster: PgCluster) -> AsyncIterator[tuple[Cable, str, str]]:
    """A fresh database, and a cable to it: (the cable, its URL through the cable, its URL
    straight to the server)."""
    async with cabled(pg_cluster) as cut:
        yield cut


async def test_a_leader_cut_from_its_database_stops_before_its_lease_ends(
    tg: Sandbox, config: Config, clock: Clock, cut_off: tuple[Cable, str, str]
) -> None:
    """The network between the leader and its database goes dead in the middle of a push:
    the leader sends nothing once its lease could have expired (it stops by its own clock),
    and when the network is back it leads again and finishes the push."""
    cable, through, straight = cut_off
    leader = replace(config, db_url=through, lease_seconds=2.0, push=PushConfig(rate=10.0))
    key = lease_key(config.telegram.token)
    clock.set(at(6, 0))
    direct = Store(straight, now=clock)
    a = BotRunner(leader, poll_timeout=1, now=clock, auto_tick=False)
    await a.start()
    try:
        assert a.leader is not None
        async with arrivals(tg) as seen:
            chats = add_readers(tg, direct, 60)
            clock.set(at(8, 0))
            assert (await a.tick()).planned == 60
            await tg.wait_for(lambda sb: sum(bool(sb.messages(c)) for c in chats) >= 5)
            cable.cut()
            lease = direct.leases.current(key)
            assert lease is not None
            async with asyncio.timeout(10):
                await a.leader.until(Role.FOLLOWER)
            assert max(when for when, _ in seen) < lease.expires_at.timestamp()
            assert len({chat for _, chat in seen}) < 60  # it stopped in the middle
            cable.mend()
            async with asyncio.timeout(10):
                await a.leader.until(Role.LEADER)
            for chat in chats:
                await tg.wait_messages(chat, 1, timeout=20)
            assert a.pusher is not None
            await a.pusher.idle()
        # twice: what went out between the cut and the leader's stop (its writes could not be
        # recorded): at most a lease's worth at the pace
        assert sum(len(tg.messages(c)) - 1 for c in chats) <= 10 * 2
    finally:
        cable.mend()
        await a.stop()
        direct.close()
