"""Re-scanning the digests folder: every change is found on the next scan, whether the folder is
watched (inotify) or walked whole each time (the fallback), and a watched folder that did not
change is neither walked nor stat'ed again."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import days

from bot.digest.models import EditionKey
from bot.ingest import watch
from bot.ingest.folder import scan_folder
from bot.store.database import Store

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "digests" / "2024-01-08.md"
DAY = dt.date(2024, 1, 8)
LATER = dt.date(2024, 1, 9)


def digest(day: dt.date, *items: str) -> str:
    body = "\n".join(f"{i}. {t} https://example.org/{day}/{i}" for i, t in enumerate(items, 1))
    return f"---\ntitle: 测试日报 {day}\n---\n\n{body}\n"


@pytest.fixture(params=["watched", "walked"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test twice: with the folder watched, and with no watch to be had (not Linux)."""
    if request.param == "walked":
        monkeypatch.setattr(watch, "open_inotify", lambda: None)
    return str(request.param)


@pytest.fixture
def folder(tmp_path: Path, mode: str) -> Iterator[Path]:
    d = tmp_path / "digests"
    (d / "2024").mkdir(parents=True)
    shutil.copy(SEED, d / "2024" / SEED.name)
    yield d
    watch.watch_of(d).close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "bot.sqlite3")
    yield s
    s.close()


def walks(folder: Path, mode: str, scans: int) -> int:
    """The full walks ``scans`` scans take: the first alone when watched, each when not."""
    return 1 if mode == "watched" else scans


def test_edit_in_place_is_found(store: Store, folder: Path, mode: str) -> None:
    """A file appended to in place (its folder's mtime unchanged) is read again."""
    scan_folder(store, folder)
    path = folder / "2024" / SEED.name
    stamp = (folder / "2024").stat().st_mtime_ns
    with path.open("a", encoding="utf-8") as fh:
        fh.write("11. 新增一条 https://example.org/appended\n")
    assert (folder / "2024").stat().st_mtime_ns == stamp
    report = scan_folder(store, folder)
    assert days(report.changed) == [DAY]
    edition = store.editions.get_edition(EditionKey(0, DAY))
    assert edition is not None
    assert len(edition.items) == 11
    assert watch.watch_of(folder).full_walks == walks(folder, mode, 2)


def test_rewrite_by_rename_is_found(store: Store, folder: Path, mode: str) -> None:
    """An editor's save (a hidden temporary file renamed over the digest) is read again."""
    scan_folder(store, folder)
    temporary = folder / "2024" / ".2024-01-08.md.swp"
    temporary.write_text(digest(DAY, "碳市场", "储能"), "utf-8")
    temporary.replace(folder / "2024" / SEED.name)
    report = scan_folder(store, folder)
    assert days(report.changed) == [DAY]
    edition = store.editions.get_edition(EditionKey(0, DAY))
    assert edition is not None
    assert len(edition.items) == 2
    assert watch.watch_of(folder).full_walks == walks(folder, mode, 2)


def test_added_file_is_found(store: Store, folder: Path, mode: str) -> None:
    """A new digest file is a new edition on the next scan."""
    scan_folder(store, folder)
    (folder / "2024" / "2024-01-09.md").write_text(digest(LATER, "光伏"), "utf-8")
    report = scan_folder(store, folder)
    assert days(report.new) == [LATER]
    assert watch.watch_of(folder).full_walks == walks(folder, mode, 2)


def test_removed_file_is_found(store: Store, folder: Path, mode: str) -> None:
    """A deleted digest file takes its edition with it on the next scan."""
    scan_folder(store, folder)
    (folder / "2024" / SEED.name).unlink()
    report = scan_folder(store, folder)
    assert days(report.removed) == [DAY]
    assert store.editions.get_edition(EditionKey(0, DAY)) is None
    assert watch.watch_of(folder).full_walks == walks(folder, mode, 2)


