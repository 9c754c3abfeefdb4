"""Keep the store in step with the digests folder.

A scan finds new, changed and removed files (size + mtime first, then a content hash; the
folder's stats from its watch, watch.py: an unchanged archive costs no ``stat`` where the
platform has file-system events, one per file where not), parses what changed, and reports per-file
errors. A file that stops parsing keeps the edition it gave before; a file that is removed
takes its edition with it.

In three steps, so that the running bot holds the database's writer only to write: ``survey``
reads (the file states, the folder, the changed files' bytes: a reader's work, survey.py),
``Survey.read`` parses them as series (worker threads and processes: lenses.py, prepare.py),
``apply`` writes what it found, a batch of files per transaction. ``scan_folder`` does the three
in a row (the command line).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.config import DEFAULT_LIMITS, DigestLimits, SeriesRule
from bot.digest import DigestError, Reading
from bot.digest.dating import numbered_names
from bot.digest.models import Edition, EditionKey
from bot.digest.series import origin
from bot.store.changes import Owed
from bot.store.database import Change, Store
from bot.store.files import FileState
from bot.store.scheduled import IssueClaim
from bot.store.series import TooManySeries

from .gitdates import FirstCommits
from .limits import read_digest
from .prepare import Prepared
from .publish import SKIPPED, PublishPolicy, Source, publish
from .survey import ScanReport, Survey, file_hash, survey
from .walk import FileError, usable_folder

__all__ = [
    "FileError",
    "Policy",
    "ScanReport",
    "file_hash",
    "scan_folder",
    "survey",
    "usable_folder",
]

log = logging.getLogger(__name__)


def apply_start(store: Store, found: Survey, *, policy: Policy) -> None:
    """Write what the survey found besides parsed files: unchanged files that were touched,
    files refused unread, the series' origin, the limits read with."""
    with store.transaction():
        if found.reading:
            store.files.record_reading(found.reading)
        _bind_series(store, found.folder, found.listing.files, found.limits)
        for state in found.touched:
            store.files.put_file_state(state)
        for changed, reason in found.refused:
            failed = FileError(str(found.folder / changed.rel), reason)
            _ingest_one(store, found.folder, changed.state(), failed, found.states,
                        found.listing.files, found.report, policy)  # fmt: skip


def apply_batch(
    store: Store, found: Survey, prepared: list[Prepared], *, first: int, policy: Policy
) -> None:
    """Write one batch of parsed files (``found.todo[first:]``) in one transaction."""
    with store.transaction():
        for changed, done in zip(found.todo[first:], prepared, strict=False):
            store.index.prime(done.index)
            state = replace(changed.state(), origin=done.origin, signature=done.signature,
                            link=done.link)  # fmt: skip
            _ingest_one(store, found.folder, state, done.result, found.states,
                        found.listing.files, found.report, policy)  # fmt: skip
        store.index.prime({})


def apply_end(store: Store, found: Survey) -> ScanReport:
    """Remove what is gone from the folder; the scan's report."""
    report = found.report
    new = set(report.new)  # a file of a big scan read again is this scan's new edition still
    report.changed = [k for k in report.changed if k not in new]
    gone = [rel for rel in found.states if not found.listing.covers(rel)]
    with store.transaction():
        # the numbered editions stored since the last plan: this scan's, or an earlier one's
        # whose bot was killed before it got here
        owed = [c.key for c in store.changes.owed() if c.owed is Owed.NEW]
        quiet = set(_back_catalogue(store, owed))
        report.quiet = [k for k in report.new if k in quiet]
        for rel in gone:
            old = found.states[rel]
            if old.edition and store.editions.edition_source(old.edition) == rel:
                store.editions.delete_edition(old.edition)
                report.removed.append(old.edition)
                log.info("edition %s removed with its file %s", old.edition.ref, rel)
            store.files.delete_file_state(rel)
        if found.reread:
            store.files.reread_done()
        if report.new or report.changed or report.removed or report.scheduled or found.reread:
            store.series.settle_names()
    return report


