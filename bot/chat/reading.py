"""Reading editions in a chat: /today, /day DATE, /day ISSUE, and the ◀ / ▶ buttons between
editions.

With several series, /today sends the latest edition of each series the chat gets (every
series when it chose none), ``/today NAME`` one series' latest, and /day the editions of that
day (of a numbered series, its highest issue of the day); ``/day 42`` (``#42``, ``第42期``)
opens issue 42 of the chat's series; ◀ / ▶ stay within the edition's series (by number in a
numbered series) and show the edition in place of the message they are under. Each edition
reads as the chat's push says it (its topics, its 🔔 alert marks, what its topics left out).
"""

from __future__ import annotations

import contextlib
import datetime as dt

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Update,
)
from telegram.error import BadRequest

from bot.delivery.content import Parts
from bot.digest.dating import issue_arg
from bot.digest.models import Edition, EditionKey
from bot.digest.series import Series, find
from bot.render.buttons import BadCallback, Press, encode
from bot.render.dates import format_date, parse_shown_date
from bot.search.dates import parse_day
from bot.services import BotContext
from bot.store.database import Store
from bot.store.readers import Chat
from bot.store.sent_as import SentAs

from .context import chat_of, chat_today, reply, say, thread_of


def _edition_button(key: EditionKey, label: str, *, action: str = "ed") -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=encode(action, key.token))


async def _navigation(
    edition: Edition, chat: Chat, context: BotContext
) -> InlineKeyboardMarkup | None:
    neighbours = await context.bot_data.services.db.read(
        lambda store: store.editions.neighbours(edition.key)
    )
    row = []
    if neighbours.before:
        label = say("button_older", chat.language)
        row.append(_edition_button(neighbours.before, label, action="pg"))
    if neighbours.after:
        label = say("button_newer", chat.language)
        row.append(_edition_button(neighbours.after, label, action="pg"))
    return InlineKeyboardMarkup([row]) if row else None


async def chat_parts(context: BotContext, chat: Chat, key: EditionKey) -> list[str]:
    """The edition as this chat gets it now: what its push would say (its topics, its alert
    marks, what its topics left out), the one rule of ``Parts.edition_parts``."""
    services = context.bot_data.services
    scopes = await services.db.read(lambda store: store.chats.scopes(chat.id))
    settings = SentAs.of(chat, scopes)
    rendered = await Parts(services).edition_parts(chat.id, settings, key, always=True)
    return rendered.parts


async def send_edition(
    update: Update,
    context: BotContext,
    chat: Chat,
    edition: Edition,
    *,
    note: str = "",
    under: CallbackQuery | None = None,
) -> None:
    """The edition in as many parts as it needs, the last with ◀ / ▶ to its neighbours;
    ``under``: a button pressed under a message, which becomes the first part."""
    parts = await chat_parts(context, chat, edition.key)
    if note:
        parts.insert(0, note)
    markup = await _navigation(edition, chat, context)
    previews = LinkPreviewOptions(is_disabled=not chat.previews)
    if under is not None and parts:
        first, *parts = parts
        with contextlib.suppress(BadRequest):  # "not modified": it shows this already
            await under.edit_message_text(
                first, link_preview_options=previews, reply_markup=None if parts else markup
            )
    for n, part in enumerate(parts, 1):
        await context.bot.send_message(
            chat.id,
            part,
            message_thread_id=thread_of(update),
            link_preview_options=previews,
            reply_markup=markup if n == len(parts) else None,
        )


def _reading_series(store: Store, chat: Chat, name: str) -> list[int] | None:
    """The series to read from: ``name``'s, else the chat's (every series when it chose
    none); None when ``name`` names no series."""
    known = store.series.all_series()
    if name and len(known) > 1:
        found = find(known, name)
        return None if found is None else [found.id]
    chosen = store.series.chat_series(chat.id)
    return [s.id for s in known if not chosen or s.id in chosen] or [s.id for s in known]


def _latest(store: Store, chat: Chat, name: str) -> list[Edition] | str:
    """The latest edition of each series the chat reads (or of ``name``'s); the answer to a
    name that matches no series."""
    series = _reading_series(store, chat, name)
    if series is None:
        return unknown_series(store.series.all_series(), name, chat.language)
    return [e for n in series if (e := store.editions.latest_edition(n)) is not None]


