"""Keyword alerts as a reader manages them: /alert, /alerts, ✖, shared alert links.

Matching and delivery belong to the push engine; here: parsing, limits, storage, messages.
"""

from __future__ import annotations

import html
import unicodedata
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.digest.models import Alert, Chat
from bot.render.buttons import BadCallback, Press, encode
from bot.search.textnorm import normalize
from bot.services import BotContext

from .context import chat_of, reply, say

MIN_TERM, MAX_TERM = 2, 40  # characters; one Han character is a term too (氢, 煤, 碳)
MAX_TERMS = 5  # words in one alert (all must appear)
MAX_ALERTS = 20  # alerts in one chat
_QUOTES = "\"'“”‘’「」"


@dataclass(frozen=True, slots=True)
class AlertSpec:
    """A parsed /alert: the terms that must appear and those that must not (normalised)."""

    terms: tuple[str, ...]
    excluded: tuple[str, ...]


class AlertInputError(ValueError):
    """Why an /alert was refused: an i18n key and its values."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


def is_han(word: str) -> bool:
    """One CJK ideograph (a word of its own in Chinese, unlike one Latin letter)."""
    return len(word) == 1 and unicodedata.name(word, "").startswith("CJK UNIFIED IDEOGRAPH")


def parse_alert(args: list[str]) -> AlertSpec:
    """``储能 电池 -煤炭`` → terms (储能, 电池), excluded (煤炭); raises AlertInputError."""
    terms: list[str] = []
    excluded: list[str] = []
    for raw in args:
        negative = raw[:1] in "-－"
        word = normalize(raw[1:] if negative else raw).strip(_QUOTES).strip()
        if not word and negative:
            continue
        if not (MIN_TERM <= len(word) <= MAX_TERM or is_han(word)):
            raise AlertInputError("alert_term_length", term=(word or raw)[: MAX_TERM + 5])
        target = excluded if negative else terms
        if word not in target:
            target.append(word)
    if not terms:
        raise AlertInputError("alert_usage")
    if len(terms) + len(excluded) > MAX_TERMS * 2 or len(terms) > MAX_TERMS:
        raise AlertInputError("alert_too_many_terms", n=MAX_TERMS)
    return AlertSpec(tuple(terms), tuple(excluded))


def _same(alert: Alert, spec: AlertSpec) -> bool:
    return set(alert.terms) == set(spec.terms) and set(alert.excluded) == set(spec.excluded)


async def add_alert(update: Update, context: BotContext, chat: Chat, spec: AlertSpec) -> None:
    store = context.bot_data.services.store
    existing = store.chats.alerts(chat.id)
    duplicate = next((a for a in existing if _same(a, spec)), None)
    if duplicate is not None:
        await reply(
            update, context, say("alert_duplicate", chat.language, label=duplicate.label())
        )
        return
    if len(existing) >= MAX_ALERTS:
        await reply(update, context, say("alert_limit", chat.language, n=MAX_ALERTS))
        return
    alert = store.chats.add_alert(chat.id, spec.terms, spec.excluded)
    context.bot_data.services.alerts_changed(chat.id)
    await reply(update, context, say("alert_added", chat.language, label=alert.label()))


async def cmd_alert(update: Update, context: BotContext) -> None:
    chat = chat_of(update, context)
    try:
        spec = parse_alert(context.args or [])
    except AlertInputError as exc:
        text = say(exc.key, chat.language, **exc.values)
        if exc.key != "alert_usage":
            text += "\n" + say("alert_usage", chat.language)
        await reply(update, context, text)
        return
    await add_alert(update, context, chat, spec)


def _share_link(context: BotContext, alert: Alert) -> str:
    return f"https://t.me/{context.bot.username}?start=alert-{alert.id}"


def _alerts_view(context: BotContext, chat: Chat) -> tuple[str, InlineKeyboardMarkup | None]:
    alerts = context.bot_data.services.store.chats.alerts(chat.id)
    if not alerts:
        return say("alerts_none", chat.language), None
    lines = [say("alerts_header", chat.language)]
    rows = []
    for n, alert in enumerate(alerts, 1):
        share = html.escape(_share_link(context, alert), quote=True)
        label = html.escape(alert.label(), quote=False)
        lines.append(f'{n}. {label} · <a href="{share}">{say("alert_share", chat.language)}</a>')
        button = InlineKeyboardButton(
            f"✖ {n}. {alert.label()[:40]}", callback_data=encode("alx", alert.id)
        )
        rows.append([button])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def cmd_alerts(update: Update, context: BotContext) -> None:
    chat = chat_of(update, context)
    text, markup = _alerts_view(context, chat)
    await reply(update, context, text, markup=markup)


async def on_alert_delete(update: Update, context: BotContext, press: Press, chat: Chat) -> None:
    """✖: delete the alert — only one of this chat's own (anything else is "expired")."""
    store = context.bot_data.services.store
    alert = store.chats.get_alert(press.int_arg(0))
    if (
        alert is None
        or alert.chat_id != chat.id
        or not store.chats.delete_alert(chat.id, alert.id)
    ):
        raise BadCallback("not this chat's alert")
    context.bot_data.services.alerts_changed(chat.id)
    query = update.callback_query
    if query is not None:
        await query.answer(say("alert_deleted", chat.language, label=alert.label()))
        text, markup = _alerts_view(context, chat)
        await query.edit_message_text(text, reply_markup=markup)


async def copy_shared_alert(
    update: Update, context: BotContext, chat: Chat, alert_id: int
) -> None:
    """The ``alert-<id>`` deep link: add the same terms to this chat."""
    shared = context.bot_data.services.store.chats.get_alert(alert_id)
    if shared is None:
        await reply(update, context, say("alert_shared_missing", chat.language))
        return
    await add_alert(update, context, chat, AlertSpec(shared.terms, shared.excluded))
