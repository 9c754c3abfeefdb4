"""Which stories a chat was told by alert, and items' stored story fingerprints (part of the
store).

An item's fingerprint (``bot.search.stories``: its article URLs, its text's MinHash, its
figures) is kept in ``items.story`` as the text ``stories.stored`` makes of it; the store never
reads it. It is made the first time something needs it (an alert planned for the item) and
kept: the archive's older items are never fingerprinted in bulk, and an item whose text
changes in place loses it (``editions``). The window of "already alerted" is read from the
outbox itself (alert rows record their items), so it survives a restart.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from .engines import Sql
from .repository import Repository
from .stamps import stamp


def story_column(db: Sql) -> None:
    """Migration 0028_item_stories (both engines): an item's story fingerprint (None
    until something needs it; existing items get theirs when they do)."""
    db.execute("ALTER TABLE items ADD COLUMN story TEXT")


class ToldItem(NamedTuple):
    """An item as its fingerprint is made of it, and the one kept (None: not made yet)."""

    id: int
    title: str
    text: str
    links: tuple[str, ...]
    story: str | None


class ToldStore(Repository):
    """A repository of the Store."""

    def alerted_items(self, chat_ids: Sequence[int], *, since: dt.datetime) -> dict[int, set[int]]:
        """The item ids each of these chats got (or will get) by alert since ``since``:
        its alert rows planned since then that were not skipped."""
        found: dict[int, set[int]] = {}
        rows = self.rows_for(
            "SELECT chat_id, items FROM deliveries WHERE chat_id IN ({marks}) "
            "AND kind = 'alert' AND status <> 'skipped' AND created_at >= ?",
            list(chat_ids),
            stamp(since),
        )
        for chat_id, items in rows:
            found.setdefault(int(chat_id), set()).update(int(i) for i in json.loads(items))
        return found

    def told_items(self, ids: Sequence[int]) -> list[ToldItem]:
        """These items (those that still exist) with their kept fingerprints."""
        rows = self.rows_for(
            "SELECT id, title, text, links, story FROM items WHERE id IN ({marks})", list(ids)
        )
        return [ToldItem(int(r[0]), r[1], r[2], tuple(json.loads(r[3])), r[4]) for r in rows]

    def keep_stories(self, stories: Mapping[int, str]) -> None:
        """Keep these items' fingerprints (by item id)."""
        self.db.executemany(
            "UPDATE items SET story = ? WHERE id = ?", [(s, i) for i, s in stories.items()]
        )
