"""The bot's series and which of them each chat gets: part of the store.

A series is numbered in the order the bot first met it (0 the first) and found again by its
origin (see bot.series). After the migration that brought series, the existing editions are in
series 0 with no origin yet: the scan gives it the origin of the file behind its latest edition
(``bind``). A chat's series are rows of ``chat_series``; a chat without rows gets every series,
so a one-series bot never writes one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from bot.digest.models import MAX_SERIES
from bot.digest.series import Series, display_name, origin_name, slug

from .repository import Repository
from .stamps import stamp
from .tx import immediate


class TooManySeries(ValueError):
    """More series than an item's sort key has room for."""


@dataclass(frozen=True, slots=True)
class UnboundSeries:
    """A series whose origin is still to be learned, and the source of its latest edition."""

    id: int
    latest_source: str | None


class SeriesStore(Repository):
    """A repository of the Store."""

    def series_for(self, origin: str, *, name: str, now: dt.datetime) -> int:
        """The number of the series of ``origin`` (made when it is new, named ``name``: what
        its first digest calls it, until ``settle_names`` decides)."""
        row = self.db.execute("SELECT id FROM series WHERE origin = ?", [origin]).fetchone()
        if row is not None:
            return int(row[0])
        label = display_name(origin, [(name, now.date())])
        number = self.db.execute("SELECT coalesce(max(id) + 1, 0) FROM series").fetchone()[0]
        if number >= MAX_SERIES:
            raise TooManySeries(f"more than {MAX_SERIES} series")
        self.db.execute(
            "INSERT INTO series (id, key, name, origin, created_at) VALUES (?, ?, ?, ?, ?)",
            [number, self._free_key(slug(label) or slug(origin_name(origin)), number), label,
             origin, stamp(now)],
        )  # fmt: skip
        return int(number)

    def number_of(self, origin: str) -> int | None:
        """The number of the series of ``origin``; None when there is none yet."""
        row = self.db.execute("SELECT id FROM series WHERE origin = ?", [origin]).fetchone()
        return None if row is None else int(row[0])

    def settle_names(self, numbers: Iterable[int] | None = None) -> None:
        """Give each series (of ``numbers``; None: every one) the display name its editions
        decide (``display_name``); a series still to learn its origin keeps its name."""
        wanted = None if numbers is None else set(numbers)
        called: dict[int, list[tuple[str, dt.date]]] = {}
        for number, name, day in self.db.execute(
            "SELECT series_id, series, date FROM editions"
        ).fetchall():
            if wanted is None or number in wanted:
                called.setdefault(int(number), []).append((str(name or ""), _day(day)))
        for number, origin, name in self.db.execute(
            "SELECT id, origin, name FROM series WHERE origin IS NOT NULL"
        ).fetchall():
            if wanted is not None and number not in wanted:
                continue
            decided = display_name(str(origin), called.get(int(number), []))
            if decided and decided != name:
                self.db.execute("UPDATE series SET name = ? WHERE id = ?", [decided, number])

    def unbound_series(self) -> UnboundSeries | None:
        """A series whose origin is still to be learned (after the migration); None when every
        series knows its origin."""
        row = self.db.execute("SELECT id FROM series WHERE origin IS NULL LIMIT 1").fetchone()
        if row is None:
            return None
        source = self.db.execute(
            "SELECT source FROM editions WHERE series_id = ? ORDER BY date DESC LIMIT 1", [row[0]]
        ).fetchone()
        return UnboundSeries(
            id=int(row[0]), latest_source=None if source is None else str(source[0])
        )

    def bind(self, number: int, origin: str, *, name: str) -> None:
        """Give series ``number`` its origin (the one its editions' files have)."""
        taken = self.db.execute("SELECT id FROM series WHERE origin = ?", [origin]).fetchone()
        if taken is not None and taken[0] != number:
            return  # already a series of its own: leave both as they are
        label = name or origin_name(origin)
        key = self._free_key(slug(label) or slug(origin_name(origin)), number)
        self.db.execute(
            "UPDATE series SET origin = ?, key = ?, name = CASE WHEN ? = '' THEN name ELSE ? END"
            " WHERE id = ?",
            [origin, key, label, label, number],
        )

    def _free_key(self, wanted: str, number: int) -> str:
        base = wanted or f"s{number}"
        key, n = base, 1
        while self.db.execute(
            "SELECT 1 FROM series WHERE key = ? AND id != ?", [key, number]
        ).fetchone():
            n += 1
            key = f"{base}-{n}"
        return key

    def all_series(self) -> list[Series]:
        """The series readers can see (with a published edition), in the order they came."""
        rows = self.db.execute(
            "SELECT id, key, name FROM series s WHERE EXISTS "
            "(SELECT 1 FROM editions e WHERE e.series_id = s.id) ORDER BY id"
        ).fetchall()
        return [Series(int(r[0]), str(r[1]), str(r[2])) for r in rows]

    def origin_names(self) -> dict[str, set[str]]:
        """The display name of each series known by its origin."""
        rows = self.db.execute("SELECT origin, name FROM series WHERE origin IS NOT NULL")
        return {str(r[0]): {str(r[1])} for r in rows.fetchall() if r[1]}

    def series_names(self) -> dict[int, str]:
        """Display name by series number, for every series (scheduled ones too)."""
        rows = self.db.execute("SELECT id, name, key FROM series").fetchall()
        return {int(r[0]): str(r[1] or r[2]) for r in rows}

    # -- which series a chat gets ---------------------------------------------------------

    def chat_series(self, chat_id: int) -> frozenset[int]:
        """The series the chat chose; empty: every series."""
        rows = self.db.execute(
            "SELECT series_id FROM chat_series WHERE chat_id = ?", [chat_id]
        ).fetchall()
        return frozenset(int(r[0]) for r in rows)

    def chats_series(self, chat_ids: Iterable[int]) -> dict[int, frozenset[int]]:
        """``chat_series`` of many chats (chats that get every series are left out)."""
        out: dict[int, set[int]] = {}
        sql = "SELECT chat_id, series_id FROM chat_series WHERE chat_id IN ({marks})"
        for chat_id, number in self.rows_for(sql, list(chat_ids)):
            out.setdefault(int(chat_id), set()).add(int(number))
        return {c: frozenset(s) for c, s in out.items()}

    def set_chat_series(self, chat_id: int, series: Iterable[int]) -> None:
        """The chat gets these series from now on (empty: every series)."""
        chosen = sorted(set(series))
        at = stamp(self.now())
        with immediate(self.db):
            self.db.execute("DELETE FROM chat_series WHERE chat_id = ?", [chat_id])
            self.db.executemany(
                "INSERT INTO chat_series (chat_id, series_id, created_at) VALUES (?, ?, ?)",
                [(chat_id, n, at) for n in chosen],
            )
            # the planner re-reads a changed chat (its series may give it a planned edition)
            self.db.execute("UPDATE chats SET updated_at = ? WHERE id = ?", [at, chat_id])


def _day(value: object) -> dt.date:
    return dt.date.fromisoformat(str(value)[:10])
