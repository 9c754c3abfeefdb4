"""The conversation's wiring: one COMMANDS table, one registration site, one button router.

The table feeds the handlers, /help and the command menus (setMyCommands per language and
scope: private chats and group admins see every command, other group members the reading
ones). Commands that change a chat are checked once here: in groups only admins may.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    Update,
)
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ExtBot,
    InlineQueryHandler,
    JobQueue,
    MessageHandler,
    MessageReactionHandler,
    TypeHandler,
    filters,
)

from bot.render.buttons import ACTIONS, BadCallback, Press, decode
from bot.render.i18n import LANGUAGES
from bot.services import BotContext, BotData
from bot.store.faults import DatabaseError, describe
from bot.store.readers import Chat

from . import (
    admin,
    alerting,
    approving,
    choosing,
    feedback,
    inline,
    preferences,
    publisher,
    reading,
    searching,
    settings,
    subscribing,
    trending,
)
from .context import asker_language, can_manage, chat_of, reply, say, user_language
from .leading import handed_over

log = logging.getLogger(__name__)

Callback = Callable[[Update, BotContext], Coroutine[Any, Any, None]]
ButtonCallback = Callable[[Update, BotContext, Press, Chat], Coroutine[Any, Any, None]]
App = Application[
    ExtBot[None], BotContext, dict[Any, Any], dict[Any, Any], BotData, JobQueue[BotContext]
]


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    callback: Callback
    help_key: str
    example: str
    manage: bool = False  # changes the chat: only admins in groups
    private_only: bool = False  # managing channels happens in a private chat
    operator: bool = False  # only for the bot's admins (config telegram.admins)
    leader: bool = False  # the leading instance's work: a follower hands it over (leading.py)


async def cmd_help(update: Update, context: BotContext) -> None:
    chat = await chat_of(update, context, create=False)
    group = chat.type != "private"
    operator = admin.is_admin_user(update, context)
    lang = asker_language(update, chat)
    lines = [say("help_header", lang)]
    lines += [
        f"/{c.name} — {say(c.help_key, lang)}"
        for c in COMMANDS
        if not (group and c.private_only) and (operator or not c.operator)
    ]
    lines += ["", say("help_settings", lang)]
    lines += [
        say("help_setting", lang, name=s.name, expected=s.expected, label=s.label(lang))
        for s in settings.SETTINGS
    ]
    lines += ["", say("help_search", lang)]
    if context.bot.username:
        lines.append(say("help_inline", lang, bot=context.bot.username))
    await reply(update, context, "\n".join(lines))


COMMANDS: tuple[Command, ...] = (
    Command("start", subscribing.cmd_start, "cmd_start", "/start"),
    Command("today", reading.cmd_today, "cmd_today", "/today"),
    Command("day", reading.cmd_day, "cmd_day", "/day 2024-01-08"),
    Command("search", searching.cmd_search, "cmd_search", "/search 绿证 -煤炭"),
    Command("trend", trending.cmd_trend, "cmd_trend", "/trend 储能 绿证"),
    Command("subscribe", subscribing.cmd_subscribe, "cmd_subscribe", "/subscribe", manage=True),
    Command(
        "unsubscribe", subscribing.cmd_unsubscribe, "cmd_unsubscribe", "/unsubscribe", manage=True
    ),
    Command("topics", preferences.cmd_topics, "cmd_topics", "/topics", manage=True),
    Command("alert", alerting.cmd_alert, "cmd_alert", "/alert 储能 -煤炭", manage=True),
    Command("alerts", alerting.cmd_alerts, "cmd_alerts", "/alerts"),
    Command(
        "settings", preferences.cmd_settings, "cmd_settings", "/settings time 07:30", manage=True
    ),
    Command("channels", subscribing.cmd_channels, "cmd_channels", "/channels", private_only=True),
    Command("help", cmd_help, "cmd_help", "/help"),
    Command("whoami", admin.cmd_whoami, "cmd_whoami", "/whoami"),
    Command("stats", admin.cmd_stats, "cmd_stats", "/stats", operator=True),
    Command("push", admin.cmd_push, "cmd_push", "/push", operator=True, leader=True),
    Command("reload", admin.cmd_reload, "cmd_reload", "/reload", operator=True, leader=True),
    Command(
        "broadcast",
        admin.cmd_broadcast,
        "cmd_broadcast",
        "/broadcast 明天起推送改到 9:00",
        operator=True,
        private_only=True,
    ),
    Command("page", publisher.cmd_page, "cmd_page", "/page", operator=True, private_only=True),
)

# the handler of each button action of bot.render.buttons.ACTIONS (which says what changes
# the chat: admins only in groups)
BUTTONS: dict[str, ButtonCallback] = {
    "sub": subscribing.on_subscribe_button,
    "undo": subscribing.on_undo_button,
    "ch": subscribing.on_channel_button,
    "ed": reading.on_edition_button,
    "pg": reading.on_page_button,
    "tp": preferences.on_topic_button,
    "tpall": preferences.on_topic_button,
    "set": preferences.on_setting_button,
    "alx": alerting.on_alert_delete,
    "alsh": alerting.on_alert_share,
    "alc": alerting.on_alert_cadence,
    "sr": searching.on_search_page,
    "bc": admin.on_broadcast_button,
    "ss": choosing.on_series_button,
    "ap": approving.on_approval_button,
    "fb": feedback.on_vote_button,
}


def guarded(command: Command) -> Callback:
    """The command's callback behind the admin check (for commands that change the chat)."""

    async def run(update: Update, context: BotContext) -> None:
        started = time.perf_counter()
        try:
            await checked(update, context)
        finally:
            metrics = context.bot_data.services.metrics
            metrics.command(command.name, time.perf_counter() - started)

    async def checked(update: Update, context: BotContext) -> None:
        operator = admin.is_admin_user(update, context)
        if command.operator and not operator:
            await on_unknown(update, context)  # for others it does not exist
            return
        if operator and update.effective_user:
            await operator_menu(context, update.effective_user.id)
        where = update.effective_chat
        if command.private_only and where is not None and where.type != "private":
            chat = await chat_of(update, context, create=False)
            await reply(update, context, say("private_only", asker_language(update, chat)))
            return
        if command.manage and not await can_manage(update, context):
            chat = await chat_of(update, context, create=False)
            await reply(update, context, say("admins_only", asker_language(update, chat)))
            return
        if await handed_over(update, context, leader=command.leader):
            return
        await command.callback(update, context)

    return run


