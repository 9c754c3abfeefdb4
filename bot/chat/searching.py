"""/search in a chat (groups too, for everyone) and its ◀ / ▶ page buttons.

A hit that tells the story of a hit above it on the page (another series or day retelling
it: ``bot.search.stories``) is folded under that one, as "+N similar" naming where; the
query word ``dup:all`` shows every hit.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.error import BadRequest

from bot.digest.models import EditionKey, rest_of
from bot.render.buttons import BadCallback, Press, encode
from bot.render.edition import format_date
from bot.render.i18n import t
from bot.render.snippets import hit_html
from bot.search.query import MAX_QUERY_CHARS, QueryError
from bot.search.stories import Fingerprint, fingerprint, folds
from bot.search.taxonomy import Topic
from bot.services import BotContext
from bot.store.database import Store
from bot.store.hits import Hit
from bot.store.lookup import Result, search
from bot.store.readers import Chat

from .context import chat_of, reply, say


def _query_text(update: Update) -> str:
    """Everything after the command, spacing kept (quotes and phrases matter)."""
    message = update.effective_message
    parts = (message.text or "").split(maxsplit=1) if message else []
    return parts[1].strip() if len(parts) > 1 else ""


Folds = Mapping[int, int]  # a hit's index on the page → the index of the hit it folds under


def folded_search(
    store: Store,
    text: str,
    *,
    topics: Sequence[Topic],
    after: int | None = None,
    before: int | None = None,
) -> tuple[Result, Folds]:
    """A page of hits (``lookup.search``) and which fold under another (none for
    ``dup:all``): worked out in the database's thread, off the loop."""
    result = search(store, text, topics=topics, after=after, before=before)
    if result.query.every_story:
        return result, {}
    return result, folds([_print(hit) for hit in result.page.hits])


def _print(hit: Hit) -> Fingerprint:
    return fingerprint(hit.title, rest_of(hit.title, hit.text), hit.links)


def page_html(text: str, result: Result, lang: str, folded: Folds | None = None) -> str:
    """The page's message: each hit, those ``folded`` under another only counted there."""
    page = result.page
    shown = f"<b>{html.escape(text[:60], quote=False)}</b>"
    if not page.hits:
        return t("search_none", lang, query=shown)
    folded = folded or {}
    lines = [t("search_header", lang, query=shown, total=page.shown_total)]
    for at, hit in enumerate(page.hits):
        if at in folded:
            continue
        body = hit.body  # the title once, then the rest of the text
        spans = result.spans(hit)
        lines.append(
            hit_html(
                date=hit.date,
                position=hit.position,
                body=body,
                spans=spans,
                links=hit.links,
                lang=lang,
                series=result.series_of(hit),
            )
        )
        under = [page.hits[i] for i, host in sorted(folded.items()) if host == at]
        if under:
            lines[-1] += "\n" + _similar(under, result, lang)
    if folded:
        lines.append(t("search_folded_hint", lang))
    return "\n\n".join(lines)


def _similar(hits: Sequence[Hit], result: Result, lang: str) -> str:
    """ "+N similar: where" under the hit they fold under."""
    where = dict.fromkeys(
        f"{result.series_of(hit)} {format_date(hit.date, lang)}".strip() for hit in hits
    )
    return t("search_folded", lang, count=len(hits), where=", ".join(where))


def page_markup(search_id: int, result: Result, lang: str) -> InlineKeyboardMarkup | None:
    page = result.page
    rows: list[list[InlineKeyboardButton]] = []
    nav = []
    if page.more_before and page.hits:
        data = encode("sr", search_id, f"b{page.hits[0].id}")
        nav.append(InlineKeyboardButton(say("button_prev_page", lang), callback_data=data))
    if page.more_after and page.hits:
        data = encode("sr", search_id, f"a{page.hits[-1].id}")
        nav.append(InlineKeyboardButton(say("button_next_page", lang), callback_data=data))
    if nav:
        rows.append(nav)
    editions = list(dict.fromkeys(hit.edition for hit in page.hits))
    opens = [
        InlineKeyboardButton(
            say("button_open_edition", lang, date=_when(key, lang)),
            callback_data=encode("ed", key.token),
        )
        for key in editions
    ]
    rows += [opens[i : i + 2] for i in range(0, len(opens), 2)]
    return InlineKeyboardMarkup(rows) if rows else None


def _when(key: EditionKey, lang: str) -> str:
    """An edition on a button: its date, after its issue number when it has one."""
    when = format_date(key.date, lang)
    return f"#{key.issue} · {when}" if key.issue else when


async def cmd_search(update: Update, context: BotContext) -> None:
    chat = await chat_of(update, context)
    text = _query_text(update)
    if not text:
        await reply(update, context, say("search_usage", chat.language))
        return
    await answer_search(update, context, chat, text)


async def on_text(update: Update, context: BotContext) -> None:
    """Plain text in a private chat is a search (what the bot itself posted there through
    inline mode is not: it is the reader sharing an edition or a hit)."""
    message = update.effective_message
    if message is None or not message.text:
        return
    if message.via_bot is not None and message.via_bot.id == context.bot.id:
        return
    chat = await chat_of(update, context)
    await answer_search(update, context, chat, message.text.strip(), plain=True)


async def answer_search(
    update: Update, context: BotContext, chat: Chat, text: str, *, plain: bool = False
) -> None:
    """The first page of hits for ``text`` (``plain``: typed without /search, so a miss also
    says what the bot can do)."""
    if len(text) > MAX_QUERY_CHARS:
        await reply(update, context, say("query_too_long", chat.language))
        return
    services = context.bot_data.services
    topics, at = services.config.topics, services.now()
    try:
        result, folded = await services.db.read(
            lambda store: folded_search(store, text, topics=topics)
        )
    except QueryError as exc:
        hint = say(f"query_{exc.reason}", chat.language)
        usage = say("text_hint" if plain else "search_usage", chat.language)
        await reply(update, context, hint + "\n" + usage)
        return
    search_id = await services.db.write(
        lambda store: store.index.save_search(chat.id, text, at=at)
    )
    markup = page_markup(search_id, result, chat.language)
    answer = page_html(text, result, chat.language, folded)
    if not result.page.hits:
        answer += "\n" + say("search_miss_hint", chat.language)
    if plain and not result.page.hits:
        answer += "\n" + say("text_hint", chat.language)
    await reply(update, context, answer, markup=markup)


async def on_search_page(update: Update, context: BotContext, press: Press, chat: Chat) -> None:
    """◀ / ▶ under a result page: the page before / after, in place."""
    services = context.bot_data.services
    search_id = press.int_arg(0)
    saved = await services.db.read(lambda store: store.index.saved_search(search_id))
    cursor = press.args[1]
    if (
        saved is None
        or saved.chat_id != chat.id
        or cursor[:1] not in ("a", "b")
        or not cursor[1:].isdigit()
    ):
        raise BadCallback("not this chat's search")
    item_id = int(cursor[1:])
    after, before = (item_id, None) if cursor[0] == "a" else (None, item_id)
    topics, text = services.config.topics, saved.query
    try:
        result, folded = await services.db.read(
            lambda store: folded_search(store, text, topics=topics, after=after, before=before)
        )
    except QueryError:
        raise BadCallback("saved query no longer parses") from None
    if not result.page.hits:
        raise BadCallback("page is gone")
    query = update.callback_query
    if query is not None:
        await query.answer()
        try:
            await query.edit_message_text(
                page_html(saved.query, result, chat.language, folded),
                reply_markup=page_markup(search_id, result, chat.language),
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        except BadRequest as exc:
            if "not modified" not in str(exc):
                raise
