"""Inline mode: ``@bot 储能`` in any chat lists matching items; choosing one posts it.

The same search and normalisation as /search (search.py); an empty query lists the latest
edition. Results come a page at a time, newest first; ``next_offset`` carries the keyset
cursor (``a<item id>`` for a search, ``e<index>`` for the latest edition), so the client asks
for more as the reader scrolls. An offset the bot did not make starts from the top.
"""

from __future__ import annotations

import html
import logging

from telegram import (
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode

from bot.digest.models import Edition
from bot.render.cutting import shorten
from bot.render.edition import format_date
from bot.render.i18n import t
from bot.render.snippets import anchors, snippet
from bot.search.query import MAX_QUERY_CHARS, QueryError
from bot.services import BotContext
from bot.store.database import Store
from bot.store.hits import Hit
from bot.store.lookup import search

from .context import user_language

log = logging.getLogger(__name__)

PAGE = 20  # results per answer (Telegram allows 50)
CACHE_SECONDS = 30  # the archive changes once a day; new editions show within half a minute
MESSAGE_CHARS = 3500  # the posted item's text, well within a message's 4096


TITLE_CHARS = 64  # what a result's title shows in the inline list


def _article(
    entry: Hit, spans: list[tuple[int, int]], lang: str, series: str = ""
) -> InlineQueryResultArticle:
    body = entry.body  # the title once, then the rest of the text
    day = format_date(entry.date, lang)
    day = f"{series} · {day}" if series else day
    head = f"<b>{html.escape(day, quote=False)}</b> · {t('item_n', lang, n=entry.position)}"
    links = anchors(entry.links, lang)
    message = f"{head}\n{snippet(body, spans, width=MESSAGE_CHARS)}" + (
        f" {links}" if links else ""
    )
    return InlineQueryResultArticle(
        id=str(entry.id),
        title=shorten(body, TITLE_CHARS),  # the cutting rule: whole words, ending with …
        description=f"{day} · {t('item_n', lang, n=entry.position)}",
        input_message_content=InputTextMessageContent(
            message,
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        ),
    )


async def on_inline_query(update: Update, context: BotContext) -> None:
    """Answer an inline query with a page of matching items (or the latest edition's)."""
    query = update.inline_query
    if query is None:
        return
    lang = user_language(update)
    text = query.query.strip()[:MAX_QUERY_CHARS]
    services = context.bot_data.services
    results: list[InlineQueryResultArticle] = []
    next_offset = ""
    if not text:
        latest, ids = await services.db.read(_latest_with_ids)
        start = _number(query.offset, "e")
        if latest is not None:
            items = latest.items[start : start + PAGE]
            for item in items:
                entry = Hit(
                    ids.get(item.position, item.position),
                    latest.date,
                    item.position,
                    item.title,
                    item.text,
                    item.links,
                    latest.series_id,
                )
                results.append(_article(entry, [], lang))
            if start + PAGE < len(latest.items):
                next_offset = f"e{start + PAGE}"
    else:
        after = _number(query.offset, "a") or None
        topics = services.config.topics
        try:
            found = await services.db.read(
                lambda store: search(store, text, topics=topics, after=after, limit=PAGE)
            )
        except QueryError as exc:
            log.info("inline query %r not understood: %s", text, exc)
            found = None
        if found is not None:
            results.extend(
                _article(hit, found.spans(hit), lang, found.series_of(hit))
                for hit in found.page.hits
            )
            if found.page.more_after and found.page.hits:
                next_offset = f"a{found.page.hits[-1].id}"
    await query.answer(
        # personal: dates and labels are in the user's language
        results,
        cache_time=CACHE_SECONDS,
        is_personal=True,
        next_offset=next_offset or None,
    )


def _latest_with_ids(store: Store) -> tuple[Edition | None, dict[int, int]]:
    """The latest edition and its items' ids by position."""
    latest = store.editions.latest_edition()
    return latest, store.editions.edition_item_ids(latest.key) if latest else {}


def _number(offset: str, prefix: str) -> int:
    """The cursor in ``offset`` when it is ours (``<prefix><digits>``), else 0."""
    digits = offset[len(prefix) :] if offset.startswith(prefix) else ""
    ok = digits.isascii() and digits.isdecimal() and len(digits) <= 12
    return int(digits) if ok else 0