async def on_button(update: Update, context: BotContext) -> None:
    """Every inline button: decode, check, dispatch; anything stale or forged is "expired"."""
    query = update.callback_query
    if query is None or update.effective_chat is None:
        return
    chat = await chat_of(update, context)
    try:
        press = decode(query.data)
        if await handed_over(update, context, leader=ACTIONS[press.action].leader):
            return
        if ACTIONS[press.action].manages and not await can_manage(update, context):
            lang = asker_language(update, chat)
            await query.answer(say("admins_only", lang), show_alert=True)
            return
        await BUTTONS[press.action](update, context, press, chat)
    except (BadCallback, KeyError) as exc:
        log.info("expired button in %s: %s", chat.id, exc)
        await query.answer(say("expired", chat.language))


async def on_unknown(update: Update, context: BotContext) -> None:
    """An unknown command: a hint in private chats and when addressed to us in groups."""
    message = update.effective_message
    if message is None or message.text is None or update.effective_chat is None:
        return
    head = message.text.split()[0]
    addressed = head.lower().endswith(f"@{(context.bot.username or '').lower()}")
    if update.effective_chat.type == "private" or addressed:
        chat = await chat_of(update, context, create=False)
        await reply(update, context, say("unknown_command", asker_language(update, chat)))


async def throttle(update: Update, context: BotContext) -> None:
    """A sender of too many commands gets one "slow down", then is ignored until calm; a group
    past what the bot could answer is ignored a while (flood.py). Other senders carry on."""
    chat = update.effective_chat
    message = update.message
    if chat is None or message is None or not (message.text or "").startswith("/"):
        return
    sender = message.sender_chat or message.from_user
    verdict = context.bot_data.throttle.check(
        sender.id if sender is not None else chat.id,
        None if chat.type == "private" else chat.id,
    )
    if verdict == "ok":
        return
    if verdict == "warn":
        await reply(update, context, say("slow_down", user_language(update)))
    raise ApplicationHandlerStop


