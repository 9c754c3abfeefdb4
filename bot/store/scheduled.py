"""Editions dated after today (an embargo): held apart until their day begins.

Part of the store. A held edition is in no reader's sight — not /today, /day, search, inline
answers, trends or alerts — because it is not in ``editions`` at all; ``release`` moves the
ones whose day has begun into the store like a newly ingested edition, so they are pushed at
each chat's time and their alerts go out then.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from bot.digest.models import Edition, EditionKey, Item

from .repository import Repository
from .stamps import stamp


@dataclass(frozen=True, slots=True)
class IssueClaim:
    """An edition (published or held) numbered some issue, and the file it came from."""

    key: EditionKey
    source: str


@dataclass(frozen=True, slots=True)
class Held:
    """A scheduled edition as ``editions`` and /stats list it."""

    key: EditionKey
    series: str
    title: str
    source: str
    items: int

    @property
    def date(self) -> dt.date:
        return self.key.date


def _dump(edition: Edition) -> str:
    return json.dumps(
        {**edition.to_json(), "source": edition.source, "warnings": list(edition.warnings)},
        ensure_ascii=False,
    )


def _load(text: str, series_id: int, issue: int) -> Edition:
    doc: dict[str, Any] = json.loads(text)
    items = tuple(
        Item(i["position"], i["text"], tuple(i["links"]), i["section"], i["title"])
        for i in doc["items"]
    )
    return Edition(
        dt.date.fromisoformat(doc["date"]),
        doc["series"],
        items,
        doc["title"],
        doc["source"],
        tuple(doc["warnings"]),
        series_id,
        issue,
    )


class ScheduleStore(Repository):
    """Held editions; a repository of the Store."""

    def hold(self, edition: Edition, *, now: dt.datetime) -> bool:
        """Keep ``edition`` back until its day; True when it is new or changed."""
        where = [edition.series_id, edition.date.isoformat(), edition.issue]
        digest = edition.content_hash
        row = self.db.execute(
            "SELECT content_hash, source FROM scheduled WHERE series_id = ? AND date = ? "
            "AND issue = ?",
            where,
        ).fetchone()
        if row is not None and tuple(row) == (digest, edition.source):
            return False
        self.db.execute(
            "INSERT INTO scheduled (series_id, date, issue, series, title, source, edition, "
            "content_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (series_id, date, issue) DO "
            "UPDATE SET series = excluded.series, title = excluded.title, source = "
            "excluded.source, edition = excluded.edition, content_hash = excluded.content_hash,"
            " updated_at = excluded.updated_at",
            [*where, edition.series, edition.title, edition.source, _dump(edition), digest,
             stamp(now), stamp(now)],
        )  # fmt: skip
        return True

    def held(self) -> list[Held]:
        """The scheduled editions, soonest first."""
        rows = self.db.execute(
            "SELECT series_id, date, series, title, source, "  # noqa: S608 - constants
            f"{self.db.length_of('edition', 'items')}, issue FROM scheduled "
            "ORDER BY date, issue, series_id"
        ).fetchall()
        return [
            Held(EditionKey(int(r[0]), dt.date.fromisoformat(r[1]), int(r[6])), r[2], r[3], r[4],
                 int(r[5]))
            for r in rows
        ]  # fmt: skip

    def held_source(self, key: EditionKey) -> str | None:
        row = self.db.execute(
            "SELECT source FROM scheduled WHERE series_id = ? AND date = ? AND issue = ?",
            [key.series, key.date.isoformat(), key.issue],
        ).fetchone()
        return None if row is None else str(row[0])

    def held_issue(self, series: int, issue: int) -> list[IssueClaim]:
        """The held editions of a series with this issue number, and their sources."""
        rows = self.db.execute(
            "SELECT date, source FROM scheduled WHERE series_id = ? AND issue = ?",
            [series, issue],
        ).fetchall()
        return [
            IssueClaim(EditionKey(series, dt.date.fromisoformat(r[0]), issue), str(r[1]))
            for r in rows
        ]

    def unhold(self, key: EditionKey) -> bool:
        cur = self.db.execute(
            "DELETE FROM scheduled WHERE series_id = ? AND date = ? AND issue = ?",
            [key.series, key.date.isoformat(), key.issue],
        )
        return cur.rowcount > 0

    def due_held(self, today: dt.date) -> list[Edition]:
        """The held editions whose day has begun (``release`` them one by one)."""
        rows = self.db.execute(
            "SELECT edition, series_id, issue FROM scheduled WHERE date <= ? "
            "ORDER BY date, issue, series_id",
            [today.isoformat()],
        ).fetchall()
        return [_load(r[0], int(r[1]), int(r[2])) for r in rows]
