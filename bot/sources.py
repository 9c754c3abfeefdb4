"""Keep the store in step with the digests folder.

A scan finds new, changed and removed files (size + mtime first, then a content hash, so an
unchanged archive costs one ``stat`` per file), parses what changed, and reports per-file
errors. A file that stops parsing keeps the edition it gave before; a file that is removed
takes its edition with it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from .digest import DigestError, parse_bytes
from .models import Edition
from .store import Change, FileState, Store

log = logging.getLogger(__name__)

SUFFIXES = (".md", ".markdown")
BATCH = 200  # files per transaction on a cold ingest


@dataclass(frozen=True, slots=True)
class FileError:
    path: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.reason}"


@dataclass(slots=True)
class ScanReport:
    files: int = 0
    unchanged: int = 0
    new: list[dt.date] = field(default_factory=list)
    changed: list[dt.date] = field(default_factory=list)
    removed: list[dt.date] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def touched(self) -> bool:
        return bool(self.new or self.changed or self.removed)


def _walk(folder: Path) -> Iterator[tuple[str, os.stat_result]]:
    """(relative posix path, stat) of every digest file under folder; hidden entries skipped."""
    stack = [folder]
    while stack:
        current = stack.pop()
        with os.scandir(current) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                elif entry.name.endswith(SUFFIXES) and entry.is_file():
                    rel = Path(entry.path).relative_to(folder).as_posix()
                    yield rel, entry.stat()


def file_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def scan_folder(
    store: Store,
    folder: Path,
    *,
    default_series: str = "",
    progress: Callable[[int, int], None] | None = None,
) -> ScanReport:
    """Bring the store in line with ``folder``; never raises for a bad digest file."""
    report = ScanReport()
    if not folder.is_dir():
        report.errors.append(FileError(str(folder), "digests folder not found"))
        return report
    states = store.file_states()
    present: dict[str, os.stat_result] = dict(_walk(folder))
    report.files = len(present)

    todo: list[tuple[str, os.stat_result, bytes, str]] = []
    for rel, st in sorted(present.items()):
        old = states.get(rel)
        if old and old.size == st.st_size and old.mtime_ns == st.st_mtime_ns:
            report.unchanged += 1
            if old.error:
                report.errors.append(_stored_error(folder, old))
            continue
        try:
            data = (folder / rel).read_bytes()
        except OSError as exc:
            report.errors.append(FileError(str(folder / rel), f"cannot read: {exc.strerror}"))
            continue
        digest = file_hash(data)
        if old and old.hash == digest:
            store.put_file_state(replace(old, size=st.st_size, mtime_ns=st.st_mtime_ns))
            report.unchanged += 1
            if old.error:
                report.errors.append(_stored_error(folder, old))
            continue
        todo.append((rel, st, data, digest))

    for start in range(0, len(todo), BATCH):
        with store.transaction():
            for rel, st, data, digest in todo[start : start + BATCH]:
                state = FileState(rel, st.st_size, st.st_mtime_ns, digest)
                _ingest_one(store, folder, state, data, states, present, report, default_series)
        if progress:
            progress(min(start + BATCH, len(todo)), len(todo))

    gone = [rel for rel in states if rel not in present]
    if gone:
        with store.transaction():
            for rel in gone:
                old = states[rel]
                if old.edition_date and store.edition_source(old.edition_date) == rel:
                    store.delete_edition(old.edition_date)
                    report.removed.append(old.edition_date)
                    log.info("edition %s removed with its file %s", old.edition_date, rel)
                store.delete_file_state(rel)
    return report


def _stored_error(folder: Path, state: FileState) -> FileError:
    return FileError(str(folder / state.path), state.error or "", state.error_line)


def _ingest_one(
    store: Store,
    folder: Path,
    state: FileState,
    data: bytes,
    states: dict[str, FileState],
    present: dict[str, os.stat_result],
    report: ScanReport,
    default_series: str,
) -> None:
    rel = state.path
    old = states.get(rel)
    kept_date = old.edition_date if old else None
    shown = str(folder / rel)
    try:
        edition = parse_bytes(data, source=shown, default_series=default_series)
    except DigestError as exc:
        report.errors.append(FileError(shown, exc.reason, exc.line))
        store.put_file_state(
            replace(state, edition_date=kept_date, error=exc.reason, error_line=exc.line)
        )
        log.warning("%s", exc)
        return
    owner = store.edition_source(edition.date)
    if (
        owner not in (None, rel)
        and owner in present
        and states[owner].edition_date == edition.date
    ):
        reason = f"date {edition.date} is already the edition of {owner}"
        report.errors.append(FileError(shown, reason))
        store.put_file_state(replace(state, edition_date=kept_date, error=reason))
        return
    if kept_date and kept_date != edition.date and store.edition_source(kept_date) == rel:
        store.delete_edition(kept_date)  # the publisher corrected the file's date
        report.removed.append(kept_date)
    change = store.put_edition(_with_source(edition, rel))
    if change is Change.NEW:
        report.new.append(edition.date)
    elif change is Change.CHANGED:
        report.changed.append(edition.date)
    else:
        report.unchanged += 1
    store.put_file_state(replace(state, edition_date=edition.date))


def _with_source(edition: Edition, source: str) -> Edition:
    return replace(edition, source=source)
