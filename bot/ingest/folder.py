"""Keep the store in step with the digests folder.

A scan finds new, changed and removed files (size + mtime first, then a content hash, so an
unchanged archive costs one ``stat`` per file), parses what changed, and reports per-file
errors. A file that stops parsing keeps the edition it gave before; a file that is removed
takes its edition with it.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import logging
import multiprocessing
import multiprocessing.connection
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.config import DEFAULT_LIMITS, DigestLimits, StartupError
from bot.digest import DigestError, Reading, not_a_digest
from bot.digest.models import EditionKey
from bot.digest.series import origin
from bot.store.database import Change, Store
from bot.store.files import FileState
from bot.store.index import ItemIndexer
from bot.store.series import TooManySeries

from .limits import read_digest

log = logging.getLogger(__name__)

SUFFIXES = (".md", ".markdown")
BATCH = 200  # files per transaction on a cold ingest
PARALLEL_MIN = 64  # files to parse before worker processes pay off


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
    new: list[EditionKey] = field(default_factory=list)
    changed: list[EditionKey] = field(default_factory=list)
    removed: list[EditionKey] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    skipped: list[FileError] = field(default_factory=list)  # not digests, no items, undated
    scheduled: list[EditionKey] = field(default_factory=list)  # dated after today: held back
    warnings: list[str] = field(default_factory=list)  # undated files dated when first seen

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def touched(self) -> bool:
        return bool(self.new or self.changed or self.removed)


@dataclass(slots=True)
class _Listing:
    """What a walk of the digests folder found: the files, and where it could not look."""

    files: dict[str, os.stat_result] = field(default_factory=dict)
    errors: list[FileError] = field(default_factory=list)
    blind: list[str] = field(default_factory=list)  # relative paths that could not be read

    def covers(self, rel: str) -> bool:
        """Whether ``rel`` was seen, or lies where the walk could not look (so it may still
        be there: its edition must not be removed for it)."""
        return rel in self.files or any(
            rel == b or rel.startswith(f"{b}/") or not b for b in self.blind
        )


def _walk(folder: Path) -> _Listing:
    """Every digest file under ``folder`` (relative posix path → stat); hidden entries skipped.

    Never raises for one entry: an unreadable sub-folder or file, a symlink loop, a file gone
    mid-walk is a per-file error and the rest is listed; a symlink that resolves outside the
    folder is skipped with an error (its target is not the publisher's to publish). Symlinked
    folders inside the folder are walked once each.
    """
    listing = _Listing()
    root = folder.resolve()
    seen = {root}
    stack = [folder]
    while stack:
        current = stack.pop()
        rel_dir = Path(current).relative_to(folder).as_posix()
        try:
            with os.scandir(current) as it:
                entries = list(it)
        except OSError as exc:
            listing.blind.append("" if rel_dir == "." else rel_dir)
            listing.errors.append(FileError(str(current), f"cannot read folder: {_why(exc)}"))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            rel = Path(entry.path).relative_to(folder).as_posix()
            try:
                if entry.is_symlink():
                    try:
                        target = Path(entry.path).resolve(strict=True)
                    except FileNotFoundError:
                        listing.errors.append(FileError(entry.path, "skipped: a broken symlink"))
                        continue
                    if not target.is_relative_to(root):
                        reason = f"skipped: a symlink to {target}, outside the digests folder"
                        listing.errors.append(FileError(entry.path, reason))
                        log.warning("%s: %s", entry.path, reason)
                        continue
                    if target.is_dir():
                        if target not in seen:
                            seen.add(target)
                            stack.append(Path(entry.path))
                        continue
                elif entry.is_dir(follow_symlinks=False):
                    seen.add(Path(entry.path).resolve())
                    stack.append(Path(entry.path))
                    continue
                if entry.name.endswith(SUFFIXES) and entry.is_file():
                    listing.files[rel] = entry.stat()
            except (OSError, RuntimeError) as exc:  # RuntimeError: pathlib's symlink loop
                listing.blind.append(rel)
                listing.errors.append(FileError(entry.path, f"cannot read: {_why(exc)}"))
    return listing


def _why(exc: BaseException) -> str:
    """A short reason: "Permission denied", "Too many levels of symbolic links", …"""
    if isinstance(exc, FileNotFoundError):
        return "it vanished during the scan"
    if isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == errno.ELOOP:
        return "a symlink loop"
    return (exc.strerror if isinstance(exc, OSError) else None) or str(exc)


def file_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def usable_folder(folder: Path) -> None:
    """Refuse to start on a digests folder that is there but cannot be read (one line, the
    key); a folder not there yet is only reported by each scan."""
    try:
        if folder.exists():
            with os.scandir(folder):
                pass
    except OSError as exc:
        reason = (
            "is not a folder" if exc.errno == errno.ENOTDIR else f"cannot be read ({exc.strerror})"
        )
        raise StartupError(
            f"digests folder {folder} {reason}: fix it, or set digests.dir to another folder"
        ) from None


def scan_folder(
    store: Store,
    folder: Path,
    *,
    default_series: str = "",
    limits: DigestLimits = DEFAULT_LIMITS,
    undated: str = "first-seen",
    today: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ScanReport:
    """Bring the store in line with ``folder``; never raises for a bad digest file.

    ``today``: the date an undated digest is given when first seen (``undated`` "skip": not
    loaded); files that are not digests, or have no items yet, are skipped, not errors.
    """
    policy = Policy(today or dt.datetime.now(dt.UTC).date(), undated)
    report = ScanReport()
    if not folder.is_dir():
        report.errors.append(FileError(str(folder), "digests folder not found"))
        return report
    states = store.files.file_states()
    if store.files.reading_changed(f"max_items={limits.max_items} max_parts={limits.max_parts}"):
        states = {r: replace(s, size=-1, hash="") if s.error else s for r, s in states.items()}
    reread = store.files.reread_wanted()
    if reread:  # every file once more: each edition learns its series from its file
        states = {r: replace(s, size=-1, hash="") for r, s in states.items()}
    listing = _walk(folder)
    _bind_series(store, folder, listing.files, limits)
    present = listing.files
    report.files = len(present)
    report.errors.extend(listing.errors)

    todo: list[tuple[str, os.stat_result, bytes, str]] = []
    for rel, st in sorted(present.items()):
        old = states.get(rel)
        if old and old.size == st.st_size and old.mtime_ns == st.st_mtime_ns:
            report.unchanged += 1
            if old.error:
                _stored(folder, old, report)
            continue
        try:
            data = (folder / rel).read_bytes()
        except OSError as exc:
            listing.blind.append(rel)
            report.errors.append(FileError(str(folder / rel), f"cannot read: {_why(exc)}"))
            continue
        digest = file_hash(data)
        if old and old.hash == digest:
            store.files.put_file_state(replace(old, size=st.st_size, mtime_ns=st.st_mtime_ns))
            report.unchanged += 1
            if old.error:
                _stored(folder, old, report)
            continue
        todo.append((rel, st, data, digest))

    jobs = [(str(folder / rel), data, default_series, limits) for rel, _, data, _ in todo]
    done = 0
    for batch in _prepare(jobs, store.index.indexer):
        with store.transaction():
            for (rel, st, _, digest), (parsed, index) in zip(todo[done:], batch, strict=False):
                store.index.prime(index)
                state = FileState(rel, st.st_size, st.st_mtime_ns, digest)
                _ingest_one(store, folder, state, parsed, states, present, report, policy)
        store.index.prime({})
        done += len(batch)
        if progress:
            progress(done, len(todo))

    gone = [rel for rel in states if not listing.covers(rel)]
    if gone:
        with store.transaction():
            for rel in gone:
                old = states[rel]
                if old.edition and store.editions.edition_source(old.edition) == rel:
                    store.editions.delete_edition(old.edition)
                    report.removed.append(old.edition)
                    log.info("edition %s removed with its file %s", old.edition.ref, rel)
                store.files.delete_file_state(rel)
    if reread:
        store.files.reread_done()
    return report


def _bind_series(
    store: Store, folder: Path, present: dict[str, os.stat_result], limits: DigestLimits
) -> None:
    """The series the existing editions were moved into by the migration learns its origin
    from the file behind its latest edition (so that file's series, and every later digest of
    it, stays the one readers have)."""
    pending = store.series.unbound_series()
    if pending is None:
        return
    number, source = pending
    found: str | None = None
    if source is not None and source in present:
        try:
            reading = read_digest((folder / source).read_bytes(), source=source, limits=limits)
            found = origin(dict(reading.meta), source)
        except (OSError, DigestError):
            found = None
    if found is None:  # no file to learn it from: the folder's own digests
        found = origin({}, source or "")
    store.series.bind(number, found, name="")


def _stored(folder: Path, state: FileState, report: ScanReport) -> None:
    """Report again what an unchanged file's last reading found wrong (or skipped)."""
    error = FileError(str(folder / state.path), state.error or "", state.error_line)
    (report.skipped if error.reason.startswith(SKIPPED) else report.errors).append(error)


Prepared = tuple[Reading | FileError, dict[tuple[str, str], tuple[str, str]]]
SKIPPED = "skipped: "  # a file state error that is no error: the file is not published
_worker_indexer: ItemIndexer | None = None


def _init_worker(indexer: ItemIndexer) -> None:
    global _worker_indexer
    _worker_indexer = indexer
    parent = multiprocessing.parent_process()
    if parent is not None:  # a worker outlives a killed ingest by no more than a moment
        threading.Thread(target=_exit_with, args=(parent.sentinel,), daemon=True).start()


def _exit_with(sentinel: int) -> None:
    """Wait for the parent process to end (kill -9 too), then end this worker at once."""
    multiprocessing.connection.wait([sentinel])
    os._exit(1)


Job = tuple[str, bytes, str, DigestLimits]  # (shown path, content, default series, limits)


def prepare_file(job: Job, indexer: ItemIndexer | None = None) -> Prepared:
    """Parse one digest and compute its items' index values (runs in a worker process)."""
    shown, data, default_series, limits = job
    if (why := not_a_digest(shown)) is not None:
        return FileError(shown, SKIPPED + why), {}
    try:
        reading = read_digest(data, source=shown, default_series=default_series, limits=limits)
    except DigestError as exc:
        return FileError(shown, exc.reason, exc.line), {}
    if reading.draft:
        return FileError(shown, f"{SKIPPED}draft, not published ({reading.draft})"), {}
    if not reading.items:
        why = "file is empty" if not data.strip() else "no items yet (a day being written?)"
        return FileError(shown, SKIPPED + why), {}
    index = indexer or _worker_indexer
    values = {}
    if index is not None:
        values = {(i.title, i.text): index(i.title, i.text) for i in reading.items}
    return reading, values


def _prepare(jobs: list[Job], indexer: ItemIndexer) -> Iterator[list[Prepared]]:
    """Prepared files in order, BATCH at a time; a big ingest uses every core."""
    workers = min(os.cpu_count() or 1, 4)
    if len(jobs) < PARALLEL_MIN or workers < 2:
        for start in range(0, len(jobs), BATCH):
            yield [prepare_file(job, indexer) for job in jobs[start : start + BATCH]]
        return
    context = multiprocessing.get_context("spawn")  # no fork of a process with threads
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker,
                             initargs=(indexer,)) as pool:  # fmt: skip
        results = pool.map(prepare_file, jobs, chunksize=32)
        batch: list[Prepared] = []
        for prepared in results:
            batch.append(prepared)
            if len(batch) == BATCH:
                yield batch
                batch = []
        if batch:
            yield batch


