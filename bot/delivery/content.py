"""What each delivery says: the message parts of an outbox row, rendered once per variant.

An edition as a chat gets it (its topics, its alert marks, without what it got by alert), an
alert message, a weekly roundup, a broadcast. The edition views (item ids, topics, alert
matches) are computed once per content and alert change, the rendered parts once per variant
(content, language, format): a push to a hundred thousand chats renders a handful of times.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.config import Config
from bot.digest.models import Edition, EditionKey, Item
from bot.render.buttons import encode
from bot.render.fragments import escape
from bot.render.i18n import t
from bot.render.snippets import hit_html
from bot.search.matching import AlertMatch
from bot.services import Lru, Services
from bot.store.chats import ALL
from bot.store.database import Store
from bot.store.feedback import DOWN, UP
from bot.store.outbox import Delivery, Kind
from bot.store.sent_as import SentAs

from .alert_digest import digest_parts
from .gets import Content, chat_content, content_positions, item_texts, render_content
from .liked import item_scores
from .roundup import WEEK, TopicName, roundup_edition, roundup_heading

Roundup = tuple[Edition, dict[int, list[AlertMatch]]]
RENDER_CACHE = 512


@dataclass
class _EditionView:
    """An edition as the sender needs it, computed once per content (and alert) change."""

    edition: Edition
    content_hash: str
    ids: dict[int, int]
    topics: dict[int, set[str]]
    alerts_version: int
    matches: dict[int, list[AlertMatch]]


@dataclass(frozen=True, slots=True)
class Rendered:
    """A delivery's message parts, and the edition content they were rendered from (its hash;
    "" for what is not an edition): a part sent from an older version gets corrected."""

    parts: list[str]
    version: str = ""
    sent_as: SentAs | None = None  # the settings an edition was rendered with


class Parts:
    """The renderer and its caches (see the module doc). Lives on the event loop; what it
    reads of the database is read in the database's threads."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._views: Lru[EditionKey, _EditionView] = Lru(8)
        self._renders: Lru[tuple[object, ...], list[str]] = Lru(RENDER_CACHE)
        self._roundups: Lru[tuple[object, ...], Roundup] = Lru(RENDER_CACHE)

    async def _view(self, key: EditionKey, current: str | None) -> _EditionView | None:
        """The view of edition ``key`` whose content hash is ``current``."""
        alerts = self.services.alerts
        if current is None:
            return None
        version = alerts.version if alerts else 0
        view = self._views.get(key)
        if view is not None and view.content_hash == current and view.alerts_version == version:
            return view
        loaded = await self.services.db.read(lambda store: _load_view(store, key))
        if loaded is None:
            return None
        edition, content_hash, ids, topics = loaded
        matches = alerts.index.match_edition(item_texts(edition)) if alerts else {}
        view = _EditionView(edition, content_hash, ids, topics, version, matches)
        self._views.put(key, view)
        return view

    async def parts(self, row: Delivery) -> Rendered:
        if row.kind == Kind.BROADCAST:
            number = row.target.broadcast
            found = await self.services.db.read(lambda store: store.broadcasts.broadcast(number))
            return Rendered([found.html] if found is not None else [])
        if row.kind == Kind.ROUNDUP:
            return Rendered(await self._roundup_parts(row))
        if row.kind in (Kind.ALERT_DAILY, Kind.ALERT_WEEKLY):
            return Rendered(await digest_parts(self.services, row))
        key = row.target.edition
        if key is None:
            return Rendered([])
        if row.kind == Kind.APPROVAL:  # an admin's preview: the edition as every reader gets it
            admin = SentAs.of(row.chat, {ALL})
            rendered = await self.edition_parts(row.chat.id, admin, key)
            note = t("approve_note", row.chat.language)
            return Rendered([note, *rendered.parts] if rendered.parts else [], rendered.version)
        if row.kind == Kind.ALERT:
            current = await self.services.db.read(lambda store: store.editions.edition_hash(key))
            view = await self._view(key, current)
            if view is None:
                return Rendered([])
            matches = view.matches.get(row.chat.id, [])
            return Rendered(self._alert_parts(view, row, matches), view.content_hash)
        return await self.edition_parts(row.chat.id, SentAs.of(row.chat, row.scopes), key)

    async def buttons(self, row: Delivery) -> InlineKeyboardMarkup | None:
        """What goes under a delivery's last part: "send" / "hold" under an admin's preview."""
        key = row.target.edition if row.kind == Kind.APPROVAL else None
        if key is None:
            return None
        audience = await self.services.db.read(lambda store: store.broadcasts.audience())
        return approval_markup(key, row.chat.language, chats=audience, held=False)

    async def edition_parts(
        self, chat_id: int, settings: SentAs, day: EditionKey, *, always: bool = False
    ) -> Rendered:
        """The message parts of edition ``day`` as this chat gets it with these settings
        (``what_a_chat_gets``, cached): the push's, /today's, a preview's, a correction's;
        ``always``: a reader asked for it (see ``render_content``)."""
        found = await self._content(chat_id, settings, day)
        if found is None:
            return Rendered([])
        view, content = found
        lang, compact = settings.language, settings.format == "compact"
        key = (*content.key, lang, settings.format, always)
        parts = self._renders.get(key)
        if parts is None:
            parts = render_content(content, lang=lang, compact=compact, always=always)
            self._renders.put(key, parts)
        return Rendered(parts, view.content_hash, settings)

    async def part_items(
        self, chat_id: int, settings: SentAs, day: EditionKey
    ) -> list[frozenset[int]]:
        """For each message part ``edition_parts`` makes (not asked by a reader), the
        positions of the items in it: what a vote or a reaction on that message is about."""
        found = await self._content(chat_id, settings, day)
        if found is None:
            return []
        lang, compact = settings.language, settings.format == "compact"
        return content_positions(found[1], lang=lang, compact=compact)

    async def _content(
        self, chat_id: int, settings: SentAs, day: EditionKey
    ) -> tuple[_EditionView, Content] | None:
        """The edition's view and what of it this chat gets with these settings."""
        current, already = await self.services.db.read(
            lambda store: (
                store.editions.edition_hash(day),
                store.outbox.sent_items(chat_id, day),
            )
        )
        view = await self._view(day, current)
        if view is None:
            return None
        content = chat_content(
            view.edition,
            scopes=settings.scopes,
            topics=view.topics,
            ids=view.ids,
            already=already,
            matches=view.matches.get(chat_id, []),
        )
        return view, content

    async def _roundup_parts(self, row: Delivery) -> list[str]:
        services, chat = self.services, row.chat
        alerts = services.alerts
        version = alerts.version if alerts else 0
        start = row.target.week
        if start is None:
            return []
        recent = await services.db.read(lambda store: store.editions.recent_editions(start))
        hashes = tuple(
            edition.content_hash
            for edition in recent
            if edition.key.date < start + WEEK
            and (not row.series or edition.key.series in row.series)
        )
        key = (start, row.scopes, row.series, chat.language, version, hashes)
        built = self._roundups.get(key)
        if built is None:
            config, scopes, series, lang = services.config, row.scopes, row.series, chat.language
            roundup = await services.db.read(
                lambda store: roundup_content(
                    store, config, start=start, scopes=scopes, series=series, lang=lang
                )
            )
            matches = alerts.index.match_edition(item_texts(roundup)) if alerts else {}
            built = roundup, matches
            self._roundups.put(key, built)
        if built is None or not built[0].items:
            return []
        roundup, matches = built
        content = chat_content(
            roundup,
            scopes=frozenset({ALL}),
            topics={},
            ids={},
            already=set(),
            matches=matches.get(chat.id, []),
        )
        render_key = (Kind.ROUNDUP, *content.key, chat.language, chat.format)
        parts = self._renders.get(render_key)
        if parts is None:
            parts = render_content(
                content,
                lang=chat.language,
                compact=chat.format == "compact",
                heading=roundup_heading(start, chat.language),
            )
            self._renders.put(render_key, parts)
        return parts

    def _alert_parts(
        self, view: _EditionView, row: Delivery, matches: list[AlertMatch]
    ) -> list[str]:
        items = alert_items(view.edition, view.ids, row.items)
        lang = row.chat.language
        by_position = {view.edition.items[m.item].position: m for m in matches}
        blocks = []
        terms: list[str] = []
        for item in items:
            match = by_position.get(item.position)
            if match is None:
                continue
            terms += [term for term in match.terms if term not in terms]
            blocks.append(
                hit_html(
                    date=view.edition.date,
                    position=item.position,
                    body=item.body,  # what item_texts matched: the spans are offsets in it
                    spans=match.spans,
                    links=item.links,
                    lang=lang,
                )
            )
        if not blocks:
            return []
        header = t("alert_message", lang, terms=escape(" ".join(terms)))
        return [header + "\n\n" + "\n\n".join(blocks)]


