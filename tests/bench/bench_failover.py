"""kill -9 the leader in the middle of a 10 000-chat push (issue 24). Prints one JSON line.

Two bot processes (``python -m bot run``) share one PostgreSQL database, a throwaway cluster
(tests/pgserver.py), and the emulator with Telegram's limits (30/s overall, 1/s to a private
chat); the first to start leads (lease: 15 s, the default), the other follows. At 30 % of the
chats the leader is killed (SIGKILL) and started again, as systemd would (it follows now); at
70 % the new leader is killed. Goals: a follower sends again within 30 s of each kill
(``takeover_s``: the longest silence after it), every chat gets the edition, chats that got
it twice ≤ the sends in flight at the kills (``push.concurrency`` each), no 429 after a
takeover. ``FAILOVER_CHATS`` sets the number of chats (default 10 000; about 25 a second, so
7 minutes).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
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
from bot.store.lease import LeaseStore, lease_key
from tgsandbox import Sandbox
from tgsandbox.server import start_sandbox

TOKEN = "123456:FAILOVER-token-for-the-emulator"
CHATS = int(os.environ.get("FAILOVER_CHATS", "10000"))
RATE = 25
CONCURRENCY = 64
KILLS = (0.3, 0.7)  # the leader is killed when this share of the chats got the edition
TAKEOVER = 30.0  # s from the kill to the follower's first send, at most
SHANGHAI = ZoneInfo("Asia/Shanghai")
EDITION = (
    "---\ntitle: 每日碳新闻\n---\n==新闻==\n"
    "1. 全国碳市场配额成交量创新高。 https://example.org/1\n"
    "2. 新型储能电站并网，容量 100MW。 https://example.org/2\n"
)


def leading(url: str, running: list[BotProcess]) -> BotProcess:
    """The process that holds the lease now (its pid is in the holder's name)."""
    leases = LeaseStore.connect(url)
    try:
        lease = leases.current(lease_key(TOKEN))
    finally:
        leases.db.close()
    assert lease is not None
    pid = int(lease.holder.split(":")[1])
    [found] = [bot for bot in running if bot.proc is not None and bot.proc.pid == pid]
    return found


def silence(accepted: list[float], killed: float) -> float:
    """How long Telegram heard nothing after a kill: the longest gap between the messages it
    accepted in the minute after (the killed leader's last sends in flight may still arrive
    first; then nothing until the follower leads)."""
    times = sorted([killed, *(t for t in accepted if killed < t <= killed + 60)])
    return max((b - a for a, b in itertools.pairwise(times)), default=60.0)


def instance(tmp: Path, name: str, *, api: str, url: str, digests: Path) -> BotProcess:
    """One bot process: its config and data folder (the database is the shared one)."""
    data = tmp / name
    data.mkdir(exist_ok=True)  # a restart keeps its folder
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
        kills: list[tuple[float, int]] = []  # (when, 429s so far)
        running = [leader, follower]
        for share in KILLS:
            await sb.wait_for(
                lambda s, share=share: s.counters.sent_messages >= CHATS * share,
                timeout=CHATS / 10,
            )
            leader = leading(url, running)
            kills.append((clock(), sb.counters.http_429))
            await leader.kill()
            running.remove(leader)
            restarted = instance(tmp, leader.data.name, api=api, url=url, digests=digests)
            bots.append(restarted)
            await restarted.start()  # systemd's Restart=: it follows, or wins the lease
            running.append(restarted)
        await sb.wait_for(lambda s: len(s.counters.per_chat) == CHATS, timeout=CHATS / 10 + 60)
        done = time.monotonic() - started
        resumed = [silence(pace.accepted, at) for at, _ in kills]
        throttled = kills[0][1]
        stopped = [await bot.stop(within=30) for bot in running]
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
        "killed_at": list(KILLS),
        "takeover_s": [round(r, 1) for r in resumed],
        "done_after_s": round(done, 1),
        "every_chat": min(copies.values()) >= 1,
        "doubled": doubled,
        "in_flight_max": CONCURRENCY * len(KILLS),
        "http_429_after_takeover": after,
        "exits": stopped,
        "pass": min(copies.values()) >= 1
        and doubled <= CONCURRENCY * len(KILLS)
        and max(resumed) <= TAKEOVER
        and after == 0
        and stopped == [0, 0],
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
