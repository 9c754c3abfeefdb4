"""Planning at 10 000 / 100 000 / 1 000 000 chats on an outbox of 30 days of history.

For each size a SQLite database is built (bulk inserts straight through the store's
connection, no Telegram): that many subscribed daily chats, 31 daily editions, and for each of
the 30 past days every chat's edition row sent, an alert row sent for every tenth chat, and a
transient failure that used up its rounds for one chat in 200 (what a long-lived outbox holds).
Then a fresh process opens it and runs the tick's planning half (``plan_owed``, nothing
stored since) three ways:

- ``push``: at today's push time: today's edition is planned for every chat (one row each);
- ``tick_idle``: the next tick, everything planned already (median of 3): nothing is due;
- ``told_1000``: "already alerted" (one story, one alert) for 1 000 chats over 7 days.

Prints one JSON line: per size, wall and CPU seconds of each, rows planned, the process's
peak RSS after the push (MB) and the outbox's rows. The sizes are measured in one run, side
by side, so read the ratios (a shared machine's absolute figures move).

    PYTHONPATH=$PWD .venv/bin/python tests/bench/bench_planning.py [SIZES...]
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bot.config import Config
from bot.delivery.plan import due_at, plan_owed
from bot.store.database import Store
from bot.store.stamps import stamp

SIZES = (10_000, 100_000, 1_000_000)
DAYS = 30  # days of history before today
FIRST_CHAT = 100_000_001
BATCH = 20_000  # chats per transaction while building


def today(config: Config) -> dt.date:
    return dt.datetime.now(dt.UTC).astimezone(config.zone).date()


def build(path: Path, chats: int) -> int:
    """The database of ``chats`` chats with 30 days of delivered history; its outbox's rows."""
    config = Config()
    day0 = today(config)
    days = [day0 - dt.timedelta(days=DAYS - k) for k in range(DAYS + 1)]  # the last: today
    store = Store(path)
    conn = store.db.conn
    conn.execute("PRAGMA journal_mode = MEMORY")  # a build that fails is thrown away
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -400000")
    long_ago = stamp(dt.datetime.combine(days[0], dt.time(0), tzinfo=dt.UTC) - dt.timedelta(1))
    stamps = {d: stamp(due_at(d, config.push.time, config.push.timezone)) for d in days}
    with conn:  # generated inside SQLite: a million chats' history in minutes, not hours
        conn.execute(
            "WITH RECURSIVE n(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM n WHERE k + 1 < ?) "
            "INSERT INTO chats (id, type, title, language, format, previews, active, "
            "created_at, updated_at) SELECT ? + k, 'private', '', 'zh', 'full', 0, 1, ?, ? FROM n",
            [chats, FIRST_CHAT, long_ago, long_ago],
        )
        conn.execute(
            "INSERT INTO subscriptions (chat_id, scope, created_at) "
            "SELECT id, 'all', created_at FROM chats ORDER BY id"
        )
        conn.executemany(
            "INSERT INTO editions (series_id, date, series, title, source, content_hash, "
            "ingested_at, updated_at) VALUES (0, ?, '每日碳新闻', '', ?, 'h', ?, ?)",
            [(d.isoformat(), f"{d}.md", stamps[d], stamps[d]) for d in days],
        )
    conn.execute("CREATE TEMP TABLE past (date TEXT, at TEXT)")
    past = [(d.isoformat(), stamps[d]) for d in days[:-1]]
    conn.executemany("INSERT INTO past VALUES (?, ?)", past)
    last = days[-2].isoformat()
    rows = 0
    for first in range(FIRST_CHAT, FIRST_CHAT + chats, BATCH):  # a chat's rows together
        with conn:
            rows += conn.execute(
                "INSERT INTO deliveries (chat_id, kind, series_id, edition_date, issue, week, "
                "broadcast_id, status, error, rounds, due_at, next_attempt_at, items, "
                "message_ids, created_at, updated_at) "
                "SELECT c.id, k.kind, 0, p.date, 0, '', 0, "
                "CASE WHEN k.kind = 'edition' AND (c.id - ?1) % 200 = 1 AND p.date = ?2 "
                "THEN 'failed' ELSE 'sent' END, "
                "CASE WHEN k.kind = 'edition' AND (c.id - ?1) % 200 = 1 AND p.date = ?2 "
                "THEN 'transient: 502' END, "
                "CASE WHEN k.kind = 'edition' AND (c.id - ?1) % 200 = 1 AND p.date = ?2 "
                "THEN 3 ELSE 0 END, p.at, p.at, "
                "CASE WHEN k.kind = 'alert' THEN '[1, 2]' ELSE '[]' END, '[7, 8]', p.at, p.at "
                "FROM chats c, past p, (SELECT 'alert' AS kind UNION ALL SELECT 'edition') k "
                "WHERE c.id >= ?3 AND c.id < ?4 AND (k.kind = 'edition' OR (c.id - ?1) % 10 = 0) "
                "ORDER BY c.id, k.kind, p.date",
                [FIRST_CHAT, last, first, first + BATCH],
            ).rowcount
    conn.execute("PRAGMA journal_mode = WAL")
    store.close()
    return rows


