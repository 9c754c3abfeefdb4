"""Remote digest sources: the per-URL state of the polls (part of the store).

The table is in ``schema`` (``sources``). One row per configured URL, as written in the
config: the validators of the last body that loaded, the edition it gave, and whether the
source is failing (since when, and why).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from bot.digest.models import EditionKey

from .repository import Repository, upsert
from .stamps import stamp

_COLUMNS = (
    "url, fetched_url, etag, last_modified, content_hash, edition_date, last_status, error,"
    " error_line, failing_since, checked_at, ok_at, created_at"
)
_UPSERT = upsert("sources", _COLUMNS.split(", "), ("url",))


@dataclass(frozen=True, slots=True)
class SourceState:
    """What the polls of one remote source learned.

    ``fetched_url``, ``etag``, ``last_modified`` and ``content_hash`` describe the last body
    that loaded (so a 304 means "what you have is current"); ``edition`` is its edition.
    ``error`` is set, and ``failing_since`` kept, while the source fails.
    """

    url: str
    fetched_url: str = ""
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    edition: EditionKey | None = None
    last_status: int | None = None  # HTTP status of the last answer; None: no answer
    error: str | None = None
    error_line: int | None = None
    failing_since: dt.datetime | None = None
    checked_at: dt.datetime | None = None
    ok_at: dt.datetime | None = None
    created_at: dt.datetime | None = None

    @property
    def failing(self) -> bool:
        return self.error is not None


class RemoteStore(Repository):
    """Rows of ``sources``."""

    def source_states(self) -> dict[str, SourceState]:
        """Every remote source's state, by configured URL."""
        rows = self.db.execute(f"SELECT {_COLUMNS} FROM sources")  # noqa: S608 - fixed names
        names = [d[0] for d in rows.description]
        states = (_state(dict(zip(names, r, strict=True))) for r in rows.fetchall())
        return {s.url: s for s in states}

    def source_state(self, url: str) -> SourceState | None:
        rows = self.db.execute(
            f"SELECT {_COLUMNS} FROM sources WHERE url = ?",  # noqa: S608 - fixed names
            [url],
        )
        names = [d[0] for d in rows.description]
        row = rows.fetchone()
        return None if row is None else _state(dict(zip(names, row, strict=True)))

    def put_source_state(self, state: SourceState) -> None:
        self.db.execute(
            _UPSERT,
            [
                state.url,
                state.fetched_url,
                state.etag,
                state.last_modified,
                state.content_hash,
                state.edition.ref if state.edition else None,
                state.last_status,
                state.error,
                state.error_line,
                _stamp(state.failing_since),
                _stamp(state.checked_at),
                _stamp(state.ok_at),
                _stamp(state.created_at),
            ],
        )

    def failing_sources(self) -> list[SourceState]:
        """Sources failing now, longest failing first (for health)."""
        return sorted(
            (s for s in self.source_states().values() if s.failing),
            key=lambda s: (s.failing_since or dt.datetime.max.replace(tzinfo=dt.UTC), s.url),
        )

    def forget_sources(self, keep: Collection[str]) -> int:
        """Drop the state of sources no longer configured; how many rows went."""
        gone = [url for url in self.source_states() if url not in keep]
        for url in gone:
            self.db.execute("DELETE FROM sources WHERE url = ?", [url])
        return len(gone)

    def is_digest_file(self, path: str) -> bool:
        """Whether ``path`` is a file of the digests folder (as the last scan saw it)."""
        row = self.db.execute("SELECT 1 FROM files WHERE path = ?", [path]).fetchone()
        return row is not None


def _stamp(value: dt.datetime | None) -> str | None:
    return None if value is None else stamp(value)


def _time(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _state(row: dict[str, Any]) -> SourceState:
    return SourceState(
        url=row["url"],
        fetched_url=row["fetched_url"] or "",
        etag=row["etag"],
        last_modified=row["last_modified"],
        content_hash=row["content_hash"],
        edition=EditionKey.from_ref(row["edition_date"]) if row["edition_date"] else None,
        last_status=row["last_status"],
        error=row["error"],
        error_line=row["error_line"],
        failing_since=_time(row["failing_since"]),
        checked_at=_time(row["checked_at"]),
        ok_at=_time(row["ok_at"]),
        created_at=_time(row["created_at"]),
    )
