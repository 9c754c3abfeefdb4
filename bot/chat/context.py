"""What every handler needs to know about the chat an update came from, and how to answer it.

The chat row (created on first contact), its language, whether the sender may change the
chat's subscription and settings (private chats: the user; groups: chat admins, anonymous
admins included; admin status asked of Telegram at each change), and replies that land in the
right thread.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import logging
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, LinkPreviewOptions, Message, Update
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError

from bot.render.i18n import t
from bot.services import BotContext
from bot.store.faults import DatabaseError, cause
from bot.store.readers import Chat

log = logging.getLogger(__name__)

ANONYMOUS_ADMIN = 1087968824  # GroupAnonymousBot: "from" of messages by anonymous admins
QUICK_READ = 1.0  # s an answer that needs no chat row waits for it
ADMIN_STATUSES = {ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR}


def user_language(update: Update) -> str:
    """zh unless the user's client says another language (then en)."""
    code = (update.effective_user.language_code if update.effective_user else None) or ""
    return "en" if code and not code.lower().startswith("zh") else "zh"


def asker_language(update: Update, chat: Chat) -> str:
    """The language of an answer meant for one person (a refusal, /help, an unknown command):
    in a private chat the chat's own; in a group the asker's client language when it says one,
    else the group's. What the bot posts for the whole group stays in the group's language."""
    user = update.effective_user
    if chat.type == "private" or user is None or not user.language_code:
        return chat.language
    return user_language(update)


def say(key: str, lang: str, /, **values: object) -> str:
    """A catalogue string as Telegram HTML: every inserted value escaped."""
    return t(key, lang, **{k: html.escape(str(v), quote=False) for k, v in values.items()})


async def chat_of(update: Update, context: BotContext, *, create: bool = True) -> Chat:
    """The chat's row, created on first contact with the user's language.

    Read on a reader connection; written only when the chat is new or renamed, so a busy
    database slows only what must change it. ``create=False`` (answers that need no row, such
    as /help): a chat not stored yet, or a database that does not answer within
    ``QUICK_READ`` seconds or cannot be reached, gives the defaults instead and nothing is
    written.
    """
    tg = update.effective_chat
    if tg is None:  # pragma: no cover - only chat updates reach the handlers
        raise ValueError("update without a chat")
    title = tg.title or tg.full_name or tg.username or ""
    db = context.bot_data.services.db
    default = Chat(tg.id, tg.type, title=title, language=user_language(update))
    try:
        async with asyncio.timeout(None if create else QUICK_READ):
            found = await db.read(lambda store: store.chats.get_chat(tg.id))
    except TimeoutError:
        log.info("chat %s: the database did not answer; answering with the defaults", tg.id)
        return default
    except DatabaseError as exc:
        if create:
            raise
        log.info("chat %s: %s; answering with the defaults", tg.id, cause(exc))
        return default
    if not create:
        return found or default
    if found is not None and (not title or title == found.title):
        return found
    return await db.write(
        lambda store: store.chats.ensure_chat(
            tg.id, type=tg.type, title=title, language=default.language
        )
    )


def push_time(chat: Chat, context: BotContext) -> tuple[str, str]:
    """("08:00", "Asia/Shanghai"): when the chat gets its edition."""
    push = context.bot_data.services.config.push
    return (chat.push_time or push.time).strftime("%H:%M"), chat.timezone or push.timezone


def chat_today(chat: Chat, context: BotContext) -> dt.date:
    services = context.bot_data.services
    zone = ZoneInfo(chat.timezone or services.config.push.timezone)
    return services.now().astimezone(zone).date()


def thread_of(update: Update) -> int | None:
    message = update.effective_message
    if message is not None and message.is_topic_message:
        return message.message_thread_id
    return None


async def is_admin(context: BotContext, chat_id: int, user_id: int) -> bool:
    """Whether the user administers the chat, asked of Telegram each time: every use is a
    change to the chat, and an admin demoted a moment ago must not make one."""
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
    except TelegramError as exc:
        log.info("admin check failed in %s: %s", chat_id, exc)
        return False
    return member.status in ADMIN_STATUSES


async def can_manage(update: Update, context: BotContext) -> bool:
    """May the sender change this chat's subscription, topics, alerts and settings?"""
    chat = update.effective_chat
    if chat is None:
        return False
    if chat.type == "private":
        return True
    message = update.effective_message
    if update.callback_query is None and message is not None and message.sender_chat is not None:
        return message.sender_chat.id == chat.id  # an anonymous admin posting as the group
    user = update.effective_user
    if user is None or user.id == ANONYMOUS_ADMIN:
        return False
    return await is_admin(context, chat.id, user.id)


async def reply(
    update: Update,
    context: BotContext,
    text: str,
    *,
    markup: InlineKeyboardMarkup | None = None,
    preview: bool = False,
) -> Message:
    """Send ``text`` (HTML) to the update's chat, in its forum topic if it came from one."""
    chat = update.effective_chat
    if chat is None:  # pragma: no cover
        raise ValueError("update without a chat")
    return await context.bot.send_message(
        chat.id,
        text,
        message_thread_id=thread_of(update),
        reply_markup=markup,
        link_preview_options=LinkPreviewOptions(is_disabled=not preview),
    )