def timed(call: Callable[[], object]) -> tuple[object, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = call()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def measure(path: Path) -> dict[str, Any]:
    """In a fresh process: the push, the idle tick after it, the "already alerted" look-up."""
    config = Config()
    day = today(config)
    now = due_at(day, config.push.time, config.push.timezone) + dt.timedelta(minutes=1)
    store = Store(path)
    rss_open = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out: dict[str, Any] = {}
    planned, wall, cpu = timed(lambda: plan_owed(store, config, [], [], now))
    out["push"] = {"planned": planned[0], "wall_s": round(wall, 3), "cpu_s": round(cpu, 3)}  # type: ignore[index]
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    out["rss_open_mb"] = round(rss_open, 1)
    idle = []
    for k in range(3):
        later = now + dt.timedelta(seconds=30 * (k + 1))
        planned, wall, cpu = timed(lambda at=later: plan_owed(store, config, [], [], at))
        assert planned[0] == 0, planned  # type: ignore[index]
        idle.append((wall, cpu))
    out["tick_idle"] = {
        "wall_s": round(statistics.median(w for w, _ in idle), 4),
        "cpu_s": round(statistics.median(c for _, c in idle), 4),
    }
    sample = [FIRST_CHAT + n for n in range(0, 10_000, 10)]
    told, wall, cpu = timed(
        lambda: store.told.alerted_items(sample, since=now - dt.timedelta(days=7))
    )
    assert len(told) == len(sample), len(told)  # type: ignore[arg-type]
    out["told_1000"] = {"wall_s": round(wall, 4), "cpu_s": round(cpu, 4)}
    out["outbox_rows"] = store.db.execute("SELECT count(*) FROM deliveries").fetchone()[0]
    store.close()
    return out


def main(sizes: list[int]) -> None:
    me = [sys.executable, __file__]
    result: dict[str, Any] = {"bench": "planning", "days_of_history": DAYS, "sizes": {}}
    with tempfile.TemporaryDirectory(prefix="bench_planning_") as folder:
        for chats in sizes:
            path = Path(folder) / f"{chats}.sqlite3"
            started = time.perf_counter()
            subprocess.run([*me, "--build", str(path), str(chats)], check=True)
            built = time.perf_counter() - started
            line = subprocess.run(
                [*me, "--measure", str(path)], check=True, capture_output=True, text=True
            ).stdout
            figures = json.loads(line)
            figures["build_s"] = round(built, 1)
            figures["db_mb"] = round(path.stat().st_size / 2**20)
            result["sizes"][str(chats)] = figures
            for leftover in Path(folder).iterdir():
                leftover.unlink()
    small, big = result["sizes"].get(str(sizes[0])), result["sizes"].get(str(sizes[-1]))
    if small and big and len(sizes) > 1:
        scale = sizes[-1] / sizes[0]
        result["ratios"] = {
            "chats": scale,
            "push_cpu": round(big["push"]["cpu_s"] / max(small["push"]["cpu_s"], 1e-6), 1),
            "tick_idle_cpu": round(
                big["tick_idle"]["cpu_s"] / max(small["tick_idle"]["cpu_s"], 1e-6), 1
            ),
            "told_1000_cpu": round(
                big["told_1000"]["cpu_s"] / max(small["told_1000"]["cpu_s"], 1e-6), 1
            ),
        }
    result["load"] = os.getloadavg()
    print(json.dumps(result))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--build"]:
        build(Path(sys.argv[2]), int(sys.argv[3]))
    elif sys.argv[1:2] == ["--measure"]:
        print(json.dumps(measure(Path(sys.argv[2]))))
    else:
        main([int(a) for a in sys.argv[1:]] or list(SIZES))
