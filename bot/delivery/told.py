"""One story, one alert: an alert does not tell a chat a story it was alerted about within
``alerts.dedup_days`` (by any of its alerts, from any series or edition).

"The same story" is ``bot.search.stories.same_story``: a shared article URL once tracking
parameters, ``www.``/``m.`` and AMP are dropped, or a near-duplicate text. What a chat was
alerted about is read from the outbox (an alert row records its items), so a restart inside
the window changes nothing. Fingerprints are made once per item, when an alert first needs
them, and kept in the store (``store.told``): the window's items are a chat's alerts of a few
days, a handful to a few hundred, filed in a ``StoryIndex`` per chat; the archive's other
items are never fingerprinted for this.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping

from bot.digest.models import Item, rest_of
from bot.search.stories import Fingerprint, StoryIndex, fingerprint, from_stored, of_item, stored
from bot.store.database import Store

log = logging.getLogger(__name__)


def untold(
    store: Store,
    wanted: Mapping[int, tuple[int, ...]],
    items: Mapping[int, Item],
    *,
    days: int,
    now: dt.datetime,
) -> dict[int, tuple[int, ...]]:
    """``wanted`` (chat id → the item ids an alert would bring it, of ``items`` by id)
    without the items that tell a story the chat was alerted about since ``days`` days
    before ``now``, nor a second item of one story among them. Chats left with nothing are
    left out. ``days`` 0: ``wanted`` as it is."""
    if days <= 0 or not wanted:
        return dict(wanted)
    new = {i: of_item(items[i]) for i in {i for ids in wanted.values() for i in ids}}
    store.told.keep_stories({i: stored(p) for i, p in new.items()})
    told = store.told.alerted_items(list(wanted), since=now - dt.timedelta(days=days))
    earlier = _prints(store, sorted({i for ids in told.values() for i in ids} - set(new)))
    earlier.update(new)
    out: dict[int, tuple[int, ...]] = {}
    for chat_id, ids in wanted.items():
        if len(ids) == 1 and not told.get(chat_id):
            out[chat_id] = ids  # nothing told to compare with (most chats, most days)
            continue
        index: StoryIndex[int] = StoryIndex()
        for i in told.get(chat_id, set()):
            if i in earlier:
                index.add(i, earlier[i])
        kept = []
        for i in ids:
            if i in index or index.duplicates(new[i]):
                continue  # the chat was told this story (or is, by an item before it)
            index.add(i, new[i])
            kept.append(i)
        if len(kept) < len(ids):
            log.info(
                "chat %d: %d alert items left out as stories told", chat_id, len(ids) - len(kept)
            )
        if kept:
            out[chat_id] = tuple(kept)
    return out


def _prints(store: Store, ids: list[int]) -> dict[int, Fingerprint]:
    """These items' fingerprints: kept ones read, missing ones made and kept."""
    found: dict[int, Fingerprint] = {}
    made: dict[int, str] = {}
    for row in store.told.told_items(ids):
        if row.story is not None:
            found[row.id] = from_stored(row.story)
        else:
            found[row.id] = fingerprint(row.title, rest_of(row.title, row.text), row.links)
            made[row.id] = stored(found[row.id])
    if made:
        store.told.keep_stories(made)
    return found
