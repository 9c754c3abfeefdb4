"""A chat's preferences: /topics (what it gets) and /settings (when, in what form)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.config import parse_hhmm, parse_timezone
from bot.digest.models import FORMATS, Chat
from bot.render.buttons import BadCallback, Press, encode
from bot.render.i18n import LANGUAGES, zone_name
from bot.search.taxonomy import Topic
from bot.services import BotContext
from bot.store.chats import ALL, stamp

from .context import chat_of, push_time, reply, say

COMMON_ZONES = (
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Taipei",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "UTC",
)
COMMON_TIMES = ("06:00", "07:00", "07:30", "08:00", "09:00", "12:00", "18:00", "21:00")
SETTING_ALIASES = {
    "time": "time",
    "时间": "time",
    "tz": "tz",
    "timezone": "tz",
    "时区": "tz",
    "lang": "lang",
    "language": "lang",
    "语言": "lang",
    "format": "format",
    "格式": "format",
    "previews": "previews",
    "preview": "previews",
    "预览": "previews",
    "cadence": "cadence",
    "频率": "cadence",
    "day": "day",
    "星期": "day",
}
WEEK_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ZH_WEEK_DAYS = "一二三四五六日"
CADENCE_WORDS = {"daily": "daily", "每日": "daily", "每天": "daily", "weekly": "weekly"}
CADENCE_WORDS |= {"每周": "weekly"}
SWITCH = {"on": True, "off": False, "yes": True, "no": False, "1": True, "0": False, "开": True}
SWITCH |= {"关": False, "true": True, "false": False}


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


# -- settings ----------------------------------------------------------------------------


def _settings_text(chat: Chat, context: BotContext) -> str:
    lang = chat.language
    time, tz = push_time(chat, context)
    body = say(
        "settings_body",
        lang,
        time=time,
        tz=zone_name(tz, lang),
        lang=say("language_name", lang),
        format=say(f"format_{chat.format}", lang),
        previews=say("on" if chat.previews else "off", lang),
    )
    day = say(f"day_{WEEK_DAYS[chat.week_day]}", lang)
    cadence = say(f"cadence_{chat.cadence}", lang, day=day, time=time)
    return (
        say("settings_header", lang)
        + "\n"
        + say("settings_cadence", lang, cadence=cadence)
        + ("\n" + body)
    )


def _settings_markup(chat: Chat, context: BotContext) -> InlineKeyboardMarkup:
    """Buttons that say what they set, the current choice of each marked ✓."""
    lang = chat.language
    time, tz = push_time(chat, context)

    def button(
        label: str, key: str, value: object, *, current: bool = False
    ) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            ("✓ " if current else "") + label, callback_data=encode("set", key, value)
        )

    other = "en" if lang == "zh" else "zh"
    other_format = "compact" if chat.format == "full" else "full"
    state = say("on" if chat.previews else "off", lang)
    rows = [
        [
            button("🌐 " + say("language_name", other), "lang", other),
            button(
                say("button_format", lang, format=say(f"format_{chat.format}", lang)),
                "format",
                other_format,
            ),
            button(say("button_previews", lang, state=state), "previews", int(not chat.previews)),
        ],
        [
            button("🗓 " + say("cadence_name_daily", lang), "cadence", "daily")
            if chat.cadence == "weekly"
            else button("🗓 " + say("cadence_name_weekly", lang), "cadence", "weekly")
        ],
        *(
            [
                [
                    button(say(f"day_{d}", lang), "day", d, current=n == chat.week_day)
                    for n, d in enumerate(WEEK_DAYS)
                ]
            ]
            if chat.cadence == "weekly"
            else []
        ),
        [button(t, "time", t.replace(":", ""), current=t == time) for t in COMMON_TIMES[:4]],
        [button(t, "time", t.replace(":", ""), current=t == time) for t in COMMON_TIMES[4:]],
    ]
    zones = [
        button(zone_name(z, lang), "tz", i, current=z == tz) for i, z in enumerate(COMMON_ZONES)
    ]
    rows += [zones[i : i + 3] for i in range(0, len(zones), 3)]
    return InlineKeyboardMarkup(rows)


def confirmation(chat: Chat, field: str, context: BotContext) -> str:
    """What a change did, as a sentence in the chat's (new) language."""
    lang = chat.language
    time, tz = push_time(chat, context)
    place = zone_name(tz, lang)
    day = say(f"day_{WEEK_DAYS[chat.week_day]}", lang)
    if field == "push_time":
        weekly = chat.cadence == "weekly"
        return say(
            "saved_time_weekly" if weekly else "saved_time", lang, time=time, tz=place, day=day
        )
    if field == "timezone":
        return say("saved_tz", lang, tz=place, time=time)
    if field == "language":
        return say("saved_lang", lang)
    if field == "format":
        return say(f"saved_format_{chat.format}", lang)
    if field == "previews":
        return say("saved_previews_on" if chat.previews else "saved_previews_off", lang)
    return say(f"saved_cadence_{chat.cadence}", lang, time=time, day=day)  # cadence, week_day