@dataclass(frozen=True, slots=True)
class Policy:
    """How a scan treats undated digests: dated ``today`` (the day the bot first sees them),
    or skipped (``digests.undated = "skip"``)."""

    today: dt.date
    undated: str = "first-seen"


def _ingest_one(
    store: Store,
    folder: Path,
    state: FileState,
    parsed: Reading | FileError,
    states: dict[str, FileState],
    present: dict[str, os.stat_result],
    report: ScanReport,
    policy: Policy,
) -> None:
    rel = state.path
    old = states.get(rel)
    kept = old.edition if old else None
    shown = str(folder / rel)
    if isinstance(parsed, Reading) and parsed.date is None and policy.undated == "skip":
        parsed = FileError(shown, f'{SKIPPED}no date (digests.undated = "skip")')
    if isinstance(parsed, FileError):
        if parsed.reason.startswith(SKIPPED + "draft"):  # unpublished again: it goes
            if kept and store.editions.edition_source(kept) == rel:
                store.editions.delete_edition(kept)
                report.removed.append(kept)
            kept = None
        if parsed.reason.startswith(SKIPPED):
            report.skipped.append(parsed)
        else:
            report.errors.append(parsed)
            log.warning("%s", parsed)
        store.files.put_file_state(
            replace(state, edition=kept, error=parsed.reason, error_line=parsed.line)
        )
        return
    if parsed.date is None:
        first_seen = kept.date if kept else policy.today
        report.warnings.append(
            f"{shown}: no date in the file: dated {first_seen}, the day the bot first saw it"
        )
        edition = parsed.edition(first_seen)
    else:
        edition = parsed.edition()
    try:
        number = store.series.series_for(origin(dict(parsed.meta), rel), name=edition.series,
                                  now=store.now())  # fmt: skip
    except TooManySeries as exc:
        report.errors.append(FileError(shown, str(exc)))
        store.files.put_file_state(replace(state, edition=kept, error=str(exc)))
        return
    edition = replace(edition, series_id=number, source=rel)
    key = edition.key
    owner = store.editions.edition_source(key)
    if (
        owner not in (None, rel)
        and owner in present
        # an owner without an earlier state took the date in this very scan
        and (owner not in states or states[owner].edition == key)
    ):
        reason = f"date {edition.date} is already the edition of {owner}"
        if store.series.all_series()[1:]:
            reason += " in the same series"
        reason += ": give one of them a `series:` in its front matter, or its own folder"
        report.errors.append(FileError(shown, reason))
        store.files.put_file_state(replace(state, edition=kept, error=reason))
        return
    # the file now names another series: its edition moves; or the publisher corrected its date
    if (
        kept
        and kept != key
        and store.editions.edition_source(kept) == rel
        and not store.editions.move_edition(kept, key)
    ):
        store.editions.delete_edition(kept)
        report.removed.append(kept)
    change = store.editions.publish(edition, today=policy.today)
    if change is Change.SCHEDULED:
        report.scheduled.append(key)
    elif change is Change.NEW:
        report.new.append(key)
    elif change is Change.CHANGED:
        report.changed.append(key)
    else:
        report.unchanged += 1
    store.files.put_file_state(replace(state, edition=key))
