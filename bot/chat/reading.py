"""Reading editions in a chat: /today, /day DATE, and the ◀ / ▶ buttons between editions.

With several series, /today sends the latest edition of each series the chat gets (every
series when it chose none), ``/today NAME`` one series' latest, and /day the editions of that
day; ◀ / ▶ stay within the edition's series.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Update

from bot.digest.models import Chat, Edition, EditionKey
from bot.digest.series import Series, find
from bot.render.buttons import BadCallback, Press, encode
from bot.render.edition import format_date, render_edition
from bot.search.dates import parse_day
from bot.services import BotContext

from .context import chat_of, chat_today, reply, say, thread_of


def _edition_button(key: EditionKey, label: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=encode("ed", key.token))


def _navigation(edition: Edition, chat: Chat, context: BotContext) -> InlineKeyboardMarkup | None:
    older, newer = context.bot_data.services.store.editions.neighbours(edition.key)
    row = []
    if older:
        row.append(_edition_button(older, say("button_older", chat.language)))
    if newer:
        row.append(_edition_button(newer, say("button_newer", chat.language)))
    return InlineKeyboardMarkup([row]) if row else None


async def send_edition(
    update: Update, context: BotContext, chat: Chat, edition: Edition, *, note: str = ""
) -> None:
    """The edition in as many parts as it needs, the last with ◀ / ▶ to its neighbours."""
    parts = render_edition(edition, lang=chat.language, compact=chat.format == "compact")
    if note:
        parts.insert(0, note)
    markup = _navigation(edition, chat, context)
    previews = LinkPreviewOptions(is_disabled=not chat.previews)
    for n, part in enumerate(parts, 1):
        await context.bot.send_message(
            chat.id,
            part,
            message_thread_id=thread_of(update),
            link_preview_options=previews,
            reply_markup=markup if n == len(parts) else None,
        )


def _reading_series(context: BotContext, chat: Chat, name: str) -> list[int] | None:
    """The series to read from: ``name``'s, else the chat's (every series when it chose
    none); None when ``name`` names no series."""
    store = context.bot_data.services.store
    known = store.series.all_series()
    if name and len(known) > 1:
        found = find(known, name)
        return None if found is None else [found.id]
    chosen = store.series.chat_series(chat.id)
    return [s.id for s in known if not chosen or s.id in chosen] or [s.id for s in known]


async def cmd_today(update: Update, context: BotContext) -> None:
    chat = chat_of(update, context)
    store = context.bot_data.services.store
    name = " ".join(context.args or [])
    series = _reading_series(context, chat, name)
    if series is None:
        await reply(
            update, context, unknown_series(store.series.all_series(), name, chat.language)
        )
        return
    editions = [e for n in series if (e := store.editions.latest_edition(n)) is not None]
    if not editions:
        await reply(update, context, say("no_editions", chat.language))
        return
    today = chat_today(chat, context)
    for edition in editions:
        note = ""
        if edition.date != today:
            note = say("not_today", chat.language, date=format_date(edition.date, chat.language))
        await send_edition(update, context, chat, edition, note=note)


async def cmd_day(update: Update, context: BotContext) -> None:
    chat = chat_of(update, context)
    text = " ".join(context.args or [])
    usage = say("day_usage", chat.language)
    if not text:
        await reply(update, context, usage)
        return
    day = parse_day(text, today=chat_today(chat, context))
    if day is None:
        await reply(update, context, say("bad_date", chat.language, value=text[:40]) + usage)
        return
    store = context.bot_data.services.store
    series = _reading_series(context, chat, "")
    found = store.editions.editions_on(day, series or ())
    for edition in found:
        await send_edition(update, context, chat, edition)
    if found:
        return
    nearest = store.editions.nearest_dates(day, series or ())
    if not nearest:
        await reply(update, context, say("no_editions", chat.language))
        return
    names = store.series.series_names() if len(store.series.all_series()) > 1 else {}
    buttons = [_edition_button(k, _label(k, names, chat.language)) for k in nearest]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    text = say("no_edition_on", chat.language, date=format_date(day, chat.language))
    await reply(update, context, text, markup=InlineKeyboardMarkup(rows))


async def on_edition_button(update: Update, context: BotContext, press: Press, chat: Chat) -> None:
    """◀ / ▶ or a nearest-date button: send that edition."""
    key = EditionKey.from_ref(press.args[0])
    if key is None:
        raise BadCallback("not an edition")
    edition = context.bot_data.services.store.editions.get_edition(key)
    if edition is None:
        raise BadCallback("no such edition")
    if update.callback_query:
        await update.callback_query.answer()
    await send_edition(update, context, chat, edition)


def _label(key: EditionKey, names: dict[int, str], lang: str) -> str:
    """A nearest-date button: the date, after the series' name when there are several."""
    when = format_date(key.date, lang)
    name = names.get(key.series, "")
    return f"{name} · {when}" if name else when


def unknown_series(known: list[Series], name: str, lang: str) -> str:
    """The answer to a series name that matches none: the names there are."""
    names = ", ".join(s.label() for s in known) or "-"
    return say("no_such_series", lang, name=name[:40], names=names)
