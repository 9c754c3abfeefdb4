"""Getting the daily edition: /start (with deep links), /subscribe, /unsubscribe, channels,
and what Telegram tells us about the bot's membership (blocked, kicked, re-added, migrated).
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatMemberStatus
from telegram.error import BadRequest, Forbidden

from bot.render.buttons import BadCallback, Press, encode
from bot.services import BotContext
from bot.store.chats import ALL
from bot.store.database import Store
from bot.store.readers import Chat

from .choosing import offer, several, subscribe_chat, subscribe_to
from .context import ADMIN_STATUSES, can_manage, chat_of, push_time, reply, say, thread_of

log = logging.getLogger(__name__)

GONE = {ChatMemberStatus.LEFT, ChatMemberStatus.BANNED}


def _undo(action: str, lang: str) -> InlineKeyboardMarkup:
    button = InlineKeyboardButton(say("button_undo", lang), callback_data=encode("undo", action))
    return InlineKeyboardMarkup([[button]])


async def confirm_subscribed(update: Update, context: BotContext, chat: Chat, fresh: bool) -> None:
    time, tz = push_time(chat, context)
    key = "subscribed" if fresh else "already_subscribed"
    if fresh and thread_of(update) is not None:
        key = "subscribed_topic"
    markup = _undo("sub", chat.language) if fresh else None
    await reply(update, context, say(key, chat.language, time=time, tz=tz), markup=markup)
    if known := await several(context):  # which series: every one, until the chat chooses
        await offer(update, context, chat, known)


# -- commands ----------------------------------------------------------------------------


async def cmd_start(update: Update, context: BotContext) -> None:
    chat = await chat_of(update, context)
    services = context.bot_data.services
    if not chat.active:
        await services.db.write(lambda store: store.chats.set_active(chat.id, True))
        await services.alerts_changed(chat.id)
    payload = (context.args or [""])[0]
    manages = bool(payload) and await can_manage(update, context)
    if manages and await _deep_link(update, context, chat, payload):
        return
    time, tz = push_time(chat, context)
    user = update.effective_user
    name = user.first_name if user else ""
    text = say("welcome", chat.language, name=name, bot=context.bot.first_name, time=time, tz=tz)
    markup = None
    if not await services.db.read(lambda store: store.chats.scopes(chat.id)):
        label = say("button_subscribe", chat.language)
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=encode("sub"))]])
    await reply(update, context, text, markup=markup)


async def _deep_link(update: Update, context: BotContext, chat: Chat, payload: str) -> bool:
    """``sub``, ``topic-<key>``, ``alert-<id>``: act on a publisher's link. True when handled."""
    from .alerting import copy_shared_alert
    from .preferences import follow_topic

    if payload == "sub":
        fresh = await subscribe_chat(update, context, chat)
        await confirm_subscribed(update, context, chat, fresh)
        return True
    kind, _, value = payload.partition("-")
    if kind == "sub" and value:
        return await subscribe_to(update, context, chat, value)
    if kind == "topic" and value:
        await follow_topic(update, context, chat, value)
        return True
    if kind == "alert" and value:
        await copy_shared_alert(update, context, chat, value)
        return True
    return False


async def cmd_subscribe(update: Update, context: BotContext) -> None:
    chat = await chat_of(update, context)
    if context.args:
        await _channel(update, context, chat, context.args[0], subscribe=True)
        return
    if known := await several(context):
        await offer(update, context, chat, known)
        return
    await confirm_subscribed(update, context, chat, await subscribe_chat(update, context, chat))


async def cmd_unsubscribe(update: Update, context: BotContext) -> None:
    chat = await chat_of(update, context)
    if context.args:
        await _channel(update, context, chat, context.args[0], subscribe=False)
        return
    db = context.bot_data.services.db
    if not await db.write(lambda store: store.chats.unsubscribe(chat.id)):
        await reply(update, context, say("not_subscribed", chat.language))
        return
    await reply(
        update,
        context,
        say("unsubscribed", chat.language),
        markup=_undo("unsub", chat.language),
    )


# -- buttons -----------------------------------------------------------------------------


async def on_subscribe_button(
    update: Update, context: BotContext, press: Press, chat: Chat
) -> None:
    fresh = await subscribe_chat(update, context, chat)
    time, tz = push_time(chat, context)
    text = say("subscribed" if fresh else "already_subscribed", chat.language, time=time, tz=tz)
    query = update.callback_query
    if query is not None:
        await query.answer(text)
        if query.message is not None:  # the Subscribe button has done its job
            await query.edit_message_reply_markup(None)
    if fresh:
        await reply(update, context, text, markup=_undo("sub", chat.language))


async def on_undo_button(update: Update, context: BotContext, press: Press, chat: Chat) -> None:
    """Undo a (un)subscription from the button under its confirmation."""
    db = context.bot_data.services.db
    query = update.callback_query
    if press.args[0] == "sub":
        await db.write(lambda store: store.chats.unsubscribe(chat.id))
        text = say("unsubscribed", chat.language)
    elif press.args[0] == "unsub":
        await subscribe_chat(update, context, chat)
        time, tz = push_time(chat, context)
        text = say("subscribed", chat.language, time=time, tz=tz)
    else:
        raise BadCallback("undo what?")
    if query is not None:
        await query.answer()
        await query.edit_message_text(text)


async def on_channel_button(update: Update, context: BotContext, press: Press, chat: Chat) -> None:
    """``ch:<id>:unsub`` from /channels: only for a channel this user manages."""
    user = update.effective_user
    channel_id = press.int_arg(0)
    db = context.bot_data.services.db
    mine = await db.read(lambda store: store.chats.managed_chats(user.id)) if user else []
    managed = {c.id: c for c in mine}
    if channel_id not in managed or press.args[1] != "unsub":
        raise BadCallback("not a channel of this user")
    await db.write(lambda store: store.chats.unsubscribe(channel_id))
    text = say("channel_unsubscribed", chat.language, name=managed[channel_id].title)
    if update.callback_query is not None:
        await update.callback_query.answer(text)
    await cmd_channels(update, context)


