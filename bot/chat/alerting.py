"""Keyword alerts as a reader manages them: /alert, /alerts, ✖, shared alert links.

Matching and delivery belong to the push engine; here: parsing, limits, storage, messages.
"""

from __future__ import annotations

import html
import unicodedata
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.ops.feeds import feed_base
from bot.render.buttons import BadCallback, Press, encode
from bot.render.feeds import FeedFormat, FeedKind, feed_path
from bot.search.query import QueryError, parse_query
from bot.search.textnorm import normalize
from bot.services import BotContext
from bot.store.alert_cadence import AlertCadence
from bot.store.database import Store
from bot.store.readers import Alert, Chat

from .context import chat_of, reply, say

MIN_TERM, MAX_TERM = 2, 40  # characters; one Han character is a term too (氢, 煤, 碳)
MAX_TERMS = 5  # words in one alert (every term, every OR alternative)
MAX_ALERTS = 20  # alerts in one chat
CADENCE_WORDS = frozenset({"cadence", "频率"})  # cadence:daily chooses how the alert comes
CADENCES = {"now": AlertCadence.NOW, "即时": AlertCadence.NOW, "daily": AlertCadence.DAILY}
CADENCES |= {"每日": AlertCadence.DAILY, "weekly": AlertCadence.WEEKLY}
CADENCES |= {"每周": AlertCadence.WEEKLY}
NEXT_CADENCE = {c: list(AlertCadence)[(n + 1) % 3] for n, c in enumerate(AlertCadence)}


@dataclass(frozen=True, slots=True)
class AlertSpec:
    """A parsed /alert: the terms that must appear, its ``OR`` groups, those that must not
    (normalised), and how it comes."""

    terms: tuple[str, ...]
    excluded: tuple[str, ...]
    any_of: tuple[tuple[str, ...], ...] = ()
    cadence: AlertCadence = AlertCadence.NOW


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
    """``储能 电池 -煤炭`` → terms (储能, 电池), excluded (煤炭); ``储能 OR 氢能`` → one group;
    ``"绿色 债券"`` → one phrase: /search's query language (``parse_query``), words only, and
    ``cadence:daily`` / ``cadence:weekly``; raises AlertInputError."""
    cadence, words = AlertCadence.NOW, []
    for arg in args:
        head, colon, value = normalize(arg).replace("：", ":").partition(":")
        if colon and head in CADENCE_WORDS:
            if value not in CADENCES:
                raise AlertInputError("alert_bad_cadence", value=value[:20])
            cadence = CADENCES[value]
        else:
            words.append(arg)
    try:
        query = parse_query(" ".join(words))
    except QueryError:
        raise AlertInputError("alert_usage") from None
    if query.since or query.until or query.topics or query.series:
        raise AlertInputError("alert_filters")
    positive = [*query.terms, *(t for g in query.any_of for t in g)]
    for word in [*positive, *query.excluded]:
        if not (MIN_TERM <= len(word) <= MAX_TERM or is_han(word)):
            raise AlertInputError("alert_term_length", term=word[: MAX_TERM + 5])
    if not positive:
        raise AlertInputError("alert_usage")
    if len(positive) > MAX_TERMS or len(query.excluded) > MAX_TERMS:
        raise AlertInputError("alert_too_many_terms", n=MAX_TERMS)
    return AlertSpec(query.terms, query.excluded, query.any_of, cadence)


def _same(alert: Alert, spec: AlertSpec) -> bool:
    return (
        set(alert.terms) == set(spec.terms)
        and set(alert.excluded) == set(spec.excluded)
        and {frozenset(g) for g in alert.any_of} == {frozenset(g) for g in spec.any_of}
    )


