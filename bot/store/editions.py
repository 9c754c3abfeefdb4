"""Writing editions: insert, update in place, move, delete, publish or hold (part of the store).

An edition is keyed by (series, date, issue), the issue 0 when it has no number. Updating one
keeps the ids of its unchanged items (a button or an alert that names an item still finds it);
moving one to another series or issue (its file now says it belongs there) keeps its items and
what was sent of it. A *quiet* edition (an older issue of a back catalogue loaded at once) is
stored, searchable and readable, but never pushed nor alerted on. The latest edition of a series
is its highest issue when its newest edition is numbered, else its newest.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Collection
from typing import Any

from bot.digest.models import Edition, EditionKey, Item

from .changes import AFTER_UPDATE, Owed
from .edition_rows import ArchiveCounts, Change, EditionInfo, RecentEdition
from .engines import Sql
from .index import SearchStore
from .numbered import ITEMS_OF, KEY, NumberedEditions, key_args, row_key, where_editions
from .scheduled import ScheduleStore
from .sortkeys import SORT_ISSUE, SORT_SERIES, sortkey
from .stamps import stamp
from .tx import immediate

# Tables that file rows under an edition (series_id, edition_date, issue): each with the
# columns that, beside those, make a row unique in it.
FILED_UNDER_EDITION: dict[str, tuple[str, ...]] = {
    "deliveries": ("chat_id", "kind", "week", "broadcast_id"),
    "approvals": (),
}


class EditionStore(NumberedEditions):
    """Editions and their items: reading them, and writing them as the folder scan finds them
    (held ones through ``scheduled``, new items into the search ``index``)."""

    def __init__(
        self,
        db: Sql,
        now: Callable[[], dt.datetime],
        *,
        scheduled: ScheduleStore,
        index: SearchStore,
    ) -> None:
        super().__init__(db, now)
        self.scheduled = scheduled
        self.index = index

    def put_edition(self, edition: Edition, *, quiet: bool = False) -> Change:
        """Insert or update an edition in place; unchanged items keep their ids. ``quiet``: a
        new edition is stored never to be pushed (an update leaves that as it was). Either way
        it is marked owed (``changes``) until the tick plans its alerts and corrections.

        The hot path of an ingest: plain parameterised statements, no introspection.
        """
        key = edition.key
        where = key_args(key)
        now = stamp(self.now())
        digest = edition.content_hash
        sql = f"SELECT content_hash, source FROM editions WHERE {KEY}"  # noqa: S608
        row = self.db.execute(sql, where).fetchone()
        if row is not None and tuple(row) == (digest, edition.source):
            return Change.UNCHANGED
        values = [edition.series, edition.title, edition.source, digest, now, *where]
        with immediate(self.db):
            if row is None:
                self.db.execute(
                    "INSERT INTO editions (series, title, source, content_hash, updated_at,"
                    " series_id, date, issue, ingested_at, quiet, owed)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [*values, now, int(quiet), Owed.NEW],
                )
            else:
                self.db.execute(
                    "UPDATE editions SET series = ?, title = ?, source = ?, content_hash = ?,"  # noqa: S608 - constant
                    f" updated_at = ?, owed = {AFTER_UPDATE} WHERE {KEY}",
                    values,
                )
            self._reconcile_items(key, edition.items)
        return Change.NEW if row is None else Change.CHANGED

    def _reconcile_items(self, key: EditionKey, items: tuple[Item, ...]) -> None:
        """Make the edition's items ``items``: unchanged ones keep their ids (maybe moved)."""
        old = self.db.execute(
            f"SELECT id, position, content_hash FROM items WHERE {ITEMS_OF}",  # noqa: S608
            key_args(key),
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
        run = self.db.executemany
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
                    "UPDATE items SET series_id = ?, edition_date = ?, issue = ?, position = ?,"
                    " section = ?, title = ?, text = ?, links = ?, content_hash = ?, sortkey = ?,"
                    " story = NULL WHERE id = ?",
                    [*values, reused[item.position]],
                )
            else:
                fresh.append(values)
        if fresh:
            # ids only grow (never reused): the new items are those above the highest now
            before = self.db.execute("SELECT coalesce(max(id), 0) FROM items").fetchone()[0]
            run(
                "INSERT INTO items (series_id, edition_date, issue, position, section, title,"
                " text, links, content_hash, sortkey) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                fresh,
            )
            self.index.index_new_items(key, after_id=before)

    def delete_edition(self, key: EditionKey) -> bool:
        """Remove the edition of ``key``, published or still held back."""
        where = key_args(key)
        with immediate(self.db):
            self.db.execute(f"DELETE FROM items WHERE {ITEMS_OF}", where)  # noqa: S608
            cur = self.db.execute(f"DELETE FROM editions WHERE {KEY}", where)  # noqa: S608
            held = self.scheduled.unhold(key)
        return cur.rowcount > 0 or held

    def move_edition(self, old: EditionKey, new: EditionKey) -> bool:
        """File the published edition ``old`` under ``new`` (same date, another series or
        issue number), with its items, the outbox rows and the approval that name it; False
        when there is nothing to move or ``new`` is taken."""
        if old.date != new.date or old == new:
            return False
        day = old.date.isoformat()
        with immediate(self.db):
            if self._published(new):
                return False
            cur = self.db.execute(
                f"UPDATE editions SET series_id = ?, issue = ? WHERE {KEY}",  # noqa: S608
                [new.series, new.issue, *key_args(old)],
            )
            if not cur.rowcount:
                return False
            shift = (new.series - old.series) * SORT_SERIES + (new.issue - old.issue) * SORT_ISSUE
            where = key_args(old)
            self.db.execute(f"UPDATE items SET sortkey = -sortkey WHERE {ITEMS_OF}", where)  # noqa: S608
            self.db.execute(
                "UPDATE items SET series_id = ?, issue = ?, sortkey = -sortkey + ? "  # noqa: S608
                f"WHERE {ITEMS_OF}",
                [new.series, new.issue, shift, *where],
            )
            for table, rest in FILED_UNDER_EDITION.items():
                # a row whose twin is filed under ``new`` already stays where it was
                same = "".join(f" AND n.{c} = {table}.{c}" for c in rest)
                self.db.execute(
                    f"UPDATE {table} SET series_id = ?, issue = ? "  # noqa: S608 - fixed names
                    "WHERE series_id = ? AND edition_date = ? AND issue = ? AND NOT EXISTS"
                    f" (SELECT 1 FROM {table} n WHERE n.series_id = ? AND n.edition_date = ?"
                    f" AND n.issue = ?{same})",
                    [new.series, new.issue, old.series, day, old.issue, new.series, day,
                     new.issue],
                )  # fmt: skip
        return True

    def publish(self, edition: Edition, *, today: dt.date, quiet: bool = False) -> Change:
        """Store ``edition``: published, or held back until its day when it is dated after
        ``today`` (an edition already out stays out: its date is not in the future); a new
        one ``quiet``: never pushed (see ``put_edition``)."""
        key = edition.key
        if edition.date > today and not self._published(key):
            changed = self.scheduled.hold(edition, now=self.now())
            return Change.SCHEDULED if changed else Change.UNCHANGED
        self.scheduled.unhold(key)
        return self.put_edition(edition, quiet=quiet)

    def release(self, today: dt.date) -> list[EditionKey]:
        """Publish the held editions whose day has begun; their keys."""
        out = []
        for edition in self.scheduled.due_held(today):
            with immediate(self.db):
                self.scheduled.unhold(edition.key)
                self.put_edition(edition)
            out.append(edition.key)
        return out

    def _published(self, key: EditionKey) -> bool:
        row = self.db.execute(f"SELECT 1 FROM editions WHERE {KEY}", key_args(key)).fetchone()  # noqa: S608
        return row is not None

    # -- reading editions -----------------------------------------------------------------

    def get_edition(self, key: EditionKey) -> Edition | None:
        row = self.db.row(f"SELECT * FROM editions WHERE {KEY}", key_args(key))  # noqa: S608
        return None if row is None else self._edition(row)

    def latest_edition(
        self, series: int | None = None, *, on_or_before: dt.date | None = None
    ) -> Edition | None:
        """The latest edition (of one series, or of any: see ``latest_key``)."""
        key = self.latest_key(series, on_or_before=on_or_before)
        return None if key is None else self.get_edition(key)

    def editions_on(self, day: dt.date, series: Collection[int] = ()) -> list[Edition]:
        """The editions dated ``day`` (of these series; empty: of every series)."""
        where, args = where_editions(None, series_in=series)
        where = " AND ".join(filter(None, [where, "date = ?"]))
        rows = self.db.query(
            f"SELECT * FROM editions WHERE {where} ORDER BY series_id, issue",  # noqa: S608
            [*args, day.isoformat()],
        )
        return [self._edition(r) for r in rows]

    def nearest_dates(
        self, date: dt.date, series: Collection[int] = (), *, count: int = 4
    ) -> list[EditionKey]:
        """Up to ``count`` editions (of these series; empty: any) closest to ``date``, in date
        order."""
        where, args = where_editions(None, series_in=series)
        where = f"{where} AND " if where else ""
        key = date.isoformat()
        found = []
        head = f"SELECT series_id, date, issue FROM editions WHERE {where}"  # noqa: S608 - placeholders
        for sql in (
            f"{head}date < ? ORDER BY date DESC, issue DESC LIMIT ?",
            f"{head}date > ? ORDER BY date, issue LIMIT ?",
        ):
            found += self.db.execute(sql, [*args, key, count]).fetchall()
        keys = [row_key(*row) for row in found]
        keys.sort(key=lambda k: (abs((k.date - date).days), k.date, k.issue, k.series))
        return sorted(keys[:count], key=lambda k: (k.date, k.issue, k.series))

    def recent_editions(self, since: dt.date) -> list[RecentEdition]:
        """The editions dated ``since`` or later that readers are pushed (quiet ones are
        not)."""
        rows = self.db.execute(
            "SELECT series_id, date, issue, content_hash, ingested_at FROM editions "
            "WHERE date >= ? AND quiet = 0 ORDER BY date, issue, series_id",
            [since.isoformat()],
        ).fetchall()
        return [
            RecentEdition(row_key(s, d, n), str(h), dt.datetime.fromisoformat(i))
            for s, d, n, h, i in rows
        ]

    def edition_hash(self, key: EditionKey) -> str | None:
        row = self.db.execute(
            f"SELECT content_hash FROM editions WHERE {KEY}",  # noqa: S608
            key_args(key),
        ).fetchone()
        return None if row is None else str(row[0])

    def edition_item_ids(self, key: EditionKey) -> dict[int, int]:
        """position → item id, for one edition."""
        rows = self.db.execute(
            f"SELECT position, id FROM items WHERE {ITEMS_OF}",  # noqa: S608
            key_args(key),
        ).fetchall()
        return {int(p): int(i) for p, i in rows}

    def edition_source(self, key: EditionKey) -> str | None:
        """The source of the edition of ``key``, published or held back."""
        row = self.db.execute(f"SELECT source FROM editions WHERE {KEY}", key_args(key)).fetchone()  # noqa: S608
        return str(row[0]) if row is not None else self.scheduled.held_source(key)

    def _edition(self, row: dict[str, Any]) -> Edition:
        items = tuple(
            Item(
                position=r["position"],
                text=r["text"],
                links=tuple(json.loads(r["links"])),
                section=r["section"],
                title=r["title"],
            )
            for r in self.db.query(
                f"SELECT * FROM items WHERE {ITEMS_OF} ORDER BY position",  # noqa: S608
                [row["series_id"], row["date"], row["issue"]],
            )
        )
        return Edition(
            date=dt.date.fromisoformat(row["date"]),
            series=row["series"],
            items=items,
            title=row["title"],
            source=row["source"],
            series_id=row["series_id"],
            issue=row["issue"],
        )

    def list_editions(
        self, *, limit: int | None = None, key: EditionKey | None = None
    ) -> list[EditionInfo]:
        """Editions newest first (by date, then issue), with their item counts; or the one
        of ``key``."""
        where = f"WHERE e.{KEY.replace(' AND ', ' AND e.')}" if key else ""
        sql = (
            "SELECT e.series_id, e.date, e.issue, e.series, e.title, e.source, e.updated_at, "  # noqa: S608 - constants
            "(SELECT count(*) FROM items i WHERE i.series_id = e.series_id AND "
            f"i.edition_date = e.date AND i.issue = e.issue) AS n FROM editions e {where} "
            "ORDER BY e.date DESC, e.issue DESC, e.series_id"
        )
        args: list[object] = key_args(key) if key else []
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        return [
            EditionInfo(
                key=row_key(r["series_id"], r["date"], r["issue"]),
                series=r["series"],
                title=r["title"],
                source=r["source"],
                items=r["n"],
                updated_at=dt.datetime.fromisoformat(r["updated_at"]),
            )
            for r in self.db.query(sql, args)
        ]

    def item_ids(self, key: EditionKey) -> list[int]:
        """Item ids of an edition in position order."""
        return [
            r["id"]
            for r in self.db.query(
                f"SELECT id FROM items WHERE {ITEMS_OF} ORDER BY position",  # noqa: S608
                key_args(key),
            )
        ]

    def counts(self) -> ArchiveCounts:
        """How many editions and items are in the store."""
        editions, items = self.db.execute(
            "SELECT (SELECT count(*) FROM editions), (SELECT count(*) FROM items)"
        ).fetchone()
        return ArchiveCounts(editions=int(editions), items=int(items))


def _item_row(key: EditionKey, item: Item) -> tuple[object, ...]:
    links = json.dumps(list(item.links), ensure_ascii=False)
    return (
        key.series,
        key.date.isoformat(),
        key.issue,
        item.position,
        item.section,
        item.title,
        item.text,
        links,
        item.content_hash,
    )
