"""A database written before series learning (the schema up to 0018) opens with its file states
carried forward, and its first scan reads every file once more to learn what each teaches its
series: an old edition loses the footer the series' files share (issue 22)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from bot.ingest.folder import scan_folder
from bot.store.database import Store

TODAY = dt.date(2024, 9, 30)
FOOTER = "Subscribe to the letter"


def day(n: int) -> str:
    return (
        f"# Letter 2024-09-{n:02d}\n\n"
        f"- [Solar farm {n} opens](https://news.example/solar/{n}) grid capacity grows\n"
        f"- [Wind auction {n}](https://news.example/wind/{n}) record bids\n\n"
        f"## More\n\n- [{FOOTER}](https://letter.example/subscribe)\n"
    )


def as_before_0019(path: Path) -> None:
    """The database as the code before series learning left it: no origin, signature or link
    columns, no record of the migration, nothing asked to be read again."""
    conn = sqlite3.connect(path)
    with conn:
        for column in ("origin", "signature", "link"):
            conn.execute(f"ALTER TABLE files DROP COLUMN {column}")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0019_series_learning'")
        conn.execute("DELETE FROM meta WHERE key = 'reread'")
    conn.close()


def titles(store: Store, n: int) -> list[str]:
    (edition,) = store.editions.editions_on(dt.date(2024, 9, n))
    return [item.title for item in edition.items]


def test_file_states_carry_forward_and_the_first_scan_learns_the_series(tmp_path: Path) -> None:
    """Day 1 was read alone (footer and all) before the migration; after it, with four more
    days in the folder, the first scan reads day 1 again although its file did not change: its
    edition loses the footer, keeps its item ids; the next scan reads nothing."""
    folder = tmp_path / "digests"
    folder.mkdir()
    (folder / "2024-09-01.md").write_text(day(1), "utf-8")
    path = tmp_path / "bot.sqlite3"
    store = Store(path)
    scan_folder(store, folder, today=TODAY)
    assert FOOTER in titles(store, 1)
    key = store.editions.editions_on(dt.date(2024, 9, 1))[0].key
    ids = store.editions.item_ids(key)
    store.close()
    as_before_0019(path)
    for n in range(2, 6):
        (folder / f"2024-09-{n:02d}.md").write_text(day(n), "utf-8")
    store = Store(path)
    try:
        (state,) = [s for s in store.files.file_states().values() if s.path == "2024-09-01.md"]
        assert state.edition == key
        assert state.signature is None
        report = scan_folder(store, folder, today=TODAY)
        assert [k.date.day for k in report.changed] == [1]
        assert sorted(k.date.day for k in report.new) == [2, 3, 4, 5]
        for n in range(1, 6):
            assert FOOTER not in titles(store, n)
        assert store.editions.item_ids(key)[:2] == ids[:2]
        states = store.files.file_states().values()
        assert all(s.signature is not None and s.origin is not None for s in states)
        assert not scan_folder(store, folder, today=TODAY).touched
    finally:
        store.close()
