"""kill -9 mid-push: the real bot in a subprocess, killed 5 times and restarted, loses no chat.

The emulator runs in the test process; the bot is ``python -m bot --config … run`` with a
config written here, its database seeded with 1000 subscribed private chats beforehand. The
bot's log goes to ``bot.log`` in the test's temporary folder.
"""

from __future__ import annotations

import asyncio
import bisect
import datetime as dt
import random
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import TOKEN, BotProcess, Emulator
from push_world import PaceLog, add_readers

from bot.config import Config
from bot.digest.models import EditionKey
from bot.store.database import Store
from tgsandbox import FaultConfig

CHATS = 1000
KILLS = 5
CONCURRENCY = 16
EDITION = (
    "---\ntitle: 每日碳新闻\n---\n==新闻==\n"
    "1. 全国碳市场配额成交量创新高。 https://example.org/1\n"
    "2. 新型储能电站并网，容量 100MW。 https://example.org/2\n"
)


@pytest.fixture
async def bot(tmp_path: Path, emulator: Emulator) -> AsyncIterator[BotProcess]:
    """The bot's config and data folder; the subprocess is always killed at the end."""
    data = tmp_path / "data"
    data.mkdir()
    config = tmp_path / "config.toml"
    config.write_text(
        f'[telegram]\ntoken = "{TOKEN}"\napi_base_url = "{emulator.url}/bot"\n'
        f'[digests]\ndir = "{tmp_path / "digests"}"\n'
        f'[storage]\npath = "{data / "digestbot.sqlite3"}"\n'
        '[push]\ntime = "00:00"\ntimezone = "Asia/Shanghai"\n'
        f"rate = 300\ntick = 0.5\nconcurrency = {CONCURRENCY}\n"
        "[http]\nport = 0\n",  # any free port: tests run side by side
        "utf-8",
    )
    process = BotProcess(config, data, tmp_path / "bot.log")
    try:
        yield process
    finally:
        await process.kill()


async def test_kill_9_mid_push_loses_no_chat(
    tmp_path: Path, emulator: Emulator, bot: BotProcess
) -> None:
    """Killed 5 times mid-push: every reader gets the edition, a few in-flight ones twice."""
    tg = emulator.sandbox
    tg.flood.global_per_s = 2000  # the bot's own pace (300/s) is the limit here
    # every answer comes 50 ms after the message is delivered, like a real round trip to
    # Telegram: at a kill, up to `concurrency` messages are delivered but not yet confirmed
    tg.faults = FaultConfig(slow_rate=1.0, slow_seconds=0.05, methods=("sendMessage",))
    pace = PaceLog(tg)
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    digests = tmp_path / "digests"
    digests.mkdir()
    (digests / f"{today}.md").write_text(EDITION, "utf-8")
    store = Store(bot.data / "digestbot.sqlite3", topics=Config().topic_spec)
    chats = add_readers(tg, store, CHATS)
    store.close()

    seed = random.randrange(2**32)
    rng = random.Random(seed)
    why = f"seed {seed}, log {bot.log}"
    kills: list[float] = []  # when each kill was sent (the emulator's clock)
    restarts: list[float] = []
    async with asyncio.timeout(150):
        for _ in range(KILLS):
            restarts.append(tg.clock())
            await bot.start()
            target = tg.counters.sent_messages + rng.randint(50, 170)
            await tg.wait_for(lambda sb, n=target: sb.counters.sent_messages >= n, timeout=60)
            kills.append(tg.clock())
            await bot.kill()
        assert len(tg.counters.per_chat) < CHATS, f"the push ended before the last kill ({why})"
        restarts.append(tg.clock())
        await bot.start()
        await tg.wait_for(lambda sb: len(sb.counters.per_chat) == CHATS, timeout=90)
        assert await bot.stop(within=10) == 0, why

    copies = Counter({chat: len(tg.messages(chat)) for chat in chats})
    assert min(copies.values()) == 1, why
    assert max(copies.values()) <= 2, why
    doubled = [chat for chat, n in copies.items() if n == 2]
    assert len(doubled) <= KILLS * CONCURRENCY, why
    # each repeat is of a message in flight at a kill: the killed bot's last requests (just
    # before the kill, or just after it was sent), sent again by the next bot; per kill at most
    # `concurrency` of them
    per_kill = Counter[int]()
    accepted = sorted(t for chat in chats for t in pace.by_chat[chat])
    for chat in doubled:
        first, second = sorted(pace.by_chat[chat])
        run = bisect.bisect_right(restarts, second) - 1  # the bot that sent it again
        assert 1 <= run <= KILLS, why
        assert first < restarts[run], why
        kill = kills[run - 1]
        after = bisect.bisect_left(accepted, kill) - bisect.bisect_right(accepted, first)
        assert after <= 2 * CONCURRENCY, (chat, after, why)
        per_kill[run - 1] += 1
    assert all(n <= CONCURRENCY for n in per_kill.values()), (per_kill, why)

    store = Store(bot.data / "digestbot.sqlite3", topics=Config().topic_spec)
    try:
        summary = store.outbox.deliveries_summary(EditionKey(0, today))
    finally:
        store.close()
    assert summary["deliveries"] == {"edition": {"sent": CHATS}}, why


