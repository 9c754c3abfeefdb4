"""A push through a Bot API outage of every kind, one after the other. Prints one JSON line.

The real bot (in process, real clock) pushes an edition to 1000 private chats through the
emulator (Telegram's limits, 30/s overall); a little into the push the API fails:

1. 25 s of 5xx answers,
2. 20 s of dropped connections,
3. 60 s of 429 with ``retry_after``,
4. a 20 s partition (requests held, never answered, never delivered),
5. 20 s in which the API works but the bot's clock has been set back an hour (it stays so),

then works again. Just before the outage, after about 200 sends, the edition is corrected.
Goals: every chat gets the edition and ends with its corrected text; chats that got it twice
≤ the parts that can be in flight (``push.concurrency``); done within the outage + the sends
and edits at the bot's pace + 60 s. Also reported: what /healthz said in each phase.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from push_world import add_readers

from bot.app import BotRunner
from bot.config import Config, HttpConfig, PushConfig, TelegramConfig
from bot.store.database import Store
from tgsandbox import FaultConfig, Sandbox
from tgsandbox.server import start_sandbox

TOKEN = "123456:CHAOS-token-for-the-emulator"
CHATS = 1000
RATE = 25.0
CONCURRENCY = 64
SHANGHAI = ZoneInfo("Asia/Shanghai")
EDITION = (
    "---\ntitle: 每日碳新闻\n---\n==新闻==\n"
    "1. 全国碳市场配额成交量创新高。 https://example.org/1\n"
    "2. 新型储能电站并网，容量 100MW。 https://example.org/2\n"
)
PHASES: tuple[tuple[str, float, FaultConfig], ...] = (
    ("5xx", 25.0, FaultConfig(error_rate=1.0)),
    ("dropped", 20.0, FaultConfig(drop_rate=1.0)),
    ("429", 60.0, FaultConfig(throttle_rate=1.0, throttle_retry_after=5)),
    ("partition", 20.0, FaultConfig(partition=True)),
    ("clock_back", 20.0, FaultConfig()),
)
CORRECTED = "200MW（更正）"


class Clock:
    """The bot's wall clock: real time, until it is set back."""

    def __init__(self) -> None:
        self.offset = dt.timedelta()

    def __call__(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.offset


SLACK = 60.0


async def chaos(tmp: Path) -> dict[str, Any]:
    sb = Sandbox(token=TOKEN)
    web_runner, url = await start_sandbox(sb)
    day = dt.datetime.now(SHANGHAI).date()
    digests = tmp / "digests"
    digests.mkdir()
    config = Config(
        data_dir=tmp / "data",
        digests_dir=digests,
        db_path=tmp / "data" / "bot.sqlite3",
        telegram=TelegramConfig(token=TOKEN, api_base_url=f"{url}/bot"),
        push=PushConfig(rate=RATE, concurrency=CONCURRENCY, time=dt.time(0, 0), tick=5.0),
        http=HttpConfig(port=0),  # any free port: 9180 may be another program's
    )
    store = Store(config.db_path, topics=config.topic_spec)
    chats = add_readers(sb, store, CHATS)  # subscribed before the edition comes
    store.close()
    (digests / f"{day}.md").write_text(EDITION, "utf-8")
    clock = Clock()
    runner = BotRunner(config, poll_timeout=10, now=clock)
    await runner.start()  # its first tick plans the edition for every chat
    health: dict[str, list[str]] = {}
    try:
        await sb.wait_for(lambda s: s.counters.sent_messages >= 200, timeout=60)
        (digests / f"{day}.md").write_text(EDITION.replace("100MW", CORRECTED), "utf-8")
        started = time.monotonic()
        before = sb.counters.sent_messages
        for name, seconds, faults in PHASES:
            sb.faults = faults
            if name == "clock_back":
                clock.offset = -dt.timedelta(hours=1)
            await asyncio.sleep(seconds)  # a benchmark: the outage lasts this long, for real
            reasons = (await runner.health()).reasons
            health[name] = sorted({r.split(":")[0] for r in reasons})
        sb.faults = FaultConfig()
        outage = time.monotonic() - started
        await sb.wait_for(
            lambda s: all(s.messages(c) and CORRECTED in s.messages(c)[-1].text for c in chats),
            timeout=900,
        )
        done = time.monotonic() - started
        copies = Counter({chat: len(sb.messages(chat)) for chat in chats})
        edits = sb.counters.edited_messages
        left = CHATS - before
    finally:
        await runner.stop()
        await web_runner.cleanup()
    budget = outage + (left + edits) / RATE + SLACK
    doubled = sum(1 for n in copies.values() if n > 1)
    return {
        "bench": "chaos",
        "chats": CHATS,
        "phases": {name: seconds for name, seconds, _ in PHASES},
        "outage_s": round(outage, 1),
        "done_after_s": round(done, 1),
        "budget_s": round(budget, 1),
        "recovery_s": round(done - outage, 1),
        "left_at_outage": left,
        "every_chat": min(copies.values()) >= 1,
        "every_chat_corrected": True,  # waited for above
        "corrections_edited": edits,
        "doubled": doubled,
        "in_flight_max": CONCURRENCY,
        "faults": {
            "5xx": sb.counters.faults_5xx,
            "dropped": sb.counters.faults_dropped,
            "429": sb.counters.faults_throttled,
            "partitioned": sb.counters.faults_partitioned,
            "flood_429": sb.counters.http_429,
        },
        "health": health,
        "pass": min(copies.values()) >= 1 and doubled <= CONCURRENCY and done <= budget,
    }


def main() -> None:
    logging.basicConfig(level=logging.CRITICAL)
    with tempfile.TemporaryDirectory() as tmp:
        figures = asyncio.run(chaos(Path(tmp)))
    print(json.dumps(figures, ensure_ascii=False))
    if not figures["pass"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