def parse_setting(key: str, value: str) -> tuple[str, object] | None:
    """(Chat field, value) for ``/settings KEY VALUE``; None when the value is not valid."""
    if key == "time":
        return ("push_time", parse_hhmm(value)) if parse_hhmm(value) else None
    if key == "tz":
        zone = parse_timezone(value) or next(
            (z for z in COMMON_ZONES if z.lower() == value.lower()), None
        )
        return ("timezone", zone) if zone else None
    if key == "lang":
        return ("language", value.lower()) if value.lower() in LANGUAGES else None
    if key == "format":
        return ("format", value.lower()) if value.lower() in FORMATS else None
    if key == "previews":
        flag = SWITCH.get(value.lower())
        return ("previews", flag) if flag is not None else None
    if key == "cadence":
        cadence = CADENCE_WORDS.get(value.lower())
        return ("cadence", cadence) if cadence else None
    if key == "day":
        return ("week_day", week_day) if (week_day := parse_week_day(value)) is not None else None
    return None


def parse_week_day(value: str) -> int | None:
    """0 (Monday) … 6 (Sunday) from mon…sun, monday…, 1…7, 一…日 / 周一 / 星期日 / 天."""
    word = value.strip().lower().removeprefix("星期").removeprefix("周")
    if word[:3] in WEEK_DAYS and (len(word) == 3 or word.endswith("day")):
        return WEEK_DAYS.index(word[:3])
    if word.isascii() and word.isdecimal() and 1 <= int(word) <= 7:
        return int(word) - 1
    if len(word) == 1 and word in ZH_WEEK_DAYS + "天":
        return ZH_WEEK_DAYS.index(word) if word != "天" else 6
    return None


EXPECTED = {
    "time": "HH:MM",
    "tz": "Area/City",
    "lang": "zh | en",
    "format": "full | compact",
    "previews": "on | off",
    "cadence": "daily | weekly",
    "day": "mon … sun",
}


async def _save(context: BotContext, chat: Chat, field: str, value: object) -> Chat:
    """Store one setting; choosing a roundup day also switches the chat to weekly."""
    values: dict[str, object] = {field: value}
    if field == "week_day":
        values["cadence"] = "weekly"
    if field in ("cadence", "week_day"):  # no roundup that fell due before this change
        values["cadence_since"] = stamp(context.bot_data.services.now())
    return await context.bot_data.services.db.write(
        lambda store: store.chats.update_chat(chat.id, **values)
    )


async def cmd_settings(update: Update, context: BotContext) -> None:
    chat = await chat_of(update, context)
    args = context.args or []
    if not args:
        await reply(
            update, context, _settings_text(chat, context), markup=_settings_markup(chat, context)
        )
        return
    key = SETTING_ALIASES.get(args[0].lower())
    if key is None or len(args) != 2:
        await reply(update, context, say("settings_usage", chat.language))
        return
    parsed = parse_setting(key, args[1])
    if parsed is None:
        text = say(
            "setting_bad", chat.language, key=key, value=args[1][:40], expected=EXPECTED[key]
        )
        await reply(update, context, text)
        return
    chat = await _save(context, chat, *parsed)
    await reply(update, context, confirmation(chat, parsed[0], context))


async def on_setting_button(update: Update, context: BotContext, press: Press, chat: Chat) -> None:
    key, raw = press.args
    if key == "tz":
        index = press.int_arg(1)
        if not 0 <= index < len(COMMON_ZONES):
            raise BadCallback("no such zone")
        raw = COMMON_ZONES[index]
    elif key == "time" and len(raw) == 4:
        raw = f"{raw[:2]}:{raw[2:]}"
    elif key == "previews":
        raw = "on" if raw == "1" else "off"
    parsed = parse_setting(key, raw)
    if parsed is None:
        raise BadCallback("bad setting")
    chat = await _save(context, chat, *parsed)
    query = update.callback_query
    if query is not None:
        await query.answer(confirmation(chat, parsed[0], context)[:200])
        try:
            await query.edit_message_text(
                _settings_text(chat, context), reply_markup=_settings_markup(chat, context)
            )
        except BadRequest as exc:
            if "not modified" not in str(exc):
                raise
