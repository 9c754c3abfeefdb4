"""Writing editions: insert, update in place, move, delete, publish or hold (part of the store).

An edition is keyed by (series, date). Updating one keeps the ids of its unchanged items (a
button or an alert that names an item still finds it); moving one to another series (its file
now says it belongs there) keeps its items and what was sent of it.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Callable

from sqlite_utils import Database

from bot.digest.models import Edition, EditionKey, Item

from .chats import stamp
from .tx import immediate

SORT_DAY = 10_000_000  # an item's sort key: day × 10⁷ + series × 10⁴ + position
SORT_SERIES = 10_000
MAX_POSITION = SORT_SERIES - 1  # items one edition may have (digests.max_items at most)


class Change(enum.Enum):
    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    SCHEDULED = "scheduled"  # dated after today: held back until its day


def sortkey(key: EditionKey, position: int) -> int:
    """An item's place in "newest first" order: its edition's day, series, then position."""
    return key.date.toordinal() * SORT_DAY + key.series * SORT_SERIES + position


class EditionStore:
    """Mixed into Store, which provides ``db``, ``now``, the held editions (ScheduleStore)
    and the search index hooks (SearchStore)."""

    db: Database
    now: Callable[[], dt.datetime]

    # provided by the other parts (annotations only: the real methods are found in the MRO)
    index_new_items: Callable[..., None]
    hold: Callable[..., bool]
    unhold: Callable[[EditionKey], bool]
    due_held: Callable[[dt.date], list[Edition]]

    def put_edition(self, edition: Edition) -> Change:
        """Insert or update an edition in place; unchanged items keep their ids.

        The hot path of an ingest: plain parameterised statements, no introspection.
        """
        key = edition.key
        where = [key.series, key.date.isoformat()]
        now = stamp(self.now())
        digest = edition.content_hash
        row = self.db.execute(
            "SELECT content_hash, source FROM editions WHERE series_id = ? AND date = ?", where
        ).fetchone()
        if row is not None and tuple(row) == (digest, edition.source):
            return Change.UNCHANGED
        values = [edition.series, edition.title, edition.source, digest, now, *where]
        with immediate(self.db):
            if row is None:
                self.db.execute(
                    "INSERT INTO editions (series, title, source, content_hash, updated_at,"
                    " series_id, date, ingested_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [*values, now],
                )
            else:
                self.db.execute(
                    "UPDATE editions SET series = ?, title = ?, source = ?, content_hash = ?,"
                    " updated_at = ? WHERE series_id = ? AND date = ?",
                    values,
                )
            self._reconcile_items(key, edition.items)
        return Change.NEW if row is None else Change.CHANGED

    def _reconcile_items(self, key: EditionKey, items: tuple[Item, ...]) -> None:
        """Make the edition's items ``items``: unchanged ones keep their ids (maybe moved)."""
        old = self.db.execute(
            "SELECT id, position, content_hash FROM items "
            "WHERE series_id = ? AND edition_date = ?",
            [key.series, key.date.isoformat()],
        ).fetchall()
        by_hash: dict[str, list[tuple[int, int]]] = {}
        for item_id, position, digest in old:
            by_hash.setdefault(digest, []).append((item_id, position))
        kept: dict[int, int] = {}  # old id -> new position
        unmatched: list[Item] = []
        for item in items:
            candidates = by_hash.get(item.content_hash)
            if candidates:
                same = next((c for c in candidates if c[1] == item.position), None)
                chosen = same or candidates[0]
                candidates.remove(chosen)
                kept[chosen[0]] = item.position
            else:
                unmatched.append(item)
        free = {position: item_id for item_id, position, _ in old if item_id not in kept}
        reused = {
            item.position: free.pop(item.position) for item in unmatched if item.position in free
        }
        run = self.db.conn.executemany
        run("DELETE FROM items WHERE id = ?", [(item_id,) for item_id in free.values()])
        was = {item_id: position for item_id, position, _ in old}
        moved = [(p, i) for i, p in kept.items() if was[i] != p]
        # two steps, so no sort key is ever held twice (it is unique, and the index's rowid)
        run("UPDATE items SET sortkey = -sortkey WHERE id = ?", [(i,) for _, i in moved])
        run(
            "UPDATE items SET position = ?, sortkey = ? WHERE id = ?",
            [(p, sortkey(key, p), i) for p, i in moved],
        )
        fresh: list[tuple[object, ...]] = []
        for item in unmatched:
            values = (*_item_row(key, item), sortkey(key, item.position))
            if item.position in reused:
                self.db.execute(
                    "UPDATE items SET series_id = ?, edition_date = ?, position = ?, section = ?,"
                    " title = ?, text = ?, links = ?, content_hash = ?, sortkey = ? WHERE id = ?",
                    [*values, reused[item.position]],
                )
            else:
                fresh.append(values)
        if fresh:
            last = self.db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'items'")
            before = (last.fetchone() or (0,))[0]
            run(
                "INSERT INTO items (series_id, edition_date, position, section, title, text,"
                " links, content_hash, sortkey) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                fresh,
            )
            self.index_new_items(key, after_id=before)

    def delete_edition(self, key: EditionKey) -> bool:
        """Remove the edition of ``key``, published or still held back."""
        where = [key.series, key.date.isoformat()]
        with immediate(self.db):
            self.db.execute("DELETE FROM items WHERE series_id = ? AND edition_date = ?", where)
            cur = self.db.execute("DELETE FROM editions WHERE series_id = ? AND date = ?", where)
            held = self.unhold(key)
        return cur.rowcount > 0 or held

    def move_edition(self, old: EditionKey, new: EditionKey) -> bool:
        """File the published edition ``old`` under ``new`` (same date, another series), with
        its items and the outbox rows that name it; False when there is nothing to move or
        ``new`` is taken."""
        if old.date != new.date or old == new:
            return False
        day = old.date.isoformat()
        with immediate(self.db):
            if self._published(new):
                return False
            cur = self.db.execute(
                "UPDATE editions SET series_id = ? WHERE series_id = ? AND date = ?",
                [new.series, old.series, day],
            )
            if not cur.rowcount:
                return False
            shift = (new.series - old.series) * SORT_SERIES
            where = [old.series, day]
            self.db.execute(
                "UPDATE items SET sortkey = -sortkey WHERE series_id = ? AND edition_date = ?",
                where,
            )
            self.db.execute(
                "UPDATE items SET series_id = ?, sortkey = -sortkey + ? "
                "WHERE series_id = ? AND edition_date = ?",
                [new.series, shift, *where],
            )
            self.db.execute(
                "UPDATE OR IGNORE deliveries SET series_id = ? "
                "WHERE series_id = ? AND edition_date = ?",
                [new.series, old.series, day],
            )
        return True

    def publish(self, edition: Edition, *, today: dt.date) -> Change:
        """Store ``edition``: published, or held back until its day when it is dated after
        ``today`` (an edition already out stays out: its date is not in the future)."""
        key = edition.key
        if edition.date > today and not self._published(key):
            changed = self.hold(edition, now=self.now())
            return Change.SCHEDULED if changed else Change.UNCHANGED
        self.unhold(key)
        return self.put_edition(edition)

    def release(self, today: dt.date) -> list[EditionKey]:
        """Publish the held editions whose day has begun; their keys."""
        out = []
        for edition in self.due_held(today):
            with immediate(self.db):
                self.unhold(edition.key)
                self.put_edition(edition)
            out.append(edition.key)
        return out

    def _published(self, key: EditionKey) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM editions WHERE series_id = ? AND date = ?",
            [key.series, key.date.isoformat()],
        ).fetchone()
        return row is not None


def _item_row(key: EditionKey, item: Item) -> tuple[object, ...]:
    links = json.dumps(list(item.links), ensure_ascii=False)
    return (
        key.series,
        key.date.isoformat(),
        item.position,
        item.section,
        item.title,
        item.text,
        links,
        item.content_hash,
    )
