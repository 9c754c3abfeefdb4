"""Reading editions in a chat: /today, /day DATE, and the ◀ / ▶ buttons between editions."""

from __future__ import annotations

import datetime as dt

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Update

from .callbacks import BadCallback, Press, encode
from .chatctx import chat_of, chat_today, reply, say, thread_of
from .dates import parse_day
from .models import Chat, Edition
from .render import format_date, render_edition
from .services import BotContext


def _edition_button(day: dt.date, label: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=encode("ed", f"{day:%Y%m%d}"))


def _navigation(edition: Edition, chat: Chat, context: BotContext) -> InlineKeyboardMarkup | None:
    older, newer = context.bot_data.services.store.neighbours(edition.date)
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


async def cmd_today(update: Update, context: BotContext) -> None:
    chat = chat_of(update, context)
    edition = context.bot_data.services.store.latest_edition()
    if edition is None:
        await reply(update, context, say("no_editions", chat.language))
        return
    note = ""
    if edition.date != chat_today(chat, context):
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
    edition = store.get_edition(day)
    if edition is not None:
        await send_edition(update, context, chat, edition)
        return
    nearest = store.nearest_dates(day)
    if not nearest:
        await reply(update, context, say("no_editions", chat.language))
        return
    buttons = [_edition_button(d, format_date(d, chat.language)) for d in nearest]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    text = say("no_edition_on", chat.language, date=format_date(day, chat.language))
    await reply(update, context, text, markup=InlineKeyboardMarkup(rows))


async def on_edition_button(update: Update, context: BotContext, press: Press, chat: Chat) -> None:
    """◀ / ▶ or a nearest-date button: send that edition."""
    try:
        day = dt.datetime.strptime(press.args[0], "%Y%m%d").date()  # noqa: DTZ007 - a date
    except ValueError:
        raise BadCallback("not a date") from None
    edition = context.bot_data.services.store.get_edition(day)
    if edition is None:
        raise BadCallback("no such edition")
    if update.callback_query:
        await update.callback_query.answer()
    await send_edition(update, context, chat, edition)