def _load_view(
    store: Store, key: EditionKey
) -> tuple[Edition, str, dict[int, int], dict[int, set[str]]] | None:
    """An edition, its content hash, its items' ids and topics (read together)."""
    edition = store.editions.get_edition(key)
    current = store.editions.edition_hash(key)
    if edition is None or current is None:
        return None
    return (
        edition,
        current,
        store.editions.edition_item_ids(key),
        store.index.edition_item_topics(key),
    )


def alert_items(edition: Edition, ids: Mapping[int, int], wanted: Sequence[int]) -> list[Item]:
    """The items (by id) an alert message carries, in edition order."""
    by_id = {ids[item.position]: item for item in edition.items if item.position in ids}
    return [by_id[i] for i in wanted if i in by_id]


# -- the weekly roundup ------------------------------------------------------------------


def roundup_content(
    store: Store,
    config: Config,
    *,
    start: dt.date,
    scopes: frozenset[str],
    series: frozenset[int] = frozenset(),
    lang: str,
) -> Edition:
    """A weekly chat's roundup of the week from ``start`` (the same for every chat of these
    scopes, series and language; its alert marks are each chat's)."""
    editions = []
    topics_of: dict[tuple[EditionKey, int], set[str]] = {}
    held = store.approvals.unapproved()
    for recent in store.editions.recent_editions(start):
        day = recent.key
        if day.date >= start + WEEK or day in held or (series and day.series not in series):
            continue
        edition = store.editions.get_edition(day)
        if edition is None:
            continue
        editions.append(edition)
        for position, keys in store.index.edition_item_topics(day).items():
            topics_of[(day, position)] = keys
    names = [TopicName(t.key, t.name_en if lang == "en" else t.name_zh) for t in config.topics]
    scopes = scopes or frozenset({ALL})
    ranked = config.push.roundup_rank == "feedback"
    scores = item_scores(store, [e.key for e in editions]) if ranked else None
    return roundup_edition(
        editions, topics_of, start=start, scopes=scopes, topics=names, lang=lang, scores=scores
    )


# -- what an admin is asked -------------------------------------------------------------


def approval_markup(key: EditionKey, lang: str, *, chats: int, held: bool) -> InlineKeyboardMarkup:
    """The buttons under an edition waiting for approval ("hold" is gone once it is held)."""
    row = [
        InlineKeyboardButton(
            t("approve_send", lang, chats=chats), callback_data=encode("ap", key.token, "go")
        )
    ]
    if not held:
        row.append(
            InlineKeyboardButton(
                t("approve_hold", lang), callback_data=encode("ap", key.token, "no")
            )
        )
    return InlineKeyboardMarkup([row])


VOTES = {"u": UP, "d": DOWN}  # a feedback button's argument → its vote (feedback.py)


def feedback_markup() -> InlineKeyboardMarkup:
    """The row under each part of a pushed edition: the bare emoji, never a count."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(emoji, callback_data=encode("fb", arg))
          for arg, emoji in VOTES.items()]]
    )  # fmt: skip
