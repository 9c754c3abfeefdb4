"""kill -9 the leader in the middle of a 10 000-chat push (issue 24). Prints one JSON line.

Two bot processes (``python -m bot run``) share one PostgreSQL database, a throwaway cluster
(tests/pgserver.py), and the emulator with Telegram's limits (30/s overall, 1/s to a private
chat); the first to start leads (lease: 15 s, the default), the other follows. Once a third of
the chats got the edition the leader is killed (SIGKILL). Goals: the follower sends again
within 30 s of the kill, every chat gets the edition, chats that got it twice ≤ the sends in
flight at the kill (``push.concurrency``), no 429 after the takeover. ``FAILOVER_CHATS``
sets the number of chats (default 10 000; about 25 a second, so 7 minutes).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from conftest import BotProcess
from pgserver import start_cluster
from push_world import PaceLog, add_readers

from bot.config import Config
from bot.store.database import Store
from tgsandbox import Sandbox
from tgsandbox.server import start_sandbox

TOKEN = "123456:FAILOVER-token-for-the-emulator"
CHATS = int(os.environ.get("FAILOVER_CHATS", "10000"))
RATE = 25
CONCURRENCY = 64
TAKEOVER = 30.0  # s from the kill to the follower's first send, at most
SHANGHAI = ZoneInfo("Asia/Shanghai")
EDITION = (
    "---\ntitle: 每日碳新闻\n---\n==新闻==\n"
    "1. 全国碳市场配额成交量创新高。 https://example.org/1\n"
    "2. 新型储能电站并网，容量 100MW。 https://example.org/2\n"
)


def instance(tmp: Path, name: str, *, api: str, url: str, digests: Path) -> BotProcess:
    """One bot process: its config and data folder (the database is the shared one)."""
    data = tmp / name
    data.mkdir()
    config = tmp / f"{name}.toml"
    config.write_text(
        f'[telegram]\ntoken = "{TOKEN}"\napi_base_url = "{api}/bot"\n'
        f'[digests]\ndir = "{digests}"\n'
        f'[storage]\nurl = "{url}"\n'
        '[push]\ntime = "00:00"\ntimezone = "Asia/Shanghai"\n'
        f"rate = {RATE}\ntick = 5\nconcurrency = {CONCURRENCY}\n"
        "[http]\nport = 0\n",
        "utf-8",
    )
    return BotProcess(config, data, tmp / f"{name}.log")


async def failover(tmp: Path) -> dict[str, Any]:
    cluster = start_cluster()
    sb = Sandbox(token=TOKEN)
    web_runner, api = await start_sandbox(sb)
    pace = PaceLog(sb)
    clock = sb.flood_control.clock
    bots: list[BotProcess] = []
    try:
        url = cluster.url(cluster.create_database())
        digests = tmp / "digests"
        digests.mkdir()
        store = Store(url, topics=Config().topic_spec)
        chats = add_readers(sb, store, CHATS)  # subscribed before the edition comes
        store.close()
        (digests / f"{dt.datetime.now(SHANGHAI).date()}.md").write_text(EDITION, "utf-8")
        leader, follower = bots[:] = [
            instance(tmp, name, api=api, url=url, digests=digests) for name in ("a", "b")
        ]
        started = time.monotonic()
        await leader.start()
        await sb.wait_for(lambda s: s.counters.sent_messages >= 1, timeout=120)
        await follower.start()
        await sb.wait_for(lambda s: s.counters.sent_messages >= CHATS // 3, timeout=CHATS / 10)
        throttled = sb.counters.http_429
        killed = clock()
        await leader.kill()
        await sb.wait_for(lambda s: len(s.counters.per_chat) == CHATS, timeout=CHATS / 10 + 60)
        done = time.monotonic() - started
        resumed = min(t for t in pace.accepted if t > killed) - killed
        stopped = await follower.stop(within=30)
    finally:
        for bot in bots:
            await bot.kill()
        await web_runner.cleanup()
        cluster.stop()
    copies = Counter({chat: len(sb.messages(chat)) for chat in chats})
    doubled = sum(1 for n in copies.values() if n > 1)
    after = sb.counters.http_429 - throttled
    return {
        "bench": "failover",
        "chats": CHATS,
        "rate": RATE,
        "lease_s": 15,
        "killed_after_messages": CHATS // 3,
        "takeover_s": round(resumed, 1),
        "done_after_s": round(done, 1),
        "every_chat": min(copies.values()) >= 1,
        "doubled": doubled,
        "in_flight_max": CONCURRENCY,
        "http_429_after_takeover": after,
        "follower_exit": stopped,
        "pass": min(copies.values()) >= 1
        and doubled <= CONCURRENCY
        and resumed <= TAKEOVER
        and after == 0
        and stopped == 0,
    }


def main() -> None:
    logging.basicConfig(level=logging.CRITICAL)
    with tempfile.TemporaryDirectory() as tmp:
        figures = asyncio.run(failover(Path(tmp)))
    print(json.dumps(figures, ensure_ascii=False))
    if not figures["pass"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