async def on_error(update: object, context: BotContext) -> None:
    """Log with the update's context (never the token) and apologise to the user; a database
    fault is one line (and /healthz says so) instead of a traceback per update."""
    update_id = getattr(update, "update_id", "?")
    services = context.bot_data.services
    if isinstance(context.error, DatabaseError):
        reason = describe(services.db.path, context.error)
        if services.runtime.store_failed(services.now(), reason):
            log.error("handler failed for update %s: %s", update_id, reason)
    else:
        log.error("handler failed for update %s", update_id, exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await reply(update, context, say("error", user_language(update)))
        except Exception:  # the apology is best effort; the error is logged above
            log.warning("could not send the apology for update %s", update_id)


def register(app: App) -> None:
    """The one place handlers are added."""
    app.add_handler(TypeHandler(Update, throttle), group=-1)
    for command in COMMANDS:
        app.add_handler(
            CommandHandler(command.name, guarded(command), filters=filters.UpdateType.MESSAGE)
        )
    app.add_handler(CallbackQueryHandler(on_button))
    app.add_handler(InlineQueryHandler(inline.on_inline_query))
    app.add_handler(MessageReactionHandler(feedback.on_reaction))
    app.add_handler(
        ChatMemberHandler(subscribing.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, subscribing.on_migrate))
    app.add_handler(MessageHandler(filters.COMMAND & filters.UpdateType.MESSAGE, on_unknown))
    app.add_handler(
        MessageHandler(
            filters.TEXT
            & ~filters.COMMAND
            & filters.ChatType.PRIVATE
            & filters.UpdateType.MESSAGE,
            searching.on_text,
        )
    )
    app.add_error_handler(on_error)


def menu(lang: str, scope: str) -> list[BotCommand]:
    """The command menu for ``scope`` (private, admins, group, operator) in one language."""
    chosen = [
        c
        for c in COMMANDS
        if (not c.operator or scope == "operator")
        and (
            scope in ("private", "operator")
            or (not c.private_only and (scope == "admins" or not c.manage))
        )
    ]
    return [BotCommand(c.name, say(c.help_key, lang)) for c in chosen]


SCOPES = {
    "private": BotCommandScopeAllPrivateChats(),
    "group": BotCommandScopeAllGroupChats(),
    "admins": BotCommandScopeAllChatAdministrators(),
}


async def publish_commands(app: App) -> None:
    """setMyCommands per scope and language (zh is also the default for other languages)."""
    await app.bot.set_my_commands(menu("zh", "private"), scope=BotCommandScopeDefault())
    for name, scope in SCOPES.items():
        await app.bot.set_my_commands(menu("zh", name), scope=scope)
        for lang in LANGUAGES:
            await app.bot.set_my_commands(menu(lang, name), scope=scope, language_code=lang)


def operators(app: App) -> tuple[int, ...]:
    return app.bot_data.services.config.telegram.admins


async def operator_menu(context: BotContext, user_id: int) -> None:
    """An admin's menu with the operator's commands, once the admin has a chat with the bot."""
    done = context.bot_data.operator_menus
    if user_id in done:
        return
    done.add(user_id)
    scope = BotCommandScopeChat(user_id)
    try:
        await context.bot.set_my_commands(menu("zh", "operator"), scope=scope)
        for lang in LANGUAGES:
            await context.bot.set_my_commands(
                menu(lang, "operator"), scope=scope, language_code=lang
            )
    except BadRequest as exc:
        log.warning("no operator menu for %s: %s", user_id, exc.message)