def scan_folder(
    store: Store,
    folder: Path,
    *,
    default_series: str = "",
    limits: DigestLimits = DEFAULT_LIMITS,
    undated: str = "first-seen",
    today: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
    rules: tuple[SeriesRule, ...] = (),
) -> ScanReport:
    """Bring the store in line with ``folder``; never raises for a bad digest file.

    ``today``: the date an undated digest is given when first seen (``undated`` "skip": not
    loaded); files that are not digests, or have no items yet, are skipped, not errors.
    """
    policy = Policy(today or dt.datetime.now(dt.UTC).date(), undated, FirstCommits(folder))
    if not folder.is_dir():
        return missing_folder(folder)
    found = survey(store, folder, default_series=default_series, limits=limits, rules=rules)
    apply_start(store, found, policy=policy)
    done = 0
    if found.todo:  # nothing changed: no series is learnt again (as a tick does)
        for batch in found.read(store.index.indexer):
            apply_batch(store, found, batch, first=done, policy=policy)
            done += len(batch)
            if progress:
                progress(done, len(found.todo))
    return apply_end(store, found)


def missing_folder(folder: Path) -> ScanReport:
    return ScanReport(errors=[FileError(str(folder), "digests folder not found")])


def _bind_series(
    store: Store, folder: Path, present: dict[str, os.stat_result], limits: DigestLimits
) -> None:
    """The series the existing editions were moved into by the migration learns its origin
    from the file behind its latest edition (so that file's series, and every later digest of
    it, stays the one readers have)."""
    pending = store.series.unbound_series()
    if pending is None:
        return
    source = pending.latest_source
    found: str | None = None
    if source is not None and source in present:
        try:
            reading = read_digest((folder / source).read_bytes(), source=source, limits=limits)
            found = origin(dict(reading.meta), source)
        except (OSError, DigestError):
            found = None
    if found is None:  # no file to learn it from: the folder's own digests
        found = origin({}, source or "")
    store.series.bind(pending.id, found, name="")


@dataclass(frozen=True, slots=True)
class Policy:
    """How a scan treats undated digests: dated by the commit that added them when the folder
    is a git work tree (``commits``), else ``today`` (the day the bot first sees them); or
    skipped (``digests.undated = "skip"``), unless they have an issue number."""

    today: dt.date
    undated: str = "first-seen"
    commits: FirstCommits | None = None
    names: dict[int, dict[str, int]] = field(default_factory=dict)  # ``numbered`` per listing

    def numbered(self, present: dict[str, os.stat_result]) -> dict[str, int]:
        """The files of the folder numbered by their names alone (``numbered_names``)."""
        if id(present) not in self.names:
            self.names.clear()
            self.names[id(present)] = numbered_names(present)
        return self.names[id(present)]