# -- channels managed from a private chat ------------------------------------------------


async def _channel(
    update: Update, context: BotContext, chat: Chat, target: str, *, subscribe: bool
) -> None:
    lang = chat.language
    user = update.effective_user
    if chat.type != "private" or user is None:
        await reply(update, context, say("channel_usage", lang))
        return
    numeric = target.lstrip("-")
    ref: int | str = int(target) if numeric.isascii() and numeric.isdigit() else target
    if isinstance(ref, str) and not ref.startswith("@"):
        ref = "@" + ref
    try:
        tg_chat = await context.bot.get_chat(ref)
        me = await context.bot.get_chat_member(tg_chat.id, context.bot.id)
        them = await context.bot.get_chat_member(tg_chat.id, user.id)
    except (BadRequest, Forbidden):
        await reply(update, context, say("channel_not_found", lang, name=target[:64]))
        return
    name = tg_chat.title or target
    if tg_chat.type != "channel":
        await reply(update, context, say("channel_usage", lang))
        return
    if me.status != ChatMemberStatus.ADMINISTRATOR or not getattr(me, "can_post_messages", True):
        await reply(update, context, say("channel_bot_not_admin", lang, name=name))
        return
    if them.status not in ADMIN_STATUSES:
        await reply(update, context, say("channel_user_not_admin", lang, name=name))
        return
    channel = await context.bot_data.services.db.write(
        lambda store: _manage_channel(
            store, tg_chat.id, name, manager=user.id, lang=lang, subscribe=subscribe
        )
    )
    if subscribe:
        time, tz = push_time(channel, context)
        await reply(update, context, say("channel_subscribed", lang, name=name, time=time, tz=tz))
    else:
        await reply(update, context, say("channel_unsubscribed", lang, name=name))


def _manage_channel(
    store: Store, channel_id: int, name: str, *, manager: int, lang: str, subscribe: bool
) -> Chat:
    """The channel's row, its manager, active, and (un)subscribed: one write."""
    with store.transaction():
        channel = store.chats.ensure_chat(channel_id, type="channel", title=name, language=lang)
        store.chats.add_manager(channel.id, manager)
        if not channel.active:
            store.chats.set_active(channel.id, True)
        if not subscribe:
            store.chats.unsubscribe(channel.id)
        elif not store.chats.scopes(channel.id):
            store.chats.subscribe(channel.id, ALL)
    return channel


async def cmd_channels(update: Update, context: BotContext) -> None:
    chat = await chat_of(update, context)
    lang = chat.language
    user = update.effective_user
    if chat.type != "private" or user is None:
        await reply(update, context, say("private_only", lang))
        return
    channels = await context.bot_data.services.db.read(
        lambda store: [
            (c, bool(store.chats.scopes(c.id))) for c in store.chats.managed_chats(user.id)
        ]
    )
    if not channels:
        await reply(
            update, context, say("channels_none", lang) + "\n" + say("channel_usage", lang)
        )
        return
    lines, rows = [say("channels_header", lang)], []
    for channel, subscribed in channels:
        if not channel.active:
            state = say("state_inactive", lang, reason=channel.inactive_reason)
        else:
            state = say("state_subscribed" if subscribed else "state_unsubscribed", lang)
        time, tz = push_time(channel, context)
        fmt = say(f"format_{channel.format}", lang)
        lines.append(
            say(
                "channel_line", lang, name=channel.title, state=state, time=time, tz=tz, format=fmt
            )
        )
        if subscribed:
            label = say("button_unsubscribe_channel", lang, name=channel.title[:30])
            data = encode("ch", channel.id, "unsub")
            rows.append([InlineKeyboardButton(label, callback_data=data)])
    await reply(
        update, context, "\n".join(lines), markup=InlineKeyboardMarkup(rows) if rows else None
    )


# -- membership --------------------------------------------------------------------------


async def on_my_chat_member(update: Update, context: BotContext) -> None:
    """Blocked / kicked → inactive (data kept); unblocked / re-added → active, greeted."""
    change = update.my_chat_member
    if change is None:
        return
    chat = await chat_of(update, context)
    services = context.bot_data.services
    old, new = change.old_chat_member.status, change.new_chat_member.status
    if new in GONE:
        reason = "blocked" if chat.type == "private" else "kicked"
        if new == ChatMemberStatus.LEFT:
            reason = "left"
        await services.db.write(
            lambda store: store.chats.set_active(chat.id, False, reason=reason)
        )
        await services.alerts_changed(chat.id)
        log.info("chat %s inactive: %s", chat.id, reason)
        return
    if old in GONE:
        await services.db.write(lambda store: store.chats.set_active(chat.id, True))
        await services.alerts_changed(chat.id)
        if chat.type in ("group", "supergroup"):
            text = say("group_greeting", chat.language, bot=context.bot.first_name)
            await context.bot.send_message(chat.id, text)


async def on_migrate(update: Update, context: BotContext) -> None:
    """A group became a supergroup: move the chat and all its settings to the new id."""
    message = update.effective_message
    if message is None or message.migrate_to_chat_id is None:
        return
    services = context.bot_data.services
    old_id, new_id = message.chat.id, message.migrate_to_chat_id
    moved = await services.db.write(lambda store: store.chats.migrate_chat(old_id, new_id))
    await services.alerts_changed(old_id, new_id)
    if moved:
        log.info("chat %s migrated to %s", message.chat.id, message.migrate_to_chat_id)
