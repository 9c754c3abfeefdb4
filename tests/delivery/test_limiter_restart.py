"""The pace at Telegram's own limit (``push.rate = 30``) holds whatever the requests' delays,
right after a start or a ``kill -9`` and restart too: Telegram counts a message when it
arrives, and the first requests of a fresh process (new connections, a busy loop) arrive later
than the ones after them.

The first test drives the limiter alone against the emulator's flood control (strict); the
second is the real bot in a subprocess, killed mid-push and started again at once, pushing to
private chats and groups through the emulator in strict mode with requests arriving late now
and then.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from conftest import TOKEN, Emulator
from push_world import EDITION_HEADER, PaceLog, add_group, add_readers, editions
from test_push_crash import BotProcess

from bot.config import Config
from bot.delivery.limiter import BROADCAST, INTERACTIVE, Limiter, Send
from bot.digest.models import EditionKey
from bot.store.database import Store
from tgsandbox import FaultConfig
from tgsandbox.flood import FloodConfig, FloodControl

RATE = 30  # Telegram's global limit: the 3 % margin of the pace is one message a second
EDITION = (
    "---\ntitle: 每日碳新闻\n---\n==新闻==\n"
    "1. 全国碳市场配额成交量创新高。 https://example.org/1\n"
    "2. 新型储能电站并网，容量 100MW。 https://example.org/2\n"
)


class Telegram:
    """The Bot API as the limiter's callback sees it: each request arrives some time after it
    is sent, is counted (or refused) by the emulator's strict flood control then, and is
    answered at once."""

    def __init__(self) -> None:
        self.flood = FloodControl(FloodConfig(strict=True), time.monotonic)
        self.arrived: list[float] = []

    async def send(self, chat_id: int, delay: float) -> bool:
        await asyncio.sleep(delay)
        refused = self.flood.check("sendMessage", chat_id, private=chat_id > 0)
        if refused is None:
            self.arrived.append(self.flood.clock())
        return True  # the test looks at the refusals (flood.hits), not at RetryAfter


async def test_a_fresh_process_with_slow_first_requests_keeps_telegrams_pace() -> None:
    """A push from a just-started limiter at rate 30, 64 in flight: the first requests take
    0.25 s to arrive (new connections), each later one 10 ms less, down to 5 ms. Paced on
    the slots alone, the arrivals bunch up (31 in a second); Telegram refuses none, and the
    pace still comes close to the rate. A reply to a command meanwhile is not held up."""
    telegram = Telegram()
    limiter = Limiter(rate=RATE)
    await limiter.initialize()
    chats = list(range(200_000_001, 200_000_121))
    slots = asyncio.Semaphore(64)
    started = time.monotonic()

    async def push(n: int, chat_id: int) -> None:
        async with slots:
            delay = max(0.005, 0.25 - 0.01 * n)
            await limiter.process_request(
                telegram.send,
                (chat_id, delay),
                {},
                "sendMessage",
                {"chat_id": chat_id},
                Send(BROADCAST),
            )

    async def reply() -> float:
        await asyncio.sleep(1.5)
        asked = time.monotonic()
        await limiter.process_request(
            telegram.send, (1, 0.005), {}, "sendMessage", {"chat_id": 1}, Send(INTERACTIVE)
        )
        return time.monotonic() - asked

    try:
        async with asyncio.timeout(30):
            replied = asyncio.create_task(reply())
            await asyncio.gather(*(push(n, chat) for n, chat in enumerate(chats)))
            answered_in = await replied
    finally:
        await limiter.shutdown()
    assert telegram.flood.hits == []
    assert PaceLog.most_in(telegram.arrived, 1.0) <= RATE
    assert len(telegram.arrived) == len(chats) + 1
    assert min(telegram.arrived) - started >= 1.0  # the second before the start was full
    span = max(telegram.arrived) - min(telegram.arrived)
    assert len(chats) / span > 0.85 * RATE
    assert answered_in < 0.3


@pytest.fixture
async def bot(tmp_path: Path, emulator: Emulator) -> AsyncIterator[BotProcess]:
    """The bot's config (push.rate 30) and data folder; the subprocess is killed at the end."""
    data = tmp_path / "data"
    data.mkdir()
    config = tmp_path / "config.toml"
    config.write_text(
        f'[telegram]\ntoken = "{TOKEN}"\napi_base_url = "{emulator.url}/bot"\n'
        f'[digests]\ndir = "{tmp_path / "digests"}"\n'
        f'[storage]\npath = "{data / "digestbot.sqlite3"}"\n'
        '[push]\ntime = "00:00"\ntimezone = "Asia/Shanghai"\n'
        f"rate = {RATE}\ntick = 0.5\n"
        "[http]\nport = 0\n",
        "utf-8",
    )
    process = BotProcess(config, data, tmp_path / "bot.log")
    try:
        yield process
    finally:
        await process.kill()


async def test_kill_9_and_restart_mid_push_at_rate_30_meets_no_429(
    tmp_path: Path, emulator: Emulator, bot: BotProcess
) -> None:
    """At push.rate 30 against the strict emulator, one request in five reaching Telegram
    0.1 s late: the bot is killed mid-push and started again at once; every private chat and
    group gets its edition, and Telegram never answers 429 (before the kill, at the restart
    or after it)."""
    tg = emulator.sandbox
    tg.flood.strict = True
    seed = random.randrange(2**32)
    tg.faults = FaultConfig(late_rate=0.2, late_seconds=0.1, methods=("sendMessage",), seed=seed)
    pace = PaceLog(tg)
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    digests = tmp_path / "digests"
    digests.mkdir()
    (digests / f"{today}.md").write_text(EDITION, "utf-8")
    store = Store(bot.data / "digestbot.sqlite3", topics=Config().topic_spec)
    admin = tg.add_user("Ada")
    chats = add_readers(tg, store, 240)
    chats += [add_group(tg, store, f"碳圈{n}", admin).id for n in range(30)]
    store.close()
    why = f"seed {seed}, log {bot.log}"

    def pushed(sb: Any) -> int:
        return sum(
            1 for c in chats if any(EDITION_HEADER in (m.text or "") for m in sb.messages(c))
        )

    async with asyncio.timeout(150):
        await bot.start()
        await tg.wait_for(lambda sb: pushed(sb) >= 90, timeout=60)
        await bot.kill()
        restart = tg.clock()
        await bot.start()
        await tg.wait_for(lambda sb: pushed(sb) == len(chats), timeout=90)
        assert await bot.stop(within=10) == 0, why

    assert [(h.limit, round(h.at - restart, 2)) for h in tg.flood_control.hits] == [], why
    assert tg.counters.http_429 == 0, why
    assert tg.counters.faults_late > 0
    copies = Counter({chat: len(editions(tg, chat)) for chat in chats})
    assert (min(copies.values()), max(copies.values())) in ((1, 1), (1, 2)), why
    after = [t for t in pace.accepted if t > restart]
    assert PaceLog.most_in(after, 1.0) <= RATE
    store = Store(bot.data / "digestbot.sqlite3", topics=Config().topic_spec)
    try:
        summary = store.outbox.deliveries_summary(EditionKey(0, today))
    finally:
        store.close()
    assert summary["deliveries"] == {"edition": {"sent": len(chats)}}, why