def test_renamed_file_is_found(store: Store, folder: Path, mode: str) -> None:
    """A renamed digest file keeps its edition, now from the new name."""
    scan_folder(store, folder)
    (folder / "2024" / SEED.name).rename(folder / "2024" / "renamed.md")
    report = scan_folder(store, folder)
    assert days(report.removed) == []
    assert store.editions.edition_source(EditionKey(0, DAY)) == "2024/renamed.md"
    assert watch.watch_of(folder).full_walks == walks(folder, mode, 2)


def test_new_subfolder_is_found_and_watched(store: Store, folder: Path, mode: str) -> None:
    """A digest in a sub-folder made after the first scan is found, and so is its later edit."""
    scan_folder(store, folder)
    (folder / "2025" / "01").mkdir(parents=True)
    path = folder / "2025" / "01" / "2025-01-01.md"
    path.write_text(digest(dt.date(2025, 1, 1), "氢能"), "utf-8")
    assert days(scan_folder(store, folder).new) == [dt.date(2025, 1, 1)]
    with path.open("a", encoding="utf-8") as fh:
        fh.write("2. 又一条 https://example.org/more\n")
    assert days(scan_folder(store, folder).changed) == [dt.date(2025, 1, 1)]
    assert watch.watch_of(folder).full_walks == walks(folder, mode, 3)


def test_renamed_and_removed_subfolders_are_found(store: Store, folder: Path, mode: str) -> None:
    """A sub-folder renamed keeps its editions under the new path; one removed takes them."""
    (folder / "2023").mkdir()
    (folder / "2023" / "2023-12-31.md").write_text(digest(dt.date(2023, 12, 31), "煤炭"), "utf-8")
    scan_folder(store, folder)
    (folder / "2024").rename(folder / "2014")
    shutil.rmtree(folder / "2023")
    report = scan_folder(store, folder)
    assert days(report.removed) == [dt.date(2023, 12, 31)]
    assert store.editions.edition_source(EditionKey(0, DAY)) == f"2014/{SEED.name}"
    # the moved folder is watched under its new name
    with (folder / "2014" / SEED.name).open("a", encoding="utf-8") as fh:
        fh.write("11. 新增一条 https://example.org/appended\n")
    assert days(scan_folder(store, folder).changed) == [DAY]
    assert watch.watch_of(folder).full_walks == walks(folder, mode, 3)


def test_unchanged_watched_folder_is_not_statted(
    store: Store, folder: Path, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A watched folder nothing changed in is re-scanned without a stat or a listing."""
    first = scan_folder(store, folder)
    calls: list[str] = []
    real_stat, real_lstat, real_scandir = os.stat, os.lstat, os.scandir
    monkeypatch.setattr(os, "stat", lambda *a, **k: calls.append("stat") or real_stat(*a, **k))
    monkeypatch.setattr(os, "lstat", lambda *a, **k: calls.append("lstat") or real_lstat(*a, **k))
    monkeypatch.setattr(os, "scandir", lambda *a: calls.append("scandir") or real_scandir(*a))
    report = scan_folder(store, folder)
    monkeypatch.undo()
    assert report.unchanged == first.files == 1
    assert not report.touched
    assert ("scandir" not in calls) == (mode == "watched")


def test_new_database_reads_a_watched_folder_again(tmp_path: Path, folder: Path) -> None:
    """A second store scanning the same watched folder gets every edition (the watch knows
    the folder, not what a store holds)."""
    first = Store(tmp_path / "one.sqlite3")
    second = Store(tmp_path / "two.sqlite3")
    try:
        scan_folder(first, folder)
        assert days(scan_folder(second, folder).new) == [DAY]
    finally:
        first.close()
        second.close()


def test_unchanged_scan_reports_a_files_error_again(store: Store, folder: Path) -> None:
    """A file whose reading failed is reported on every scan while it stays as it is."""
    (folder / "2024" / "zz-copy.md").write_text(digest(DAY, "别的内容"), "utf-8")
    report = scan_folder(store, folder)
    assert "already the edition of 2024/2024-01-08.md" in str(report.errors[0])
    again = scan_folder(store, folder)
    assert again.unchanged == 2
    assert again.errors == report.errors


def test_watched_folder_made_unreadable_is_reported(
    store: Store, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The digests folder's mode changed to unreadable: the next scan says it cannot read it
    (as a walk would), not what the watch saw before."""
    scan_folder(store, folder)
    real_scandir = os.scandir

    def refusing(path: object = ".") -> object:
        if Path(str(path)) == folder:
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)  # type: ignore[call-overload]

    folder.chmod(0)
    monkeypatch.setattr(os, "scandir", refusing)  # root reads it anyway
    try:
        report = scan_folder(store, folder)
    finally:
        folder.chmod(0o755)
    assert [e.reason for e in report.errors] == ["cannot read folder: Permission denied"]
    assert days(report.removed) == []


