"""The push engine: Telegram's pace without a 429, and the bot's capacity and memory at scale.

Prints one JSON line.

1. Pace, side by side in one run but never simultaneously (one push after the other, each
   with an emulator of its own enforcing Telegram's limits strictly: 30/s overall, 1/s per
   private chat; 3000 private chats each). The bot
   (``push.rate = 30``) pushes an edition, once on SQLite and once on PostgreSQL (a throwaway
   server on a Unix socket); a baseline loop sends the same message to the same chats with
   PTB's ``AIORateLimiter`` and ``bot.send_message``, all at once, resending what got a 429
   until everything arrived: once with its defaults, once with the bot's 3 % margin and no
   burst (``aioratelimiter_no_burst``). Goal: the bot >= 28.5 msg/s with 0 × 429, on either
   engine.
2. Capacity: an emulator without limits in its own process; the real bot
   (``python -m bot run``, paid broadcast lane) in a subprocess per size, 5 000, 20 000 and
   100 000 planned chats, each pushed to the end. Goals: >= 1000 msg/s the bot can send (the
   paid cap, so the bot is never the bottleneck), peak RSS (VmHWM) at 100 000 within 20 MB
   of that at 20 000 (the sender streams rows, it does not load them all), and a message
   costing the bot as much CPU at 100 000 chats as at 5 000 (``cpu_ms_per_msg``: the bot
   process's CPU time from its first message to its last, per message; ``cpu_ms_by_fifth``:
   the same for each fifth of the push). A message that costs more the bigger the outbox
   (issue 21: a lookup scanning every row already sent) shows as growth across the sizes and
   across the fifths. A size that does not finish in time is reported with what it sent
   (``finished``: false) instead of stopping the benchmark.

The paid lane is paced at Telegram's 1000/s less the limiter's 3 % margin (~971/s), so the
bot's own ceiling is measured too: the same push with the paid pace lifted to 5000/s in the
bot's process, at 20 000 and 100 000 chats (``capacity_msg_per_s``: the lower of the two); the
goals apply to that ceiling and to the CPU a message costs (<= 1 ms). The paced runs must see
0 × 429 and every run must deliver every message. The capacity emulator serves every run: its
429 and error counts are reported per run (the difference over the run), not since it started.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from aiohttp import web
from pgserver import start_cluster
from push_world import PaceLog, add_readers
from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter, Defaults, ExtBot

from bot.app import BotRunner
from bot.config import Config, HttpConfig, PushConfig, TelegramConfig
from bot.delivery.limiter import MARGIN
from bot.digest import parse_file
from bot.render.edition import render_edition
from bot.store.database import Store
from bot.store.stamps import stamp
from tgsandbox import Sandbox
from tgsandbox.server import make_app, start_sandbox

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:BENCH-token-for-the-emulator"
FIRST_ID = 200_000_001
PACE_CHATS = 3000
SIZES = (5_000, 20_000, 100_000)
RSS_SIZES = (20_000, 100_000)  # peak RSS compared between these
LIFTED_PAID_RATE = 5000.0
LIFTED_SIZES = (20_000, 100_000)
TARGETS = {
    "pace_msg_per_s": 28.5,
    "pace_429": 0,
    "paid_429": 0,  # at the paced 1000/s
    "capacity_msg_per_s": 1000.0,
    "cpu_ms_per_msg": 1.0,  # of the bot's process, with the pace lifted
    "rss_growth_mb": 20.0,
    "cpu_growth": 1.25,  # CPU ms per message at 100 000 chats / at 5 000
}
SHANGHAI = ZoneInfo("Asia/Shanghai")
EDITION = (
    "---\ntitle: 每日碳新闻\n---\n==新闻==\n"
    "1. 全国碳市场配额成交量创新高。 https://example.org/1\n"
    "2. 新型储能电站并网，容量 100MW。 https://example.org/2\n"
    "3. 光伏组件价格下降，绿证交易活跃。 https://example.org/3\n"
)


# -- 1. pace against the strict emulator, side by side with AIORateLimiter --------------------


def write_edition(folder: Path, day: dt.date) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{day}.md"
    path.write_text(EDITION, "utf-8")
    return path


async def push_ours(tmp: Path, day: dt.date, *, db_url: str = "") -> dict[str, Any]:
    """The bot pushes to PACE_CHATS chats through a strict emulator at push.rate = 30 (its
    database in ``db_url`` when one is given: PostgreSQL)."""
    sb = Sandbox(token=TOKEN, strict=True)
    web_runner, url = await start_sandbox(sb)
    pace = PaceLog(sb)
    due = dt.datetime.combine(day, dt.time(9, 0), tzinfo=SHANGHAI)
    config = Config(
        data_dir=tmp / "pace",
        digests_dir=tmp / "pace-digests",
        db_path=tmp / "pace" / "bot.sqlite3",
        db_url=db_url,
        telegram=TelegramConfig(token=TOKEN, api_base_url=f"{url}/bot"),
        push=PushConfig(rate=30.0),
        http=HttpConfig(port=0),  # any free port: 9180 may be another program's
    )
    write_edition(config.digests_dir, day)
    runner = BotRunner(config, poll_timeout=1, now=lambda: due, auto_tick=False)
    await runner.start()
    try:
        assert runner.store is not None
        assert runner.pusher is not None
        chats = add_readers(sb, runner.store, PACE_CHATS)
        t0 = time.monotonic()
        report = await runner.tick()
        assert report.planned == PACE_CHATS, report
        await sb.wait_for(lambda s: s.counters.sent_messages >= PACE_CHATS, timeout=600)
        elapsed = max(pace.accepted) - t0
        await runner.pusher.idle()
        assert all(len(sb.messages(c)) == 1 for c in chats)
    finally:
        await runner.stop()
        await web_runner.cleanup()
    return {
        "msg_per_s": round(PACE_CHATS / elapsed, 2),
        "http_429": sb.counters.http_429,
        "seconds": round(elapsed, 1),
        "max_in_1s": PaceLog.most_in(pace.accepted, 1.0),
    }


def no_burst() -> AIORateLimiter:
    """AIORateLimiter with our margin and no burst: a bucket of one message, refilled at 30/s
    less 3 % (its defaults let 30 through at once, then 30 a second)."""
    return AIORateLimiter(overall_max_rate=1, overall_time_period=MARGIN / 30)


async def push_baseline(
    day: dt.date, limiter: Callable[[], AIORateLimiter] = AIORateLimiter
) -> dict[str, Any]:
    """The same messages to the same chats through an AIORateLimiter, all sends at once."""
    sb = Sandbox(token=TOKEN, strict=True)
    for n in range(PACE_CHATS):
        sb.private_chat(sb.add_user(f"reader{n}", user_id=FIRST_ID + n))
    web_runner, url = await start_sandbox(sb)
    edition = parse_file(write_edition(Path(tempfile.mkdtemp()), day))
    [text] = render_edition(edition, lang="zh", compact=False)
    logging.getLogger("telegram").setLevel(logging.CRITICAL)  # it logs every 429 it raises
    bot = ExtBot(
        TOKEN,
        base_url=f"{url}/bot",
        rate_limiter=limiter(),
        defaults=Defaults(parse_mode=ParseMode.HTML),
    )
    previews = LinkPreviewOptions(is_disabled=True)
    pending = list(range(FIRST_ID, FIRST_ID + PACE_CHATS))
    rounds = 0
    try:
        async with bot:
            t0 = time.monotonic()
            while pending:
                rounds += 1
                results = await asyncio.gather(
                    *(
                        bot.send_message(chat, text, link_preview_options=previews)
                        for chat in pending
                    ),
                    return_exceptions=True,
                )
                for result in results:
                    if isinstance(result, Exception) and not isinstance(result, RetryAfter):
                        raise result
                pending = [
                    chat
                    for chat, result in zip(pending, results, strict=True)
                    if isinstance(result, RetryAfter)
                ]
            elapsed = time.monotonic() - t0
    finally:
        await web_runner.cleanup()
    return {
        "msg_per_s": round(PACE_CHATS / elapsed, 2),
        "http_429": sb.counters.http_429,
        "seconds": round(elapsed, 1),
        "rounds": rounds,
    }


async def pace_side_by_side(tmp: Path) -> dict[str, dict[str, Any]]:
    """Ours on SQLite, ours on PostgreSQL (a throwaway server on a Unix socket) and the
    baseline, one after the other in this run: sharing one event loop, the baseline's thousands
    of concurrent requests would delay the other emulator's clock readings and bunch its
    arrivals (429s that Telegram, timing arrivals on its own servers, would not answer)."""
    day = dt.datetime.now(SHANGHAI).date()
    ours = await push_ours(tmp / "sqlite", day)
    cluster = start_cluster()
    try:
        on_postgres = await push_ours(
            tmp / "postgresql", day, db_url=cluster.url(cluster.create_database())
        )
    finally:
        cluster.stop()
    baseline = await push_baseline(day)
    even = await push_baseline(day, no_burst)
    return {
        "ours": ours,
        "ours_postgresql": on_postgres,
        "aioratelimiter": baseline,
        "aioratelimiter_no_burst": even,
    }


# -- 2. capacity and memory: emulator and bot in their own processes ------------------------


async def serve_emulator(count: int) -> None:
    """``--emulator N``: an emulator without limits, N private chats; prints its URL."""
    sb = Sandbox(token=TOKEN)
    sb.flood.enabled = False
    for n in range(count):
        sb.private_chat(sb.add_user(f"r{n}", user_id=FIRST_ID + n))
    pace = PaceLog(sb)

    async def progress(request: web.Request) -> web.Response:
        since = int(request.query.get("since", "0"))
        times = pace.accepted[since:]
        body = {
            "sent": len(pace.accepted),
            "first": times[0] if times else None,
            "last": times[-1] if times else None,
            "http_429": sb.counters.http_429,
            "errors": {str(status): n for status, n in sb.counters.errors.items()},
        }
        return web.json_response(body)

    app = make_app(sb)
    app.router.add_get("/_bench/progress", progress)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    print(f"http://127.0.0.1:{port}", flush=True)
    await asyncio.Event().wait()


def get_json(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our emulator
        body: dict[str, Any] = json.load(response)
        return body


def seed_store(path: Path, count: int) -> None:
    """``count`` subscribed private chats, written in bulk (the Store's tables and columns)."""
    store = Store(path, topics=Config().topic_spec)
    now = stamp(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
    chats = (
        {
            "id": FIRST_ID + n,
            "type": "private",
            "title": f"r{n}",
            "language": "zh",
            "format": "full",
            "previews": 0,
            "active": 1,
            "inactive_reason": "",
            "created_at": now,
            "updated_at": now,
        }
        for n in range(count)
    )
    subscriptions = (
        {"chat_id": FIRST_ID + n, "scope": "all", "created_at": now} for n in range(count)
    )
    with store.transaction():
        store.db.utils.table("chats").insert_all(chats, batch_size=5000)
        store.db.utils.table("subscriptions").insert_all(subscriptions, batch_size=5000)
    store.close()


def proc_status(pid: int) -> tuple[float, float]:
    """The process's peak RSS (VmHWM, MB) and CPU seconds so far."""
    hwm = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            hwm = int(line.split()[1]) / 1024
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return hwm, cpu


BOT_MAIN = """
import sys
import bot.delivery.limiter
bot.delivery.limiter.Limiter.__init__.__kwdefaults__["paid_rate"] = float(sys.argv[1])
from bot.cli.main import main
sys.exit(main(sys.argv[2:]))
"""


def run_bot(
    tmp: Path,
    url: str,
    count: int,
    *,
    paid_rate: float | None = None,
    concurrency: int = 64,
) -> dict[str, Any]:
    """Push an edition to ``count`` chats with the real bot; its rate, CPU and peak RSS.

    ``paid_rate`` lifts the paid lane's pace in the bot's process (for the capacity run).
    A push that does not finish in time is stopped and reported as it stood.
    """
    folder = tmp / f"bot-{count}-{paid_rate or 'paced'}-{concurrency}"
    data = folder / "data"
    data.mkdir(parents=True)
    write_edition(folder / "digests", dt.datetime.now(SHANGHAI).date())
    seed_store(data / "bot.sqlite3", count)
    config = folder / "config.toml"
    config.write_text(
        f'[telegram]\ntoken = "{TOKEN}"\napi_base_url = "{url}/bot"\n'
        f'[digests]\ndir = "{folder / "digests"}"\n[storage]\npath = "{data / "bot.sqlite3"}"\n'
        '[push]\ntime = "00:00"\ntimezone = "Asia/Shanghai"\n'
        f"paid_broadcast = true\npaid_daily_cap = 10000000\nconcurrency = {concurrency}\n"
        '[http]\nport = 0\n[log]\nlevel = "WARNING"\n',
        "utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIGESTBOT_", "TELEGRAM"))}
    env |= {"DIGESTBOT_DATA": str(data), "PYTHONPATH": str(ROOT)}
    args = ["--config", str(config), "run"]
    command = [sys.executable, "-m", "bot", *args]
    if paid_rate is not None:
        command = [sys.executable, "-c", BOT_MAIN, str(paid_rate), *args]
    start = get_json(f"{url}/_bench/progress")  # the emulator serves every run: its counts so far
    before = start["sent"]
    log = (folder / "bot.log").open("wb")
    proc = subprocess.Popen(command, cwd=folder, env=env, stdout=log, stderr=log)
    samples: list[tuple[int, float]] = []  # (messages sent, the bot's CPU seconds), from the first
    try:
        started = time.monotonic()
        while True:
            time.sleep(0.25)
            if proc.poll() is not None:
                raise RuntimeError(f"the bot exited ({proc.returncode}); see {folder}/bot.log")
            state = get_json(f"{url}/_bench/progress?since={before}")
            sent = state["sent"] - before
            if sent:
                samples.append((sent, proc_status(proc.pid)[1]))
            if sent >= count or time.monotonic() - started > 60 + count / 200:
                break
        rss, _ = proc_status(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
    seconds = state["last"] - state["first"] if sent else 0.0
    samples = samples or [(0, 0.0)]
    return {
        "chats": count,
        "sent": sent,
        "finished": sent >= count,
        "msg_per_s": round((sent - 1) / seconds, 1) if seconds else 0.0,
        "seconds": round(seconds, 2),
        "cpu_share": round((samples[-1][1] - samples[0][1]) / seconds, 2) if seconds else 0.0,
        "cpu_ms_per_msg": per_message_ms(samples[0], samples[-1]),
        "cpu_ms_by_fifth": by_fifth(samples),
        "peak_rss_mb": round(rss, 1),
        "http_429": state["http_429"] - start["http_429"],
        "errors": {  # error answers by HTTP status, over this run
            status: n - start["errors"].get(status, 0)
            for status, n in state["errors"].items()
            if n > start["errors"].get(status, 0)
        },
    }


def per_message_ms(start: tuple[int, float], end: tuple[int, float]) -> float:
    """The bot's CPU milliseconds per message between two (sent, CPU seconds) samples."""
    messages = end[0] - start[0]
    return round(1000 * (end[1] - start[1]) / messages, 3) if messages > 0 else 0.0


def by_fifth(samples: list[tuple[int, float]]) -> list[float]:
    """``per_message_ms`` over each fifth of the messages sent (between the samples nearest
    the fifths): flat when a message costs the same however much of the push is done."""
    total = samples[-1][0]
    marks = [next(s for s in samples if s[0] >= total * k / 5) for k in range(1, 5)]
    bounds = [samples[0], *marks, samples[-1]]
    return [per_message_ms(a, b) for a, b in itertools.pairwise(bounds)]


def capacity(tmp: Path) -> dict[str, Any]:
    emulator = subprocess.Popen(
        [sys.executable, __file__, "--emulator", str(max(SIZES))],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert emulator.stdout is not None
        url = emulator.stdout.readline().strip()
        if not url:
            raise RuntimeError("the emulator did not start")
        runs = [run_bot(tmp, url, count, paid_rate=None) for count in SIZES]
        lifted = [run_bot(tmp, url, n, paid_rate=LIFTED_PAID_RATE) for n in LIFTED_SIZES]
    finally:
        emulator.terminate()
        emulator.wait()
    return {"paced": runs, "lifted": lifted}


def main() -> None:
    if sys.argv[1:2] == ["--emulator"]:
        asyncio.run(serve_emulator(int(sys.argv[2])))
        return
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        pace = asyncio.run(pace_side_by_side(tmp))
        cap = capacity(tmp)
    ours, on_postgres = pace["ours"], pace["ours_postgresql"]
    by_size = {run["chats"]: run for run in cap["paced"]}
    small, large = (by_size[n] for n in RSS_SIZES)
    growth = large["peak_rss_mb"] - small["peak_rss_mb"]
    cpu = {str(n): by_size[n]["cpu_ms_per_msg"] for n in SIZES}
    cpu_growth = by_size[max(SIZES)]["cpu_ms_per_msg"] / by_size[min(SIZES)]["cpu_ms_per_msg"]
    lifted = cap["lifted"]
    ceiling = min(run["msg_per_s"] for run in lifted)
    figures = {
        "bench": "push",
        "pace": {"chats": PACE_CHATS, **pace},
        "paid": {
            "sizes": cap["paced"],
            "capacity_msg_per_s": ceiling,
            "capacity_runs": lifted,
            "capacity_cpu_ms_per_msg": {str(r["chats"]): r["cpu_ms_per_msg"] for r in lifted},
            "rss_growth_mb": round(growth, 1),
            "cpu_ms_per_msg": cpu,
            "cpu_growth": round(cpu_growth, 2),
        },
        "targets": TARGETS,
    }
    figures["pass"] = (
        all(
            run["msg_per_s"] >= TARGETS["pace_msg_per_s"]
            and run["http_429"] == TARGETS["pace_429"]
            for run in (ours, on_postgres)
        )
        and all(run["finished"] for run in [*cap["paced"], *lifted])
        and all(run["http_429"] == TARGETS["paid_429"] for run in cap["paced"])
        and ceiling >= TARGETS["capacity_msg_per_s"]
        and all(run["cpu_ms_per_msg"] <= TARGETS["cpu_ms_per_msg"] for run in lifted)
        and growth <= TARGETS["rss_growth_mb"]
        and cpu_growth <= TARGETS["cpu_growth"]
    )
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