async def test_kill_9_during_corrections_loses_none(
    tmp_path: Path, emulator: Emulator, bot: BotProcess
) -> None:
    """An edition corrected after its push, the bot killed twice while it edits: every reader
    ends with the corrected text in the message they got (no new message), and edits beyond
    one per reader are only the ones in flight at a kill."""
    tg = emulator.sandbox
    tg.flood.global_per_s = 2000
    tg.faults = FaultConfig(slow_rate=1.0, slow_seconds=0.05, methods=("editMessageText",))
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    digests = tmp_path / "digests"
    digests.mkdir()
    path = digests / f"{today}.md"
    path.write_text(EDITION, "utf-8")
    readers = 300
    store = Store(bot.data / "digestbot.sqlite3", topics=Config().topic_spec)
    chats = add_readers(tg, store, readers)
    store.close()
    async with asyncio.timeout(150):
        await bot.start()
        await tg.wait_for(lambda sb: len(sb.counters.per_chat) == readers, timeout=60)
        path.write_text(EDITION.replace("100MW", "200MW（更正）"), "utf-8")
        kills = 0
        for target in (60, 160):
            await tg.wait_for(lambda sb, n=target: sb.counters.edited_messages >= n, timeout=60)
            await bot.kill()
            kills += 1
            await bot.start()
        await tg.wait_for(
            lambda sb: all("200MW（更正）" in sb.messages(c)[0].text for c in chats), timeout=60
        )
        assert await bot.stop(within=10) == 0
    assert all(len(tg.messages(chat)) == 1 for chat in chats)
    assert tg.counters.edited_messages == readers
    repeats = tg.counters["editMessageText"] - readers  # "not modified": done before a kill
    assert repeats <= kills * CONCURRENCY


async def test_a_correction_during_the_push_reaches_every_reader(
    tmp_path: Path, emulator: Emulator, bot: BotProcess
) -> None:
    """600 readers; the edition is corrected after ~200 sends, and the bot is killed (kill -9)
    and stopped (SIGTERM) while the rest go out: every reader ends with the corrected text —
    those whose message was on its way when the file changed too — and nothing is pending."""
    tg = emulator.sandbox
    tg.flood.global_per_s = 2000
    tg.faults = FaultConfig(slow_rate=1.0, slow_seconds=0.05, methods=("sendMessage",))
    bot.config.write_text(  # the default number of sends in flight
        bot.config.read_text("utf-8").replace("concurrency = 16", "concurrency = 64"), "utf-8"
    )
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    digests = tmp_path / "digests"
    digests.mkdir()
    path = digests / f"{today}.md"
    path.write_text(EDITION, "utf-8")
    readers = 600
    store = Store(bot.data / "digestbot.sqlite3", topics=Config().topic_spec)
    chats = add_readers(tg, store, readers)
    store.close()
    corrected = "200MW（更正）"
    async with asyncio.timeout(150):
        await bot.start()
        await tg.wait_for(lambda sb: sb.counters.sent_messages >= 200, timeout=60)
        path.write_text(EDITION.replace("100MW", corrected), "utf-8")
        await tg.wait_for(lambda sb: sb.counters.sent_messages >= 330, timeout=60)
        await bot.kill()
        await bot.start()
        await tg.wait_for(lambda sb: sb.counters.sent_messages >= 450, timeout=60)
        assert await bot.stop(within=10) == 0
        await bot.start()
        await tg.wait_for(
            lambda sb: all(corrected in sb.messages(c)[-1].text for c in chats), timeout=90
        )
        assert await bot.stop(within=10) == 0
    assert all(corrected in tg.messages(chat)[-1].text for chat in chats)
    store = Store(bot.data / "digestbot.sqlite3", topics=Config().topic_spec)
    try:
        summary = store.outbox.deliveries_summary(EditionKey(0, today))["deliveries"]
    finally:
        store.close()
    assert summary["edition"] == {"sent": readers}
    assert set(summary["correction"]) == {"sent"}