async def add_alert(update: Update, context: BotContext, chat: Chat, spec: AlertSpec) -> None:
    services = context.bot_data.services
    alert, outcome = await services.db.write(lambda store: _add(store, chat.id, spec))
    lang = chat.language
    if alert is None:
        await reply(update, context, say("alert_limit", lang, n=MAX_ALERTS))
        return
    if outcome == "duplicate":
        await reply(update, context, say("alert_duplicate", lang, label=alert.label()))
        return
    await services.alerts_changed(chat.id)
    if spec.cadence == AlertCadence.NOW:
        text = say("alert_added", lang, label=alert.label())
    else:
        text = say(f"alert_added_{spec.cadence}", lang, label=alert.label())
    await reply(update, context, text)


def _add(store: Store, chat_id: int, spec: AlertSpec) -> tuple[Alert | None, str]:
    """("added", the new alert), ("duplicate", the same one the chat has), or ("limit")."""
    with store.transaction():
        existing = store.chats.alerts(chat_id)
        duplicate = next((a for a in existing if _same(a, spec)), None)
        if duplicate is not None:
            return duplicate, "duplicate"
        if len(existing) >= MAX_ALERTS:
            return None, "limit"
        alert = store.chats.add_alert(chat_id, spec.terms, spec.excluded, any_of=spec.any_of)
        if spec.cadence != AlertCadence.NOW:
            store.alert_cadence.set_cadence(chat_id, alert.id, spec.cadence)
        return alert, "added"


async def cmd_alert(update: Update, context: BotContext) -> None:
    chat = await chat_of(update, context)
    try:
        spec = parse_alert(context.args or [])
    except AlertInputError as exc:
        text = say(exc.key, chat.language, **exc.values)
        if exc.key != "alert_usage":
            text += "\n" + say("alert_usage", chat.language)
        await reply(update, context, text)
        return
    await add_alert(update, context, chat, spec)


def _share_link(context: BotContext, token: str) -> str:
    return f"https://t.me/{context.bot.username}?start=alert-{token}"


async def _alerts_view(context: BotContext, chat: Chat) -> tuple[str, InlineKeyboardMarkup | None]:
    """The chat's alerts: each with ✖, and 🔗 to share it (or to stop sharing it); a shared
    one shows its link, which carries an unguessable token, never the alert's number. Under
    each, its feed's URL (another unguessable token: ``store.alert_feeds``)."""
    services = context.bot_data.services
    alerts, shares = await services.db.read(
        lambda store: (store.chats.alerts(chat.id), store.chats.alert_shares(chat.id))
    )
    if not alerts:
        return say("alerts_none", chat.language), None
    feeds = await services.db.write(lambda store: store.alert_feeds.feed_tokens(chat.id))
    base = feed_base(services.config, context.bot_data.web_url)
    lines = [say("alerts_header", chat.language)]
    rows = []
    for n, alert in enumerate(alerts, 1):
        label = html.escape(alert.label(), quote=False)
        if alert.cadence != AlertCadence.NOW:
            label += " · " + say(f"alert_cadence_{alert.cadence}", chat.language)
        token = shares.get(alert.id)
        if token is None:
            lines.append(f"{n}. {label}")
        else:
            share = html.escape(_share_link(context, token), quote=True)
            link = f'<a href="{share}">{say("alert_share", chat.language)}</a>'
            lines.append(f"{n}. {label} · {link}")
        if alert.id in feeds and base:  # as text to copy: a feed reader wants the URL
            feed = base + feed_path(FeedKind.ALERT, feeds[alert.id], FeedFormat.ATOM)
            name = say("alert_feed", chat.language)
            lines.append(f"    {name} <code>{html.escape(feed, quote=False)}</code>")
        remove = InlineKeyboardButton(
            f"✖ {n}. {alert.label()[:40]}", callback_data=encode("alx", alert.id)
        )
        key = "alert_unshare_button" if token else "alert_share_button"
        toggle = InlineKeyboardButton(
            say(key, chat.language, n=n),
            callback_data=encode("alsh", alert.id, "off" if token else "on"),
        )
        cadence = AlertCadence(alert.cadence)
        follows = NEXT_CADENCE[cadence]
        name = say(f"alert_cadence_{cadence}", chat.language)
        timing = InlineKeyboardButton(
            say("alert_cadence_button", chat.language, n=n, cadence=name),
            callback_data=encode("alc", alert.id, follows),
        )
        rows.append([remove, toggle, timing])
    if shares:
        lines.append(say("alert_share_note", chat.language))
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def cmd_alerts(update: Update, context: BotContext) -> None:
    chat = await chat_of(update, context)
    text, markup = await _alerts_view(context, chat)
    await reply(update, context, text, markup=markup)


