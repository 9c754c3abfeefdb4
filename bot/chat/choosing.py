"""Which series a chat gets, when the bot has several: the chooser under /subscribe, its
buttons (``ss:<number>`` toggles one series, ``ss:all`` takes every series) and the deep link
``start=sub-<key>``.

A chat that chose nothing gets every series (what every chat of a one-series bot has, and
what a chat subscribed before there were several keeps). A bot with one series never shows
any of this.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.digest.series import Series
from bot.render.buttons import BadCallback, Press, encode
from bot.services import BotContext
from bot.store.chats import ALL
from bot.store.database import Store
from bot.store.readers import Chat

from .context import push_time, reply, say, thread_of

EVERY = "all"


async def subscribe_chat(update: Update, context: BotContext, chat: Chat) -> bool:
    """Subscribe to everything (keeping followed topics); remember a forum thread. True when
    the chat was not subscribed before."""
    thread = thread_of(update)
    return await context.bot_data.services.db.write(lambda store: _subscribe(store, chat, thread))


def _subscribe(store: Store, chat: Chat, thread: int | None) -> bool:
    with store.transaction():
        if chat.type == "supergroup" and thread != chat.thread_id:
            store.chats.update_chat(chat.id, thread_id=thread)
        if store.chats.scopes(chat.id):
            return False
        store.chats.subscribe(chat.id, ALL)
        return True


async def several(context: BotContext) -> list[Series]:
    """The bot's series when there are several (else [])."""
    known = await context.bot_data.services.db.read(lambda store: store.series.all_series())
    return known if len(known) > 1 else []


def _gets(store: Store, chat: Chat, known: list[Series]) -> set[int]:
    if not store.chats.scopes(chat.id):
        return set()
    chosen = store.series.chat_series(chat.id)
    return {s.id for s in known if not chosen or s.id in chosen}


async def gets(context: BotContext, chat: Chat, known: list[Series]) -> set[int]:
    """The series this chat gets now (none when it is not subscribed)."""
    return await context.bot_data.services.db.read(lambda store: _gets(store, chat, known))


async def chooser(context: BotContext, chat: Chat, known: list[Series]) -> InlineKeyboardMarkup:
    """One button per series (✓ on those the chat gets) and one for every series."""
    has = await gets(context, chat, known)
    rows = [
        [
            InlineKeyboardButton(
                ("✓ " if s.id in has else "") + s.label(), callback_data=encode("ss", s.id)
            )
        ]
        for s in known
    ]
    every = say("series_every", chat.language)
    mark = "✓ " if has and len(has) == len(known) else ""
    rows.append([InlineKeyboardButton(mark + every, callback_data=encode("ss", EVERY))])
    return InlineKeyboardMarkup(rows)


def _names(known: list[Series], numbers: set[int]) -> str:
    return "、".join(s.label() for s in known if s.id in numbers)


async def choose(context: BotContext, update: Update, chat: Chat, wanted: set[int] | None) -> str:
    """Make the chat get ``wanted`` (None: every series), subscribing it when it was not; an
    empty set unsubscribes. What it gets now, in words."""
    db = context.bot_data.services.db
    known = await db.read(lambda store: store.series.all_series())
    everything = {s.id for s in known}
    lang = chat.language
    if wanted is not None and not wanted:
        await db.write(lambda store: _unsubscribe(store, chat.id))
        return say("unsubscribed", lang)
    thread = thread_of(update)
    chosen = set() if wanted is None or wanted >= everything else wanted
    await db.write(lambda store: _choose(store, chat, thread, chosen))
    time, tz = push_time(chat, context)
    names = _names(known, chosen or everything)
    key = "series_all_chosen" if not chosen else "series_chosen"
    return say(key, lang, names=names, time=time, tz=tz)


def _unsubscribe(store: Store, chat_id: int) -> None:
    with store.transaction():
        store.chats.unsubscribe(chat_id)
        store.series.set_chat_series(chat_id, ())


def _choose(store: Store, chat: Chat, thread: int | None, chosen: set[int]) -> None:
    with store.transaction():
        _subscribe(store, chat, thread)
        store.series.set_chat_series(chat.id, chosen)


async def offer(update: Update, context: BotContext, chat: Chat, known: list[Series]) -> None:
    """/subscribe with several series: which ones? (nothing changes until a button)."""
    text = say("series_choose", chat.language)
    await reply(update, context, text, markup=await chooser(context, chat, known))


async def on_series_button(update: Update, context: BotContext, press: Press, chat: Chat) -> None:
    """Toggle one series (or take them all); the chooser shows what the chat gets now."""
    known = await several(context)
    query = update.callback_query
    if not known or query is None:
        raise BadCallback("no series to choose")
    if press.args[0] == EVERY:
        text = await choose(context, update, chat, None)
    else:
        number = press.int_arg(0)
        if number not in {s.id for s in known}:
            raise BadCallback("no such series")
        has = await gets(context, chat, known)
        text = await choose(context, update, chat, has ^ {number} if has else {number})
    await query.answer(text[:200])
    await query.edit_message_text(text, reply_markup=await chooser(context, chat, known))


async def subscribe_to(update: Update, context: BotContext, chat: Chat, key: str) -> bool:
    """``start=sub-<key>``: add that series to what the chat gets. False: no such series."""
    known = await context.bot_data.services.db.read(lambda store: store.series.all_series())
    found = next((s for s in known if s.key == key.lower()), None)
    if found is None:
        return False
    has = await gets(context, chat, known)
    every = {s.id for s in known}
    text = await choose(context, update, chat, None if has == every else has | {found.id})
    markup = await chooser(context, chat, known) if len(known) > 1 else None
    await reply(update, context, text, markup=markup)
    return True
