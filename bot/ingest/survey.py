"""What a scan of the digests folder finds before it writes anything: new, changed, touched and
refused files against the store's file states (``survey``, a reader's work), and how the changed
ones are read (``Survey.read``: as series, lenses.py).

Part of ingest: size and mtime first, then a content hash; a file too large is refused unread.
The folder's files and their stats come from its watch (watch.py): where the platform has
file-system events an unchanged archive costs no ``stat`` at all, else one per file. The store
is read as little: each file's size and mtime (``file_stamps``) while nothing differs, none
when the store's ``token`` and the watch's listing are both as the last scan found them in
agreement, every file's whole state only when something changed.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.config import DEFAULT_LIMITS, DigestLimits, SeriesRule
from bot.digest import MAX_FILE_BYTES
from bot.digest.models import EditionKey
from bot.digest.template import PRINTS
from bot.store.database import Store
from bot.store.files import FileStamp, FileState
from bot.store.indexing import ItemIndexer

from .lenses import Known, read_found
from .prepare import Job, Prepared, in_batches
from .publish import SKIPPED
from .walk import FileError, Listing, TooLarge, read_limited, why
from .watch import Agreement, watch_of


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
    # new numbered editions older than their series' newest issue: searchable, never pushed
    quiet: list[EditionKey] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def touched(self) -> bool:
        return bool(self.new or self.changed or self.removed)


def file_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass(frozen=True, slots=True)
class Changed:
    """A file whose content may differ from what the store holds: to parse."""

    rel: str
    stat: os.stat_result
    data: bytes
    digest: str

    def state(self) -> FileState:
        return FileState(self.rel, self.stat.st_size, self.stat.st_mtime_ns, self.digest)


@dataclass(slots=True)
class Survey:
    """What a scan found before writing anything (``survey``)."""

    folder: Path
    limits: DigestLimits
    default_series: str
    states: dict[str, FileState]
    listing: Listing
    report: ScanReport
    todo: list[Changed] = field(default_factory=list)
    refused: list[tuple[Changed, str]] = field(default_factory=list)  # too large to read
    touched: list[FileState] = field(default_factory=list)  # same bytes, new size or mtime
    reading: str = ""  # the limits' fingerprint, to record when it changed
    reread: bool = False
    rules: tuple[SeriesRule, ...] = ()  # the config's [[series]]
    names: dict[str, set[str]] = field(default_factory=dict)  # each origin's series' name

    def job(self, changed: Changed) -> Job:
        shown = str(self.folder / changed.rel)
        return Job(changed.rel, shown, changed.data, self.default_series, self.limits)

    def read(self, indexer: ItemIndexer) -> Iterator[list[Prepared]]:
        """Parse what changed, as series (lenses.py), ``BATCH`` files a list, each file at
        its place in ``todo``: a file read again (an unchanged one its series now reads
        otherwise, or one a big scan read by a sample's lens) is added to it."""
        present = self.listing.files
        known = {
            rel: Known(state.origin, state.signature, state.link)
            for rel, state in self.states.items()
            if rel in present
        }
        more: dict[str, Changed] = {}

        def load(rel: str) -> Job | None:
            st = present[rel]
            try:
                data = read_limited(self.folder / rel, st.st_size, MAX_FILE_BYTES)
            except (TooLarge, OSError):  # the next scan sees what became of it
                return None
            more[rel] = Changed(rel, st, data, file_hash(data))
            return self.job(more[rel])

        mine = {c.rel: c for c in self.todo}
        jobs = [self.job(c) for c in self.todo]

        def placed() -> Iterator[Prepared]:
            found = read_found(jobs, known, indexer=indexer, rules=self.rules,
                               names=self.names, load=load)  # fmt: skip
            for n, (job, prepared) in enumerate(found):
                if n >= len(jobs):  # read again: its place is after the scan's own files
                    self.todo.append(more[job.rel] if job.rel in more else mine[job.rel])
                yield prepared

        return in_batches(placed())


def survey(
    store: Store,
    folder: Path,
    *,
    default_series: str = "",
    limits: DigestLimits = DEFAULT_LIMITS,
    rules: tuple[SeriesRule, ...] = (),
) -> Survey:
    """Read what changed in ``folder`` against the store (reads only). An unchanged folder
    is told from each file's size and mtime alone (``file_stamps``); the files' whole states
    are read when something changed."""
    reading = (
        f"max_items={limits.max_items} max_parts={limits.max_parts} series={rules!r} "
        f"prints={PRINTS}"
    )
    settled = store.files.reading_is(reading)
    if settled:
        reading = ""
    reread = store.files.reread_wanted()
    watch = watch_of(folder)
    listing = watch.listing()
    report = ScanReport(files=len(listing.files))
    report.errors.extend(listing.errors)
    names = store.series.origin_names()
    if settled and not reread:
        token = store.files.token()  # before the stamps: a change after it is seen next time
        agreed = watch.agreed
        if agreed is None or not listing.version or agreed[:2] != (listing.version, token):
            agreed = _agreement(listing, token, store.files.file_stamps())
            watch.agreed = agreed if listing.version else None
        if agreed is not None:
            report.unchanged = len(listing.files)
            for rel, reason, line in agreed.errors:
                _stored(folder, rel, reason, line, report)
            return Survey(folder, limits, default_series, {}, listing, report, rules=rules,
                          names=names)  # fmt: skip
    states = store.files.file_states()
    if reread or not settled:  # every file once more: read with what is set now
        states = {r: replace(s, size=-1, hash="") for r, s in states.items()}
    found = Survey(folder, limits, default_series, states, listing, report, reading=reading,
                   reread=reread, rules=rules, names=names)  # fmt: skip
    for rel in sorted(listing.files):
        st, old = listing.files[rel], states.get(rel)
        if old and old.size == st.st_size and old.mtime_ns == st.st_mtime_ns:
            report.unchanged += 1
            if old.error:
                _stored(folder, rel, old.error, old.error_line, report)
            continue
        try:
            data = read_limited(folder / rel, st.st_size, MAX_FILE_BYTES)
        except TooLarge as exc:  # refused unread: a huge (or sparse) file costs nothing
            found.refused.append((Changed(rel, st, b"", ""), str(exc)))
            continue
        except OSError as exc:
            listing.blind.append(rel)
            report.errors.append(FileError(str(folder / rel), f"cannot read: {why(exc)}"))
            continue
        digest = file_hash(data)
        if old and old.hash == digest:
            found.touched.append(replace(old, size=st.st_size, mtime_ns=st.st_mtime_ns))
            report.unchanged += 1
            if old.error:
                _stored(folder, rel, old.error, old.error_line, report)
            continue
        found.todo.append(Changed(rel, st, data, digest))
    return found


def _agreement(listing: Listing, token: str, stamps: dict[str, FileStamp]) -> Agreement | None:
    """The store's file states as the folder's listing (each file at its size and mtime),
    with the errors to report again; None when they differ."""
    if len(stamps) != len(listing.files):
        return None
    for rel, st in listing.files.items():
        stamp = stamps.get(rel)
        if stamp is None or stamp.size != st.st_size or stamp.mtime_ns != st.st_mtime_ns:
            return None
    errors = tuple((r, s.error, s.error_line) for r, s in sorted(stamps.items()) if s.error)
    return Agreement(listing.version, token, errors)


def _stored(folder: Path, rel: str, reason: str, line: int | None, report: ScanReport) -> None:
    """Report again what an unchanged file's last reading found wrong (or skipped)."""
    error = FileError(str(folder / rel), reason, line)
    (report.skipped if error.reason.startswith(SKIPPED) else report.errors).append(error)
