"""What the web feeds show: a series' or a topic's latest editions (part of the store).

Only what readers may see: an edition is published when it is in ``editions`` at all (drafts
are never stored, an edition dated after today waits in ``scheduled``: see ``editions`` and
``scheduled``), and one waiting for a bot admin's approval (``push.approve``) is left out as
planning leaves it out (``ApprovalStore.unapproved``) until it is approved. Newest first, by
date then issue. An alert's feed: the items that match it (the alert index's own matching, on
``Item.body`` normalised as alerts see it) in the latest ``ALERT_SCAN`` editions.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

from bot.digest.models import EditionKey, Item
from bot.digest.series import Series
from bot.render.feeds import FeedEdition
from bot.search.matching import AlertIndex
from bot.search.textnorm import normalize

from .approvals import ApprovalStore
from .editions import EditionStore
from .engines import Sql
from .numbered import row_key
from .readers import Alert
from .repository import Repository
from .series import SeriesStore

ALERT_SCAN = 100  # the latest editions an alert's feed looks for matches in
Keep = Callable[[EditionKey, tuple[Item, ...]], tuple[Item, ...]]  # the items a feed shows


def _every(key: EditionKey, items: tuple[Item, ...]) -> tuple[Item, ...]:
    return items


class FeedStore(Repository):
    """A repository of the Store (over the editions, series and approvals repositories)."""

    def __init__(
        self,
        db: Sql,
        now: Callable[[], dt.datetime],
        *,
        editions: EditionStore,
        series: SeriesStore,
        approvals: ApprovalStore,
    ) -> None:
        super().__init__(db, now)
        self.editions = editions
        self.series = series
        self.approvals = approvals

    def series_editions(self, series: int, *, limit: int) -> list[FeedEdition]:
        """The latest ``limit`` published editions of ``series``, with all their items."""
        held = self.approvals.unapproved()
        rows = self.db.execute(
            "SELECT series_id, date, issue, updated_at FROM editions WHERE series_id = ? "
            "ORDER BY date DESC, issue DESC LIMIT ?",
            [series, limit + len(held)],
        ).fetchall()
        return self._shown(rows, held, limit=limit, keep=_every)

    def topic_editions(self, topic: str, *, limit: int) -> list[FeedEdition]:
        """The latest ``limit`` published editions with an item in ``topic``, with only those
        items."""
        held = self.approvals.unapproved()
        rows = self.db.execute(
            "SELECT e.series_id, e.date, e.issue, e.updated_at FROM editions e WHERE EXISTS "
            "(SELECT 1 FROM items i JOIN item_topics t ON t.item_id = i.id WHERE t.topic = ? "
            "AND i.series_id = e.series_id AND i.edition_date = e.date AND i.issue = e.issue) "
            "ORDER BY e.date DESC, e.issue DESC, e.series_id LIMIT ?",
            [topic, limit + len(held)],
        ).fetchall()
        return self._shown(rows, held, limit=limit, keep=self._in_topic(topic))

    def alert_editions(self, alert: Alert, *, limit: int) -> list[FeedEdition]:
        """Of the latest ``ALERT_SCAN`` published editions (every series, as alerts fire),
        the latest ``limit`` with an item that matches ``alert``, with only those items."""
        held = self.approvals.unapproved()
        rows = self.db.execute(
            "SELECT series_id, date, issue, updated_at FROM editions "
            "ORDER BY date DESC, issue DESC, series_id LIMIT ?",
            [ALERT_SCAN + len(held)],
        ).fetchall()
        index = AlertIndex([alert])

        def matching(key: EditionKey, items: tuple[Item, ...]) -> tuple[Item, ...]:
            found = index.match_edition([normalize(item.body) for item in items])
            hits = {hit.item for hit in found.get(alert.chat_id, [])}
            return tuple(item for n, item in enumerate(items) if n in hits)

        return self._shown(rows, held, limit=limit, keep=matching)

    def _in_topic(self, topic: str) -> Keep:
        def tagged(key: EditionKey, items: tuple[Item, ...]) -> tuple[Item, ...]:
            topics = self.editions.index.edition_item_topics(key)
            return tuple(i for i in items if topic in topics.get(i.position, ()))

        return tagged

    def _shown(
        self, rows: list[tuple[object, ...]], held: set[EditionKey], *, limit: int, keep: Keep
    ) -> list[FeedEdition]:
        """The editions of ``rows`` (newest first) that readers may see, each with the items
        ``keep`` keeps of it, up to ``limit`` editions with an item left."""
        keys = {s.id: s.key for s in self.all_series()}
        out: list[FeedEdition] = []
        for series, day, issue, updated in rows:
            if len(out) == limit:
                break
            key = row_key(series, day, issue)
            edition = self.editions.get_edition(key) if key not in held else None
            if edition is None:
                continue
            items = keep(key, edition.items)
            if not items:
                continue
            ids = self.editions.edition_item_ids(key)
            out.append(
                FeedEdition(
                    edition=dataclasses.replace(edition, items=items),
                    item_ids=tuple(ids[i.position] for i in items),
                    series_key=keys.get(key.series, f"s{key.series}"),
                    updated=dt.datetime.fromisoformat(str(updated)),
                )
            )
        return out

    def all_series(self) -> list[Series]:
        """The series that have a feed: those readers can see (``SeriesStore.all_series``)."""
        return self.series.all_series()
