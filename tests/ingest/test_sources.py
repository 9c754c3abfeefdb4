"""Scanning the digests folder: new, changed, removed and broken files."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import select
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import days

from bot.cli.main import main
from bot.digest.models import EditionKey
from bot.ingest.folder import scan_folder
from bot.store.database import Store

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "digests" / "2024-01-08.md"
DAY = dt.date(2024, 1, 8)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    d = tmp_path / "digests"
    d.mkdir()
    shutil.copy(SEED, d / SEED.name)
    return d


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "bot.sqlite3")
    yield s
    s.close()


def digest(day: str, *items: str) -> str:
    body = "\n".join(f"{i}. {t} https://example.org/{day}/{i}" for i, t in enumerate(items, 1))
    return f"---\ntitle: 测试日报 {day}\n---\n\n{body}\n"


def bump_mtime(path: Path) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))


def test_first_scan_ingests_the_seed(store: Store, folder: Path) -> None:
    """The sample edition lands in the store with its ten items."""
    report = scan_folder(store, folder)
    assert days(report.new) == [DAY]
    assert report.ok
    e = store.editions.get_edition(EditionKey(0, DAY))
    assert e is not None
    assert len(e.items) == 10
    assert e.source == "2024-01-08.md"


def test_rescan_of_unchanged_folder_writes_nothing(store: Store, folder: Path) -> None:
    """A second scan with nothing changed touches no row."""
    scan_folder(store, folder)
    before = store.db.conn.total_changes
    report = scan_folder(store, folder)
    assert (days(report.new), days(report.changed), report.unchanged) == ([], [], 1)
    assert store.db.conn.total_changes == before


def test_touched_but_identical_file_is_unchanged(store: Store, folder: Path) -> None:
    """A new mtime with the same bytes does not rewrite the edition."""
    scan_folder(store, folder)
    ids = store.editions.item_ids(EditionKey(0, DAY))
    bump_mtime(folder / SEED.name)
    report = scan_folder(store, folder)
    assert report.unchanged == 1
    assert not report.touched
    assert store.editions.item_ids(EditionKey(0, DAY)) == ids


def test_edited_file_updates_in_place(store: Store, folder: Path) -> None:
    """Fixing a typo in one item updates that item; the others keep their ids."""
    scan_folder(store, folder)
    ids = store.editions.item_ids(EditionKey(0, DAY))
    path = folder / SEED.name
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "黑龙江省人民政府发布关于", "黑龙江省政府发布关于"
        ),
        encoding="utf-8",
    )
    bump_mtime(path)
    report = scan_folder(store, folder)
    assert days(report.changed) == [DAY]
    e = store.editions.get_edition(EditionKey(0, DAY))
    assert e is not None
    assert e.items[1].text.startswith("1月5日，黑龙江省政府发布")
    assert store.editions.item_ids(EditionKey(0, DAY)) == ids


def test_broken_file_keeps_its_edition(store: Store, folder: Path) -> None:
    """A file that stops parsing is reported with file and line and its edition stays."""
    (folder / "2024-01-09.md").write_text(digest("2024-01-09", "碳市场", "绿证"), "utf-8")
    scan_folder(store, folder)
    broken = folder / "2024-01-09.md"
    broken.write_bytes(b"---\ndate: 2024-01-09\n---\n1. ok\n2. \xff bad bytes\n")
    bump_mtime(broken)
    report = scan_folder(store, folder)
    assert not report.ok
    assert len(report.errors) == 1
    assert str(report.errors[0]).startswith(f"{broken}:5: ")
    assert store.editions.get_edition(EditionKey(0, dt.date(2024, 1, 9))) is not None
    again = scan_folder(store, folder)
    assert [str(e) for e in again.errors] == [str(e) for e in report.errors]


def test_removed_file_removes_its_edition(store: Store, folder: Path) -> None:
    """Deleting a digest file takes its edition out of the store."""
    (folder / "b.md").write_text(digest("2024-01-09", "碳市场"), "utf-8")
    scan_folder(store, folder)
    (folder / "b.md").unlink()
    report = scan_folder(store, folder)
    assert days(report.removed) == [dt.date(2024, 1, 9)]
    assert store.editions.get_edition(EditionKey(0, dt.date(2024, 1, 9))) is None
    assert store.editions.get_edition(EditionKey(0, DAY)) is not None


def test_second_file_for_same_date_is_an_error(store: Store, folder: Path) -> None:
    """Two files claiming one date: the first keeps it, the second is reported."""
    scan_folder(store, folder)
    (folder / "zz-copy.md").write_text(digest("2024-01-08", "别的内容"), "utf-8")
    report = scan_folder(store, folder)
    assert len(report.errors) == 1
    assert "already the edition of 2024-01-08.md" in str(report.errors[0])
    e = store.editions.get_edition(EditionKey(0, DAY))
    assert e is not None
    assert e.source == "2024-01-08.md"


def test_two_new_files_for_one_date_in_a_first_scan(store: Store, folder: Path) -> None:
    """A first scan that meets two files of one date (of one series) keeps one and reports the
    other, saying how to make them two series."""
    sub = folder / "archive"  # a folder that files digests away, not a series
    sub.mkdir()
    (sub / "2024-01-08.md").write_text(digest("2024-01-08", "别的内容"), "utf-8")
    report = scan_folder(store, folder)
    assert days(report.new) == [DAY]
    assert len(report.errors) == 1
    e = store.editions.get_edition(EditionKey(0, DAY))
    assert e is not None
    assert f"already the edition of {e.source}" in str(report.errors[0])
    assert days(scan_folder(store, folder).new) == []


def test_renamed_file_keeps_item_ids(store: Store, folder: Path) -> None:
    """Renaming a digest file keeps its edition and item ids."""
    scan_folder(store, folder)
    ids = store.editions.item_ids(EditionKey(0, DAY))
    (folder / SEED.name).rename(folder / "renamed.md")
    report = scan_folder(store, folder)
    assert days(report.removed) == []
    assert store.editions.edition_source(EditionKey(0, DAY)) == "renamed.md"
    assert store.editions.item_ids(EditionKey(0, DAY)) == ids


def test_corrected_date_moves_the_edition(store: Store, folder: Path) -> None:
    """When the publisher fixes a file's date, the edition moves to the new date."""
    path = folder / "x.md"
    path.write_text(digest("2024-02-01", "储能"), "utf-8")
    scan_folder(store, folder)
    path.write_text(digest("2024-02-02", "储能"), "utf-8")
    bump_mtime(path)
    report = scan_folder(store, folder)
    assert days(report.new) == [dt.date(2024, 2, 2)]
    assert days(report.removed) == [dt.date(2024, 2, 1)]
    assert store.editions.get_edition(EditionKey(0, dt.date(2024, 2, 1))) is None


