"""What a reader does in a chat: one COMMANDS table, one registration site, thin handlers.

A handler parses the update, calls the store and the pure core, renders and replies.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Update,
)
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ExtBot, JobQueue

from .i18n import LANGUAGES, t
from .models import Chat
from .render import format_date, render_edition
from .services import BotContext, BotData

log = logging.getLogger(__name__)

Callback = Callable[[Update, BotContext], Coroutine[Any, Any, None]]
App = Application[
    ExtBot[None], BotContext, dict[Any, Any], dict[Any, Any], BotData, JobQueue[BotContext]
]


def _language(update: Update) -> str:
    code = (update.effective_user.language_code if update.effective_user else None) or ""
    return "en" if code and not code.lower().startswith("zh") else "zh"


def _chat(update: Update, context: BotContext) -> Chat:
    """The chat's row, created on first contact with the user's language."""
    tg = update.effective_chat
    if tg is None:  # pragma: no cover - every handler here is for chat updates
        raise ValueError("update without a chat")
    title = tg.title or tg.full_name or tg.username or ""
    store = context.bot_data.services.store
    return store.ensure_chat(tg.id, type=tg.type, title=title, language=_language(update))


def _push_time(chat: Chat, context: BotContext) -> tuple[str, str]:
    push = context.bot_data.services.config.push
    when = chat.push_time or push.time
    return when.strftime("%H:%M"), chat.timezone or push.timezone


def _no_preview(chat: Chat) -> LinkPreviewOptions:
    return LinkPreviewOptions(is_disabled=not chat.previews)


# -- commands ----------------------------------------------------------------------------


async def cmd_start(update: Update, context: BotContext) -> None:
    chat = _chat(update, context)
    store = context.bot_data.services.store
    if not chat.active:
        store.set_active(chat.id, True)
    time, tz = _push_time(chat, context)
    user = update.effective_user
    text = t(
        "welcome",
        chat.language,
        name=html.escape(user.first_name if user else ""),
        bot=html.escape(context.bot.first_name),
        time=time,
        tz=tz,
    )
    markup = None
    if not store.is_subscribed(chat.id):
        markup = InlineKeyboardMarkup(
            [[InlineKeyboardButton(t("button_subscribe", chat.language), callback_data="sub")]]
        )
    if update.effective_message:
        await update.effective_message.reply_text(text, reply_markup=markup)


async def cmd_help(update: Update, context: BotContext) -> None:
    chat = _chat(update, context)
    lines = [t("help_header", chat.language)]
    lines += [f"/{c.name} — {t(c.help_key, chat.language)}" for c in COMMANDS]
    if update.effective_message:
        await update.effective_message.reply_text("\n".join(lines))


async def cmd_today(update: Update, context: BotContext) -> None:
    chat = _chat(update, context)
    services = context.bot_data.services
    edition = services.store.latest_edition()
    message = update.effective_message
    if message is None:
        return
    if edition is None:
        await message.reply_text(t("no_editions", chat.language))
        return
    zone = chat.timezone or services.config.push.timezone
    today = services.now().astimezone(ZoneInfo(zone)).date()
    if edition.date != today:
        when = format_date(edition.date, chat.language)
        await message.reply_text(t("not_today", chat.language, date=when))
    parts = render_edition(edition, lang=chat.language, compact=chat.format == "compact")
    for part in parts:
        await message.reply_text(part, link_preview_options=_no_preview(chat))


# -- buttons -----------------------------------------------------------------------------


async def on_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    if query is None:
        return
    chat = _chat(update, context)
    store = context.bot_data.services.store
    if query.data == "sub":
        fresh = store.subscribe(chat.id)
        time, tz = _push_time(chat, context)
        text = t("subscribed" if fresh else "already_subscribed", chat.language, time=time, tz=tz)
        await query.answer(text)
        if query.message is not None and fresh:
            await context.bot.send_message(chat.id, text)
        return
    await query.answer(t("expired", chat.language), show_alert=False)


async def on_error(update: object, context: BotContext) -> None:
    """Log with the update's context (never the token) and apologise to the user."""
    update_id = getattr(update, "update_id", "?")
    log.error("handler failed for update %s", update_id, exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        lang = _language(update)
        try:
            await context.bot.send_message(update.effective_chat.id, t("error", lang))
        except Exception:  # the apology is best effort; the error is logged above
            log.warning("could not send the apology", exc_info=True)


# -- the table ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    callback: Callback
    help_key: str


COMMANDS: tuple[Command, ...] = (
    Command("start", cmd_start, "cmd_start"),
    Command("today", cmd_today, "cmd_today"),
    Command("help", cmd_help, "cmd_help"),
)


def register(app: App) -> None:
    """The one place handlers are added."""
    for command in COMMANDS:
        app.add_handler(CommandHandler(command.name, command.callback))
    app.add_handler(CallbackQueryHandler(on_button))
    app.add_error_handler(on_error)


def menu(lang: str) -> list[BotCommand]:
    """The command menu in one language, from the same table as the handlers and /help."""
    return [BotCommand(c.name, t(c.help_key, lang)) for c in COMMANDS]


async def publish_commands(app: App) -> None:
    """setMyCommands for every language (zh is also the default for other languages)."""
    await app.bot.set_my_commands(menu("zh"))
    for lang in LANGUAGES:
        await app.bot.set_my_commands(menu(lang), language_code=lang)
