"""The paid broadcast lane: push.paid_daily_cap messages a UTC day, shared across runs."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from conftest import Clock, manual_bot
from push_world import DAY, at, edition_folder

from bot.config import Config, PushConfig
from bot.store.database import Store
from tgsandbox import Sandbox

UTC_DAY = DAY.isoformat()  # 08:00 in Shanghai is 00:00 UTC the same day


@pytest.fixture
def digests(tmp_path: Path) -> Path:
    return edition_folder(tmp_path)


def paid_config(config: Config, cap: int) -> Config:
    return replace(config, push=PushConfig(rate=28.0, paid_broadcast=True, paid_daily_cap=cap))


def readers(tg: Sandbox, store: Store, count: int) -> list[int]:
    chats = []
    for n in range(count):
        chat = tg.private_chat(tg.add_user(f"reader{n}"))
        store.chats.ensure_chat(chat.id, type="private", title=f"reader{n}")
        store.chats.subscribe(chat.id)
        chats.append(chat.id)
    return chats


def paid_used(config: Config) -> int:
    store = Store(config.database, topics=config.topic_spec)
    try:
        return store.outbox.paid_used(UTC_DAY)
    finally:
        store.close()


async def push(tg: Sandbox, config: Config, clock: Clock, *, chats: int, used: int = 0) -> None:
    """Push today's edition to ``chats`` new readers (``used``: paid messages of an earlier
    run today), then stop the bot."""
    async with manual_bot(config, clock, at(8, 0)) as runner:
        assert runner.store is not None
        if used:
            runner.store.outbox.add_paid(UTC_DAY, used)
        planned = readers(tg, runner.store, chats)
        assert (await runner.tick()).planned == chats
        for chat in planned:
            await tg.wait_messages(chat, 1)


async def test_paid_lane_stops_at_the_daily_cap(tg: Sandbox, config: Config, clock: Clock) -> None:
    """With a cap of 3, a push to 5 readers sends 3 on the paid lane and 2 on the free one."""
    config = paid_config(config, cap=3)
    await push(tg, config, clock, chats=5)
    assert (tg.counters.sent_messages, tg.counters.paid_messages) == (5, 3)
    assert paid_used(config) == 3


async def test_paid_count_is_what_was_sent_after_a_stop(
    tg: Sandbox, config: Config, clock: Clock
) -> None:
    """With 2 paid messages used earlier today and a cap of 100, a push to 5 readers sends 5
    paid, and the day's count after the bot stops is 7 (none reserved and unsent is left)."""
    config = paid_config(config, cap=100)
    await push(tg, config, clock, chats=5, used=2)
    assert tg.counters.paid_messages == 5
    assert paid_used(config) == 7
