"""/trend in a chat (groups too, for everyone): a line chart of how often terms are mentioned.

The counts come from the store's search index with /search's own queries; bot.trend draws the
chart in a worker thread (the event loop keeps serving the sender, the web server and the
tick). Answers are cached per (terms, language, archive version) in a small LRU, and the
Telegram file_id of a sent chart is kept so the same chart is not uploaded twice.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import weakref
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from telegram import Update
from telegram.constants import ChatAction
from telegram.error import BadRequest, TelegramError

from bot.search import chart as trend
from bot.search.query import QueryError
from bot.search.taxonomy import Topic
from bot.services import BotContext, Lru
from bot.store.database import Store
from bot.store.gateway import Db
from bot.store.index import ArchiveStamp
from bot.store.lookup import filters_for, topic_keys

from .context import chat_of, reply, say, thread_of

log = logging.getLogger(__name__)

CACHE_SIZE = 32


@dataclass(frozen=True, slots=True)
class Answer:
    png: bytes
    caption: str
    file_id: str | None = None  # Telegram's id of the uploaded photo, once sent


AnswerCache = Lru[Hashable, Answer]  # the last CACHE_SIZE answers of one database


_caches: weakref.WeakKeyDictionary[Db, AnswerCache] = weakref.WeakKeyDictionary()


def cache_of(db: Db) -> AnswerCache:
    """The answer cache of one database (it goes when the database does)."""
    return _caches.setdefault(db, AnswerCache(CACHE_SIZE))


def chart_for(
    store: Store, terms: Sequence[trend.Term], *, topics: Sequence[Topic], stamp: ArchiveStamp
) -> trend.Chart:
    """Each term counted per day as /search counts it, over the whole archive."""
    counts = [
        (term.label, store.index.term_days(filters_for(term.query, topics))) for term in terms
    ]
    return trend.build_chart(counts, first=stamp.first, last=stamp.last)


def _arguments(update: Update) -> str:
    message = update.effective_message
    parts = (message.text or "").split(maxsplit=1) if message else []
    return parts[1].strip() if len(parts) > 1 else ""


async def cmd_trend(update: Update, context: BotContext) -> None:
    chat = await chat_of(update, context)
    lang = chat.language
    services = context.bot_data.services
    usage = say("trend_usage", lang, max=trend.MAX_TERMS)
    text = _arguments(update)
    if not text:
        await reply(update, context, usage)
        return
    try:
        terms = trend.parse_terms(text)
        for term in terms:
            topic_keys(term.query.topics, services.config.topics)  # unknown topics: refused now
    except trend.TrendError as exc:
        hint = say(f"trend_{exc.reason}", lang, term=exc.term, max=trend.MAX_TERMS)
        await reply(update, context, f"{hint}\n{usage}")
        return
    except QueryError as exc:
        await reply(update, context, f"{say(f'query_{exc.reason}', lang)}\n{usage}")
        return
    db = services.db
    stamp = await db.read(lambda store: store.index.archive_stamp())
    if stamp is None:
        await reply(update, context, say("no_editions", lang))
        return
    cache, key = cache_of(db), (terms, lang, stamp)
    answer = cache.get(key)
    if answer is None:
        topics = services.config.topics
        chart = await db.read(lambda store: chart_for(store, terms, topics=topics, stamp=stamp))
        await _uploading(update, context)
        png = await asyncio.to_thread(trend.render_png, chart, lang)
        answer = Answer(png, trend.caption_html(chart, lang))
        cache.put(key, answer)
    thread = thread_of(update)
    if answer.file_id is not None:
        try:
            await context.bot.send_photo(
                chat.id, answer.file_id, caption=answer.caption, message_thread_id=thread
            )
            return
        except BadRequest as exc:  # Telegram forgot the file: upload it again
            log.info("cached chart file_id refused in %s: %s", chat.id, exc.message)
    sent = await context.bot.send_photo(
        chat.id, answer.png, caption=answer.caption, message_thread_id=thread
    )
    if sent.photo:
        cache.put(key, dataclasses.replace(answer, file_id=sent.photo[-1].file_id))


async def _uploading(update: Update, context: BotContext) -> None:
    """The "sending a photo…" status while the chart is drawn (best effort)."""
    chat = update.effective_chat
    if chat is None:  # pragma: no cover - only chat updates reach the handlers
        return
    try:
        await context.bot.send_chat_action(
            chat.id, ChatAction.UPLOAD_PHOTO, message_thread_id=thread_of(update)
        )
    except TelegramError as exc:
        log.info("no chat action in %s: %s", chat.id, exc)