def test_folder_with_a_symlink_is_walked_whole(store: Store, folder: Path) -> None:
    """A folder holding a symlink (one file may have two names) is walked whole each scan, and
    an edit in place is found."""
    (folder / "notes.txt").write_text("not a digest", "utf-8")
    (folder / "latest.txt").symlink_to(folder / "notes.txt")
    scan_folder(store, folder)
    with (folder / "2024" / SEED.name).open("a", encoding="utf-8") as fh:
        fh.write("11. 新增一条 https://example.org/appended\n")
    assert days(scan_folder(store, folder).changed) == [DAY]
    assert watch.watch_of(folder).full_walks == 2


def test_unchanged_watched_folder_reads_no_file_state(
    store: Store, folder: Path, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once a scan found the store holding what the watched folder holds, the next scan of an
    unchanged folder reads none of the files' states."""
    scan_folder(store, folder)
    scan_folder(store, folder)
    read: list[str] = []
    for name in ("file_states", "file_stamps"):
        real = getattr(store.files, name)
        monkeypatch.setattr(
            store.files, name, lambda real=real, name=name: read.append(name) or real()
        )
    assert scan_folder(store, folder).unchanged == 1
    assert (read == []) == (mode == "watched")


def test_file_state_changed_in_the_store_is_seen(store: Store, folder: Path) -> None:
    """A file's state changed in the store by another hand (another instance, a restored
    backup) while the folder stayed as it was: the next scan reads the file again."""
    scan_folder(store, folder)
    scan_folder(store, folder)
    with store.transaction():
        store.files.delete_file_state(f"2024/{SEED.name}")
    report = scan_folder(store, folder)
    assert report.unchanged == 1
    assert (
        store.files.file_stamps()[f"2024/{SEED.name}"].size
        == (folder / "2024" / SEED.name).stat().st_size
    )


@pytest.mark.parametrize(
    ("mounted", "watched"),
    [
        (["{root} ext4"], True),
        (["/ ext4", "{root} nfs4"], False),
        (["/ ext4", "{root}/remote fuse.sshfs"], False),  # a mount inside the folder
        (["/ ext4", "{root}/second\\040disk ext4"], True),
    ],
)
def test_a_folder_on_a_network_file_system_is_walked_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mounted: list[str], *, watched: bool
) -> None:
    """Another host's writes to a network or FUSE file system raise no event here: such a
    folder (or one with such a mount inside) is not watched, so each scan walks it whole."""
    mounts = tmp_path / "mounts"
    lines = [f"dev {line.format(root=tmp_path)} rw 0 0" for line in mounted]
    mounts.write_text("\n".join(lines), "utf-8")
    monkeypatch.setattr(watch, "MOUNTS", mounts)
    assert watch.local(tmp_path) is watched


def test_a_relative_folder_in_another_directory_is_another_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Scans of "digests" from two working directories each find their own folder's files."""
    for name, day in (("one", DAY), ("two", LATER)):
        (tmp_path / name / "digests").mkdir(parents=True)
        (tmp_path / name / "digests" / f"{day}.md").write_text(digest(day, "绿电"), "utf-8")
    for name, day in (("one", DAY), ("two", LATER)):
        monkeypatch.chdir(tmp_path / name)
        store = Store(tmp_path / name / "bot.sqlite3")
        try:
            assert days(scan_folder(store, Path("digests")).new) == [day]
        finally:
            store.close()
