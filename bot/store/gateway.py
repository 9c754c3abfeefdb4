"""The store off the event loop: one writer thread, a few reader threads, awaited from the loop.

Part of the store. The running bot never calls SQLite on its event loop: a locked, slow or
failing database may slow the job that waits for it, never ``/help`` or ``/healthz``.

- ``await db.write(fn)`` runs ``fn(store)`` in the one writer thread, on the bot's own
  connection (migrations ran there at ``open``). Writes are serial, in the order they were
  awaited; ``fn`` groups what must be atomic in ``store.transaction()``.
- ``await db.read(fn)`` runs ``fn(store)`` in a reader thread, each with a read-only
  connection of its own (WAL: readers never wait for the writer, nor it for them), so a read
  is not queued behind a write that waits for another process's lock. An in-memory database
  (tests) has no second connection: its reads go to the writer thread.
- ``db.read_blocking(fn)`` is ``read`` for code already off the loop (a metrics scrape).

``stalled()`` says how long the write in progress has been running (a write that waits for a
lock held by another process shows here before SQLite gives up); ``/healthz`` reports it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from .database import Store, utcnow
from .faults import DatabaseError
from .index import TopicSpec

log = logging.getLogger(__name__)

T = TypeVar("T")
READERS = 2


class Db:
    """The bot's database as the event loop uses it (see the module doc)."""

    def __init__(self, store: Store, writer: ThreadPoolExecutor, *, readers: int) -> None:
        self.store = store  # the writer's: use it only inside ``write`` (or before the loop)
        self.path = store.path
        self._writer = writer
        self._memory = str(store.path) == ":memory:"
        self._readers = (
            writer
            if self._memory
            else ThreadPoolExecutor(readers, thread_name_prefix="digestbot-db-read")
        )
        self._local = threading.local()
        self._opened: list[Store] = []
        self._opened_lock = threading.Lock()
        self._busy_since: float | None = None
        self._closed = False

    @classmethod
    async def open(
        cls,
        path: Path | str,
        *,
        now: Callable[[], dt.datetime] = utcnow,
        topics: TopicSpec | None = None,
        readers: int = READERS,
    ) -> Db:
        """Open the database in the writer thread (migrations run there)."""
        writer = ThreadPoolExecutor(1, thread_name_prefix="digestbot-db-write")
        loop = asyncio.get_running_loop()
        try:
            store = await loop.run_in_executor(writer, lambda: Store(path, now=now, topics=topics))
        except BaseException:
            writer.shutdown(wait=False)
            raise
        return cls(store, writer, readers=readers)

    @classmethod
    def wrap(cls, store: Store, *, readers: int = READERS) -> Db:
        """A gateway around a store opened already (its connection moves to the writer)."""
        writer = ThreadPoolExecutor(1, thread_name_prefix="digestbot-db-write")
        return cls(store, writer, readers=readers)

    # -- running work ---------------------------------------------------------------------

    async def write(self, fn: Callable[[Store], T]) -> T:
        """``fn(store)`` in the writer thread (serial with every other write)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._writer, self._timed, fn)

    async def read(self, fn: Callable[[Store], T]) -> T:
        """``fn(store)`` on a read-only connection in a reader thread."""
        if self._memory:
            return await self.write(fn)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._readers, self._on_reader, fn)

    def read_blocking(self, fn: Callable[[Store], T], *, timeout: float | None = None) -> T:
        """``read`` from a thread that is not the event loop's; TimeoutError after ``timeout``."""
        pool = self._writer if self._memory else self._readers
        job = self._timed if self._memory else self._on_reader
        future: Future[T] = pool.submit(job, fn)
        return future.result(timeout)

    def stalled(self) -> float:
        """Seconds the write in progress has been running (0.0 when none is)."""
        since = self._busy_since
        return 0.0 if since is None else max(time.monotonic() - since, 0.0)

    def _timed(self, fn: Callable[[Store], T]) -> T:
        self._busy_since = time.monotonic()
        try:
            return fn(self.store)
        finally:
            self._busy_since = None

    def _on_reader(self, fn: Callable[[Store], T]) -> T:
        store: Store | None = getattr(self._local, "store", None)
        if store is None:
            store = Store.reader(self.store.target, now=self.store.now)
            self._local.store = store
            with self._opened_lock:
                self._opened.append(store)
        return fn(store)

    # -- closing --------------------------------------------------------------------------

    async def close(self, *, store: bool = True) -> None:
        """Finish the work queued, then close every connection (``store=False``: all but the
        store given to ``wrap``, which its owner closes)."""
        if self._closed:
            return
        self._closed = True
        loop = asyncio.get_running_loop()
        if self._readers is not self._writer:
            await loop.run_in_executor(None, self._readers.shutdown)
            with self._opened_lock:
                for reader in self._opened:
                    _quietly_close(reader)
                self._opened.clear()
        if store:
            await loop.run_in_executor(self._writer, _quietly_close, self.store)
        await loop.run_in_executor(None, self._writer.shutdown)


def _quietly_close(store: Store) -> None:
    try:
        store.close()
    except DatabaseError:  # closing a connection to a failing database: nothing to keep
        log.debug("closing the database failed", exc_info=True)