async def cmd_today(update: Update, context: BotContext) -> None:
    chat = await chat_of(update, context)
    name = " ".join(context.args or [])
    editions = await context.bot_data.services.db.read(lambda store: _latest(store, chat, name))
    if isinstance(editions, str):
        await reply(update, context, editions)
        return
    if not editions:
        await reply(update, context, say("no_editions", chat.language))
        return
    today = chat_today(chat, context)
    if any(e.date == today for e in editions):  # today's editions; the others are not today's
        editions = [e for e in editions if e.date == today]
    for edition in editions:
        note = ""
        if edition.date != today:
            note = say("not_today", chat.language, date=format_date(edition.date, chat.language))
        await send_edition(update, context, chat, edition, note=note)


async def cmd_day(update: Update, context: BotContext) -> None:
    chat = await chat_of(update, context)
    text = " ".join(context.args or [])
    usage = say("day_usage", chat.language)
    if not text:
        await reply(update, context, usage)
        return
    day = parse_day(text, today=chat_today(chat, context)) or parse_shown_date(text)
    number = issue_arg(text) if day is None else None
    if day is None and number is None:
        await reply(update, context, say("bad_date", chat.language, value=text[:40]) + usage)
        return
    db = context.bot_data.services.db
    if number is not None:
        found, nearest, names = await db.read(lambda store: _of_issue(store, chat, number))
        missing = say("no_issue", chat.language, issue=number)
    else:
        assert day is not None  # noqa: S101 - one of the two is given
        when: dt.date = day
        found, nearest, names = await db.read(lambda store: _on_day(store, chat, when))
        missing = say("no_edition_on", chat.language, date=format_date(when, chat.language))
    for edition in found:
        await send_edition(update, context, chat, edition)
    if found:
        return
    if not nearest:
        await reply(update, context, say("no_editions", chat.language))
        return
    buttons = [_edition_button(k, _label(k, names, chat.language)) for k in nearest]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    await reply(update, context, missing, markup=InlineKeyboardMarkup(rows))


async def on_edition_button(update: Update, context: BotContext, press: Press, chat: Chat) -> None:
    """A nearest-date button (or an older message's ◀ / ▶): send that edition."""
    await _open(update, context, press, chat, edit=False)


async def on_page_button(update: Update, context: BotContext, press: Press, chat: Chat) -> None:
    """◀ / ▶: that edition, in place of the message the button is under."""
    await _open(update, context, press, chat, edit=True)


async def _open(
    update: Update, context: BotContext, press: Press, chat: Chat, *, edit: bool
) -> None:
    key = EditionKey.from_ref(press.args[0])
    if key is None:
        raise BadCallback("not an edition")
    db = context.bot_data.services.db
    edition = await db.read(lambda store: store.editions.get_edition(key))
    if edition is None:
        raise BadCallback("no such edition")
    query = update.callback_query
    if query:
        await query.answer()
    await send_edition(update, context, chat, edition, under=query if edit else None)


def _on_day(
    store: Store, chat: Chat, day: dt.date
) -> tuple[list[Edition], list[EditionKey], dict[int, str]]:
    """The chat's editions of ``day``; else the nearest dates, with the series' names when
    there are several."""
    series = _reading_series(store, chat, "") or ()
    found = store.editions.editions_on(day, series)
    if found:  # a series with several issues that day: its highest (◀ walks to the others)
        return list({e.series_id: e for e in found}.values()), [], {}
    nearest = store.editions.nearest_dates(day, series)
    names = store.series.series_names() if len(store.series.all_series()) > 1 else {}
    return [], nearest, names


def _of_issue(
    store: Store, chat: Chat, number: int
) -> tuple[list[Edition], list[EditionKey], dict[int, str]]:
    """The chat's editions numbered ``number`` (one per series); else the nearest numbers,
    with the series' names when there are several."""
    series = _reading_series(store, chat, "") or ()
    keys = [k for s in series if (k := store.editions.by_issue(s, number)) is not None]
    found = [e for k in keys if (e := store.editions.get_edition(k)) is not None]
    if found:
        return found, [], {}
    nearest = store.editions.nearest_issues(number, series)
    names = store.series.series_names() if len(store.series.all_series()) > 1 else {}
    return [], nearest, names


def _label(key: EditionKey, names: dict[int, str], lang: str) -> str:
    """A nearest-date button: the date (the issue number first, for a numbered edition),
    after the series' name when there are several."""
    when = format_date(key.date, lang)
    if key.issue:
        when = f"#{key.issue} · {when}"
    name = names.get(key.series, "")
    return f"{name} · {when}" if name else when


def unknown_series(known: list[Series], name: str, lang: str) -> str:
    """The answer to a series name that matches none: the names there are."""
    names = ", ".join(s.label() for s in known) or "-"
    return say("no_such_series", lang, name=name[:40], names=names)
