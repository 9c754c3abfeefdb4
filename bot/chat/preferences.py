"""A chat's preferences: /topics (what it gets) and /settings (when, in what form)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.render.buttons import BadCallback, Press, encode
from bot.search.taxonomy import Topic
from bot.services import BotContext
from bot.store.chats import ALL
from bot.store.readers import Chat

from . import settings
from .context import chat_of, push_time, reply, say
from .settings import parse_week_day as parse_week_day

# -- topics ------------------------------------------------------------------------------


def _topic_name(topic: Topic, lang: str) -> str:
    return topic.name_en if lang == "en" else topic.name_zh


async def _followed(context: BotContext, chat: Chat) -> set[str]:
    """The topics the chat follows (none: every item)."""
    scopes = await context.bot_data.services.db.read(lambda store: store.chats.scopes(chat.id))
    return scopes - {ALL}


def _topics_markup(chat: Chat, context: BotContext, followed: set[str]) -> InlineKeyboardMarkup:
    services = context.bot_data.services
    buttons = [
        InlineKeyboardButton(
            ("✅ " if topic.key in followed else "⬜ ") + _topic_name(topic, chat.language),
            callback_data=encode("tp", topic.key),
        )
        for topic in services.config.topics
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    if followed:
        label = say("button_all_topics", chat.language)
        rows.append([InlineKeyboardButton(label, callback_data=encode("tpall"))])
    return InlineKeyboardMarkup(rows)


async def cmd_topics(update: Update, context: BotContext) -> None:
    chat = await chat_of(update, context)
    if not context.bot_data.services.config.topics:
        await reply(update, context, say("topics_none", chat.language))
        return
    markup = _topics_markup(chat, context, await _followed(context, chat))
    await reply(update, context, say("topics_intro", chat.language), markup=markup)


async def _set_topics(context: BotContext, chat: Chat, topics: set[str]) -> None:
    """Follow exactly ``topics`` (none = every item); this also subscribes the chat."""
    scopes = topics or {ALL}
    await context.bot_data.services.db.write(lambda store: store.chats.set_scopes(chat.id, scopes))


async def on_topic_button(update: Update, context: BotContext, press: Press, chat: Chat) -> None:
    services = context.bot_data.services
    keys = {t.key for t in services.config.topics}
    followed = await _followed(context, chat)
    if press.action == "tpall":
        followed = set()
    elif press.args[0] in keys:
        followed ^= {press.args[0]}
    else:
        raise BadCallback("unknown topic")
    await _set_topics(context, chat, followed)
    query = update.callback_query
    if query is not None:
        await query.answer(say("topics_saved", chat.language))
        try:
            await query.edit_message_reply_markup(_topics_markup(chat, context, followed))
        except BadRequest as exc:  # pressed twice: "message is not modified"
            if "not modified" not in str(exc):
                raise


async def follow_topic(update: Update, context: BotContext, chat: Chat, key: str) -> None:
    """The ``topic-<key>`` deep link: follow that topic (and so subscribe)."""
    topic = next((t for t in context.bot_data.services.config.topics if t.key == key), None)
    if topic is None:
        await reply(update, context, say("topic_unknown", chat.language, key=key[:32]))
        return
    followed = await _followed(context, chat)
    await _set_topics(context, chat, followed | {key})
    name = _topic_name(topic, chat.language)
    await reply(update, context, say("topic_followed", chat.language, name=name))


# -- settings: every part below is driven by the table in .settings ----------------------


async def _current(context: BotContext, chat: Chat) -> settings.Current:
    stored = await context.bot_data.services.db.read(lambda store: store.chats.settings(chat.id))
    time, zone = push_time(chat, context)
    return settings.Current(chat, stored, time, zone)


def _settings_text(current: settings.Current) -> str:
    lang = current.lang
    lines = [say("settings_header", lang)]
    for setting in settings.SETTINGS:
        value = setting.show(current)
        if value:
            lines.append(say("setting_line", lang, label=setting.label(lang), value=value))
    return "\n".join([*lines, "", say("settings_hint", lang)])


def _settings_markup(current: settings.Current) -> InlineKeyboardMarkup:
    """Each setting's buttons, the current choice marked ✓; settings that offer a single
    button share a row (three at most)."""
    rows: list[list[InlineKeyboardButton]] = []
    shared = False  # the last row holds single buttons of settings
    for setting in settings.SETTINGS:
        own = [
            [
                InlineKeyboardButton(
                    ("✓ " if b.current else "") + b.label,
                    callback_data=encode("set", setting.name, b.token),
                )
                for b in row
            ]
            for row in setting.rows(current)
        ]
        single = len(own) == 1 and len(own[0]) == 1
        if single and shared and len(rows[-1]) < 3:
            rows[-1] += own[0]
        else:
            rows += own
            shared = single
    return InlineKeyboardMarkup(rows)


def confirmation(setting: settings.Setting, current: settings.Current) -> str:
    """What a change did, as a sentence in the chat's (new) language."""
    value = setting.show(current)
    return say(setting.confirmation_key(current), current.lang, value=value, **current.words())


async def _save(
    context: BotContext, chat: Chat, setting: settings.Setting, value: object
) -> settings.Current:
    """Store one setting (and what it also changes); the chat's settings after it."""
    columns, keyed = settings.changes(setting, value, context.bot_data.services.now())
    saved = await context.bot_data.services.db.write(
        lambda store: store.chats.save_settings(chat.id, columns, keyed)
    )
    return await _current(context, saved)


async def cmd_settings(update: Update, context: BotContext) -> None:
    chat = await chat_of(update, context)
    args = context.args or []
    if not args:
        current = await _current(context, chat)
        await reply(update, context, _settings_text(current), markup=_settings_markup(current))
        return
    setting = settings.find(args[0])
    if setting is None or len(args) != 2:
        text = say("settings_usage", chat.language, choices=settings.usage_choices())
        await reply(update, context, text)
        return
    value = setting.parse(args[1])
    if value is None:
        text = say(
            "setting_bad",
            chat.language,
            key=setting.name,
            value=args[1][:40],
            expected=setting.expected,
        )
        await reply(update, context, text)
        return
    current = await _save(context, chat, setting, value)
    await reply(update, context, confirmation(setting, current))


async def on_setting_button(update: Update, context: BotContext, press: Press, chat: Chat) -> None:
    name, token = press.args
    setting = settings.named(name)
    typed = setting.from_button(token) if setting is not None else None
    value = setting.parse(typed) if setting is not None and typed is not None else None
    if setting is None or value is None:
        raise BadCallback("bad setting")
    current = await _save(context, chat, setting, value)
    query = update.callback_query
    if query is not None:
        await query.answer(confirmation(setting, current)[:200])
        try:
            await query.edit_message_text(
                _settings_text(current), reply_markup=_settings_markup(current)
            )
        except BadRequest as exc:
            if "not modified" not in str(exc):
                raise