def test_subfolders_scanned_hidden_ignored(store: Store, folder: Path) -> None:
    """Digests in sub-folders load; hidden folders such as .obsidian are skipped."""
    (folder / "2024" / "01").mkdir(parents=True)
    (folder / "2024" / "01" / "a.md").write_text(digest("2024-01-10", "光伏"), "utf-8")
    (folder / ".obsidian").mkdir()
    (folder / ".obsidian" / "b.md").write_text(digest("2024-01-11", "光伏"), "utf-8")
    (folder / "notes.txt").write_text("not a digest", "utf-8")
    report = scan_folder(store, folder)
    assert sorted(days(report.new)) == [DAY, dt.date(2024, 1, 10)]


def test_missing_folder_is_reported(store: Store, tmp_path: Path) -> None:
    """Scanning a folder that does not exist reports it instead of raising."""
    report = scan_folder(store, tmp_path / "nope")
    assert not report.ok
    assert "not found" in str(report.errors[0])


def unreadable(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    """Make ``path`` (a folder or file) unreadable: chmod 000, and for root (who reads it
    anyway) the refusal a normal user would get from scandir and open."""
    path.chmod(0)
    if os.geteuid() != 0:
        return
    real_scandir, real_open = os.scandir, Path.open

    def scandir(p: str | os.PathLike[str] = ".") -> object:
        if Path(p) == path:
            raise PermissionError(13, "Permission denied", str(p))
        return real_scandir(p)

    def open_(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(Path, "open", open_)


def test_symlink_loops_are_reported_and_the_rest_loads(store: Store, folder: Path) -> None:
    """A self-referencing symlink is one error, a folder linked back up is not walked again."""
    (folder / "loop.md").symlink_to(folder / "loop.md")
    (folder / "sub").mkdir()
    (folder / "sub" / "up").symlink_to(folder)
    (folder / "sub" / "2024-01-10.md").write_text(digest("2024-01-10", "光伏"), "utf-8")
    report = scan_folder(store, folder)
    assert sorted(days(report.new)) == [DAY, dt.date(2024, 1, 10)]
    assert [str(e) for e in report.errors] == [
        f"{folder / 'loop.md'}: cannot read: a symlink loop"
    ]


def test_an_unreadable_folder_keeps_its_editions_and_the_rest_loads(
    store: Store, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sub-folder that becomes unreadable is one error; its editions stay, others load."""
    archive = folder / "archive"
    archive.mkdir()
    (archive / "2024-01-05.md").write_text(digest("2024-01-05", "储能"), "utf-8")
    assert scan_folder(store, folder).ok
    (folder / "2024-01-10.md").write_text(digest("2024-01-10", "光伏"), "utf-8")
    unreadable(monkeypatch, archive)
    try:
        report = scan_folder(store, folder)
    finally:
        archive.chmod(0o755)
    assert days(report.new) == [dt.date(2024, 1, 10)]
    assert days(report.removed) == []
    assert [str(e) for e in report.errors] == [f"{archive}: cannot read folder: Permission denied"]
    assert store.editions.get_edition(EditionKey(0, dt.date(2024, 1, 5))) is not None


def test_an_unreadable_file_is_one_error(
    store: Store, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A digest the bot may not read is reported; the others load."""
    locked = folder / "2024-01-10.md"
    locked.write_text(digest("2024-01-10", "光伏"), "utf-8")
    unreadable(monkeypatch, locked)
    try:
        report = scan_folder(store, folder)
    finally:
        locked.chmod(0o644)
    assert days(report.new) == [DAY]
    assert [str(e) for e in report.errors] == [f"{locked}: cannot read: Permission denied"]


def test_a_file_vanishing_mid_scan_is_one_error(
    store: Store, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file deleted between listing and reading is reported; the rest loads."""
    gone = folder / "2024-01-10.md"
    gone.write_text(digest("2024-01-10", "光伏"), "utf-8")
    real_open = Path.open

    def open_(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self == gone:
            self.unlink()
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", open_)
    report = scan_folder(store, folder)
    assert days(report.new) == [DAY]
    assert [str(e) for e in report.errors] == [f"{gone}: cannot read: it vanished during the scan"]


def test_symlinks_out_of_the_folder_are_skipped(
    store: Store, folder: Path, tmp_path: Path
) -> None:
    """A symlink to a file outside the digests folder is never published; links inside are."""
    private = tmp_path / "private"
    private.mkdir()
    (private / "2024-01-10.md").write_text(digest("2024-01-10", "机密"), "utf-8")
    (folder / "2024-01-10.md").symlink_to(private / "2024-01-10.md")
    (folder / "outside").symlink_to(private)
    (folder / "again.md").symlink_to(folder / SEED.name)
    (folder / "dangling.md").symlink_to(folder / "nothing.md")
    report = scan_folder(store, folder)
    assert days(report.new) == [DAY]
    assert store.editions.get_edition(EditionKey(0, dt.date(2024, 1, 10))) is None
    errors = sorted(str(e) for e in report.errors)
    assert errors[0].startswith(f"{folder / '2024-01-10.md'}: skipped: a symlink to ")
    assert errors[0].endswith("outside the digests folder")
    assert errors[1].startswith(
        f"{folder / 'again.md'}: date 2024-01-08 is already the edition of {SEED.name}: "
    )
    assert errors[2] == f"{folder / 'dangling.md'}: skipped: a broken symlink"
    assert errors[3].startswith(f"{folder / 'outside'}: skipped: a symlink to ")


def test_check_and_ingest_agree_on_symlinks_out_of_the_folder(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`check DIR` does not show what ingest refuses: a file behind a symlink out of the
    folder is the same error there, and the exit status says so."""
    private = tmp_path / "private"
    private.mkdir()
    (private / "2024-01-10.md").write_text(digest("2024-01-10", "机密"), "utf-8")
    (folder / "2024-01-10.md").symlink_to(private / "2024-01-10.md")
    assert main(["check", str(folder)]) == 1
    shown = capsys.readouterr().out
    assert "机密" not in shown
    assert f"error: {folder / '2024-01-10.md'}: skipped: a symlink to " in shown


def test_a_name_that_is_not_utf8_is_one_error_and_the_rest_loads(
    store: Store, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file named in Latin-1 bytes: an error naming it (bytes as \\xNN) and the fix;
    the other files load, and `ingest` and `check` end in lines, not a traceback."""
    bad = os.fsencode(folder) + b"/r\xe9sum\xe9-2024-01-11.md"
    with open(bad, "wb") as fh:  # noqa: PTH123 - a bytes path
        fh.write(digest("2024-01-11", "乱码文件名").encode())
    report = scan_folder(store, folder)
    assert days(report.new) == [DAY]
    [error] = [str(e) for e in report.errors]
    name = "r\\xe9sum\\xe9-2024-01-11.md"
    assert error == f"{folder}/{name}: skipped: its name is not valid UTF-8: rename it"
    assert scan_folder(store, folder).errors == report.errors  # and again on the next scan
    assert main(["check", str(folder)]) == 1
    assert "not valid UTF-8" in capsys.readouterr().out


def children(pid: int) -> list[int]:
    """The child processes of ``pid`` (Linux: /proc/<pid>/task/*/children)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


async def test_ingest_workers_end_with_a_killed_ingest(tmp_path: Path) -> None:
    """kill -9 of `digestbot ingest` mid-way: its parser processes end with it."""
    if not hasattr(os, "pidfd_open"):
        pytest.skip("needs pidfd_open (Linux)")
    folder = tmp_path / "digests"
    folder.mkdir()
    body = "\n".join(
        f"{n}. 储能电站第 {n} 期并网，容量 {n}00MW。 https://e.org/{n}" for n in range(150)
    )
    day = dt.date(2020, 1, 1)
    for n in range(450):
        (folder / f"{day + dt.timedelta(days=n)}.md").write_text(f"# 日报\n{body}\n", "utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGESTBOT_")}
    env["DIGESTBOT_DATA"] = str(tmp_path / "data")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "ingest", str(folder), cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert proc.stderr is not None
        await asyncio.wait_for(proc.stderr.readuntil(b"file/s"), timeout=60)  # progress: parsing
        workers = children(proc.pid)
        assert workers
        pidfds = [os.pidfd_open(pid) for pid in workers]
    finally:
        proc.kill()
        await proc.wait()
    try:
        ends = [asyncio.get_running_loop().run_in_executor(None, select.select, [fd], [], [], 10)
                for fd in pidfds]  # fmt: skip
        for ready, _, _ in await asyncio.gather(*ends):
            assert ready, "a worker outlived the ingest by 10 s"
    finally:
        for fd in pidfds:
            os.close(fd)


def test_an_undated_digest_is_dated_the_day_it_is_first_seen(store: Store, folder: Path) -> None:
    """A digest with no date anywhere (nor an issue number) loads as the edition of the day the
    scan first sees it, with a warning; edited later, it keeps that day."""
    (folder / "rust-weekly.md").write_text("# Rust 周刊\n\n1. [Tokio](https://tokio.rs) 发布\n")
    report = scan_folder(store, folder, today=dt.date(2024, 9, 2))
    assert sorted(days(report.new)) == [DAY, dt.date(2024, 9, 2)]
    assert report.ok
    assert report.warnings == [
        f"{folder / 'rust-weekly.md'}: no date in the file: dated 2024-09-02, the day the bot "
        "first saw it"
    ]
    (folder / "rust-weekly.md").write_text(
        "# Rust 周刊\n\n1. [Tokio 1.40](https://tokio.rs) 发布\n"
    )
    bump_mtime(folder / "rust-weekly.md")
    report = scan_folder(store, folder, today=dt.date(2024, 9, 9))
    assert days(report.changed) == [dt.date(2024, 9, 2)]


def test_undated_digests_can_be_skipped(store: Store, folder: Path) -> None:
    """With digests.undated = "skip" an undated digest is listed as skipped, not loaded (one
    with an issue number is no undated digest: tests/ingest/test_numbered_issues.py)."""
    (folder / "rust-weekly.md").write_text("# Rust 周刊\n\n1. [Tokio](https://tokio.rs) 发布\n")
    report = scan_folder(store, folder, undated="skip", today=dt.date(2024, 9, 2))
    assert days(report.new) == [DAY]
    assert report.ok
    assert [(e.path, e.reason) for e in report.skipped] == [
        (str(folder / "rust-weekly.md"), 'skipped: no date (digests.undated = "skip")')
    ]


def test_pages_that_are_no_digests_and_empty_days_are_skipped(store: Store, folder: Path) -> None:
    """README.md and _index.md are no digests, a file with no items yet (a day still being
    written) is no edition: all listed as skipped, none an error, an earlier edition kept."""
    (folder / "README.md").write_text("# About\n\n- [site](https://example.org)\n")
    (folder / "_index.md").write_text("---\ntitle: Archive\n---\n")
    scan_folder(store, folder)
    ids = store.editions.item_ids(EditionKey(0, DAY))
    (folder / SEED.name).write_text("---\ntitle: 每日碳新闻 2024-01-08\n---\n", "utf-8")
    bump_mtime(folder / SEED.name)
    report = scan_folder(store, folder)
    assert report.ok
    assert sorted(Path(e.path).name for e in report.skipped) == [
        "2024-01-08.md",
        "README.md",
        "_index.md",
    ]
    assert store.editions.item_ids(EditionKey(0, DAY)) == ids  # the edition before stays
    again = scan_folder(store, folder)  # unchanged files: still listed, still no error
    assert len(again.skipped) == 3
    assert again.ok
