"""Parsing what a scan found changed: in this process for a few small files, in worker
processes for a big ingest or a big file.

Part of ingest. A digest of more than ``IN_PROCESS_BYTES`` (a hostile or broken one: a huge
table, half a million items) is parsed in a process of its own that ends with it, so whatever
it costs in memory is given back, and the bot's own process never holds it; a cold ingest of
many files uses every core. Workers end when their parent does (``kill -9`` too).
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import TypeVar

from bot.config import DigestLimits
from bot.digest import DigestError, Reading, not_a_digest
from bot.digest.learning import Profile, Signature
from bot.digest.vault import Vault
from bot.store.indexing import ItemIndexer

from .learn import lens, link_of, origin_of, read_as_series
from .limits import digest_reader
from .publish import SKIPPED
from .walk import FileError

BATCH = 200  # files per transaction on a cold ingest
PARALLEL_MIN = 64  # files to parse before worker processes pay off
IN_PROCESS_BYTES = 256 * 1024  # a bigger digest is parsed in a process of its own

T = TypeVar("T")
IndexValues = dict[tuple[str, str], tuple[str, str]]
_worker_indexer: ItemIndexer | None = None


@dataclass(frozen=True, slots=True)
class Job:
    """A file to parse: its bytes, and how (alone, or with its series' profile)."""

    rel: str  # its path in the digests folder
    shown: str  # its path as messages name it
    data: bytes
    default_series: str
    limits: DigestLimits
    profile: Profile | None = None  # its series' profile (learn.py), with ``alone``
    alone: Signature | None = None  # how it read alone
    vault: Vault | None = None  # the folder's notes, for its wikilinks
    # without ``profile``: the profiles of the series as far as known, by origin; the file is
    # read alone, then (same parse) with its series' lens
    profiles: Mapping[str, Profile] | None = None


@dataclass(frozen=True, slots=True)
class Prepared:
    """A parsed file: its reading (or why it gives no edition; a draft is a reading, refused by
    ``publish``), its items' index values, and what its series learns of it (``origin`` and
    ``signature``: None when it teaches nothing, a draft or a file that is no digest), its link
    as a note of a vault."""

    result: Reading | FileError
    index: IndexValues = field(default_factory=dict)
    origin: str | None = None
    signature: Signature | None = None
    link: str = ""


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


def prepare_file(job: Job, indexer: ItemIndexer | None = None) -> Prepared:
    """Parse one digest and compute its items' index values (runs in a worker process)."""
    link = link_of(job.data)
    if (why := not_a_digest(job.shown)) is not None:
        return Prepared(FileError(job.shown, SKIPPED + why), link=link)
    try:
        read = _reader(job)
        if job.profile is not None and job.alone is not None:
            reading, signature = read_as_series(job.alone, job.profile, read), job.alone
        else:
            reading = read(None)
            signature = reading.signature
            profile = (job.profiles or {}).get(origin_of(reading, job.rel))
            if profile is not None and not reading.draft and lens(signature, profile):
                reading = read_as_series(signature, profile, read)
    except DigestError as exc:
        return Prepared(FileError(job.shown, exc.reason, exc.line), link=link)
    if reading.draft:  # not published (publish.py decides): it teaches its series nothing
        return Prepared(reading, link=link)
    origin = origin_of(reading, job.rel)
    if not reading.items:
        why = reading.other_kind or (
            "file is empty" if not job.data.strip() else "no items yet (a day being written?)"
        )
        return Prepared(FileError(job.shown, SKIPPED + why), {}, origin, signature, link)
    index = indexer or _worker_indexer
    values = {}
    if index is not None:
        values = {(i.title, i.text): index(i.title, i.text) for i in reading.items}
    return Prepared(reading, values, origin, signature, link)


def _reader(job: Job) -> Callable[[Profile | None], Reading]:
    vault = job.vault if job.vault is not None and b"[[" in job.data else None
    return digest_reader(job.data, source=job.shown, default_series=job.default_series,
                         limits=job.limits, vault=vault)  # fmt: skip


def prepare(jobs: list[Job], indexer: ItemIndexer) -> Iterator[list[Prepared]]:
    """Prepared files in order, BATCH at a time."""
    with Preparer(indexer) as run:
        yield from run(jobs)


class Preparer:
    """``prepare`` for every pass of a scan, with one pool of workers (started when a pass
    first has enough files for it, shut down at the end of the ``with``)."""

    def __init__(self, indexer: ItemIndexer) -> None:
        self.indexer = indexer
        self.workers = min(os.cpu_count() or 1, 4)
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Preparer:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def __call__(self, jobs: list[Job]) -> Iterator[list[Prepared]]:
        if len(jobs) >= PARALLEL_MIN and self.workers >= 2:
            if self._pool is None:
                self._pool = _pool(self.workers, self.indexer)
            yield from _in_pool(self._pool, jobs)
            return
        for start in range(0, len(jobs), BATCH):
            yield [_one(job, self.indexer) for job in jobs[start : start + BATCH]]


def _one(job: Job, indexer: ItemIndexer) -> Prepared:
    """A small file here; a big one in a process of its own."""
    if len(job.data) <= IN_PROCESS_BYTES:
        return prepare_file(job, indexer)
    try:
        with _pool(1, indexer) as pool:
            return pool.submit(prepare_file, job).result()
    except BrokenProcessPool:  # the reader died on it (out of memory): the file is refused
        reason = "the reader ran out of memory on this file: split it"
        return Prepared(FileError(job.shown, reason))


def _pool(workers: int, indexer: ItemIndexer) -> ProcessPoolExecutor:
    context = multiprocessing.get_context("spawn")  # no fork of a process with threads
    return ProcessPoolExecutor(
        workers, mp_context=context, initializer=_init_worker, initargs=(indexer,)
    )


def _in_pool(pool: ProcessPoolExecutor, jobs: list[Job]) -> Iterator[list[Prepared]]:
    return in_batches(pool.map(prepare_file, jobs, chunksize=32))


def in_batches(items: Iterable[T], size: int = BATCH) -> Iterator[list[T]]:
    """``items`` ``size`` at a time, as they come."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
