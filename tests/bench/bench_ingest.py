"""Ingest a 10-year archive: cold, re-scan with nothing changed, re-scan with one file changed.

Prints one JSON line. Targets on a 2-core machine: cold <= 10 s, unchanged <= 0.5 s,
one changed file <= 0.5 s.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from archive import write_archive

from bot.ingest.folder import scan_folder
from bot.store.database import Store

DAYS = 3650
TARGETS = {"cold_s": 10.0, "unchanged_s": 0.5, "one_changed_s": 0.5}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "digests"
        items = write_archive(folder, days=DAYS)
        store = Store(Path(tmp) / "bench.sqlite3")

        t0 = time.perf_counter()
        cold = scan_folder(store, folder)
        cold_s = time.perf_counter() - t0
        assert cold.ok, cold.errors[:3]
        assert len(cold.new) == DAYS

        t0 = time.perf_counter()
        unchanged = scan_folder(store, folder)
        unchanged_s = time.perf_counter() - t0
        assert unchanged.unchanged == DAYS
        assert not unchanged.touched

        victim = sorted(folder.iterdir())[DAYS // 2]
        text = victim.read_text("utf-8").replace("1.", "1.【更正】", 1)
        victim.write_text(text, "utf-8")
        st = victim.stat()
        os.utime(victim, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
        t0 = time.perf_counter()
        one = scan_folder(store, folder)
        one_s = time.perf_counter() - t0
        assert len(one.changed) == 1, one
        store.close()
        db_mb = (Path(tmp) / "bench.sqlite3").stat().st_size / 2**20

    figures = {"cold_s": cold_s, "unchanged_s": unchanged_s, "one_changed_s": one_s}
    print(
        json.dumps(
            {
                "bench": "ingest",
                "editions": DAYS,
                "items": items,
                **{k: round(v, 3) for k, v in figures.items()},
                "cold_files_per_s": round(DAYS / cold_s),
                "db_mb": round(db_mb, 1),
                "targets": TARGETS,
                "pass": all(figures[k] <= TARGETS[k] for k in TARGETS),
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
