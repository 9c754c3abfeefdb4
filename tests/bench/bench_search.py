"""/search on a generated 40 000-item archive: the whole answer, side by side with a LIKE scan,
on SQLite and on PostgreSQL.

Prints one JSON line: p50/p95 of parse + match + fetch + snippet + HTML for a mix of queries
(1-, 2-, 3+-character Chinese, Latin, mixed, Traditional and full-width), the same for a LIKE
scan over the same rows, the ratio at p95, and the index size; then the same answers from a
throwaway PostgreSQL server (Unix socket, tests/pgserver.py) holding the same archive, checked
to be the same hits. Goals: p95 <= 5 ms and >= 10x on SQLite, p95 <= 10 ms on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from archive import VOCAB, write_archive
from pgserver import start_cluster

from bot.chat.searching import page_html
from bot.config import DEFAULT_TOPICS
from bot.ingest.folder import scan_folder
from bot.store.database import Store
from bot.store.hits import COUNT_CAP
from bot.store.lookup import search

DAYS = 4000  # ~10 items a day: ~40 000 items
ROUNDS = 3
TARGETS = {"p95_ms": 5.0, "speedup_p95": 10.0, "pg_p95_ms": 10.0}


def query_mix() -> list[str]:
    rng = random.Random(7)
    words = [w for w in VOCAB if not w.isascii()]
    chars = sorted({c for w in words for c in w})
    mix = rng.sample(chars, 15)
    mix += [w[:2] for w in rng.sample(words, 20)]
    mix += [w for w in words if len(w) >= 3][:15]
    mix += ["ccer", "CBAM", "esg", "gwh", "5G基站", "储能 电池", "绿证 -煤炭", "碳市"]
    mix += ["儲能", "綠證", "碳市場", "ＣＣＥＲ", "５Ｇ基站"]
    mix += ["光伏 2020-01", "#储能 since:2023-01-01", '"绿色债券"', "零碳 园区"]
    return mix


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def like_answer(store: Store, text: str) -> int:
    """The obvious implementation: every word a LIKE over every row, newest first (its count
    stopping past the same cap as ours)."""
    words = [w for w in text.split() if not w.startswith(("-", "#", "2", "since:"))]
    where = " AND ".join("(title || ' ' || text) LIKE ?" for _ in words) or "1"
    args = [f"%{w.strip(chr(34))}%" for w in words]
    total = store.db.execute(  # counted up to the cap, as ours is
        f"SELECT count(*) FROM (SELECT 1 FROM items WHERE {where} LIMIT ?)",  # noqa: S608
        [*args, COUNT_CAP + 1],
    ).fetchone()[0]
    store.db.execute(
        f"SELECT id, edition_date, position, title, text, links FROM items WHERE {where} "  # noqa: S608
        "ORDER BY edition_date DESC, position LIMIT 6",
        args,
    ).fetchall()
    return int(total)


def answer_ms(store: Store, text: str) -> tuple[float, int]:
    """The whole answer to a query (search, then its page as HTML): milliseconds, hits."""
    t0 = time.perf_counter()
    result = search(store, text, topics=DEFAULT_TOPICS)
    page_html(text, result, "zh")
    return (time.perf_counter() - t0) * 1000, result.page.total


def hits(store: Store, text: str) -> tuple[int, tuple[int, ...]]:
    """A query's total and the ids of its first page: what both engines must agree on."""
    result = search(store, text, topics=DEFAULT_TOPICS)
    return result.page.total, tuple(h.id for h in result.page.hits)


def on_postgres(
    folder: Path, queries: list[str], answers: dict[str, tuple[int, tuple[int, ...]]]
) -> tuple[list[float], float, bool]:
    """The same archive and queries on a throwaway PostgreSQL server: the timings, the index
    size in MB, and whether every answer equals SQLite's."""
    cluster = start_cluster()
    try:
        store = Store(
            cluster.url(cluster.create_database()),
            topics=tuple((t.key, t.keywords) for t in DEFAULT_TOPICS),
        )
        assert scan_folder(store, folder).ok
        store.db.execute("VACUUM ANALYZE")  # what autovacuum does after a bulk load
        timings = [answer_ms(store, text)[0] for _ in range(ROUNDS) for text in queries]
        same = all(hits(store, text) == answers[text] for text in queries)
        size = store.index.index_size() / 2**20
        store.close()
    finally:
        cluster.stop()
    return timings, size, same


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "digests"
        items = write_archive(folder, days=DAYS, start=dt.date(2014, 1, 1))
        store = Store(
            Path(tmp) / "s.sqlite3", topics=tuple((t.key, t.keywords) for t in DEFAULT_TOPICS)
        )
        report = scan_folder(store, folder)
        assert report.ok
        queries = query_mix()
        ours: list[float] = []
        like: list[float] = []
        totals = 0
        for _ in range(ROUNDS):
            for text in queries:
                ms, total = answer_ms(store, text)
                ours.append(ms)
                totals += total
                t0 = time.perf_counter()
                like_answer(store, text)
                like.append((time.perf_counter() - t0) * 1000)
        index_mb = store.index.index_size() / 2**20
        answers = {text: hits(store, text) for text in queries}
        store.close()
        db_mb = (Path(tmp) / "s.sqlite3").stat().st_size / 2**20
        pg, pg_index_mb, pg_same = on_postgres(folder, queries, answers)
    p95, like_p95 = percentile(ours, 0.95), percentile(like, 0.95)
    figures = {
        "bench": "search",
        "items": items,
        "queries": len(queries),
        "runs": len(ours),
        "p50_ms": round(statistics.median(ours), 3),
        "p95_ms": round(p95, 3),
        "like_p50_ms": round(statistics.median(like), 3),
        "like_p95_ms": round(like_p95, 3),
        "speedup_p95": round(like_p95 / p95, 1),
        "mean_total_shown": round(totals / len(ours), 1),  # counts stop past COUNT_CAP
        "index_mb": round(index_mb, 1),
        "db_mb": round(db_mb, 1),
        "pg_p50_ms": round(statistics.median(pg), 3),
        "pg_p95_ms": round(percentile(pg, 0.95), 3),
        "pg_index_mb": round(pg_index_mb, 1),
        "pg_same_hits": pg_same,
        "targets": TARGETS,
    }
    figures["pass"] = (
        p95 <= TARGETS["p95_ms"]
        and like_p95 / p95 >= TARGETS["speedup_p95"]
        and percentile(pg, 0.95) <= TARGETS["pg_p95_ms"]
        and pg_same
    )
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