def _back_catalogue(store: Store, new: list[EditionKey]) -> list[EditionKey]:
    """Of the numbered editions a scan brought (stored quiet), the newest issue of each series
    is pushed when it is the series' highest; the others stay quiet: a back catalogue loaded
    at once is searchable, never pushed. The ones that stay quiet."""
    newest: dict[int, EditionKey] = {}
    for key in new:
        if key.issue and key.issue >= newest.get(key.series, key).issue:
            newest[key.series] = key
    for key in newest.values():
        if key.issue >= store.editions.highest_issue(key.series):
            store.editions.set_quiet(key, False)
    return [k for k in new if k.issue and store.editions.is_quiet(k)]


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
    if isinstance(parsed, Reading) and parsed.issue is None and rel in policy.numbered(present):
        # iOSWeeklyLearning_10.md among _1 … _100: numbered by its name, as its siblings are
        number = policy.numbered(present)[rel]
        parsed = replace(parsed, issue=number, issue_source="the file name, as its folder's")
    warning, edition = "", None
    if isinstance(parsed, Reading):
        warning, edition = _dated(parsed, shown, rel, kept, policy)
        where = origin(dict(parsed.meta), rel)
        known = store.series.number_of(where)  # None: a new series, no edition taken yet
        if known is not None:
            edition = _claimed(store, parsed, replace(edition, series_id=known), present)
        undated_issue = bool(parsed.issue) and parsed.date is None
        owner = None
        if known is not None:
            owner = _owner(store, edition, rel, present, states, by_number=undated_issue)
        several = owner is not None and bool(store.series.all_series()[1:])
        source = Source(rel, owner, day=edition.date, several=several)
        outcome = publish(parsed, source, PublishPolicy(policy.undated))
        if outcome.withdraws:  # unpublished again: it goes
            if kept and store.editions.edition_source(kept) == rel:
                store.editions.delete_edition(kept)
                report.removed.append(kept)
            kept = None
        if not outcome.published:
            parsed = FileError(shown, outcome.message)
    if isinstance(parsed, FileError) or edition is None:
        assert isinstance(parsed, FileError)  # noqa: S101 - an edition for every reading
        if parsed.reason.startswith(SKIPPED):
            report.skipped.append(parsed)
        else:
            report.errors.append(parsed)
            log.warning("%s", parsed)
        store.files.put_file_state(
            replace(state, edition=kept, error=parsed.reason, error_line=parsed.line)
        )
        return
    try:
        number = store.series.series_for(where, name=edition.series, now=store.now())
    except TooManySeries as exc:
        report.errors.append(FileError(shown, str(exc)))
        store.files.put_file_state(replace(state, edition=kept, error=str(exc)))
        return
    if warning:
        report.warnings.append(warning)
    edition = replace(edition, series_id=number, source=rel)
    key = edition.key
    # the file now names another series: its edition moves; or the publisher corrected its date
    if (
        kept
        and kept != key
        and store.editions.edition_source(kept) == rel
        and not store.editions.move_edition(kept, key)
    ):
        store.editions.delete_edition(kept)
        report.removed.append(kept)
    # a numbered edition comes quiet; the scan's newest of its series is pushed (apply_end)
    change = store.editions.publish(edition, today=policy.today, quiet=bool(key.issue))
    if change is Change.SCHEDULED:
        report.scheduled.append(key)
    elif change is Change.NEW:
        report.new.append(key)
    elif change is Change.CHANGED:
        report.changed.append(key)
    else:
        report.unchanged += 1
    store.files.put_file_state(replace(state, edition=key))


def _dated(
    parsed: Reading, shown: str, rel: str, kept: EditionKey | None, policy: Policy
) -> tuple[str, Edition]:
    """The file's edition, dated: an undated one keeps the date it was given before (its key
    too), else the day of its first commit, else the day the bot first sees it; the warning
    saying so ("" for a dated file, or a numbered issue: known by its number)."""
    if parsed.date is not None:
        return "", parsed.edition()
    committed = policy.commits.get(rel) if policy.commits and not kept else None
    first_seen = kept.date if kept else committed or policy.today
    warning = ""
    if not parsed.issue:
        how = "the day of its first commit" if committed else "the day the bot first saw it"
        warning = f"{shown}: no date in the file: dated {first_seen}, {how}"
    return warning, parsed.edition(first_seen)


def _claimed(
    store: Store, parsed: Reading, edition: Edition, present: dict[str, os.stat_result]
) -> Edition:
    """An undated numbered issue whose file was renamed keeps the date its issue had."""
    if parsed.date is None and parsed.issue:
        claims = store.editions.issue_owners(edition.series_id, parsed.issue)
        gone = next((c.key for c in claims if c.source not in present), None)
        return replace(edition, date=gone.date) if gone else edition
    return edition


def _owner(
    store: Store,
    edition: Edition,
    rel: str,
    present: dict[str, os.stat_result],
    states: dict[str, FileState],
    *,
    by_number: bool,
) -> str | None:
    """The file of the folder that already holds ``edition`` (None: none, or ``rel``);
    ``by_number``: an undated issue, known by its number alone."""
    key = edition.key
    source = store.editions.edition_source(key)
    owners: list[IssueClaim] = [] if source is None else [IssueClaim(key, source)]
    if by_number:
        owners += store.editions.issue_owners(key.series, key.issue)
    for claim in owners:
        owner = claim.source
        if (
            owner != rel
            and owner in present
            # an owner without an earlier state took the date in this very scan
            and (owner not in states or states[owner].edition == claim.key)
        ):
            return owner
    return None
