"""Ingest a 10-year archive, and the re-scan a tick pays when nothing changed, side by side.

One series of 3 650 daily editions, then ten series of it (36 500 files, ten sub-folders):
- cold ingest, wall and CPU (this process and its parsing workers), against markdown-it-py's
  parse alone of the same 3 650 files (``md_ratio``: ingest / parse);
- the unchanged re-scan at 3 650 and 36 500 files, three ways in the same run: ``full_stat``,
  the path a tick took before the folder was watched (every file stat'ed, every file state
  read and compared), ``walked`` (the fallback where there is no watch: every file stat'ed,
  only sizes and mtimes read from the store), ``watched`` (inotify: nothing stat'ed); each the
  median of ``RUNS``, wall and CPU seconds;
- one changed file, watched.

Prints one JSON line; read the ratios (the machine is shared: ``load`` is ``os.getloadavg``).
Targets on a 2-core machine: cold <= 10 s, unchanged watched <= 0.1 s at 36 500 files.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from archive import write_archive
from markdown_it import MarkdownIt

from bot.ingest import watch
from bot.ingest.folder import scan_folder
from bot.store.database import Store

DAYS = 3650
SERIES = 10
RUNS = 5
TARGETS = {"cold_s": 10.0, "unchanged_watched_36500_s": 0.1}


def cpu() -> float:
    """CPU seconds of this process and of its children that ended (the parsing workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds of ``fn()``."""
    w, c = time.perf_counter(), cpu()
    fn()
    return time.perf_counter() - w, cpu() - c


def median(fn: Callable[[], object]) -> dict[str, float]:
    runs = [timed(fn) for _ in range(RUNS)]
    return {
        "wall_s": round(statistics.median(r[0] for r in runs), 4),
        "cpu_s": round(statistics.median(r[1] for r in runs), 4),
    }


def markdown_it_py(folder: Path) -> tuple[float, float]:
    """markdown-it-py's parse of every file (read included): wall and CPU seconds."""
    md = MarkdownIt("commonmark")

    def parse() -> None:
        for path in sorted(folder.rglob("*.md")):
            md.parse(path.read_text("utf-8"))

    return timed(parse)


def unchanged(store: Store, folder: Path, files: int) -> dict[str, dict[str, float]]:
    """The unchanged re-scan three ways (see the module doc)."""

    def scan() -> None:
        report = scan_folder(store, folder)
        assert report.unchanged == files, report
        assert not report.touched

    scan()  # the watch armed
    walked = watch.watch_of(folder).full_walks
    out = {"watched": median(scan)}
    assert watch.watch_of(folder).full_walks == walked  # events read, the folder not walked
    opened, stamps = watch.open_inotify, store.files.file_stamps
    try:
        watch.open_inotify = lambda: None  # no watch to be had
        watch.watch_of(folder).close()
        out["walked"] = median(scan)
        store.files.file_stamps = lambda: {}  # type: ignore[method-assign]
        out["full_stat"] = median(scan)
    finally:
        watch.open_inotify = opened
        store.files.file_stamps = stamps  # type: ignore[method-assign]
        watch.watch_of(folder).close()
    return out


def ingest(store: Store, folder: Path, editions: int) -> tuple[float, float]:
    def cold() -> None:
        report = scan_folder(store, folder)
        assert report.ok, report.errors[:3]
        assert len(report.new) == editions

    wall, used = timed(cold)
    store.changes.planned(store.changes.owed())  # what a tick's plan does next
    return wall, used


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        one = Path(tmp) / "one"
        items = write_archive(one / "daily", days=DAYS)
        ten = Path(tmp) / "ten"
        for n in range(SERIES):
            shutil.copytree(one / "daily", ten / f"daily{n}")
        md_wall, md_cpu = markdown_it_py(one)

        store = Store(Path(tmp) / "one.sqlite3")
        cold_wall, cold_cpu = ingest(store, one, DAYS)
        rescans = {DAYS: unchanged(store, one, DAYS)}
        victim = sorted((one / "daily").iterdir())[DAYS // 2]
        text = victim.read_text("utf-8").replace("1.", "1.【更正】", 1)

        def one_changed() -> None:
            victim.write_text(text, "utf-8")
            assert len(scan_folder(store, one).changed) == 1

        scan_folder(store, one)  # the watch armed again
        one_s, one_cpu = timed(one_changed)
        store.close()

        store = Store(Path(tmp) / "ten.sqlite3")
        ten_wall, ten_cpu = ingest(store, ten, DAYS * SERIES)
        rescans[DAYS * SERIES] = unchanged(store, ten, DAYS * SERIES)
        store.close()

    watched = rescans[DAYS * SERIES]["watched"]["wall_s"]
    figures = {"cold_s": cold_wall, "unchanged_watched_36500_s": watched}
    print(
        json.dumps(
            {
                "bench": "ingest",
                "editions": DAYS,
                "items": items,
                "cold_s": round(cold_wall, 3),
                "cold_cpu_s": round(cold_cpu, 3),
                "markdown_it_py_s": round(md_wall, 3),
                "markdown_it_py_cpu_s": round(md_cpu, 3),
                "md_ratio": {
                    "wall": round(cold_wall / md_wall, 2),
                    "cpu": round(cold_cpu / md_cpu, 2),
                },
                "cold_per_1000_s": {
                    DAYS: round(cold_wall / DAYS * 1000, 2),
                    DAYS * SERIES: round(ten_wall / DAYS / SERIES * 1000, 2),
                },
                "cold_cpu_36500_s": round(ten_cpu, 3),
                "unchanged": rescans,
                "speedup_watched_vs_full_stat": {
                    n: round(r["full_stat"]["wall_s"] / r["watched"]["wall_s"], 1)
                    for n, r in rescans.items()
                },
                "one_changed_s": round(one_s, 3),
                "one_changed_cpu_s": round(one_cpu, 3),
                "load": [round(x, 2) for x in os.getloadavg()],
                "targets": TARGETS,
                "pass": all(figures[k] <= TARGETS[k] for k in TARGETS),
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
