"""Numbered editions: the queries that find an edition by its issue number, the latest of a
series and its neighbours (part of the store; ``EditionStore`` has them).

A series whose newest edition has an issue number goes by number: its latest edition is its
highest issue, ◀ ▶ walk from number to number; any other goes by date. An edition is *quiet*
when it was stored never to be pushed nor alerted on (an older issue of a back catalogue
loaded at once).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from bot.digest.models import EditionKey

from .repository import Repository
from .scheduled import IssueClaim, ScheduleStore

KEY = "series_id = ? AND date = ? AND issue = ?"  # an edition by its key (``key_args``)
ITEMS_OF = "series_id = ? AND edition_date = ? AND issue = ?"  # an edition's items


def key_args(key: EditionKey) -> list[object]:
    return [key.series, key.date.isoformat(), key.issue]


def row_key(series: object, day: object, issue: object) -> EditionKey:
    return EditionKey(int(str(series)), dt.date.fromisoformat(str(day)), int(str(issue)))


@dataclass(frozen=True, slots=True)
class Neighbours:
    """The editions of a series just before and just after one (None: there is none)."""

    before: EditionKey | None
    after: EditionKey | None


class NumberedEditions(Repository):
    """The issue-number queries of ``EditionStore``."""

    scheduled: ScheduleStore

    def issue_owners(self, series: int, issue: int) -> list[IssueClaim]:
        """The editions of ``series`` numbered ``issue`` (published or held), with their
        sources."""
        rows = self.db.execute(
            "SELECT date, source FROM editions WHERE series_id = ? AND issue = ?", [series, issue]
        ).fetchall()
        found = [
            IssueClaim(EditionKey(series, dt.date.fromisoformat(r[0]), issue), str(r[1]))
            for r in rows
        ]
        return found + self.scheduled.held_issue(series, issue)

    def by_issue(self, series: int, issue: int) -> EditionKey | None:
        """The published edition of ``series`` numbered ``issue`` (the newest, if several)."""
        row = self.db.execute(
            "SELECT date FROM editions WHERE series_id = ? AND issue = ? ORDER BY date DESC",
            [series, issue],
        ).fetchone()
        return None if row is None else EditionKey(series, dt.date.fromisoformat(row[0]), issue)

    def nearest_issues(
        self, issue: int, series: Collection[int] = (), *, count: int = 4
    ) -> list[EditionKey]:
        """Up to ``count`` numbered editions (of these series; empty: any) whose numbers are
        closest to ``issue``, in number order."""
        where, args = where_editions(None, series_in=series)
        where = f"{where} AND " if where else ""
        rows = self.db.execute(
            f"SELECT series_id, date, issue FROM editions WHERE {where}issue > 0 "  # noqa: S608 - placeholders
            "ORDER BY abs(issue - ?), issue, date DESC LIMIT ?",
            [*args, issue, count],
        ).fetchall()
        return sorted((row_key(*row) for row in rows), key=lambda k: (k.issue, k.date, k.series))

    def highest_issue(self, series: int) -> int:
        """The highest issue number of the series' published editions (0: none numbered)."""
        row = self.db.execute(
            "SELECT max(issue) FROM editions WHERE series_id = ?", [series]
        ).fetchone()
        return int(row[0] or 0)

    def is_quiet(self, key: EditionKey) -> bool:
        """Whether the edition is stored never to be pushed (a back catalogue's older issue)."""
        row = self.db.execute(f"SELECT quiet FROM editions WHERE {KEY}", key_args(key)).fetchone()  # noqa: S608
        return bool(row and row[0])

    def set_quiet(self, key: EditionKey, quiet: bool) -> None:
        self.db.execute(f"UPDATE editions SET quiet = ? WHERE {KEY}", [int(quiet), *key_args(key)])  # noqa: S608

    def _numbered(self, series: int) -> bool:
        """Whether the series' newest edition has an issue number: then its editions go by
        number (the latest is the highest, ◀ ▶ walk by number)."""
        row = self.db.execute(
            "SELECT issue FROM editions WHERE series_id = ? ORDER BY date DESC, issue DESC "
            "LIMIT 1",
            [series],
        ).fetchone()
        return bool(row and row[0])

    def latest_key(
        self, series: int | None = None, *, on_or_before: dt.date | None = None
    ) -> EditionKey | None:
        """The latest edition of a series (its highest issue when its newest edition is
        numbered, else its newest); of any series: the newest of those."""
        if series is None:
            numbers = [r[0] for r in self.db.execute("SELECT DISTINCT series_id FROM editions")]
            found = [k for n in numbers if (k := self.latest_key(n, on_or_before=on_or_before))]
            return max(found, key=lambda k: (k.date, k.issue, -k.series), default=None)
        where, args = where_editions(series, on_or_before=on_or_before)
        head = f"SELECT series_id, date, issue FROM editions WHERE {where} "  # noqa: S608
        row = self.db.execute(head + "ORDER BY date DESC, issue DESC LIMIT 1", args).fetchone()
        if row is not None and row[2]:
            row = self.db.execute(
                head + "AND issue > 0 ORDER BY issue DESC, date DESC LIMIT 1", args
            ).fetchone()
        return None if row is None else row_key(*row)

    def neighbours(self, key: EditionKey) -> Neighbours:
        """The editions of the same series just before and just after ``key``: by number
        in a numbered series, else by date."""
        head = "SELECT series_id, date, issue FROM editions WHERE series_id = ? AND "
        if key.issue and self._numbered(key.series):
            first, second, args = "issue", "date", [key.issue, key.issue, key.date.isoformat()]
            head += "issue > 0 AND "
        else:
            first, second, args = "date", "issue", [key.date.isoformat()] * 2 + [key.issue]
        found: list[EditionKey | None] = []
        for cmp, order in (("<", "DESC"), (">", "ASC")):
            row = self.db.execute(
                f"{head}({first} {cmp} ? OR ({first} = ? AND {second} {cmp} ?)) "
                f"ORDER BY {first} {order}, {second} {order} LIMIT 1",
                [key.series, *args],
            ).fetchone()
            found.append(None if row is None else row_key(*row))
        before, after = found
        return Neighbours(before=before, after=after)


def where_editions(
    series: int | None, *, series_in: Collection[int] = (), on_or_before: dt.date | None = None
) -> tuple[str | None, list[object]]:
    """A WHERE clause (and its parameters) for editions of a series (or several) and dates."""
    parts: list[str] = []
    args: list[object] = []
    if series is not None:
        parts.append("series_id = ?")
        args.append(series)
    if series_in:
        parts.append(f"series_id IN ({', '.join('?' for _ in series_in)})")
        args.extend(sorted(series_in))
    if on_or_before is not None:
        parts.append("date <= ?")
        args.append(on_or_before.isoformat())
    return (" AND ".join(parts) or None), args