async def on_alert_delete(update: Update, context: BotContext, press: Press, chat: Chat) -> None:
    """✖: delete the alert — only one of this chat's own (anything else is "expired")."""
    services = context.bot_data.services
    alert_id = press.int_arg(0)
    alert = await services.db.write(lambda store: _delete(store, chat.id, alert_id))
    if alert is None:
        raise BadCallback("not this chat's alert")
    await services.alerts_changed(chat.id)
    query = update.callback_query
    if query is not None:
        await query.answer(say("alert_deleted", chat.language, label=alert.label()))
        text, markup = await _alerts_view(context, chat)
        await query.edit_message_text(text, reply_markup=markup)


def _delete(store: Store, chat_id: int, alert_id: int) -> Alert | None:
    with store.transaction():
        alert = store.chats.get_alert(alert_id)
        if alert is None or alert.chat_id != chat_id:
            return None
        return alert if store.chats.delete_alert(chat_id, alert_id) else None


async def on_alert_share(update: Update, context: BotContext, press: Press, chat: Chat) -> None:
    """🔗: share one of this chat's alerts by link (or stop sharing it: the link stops
    working, and sharing again makes a new one)."""
    if press.args[1] not in ("on", "off"):
        raise BadCallback("share what?")
    alert_id, shared = press.int_arg(0), press.args[1] == "on"
    db = context.bot_data.services.db
    if not await db.write(lambda store: store.chats.share_alert(chat.id, alert_id, shared=shared)):
        raise BadCallback("not this chat's alert")
    query = update.callback_query
    if query is not None:
        await query.answer(say("alert_shared" if shared else "alert_unshared", chat.language))
        text, markup = await _alerts_view(context, chat)
        await query.edit_message_text(text, reply_markup=markup)


async def on_alert_cadence(update: Update, context: BotContext, press: Press, chat: Chat) -> None:
    """⏱: how one of this chat's alerts comes — as it comes, in the daily digest of alerts, in
    the weekly one (each press the next)."""
    try:
        cadence = AlertCadence(press.args[1])
    except ValueError:
        raise BadCallback("which cadence?") from None
    alert_id, services = press.int_arg(0), context.bot_data.services
    found = await services.db.write(lambda store: _set_cadence(store, chat.id, alert_id, cadence))
    if found is None:
        raise BadCallback("not this chat's alert")
    await services.alerts_changed(chat.id)  # the live index holds the "now" ones only
    query = update.callback_query
    if query is not None:
        name = say(f"alert_cadence_{cadence}", chat.language)
        await query.answer(say("alert_cadence_saved", chat.language, label=found.label(),
                               cadence=name))  # fmt: skip
        text, markup = await _alerts_view(context, chat)
        await query.edit_message_text(text, reply_markup=markup)


def _set_cadence(store: Store, chat_id: int, alert_id: int, cadence: AlertCadence) -> Alert | None:
    with store.transaction():
        if not store.alert_cadence.set_cadence(chat_id, alert_id, cadence):
            return None
        return store.chats.get_alert(alert_id)


async def copy_shared_alert(update: Update, context: BotContext, chat: Chat, token: str) -> None:
    """The ``alert-<token>`` deep link: add the same terms to this chat — only for an alert
    its owner chose to share (a number, or a token that was withdrawn, finds nothing)."""
    shared = await context.bot_data.services.db.read(lambda store: store.chats.shared_alert(token))
    if shared is None:
        await reply(update, context, say("alert_shared_missing", chat.language))
        return
    spec = AlertSpec(shared.terms, shared.excluded, shared.any_of)
    await add_alert(update, context, chat, spec)
