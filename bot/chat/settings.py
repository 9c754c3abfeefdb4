"""The reader's settings: ONE table (``SETTINGS``) that drives ``/settings``, ``/settings NAME
VALUE``, its buttons and their presses, validation and its one-line error, ``/help``'s list and
the README's list of settings (``readme_rows``, checked by tests/test_readme.py).

Adding a setting is one ``Setting`` row here plus its catalogue strings (``setting_<name>``: its
label; ``saved_<name>``: the sentence that confirms a change, unless ``confirm`` names others).
Where it is stored follows from ``field``:

* ``field`` names a ``Chat`` attribute (a column of ``chats``): for what the delivery reads of
  every chat in SQL (push time, zone, format, cadence…). A new one needs a column, so a
  migration and a ``Chat`` field: only when the planner must select or group chats by it.
* ``field`` empty (the default): a row of ``chat_settings`` (chat, name, value as text), read
  by ``ChatStore.settings``. No migration, no model change: every other new setting goes here.

A setting has one canonical name (what buttons carry, the README and /help say); its aliases
(``timezone``, ``时区``…) are accepted as typed input only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from bot.config import parse_hhmm, parse_timezone
from bot.delivery.quiet import parse_quiet
from bot.render.i18n import LANGUAGES, t, zone_name
from bot.store.readers import FORMATS, Chat

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
WEEK_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ZH_WEEK_DAYS = "一二三四五六日"
CADENCE_WORDS = {"daily": "daily", "每日": "daily", "每天": "daily", "weekly": "weekly"}
CADENCE_WORDS |= {"每周": "weekly"}
SWITCH = {"on": True, "off": False, "yes": True, "no": False, "1": True, "0": False, "开": True}
SWITCH |= {"关": False, "true": True, "false": False}


class Button(NamedTuple):
    """One settings button: its label, the value it sets (as ``from_button`` reads it), and
    whether that is the chat's current choice (shown ✓)."""

    label: str
    token: str
    current: bool = False


@dataclass(frozen=True, slots=True)
class Current:
    """A chat's settings as they stand: its row, its ``chat_settings`` values, and the
    effective push time and zone (the bot's defaults where the chat has none)."""

    chat: Chat
    stored: Mapping[str, str]
    time: str  # "08:00"
    zone: str  # "Asia/Shanghai"

    @property
    def lang(self) -> str:
        return self.chat.language

    def words(self) -> dict[str, str]:
        """What confirmations and the cadence line may say: {time}, {tz}, {day}."""
        day = t(f"day_{WEEK_DAYS[self.chat.week_day]}", self.lang)
        return {"time": self.time, "tz": zone_name(self.zone, self.lang), "day": day}


Rows = list[list[Button]]


def _same(token: str) -> str | None:
    return token


def _nothing(value: object, now: dt.datetime) -> Mapping[str, object]:
    return {}


@dataclass(frozen=True, slots=True)
class Setting:
    """One reader setting (see the module's doc for what each part drives)."""

    name: str  # canonical: /settings NAME, the button data, /help, the README
    aliases: tuple[str, ...]  # also accepted when typed
    parse: Callable[[str], object | None]  # a typed value → the stored value; None: invalid
    expected: str  # what a valid value looks like, for the one-line error and /help
    field: str = ""  # the Chat field (chats column) it lives in; "": a chat_settings row
    default: str = ""  # a chat_settings setting's value until the chat chooses one
    choices: tuple[str, ...] = ()  # offered as buttons (when ``buttons`` is not given)
    shown: Callable[[Current], str] | None = None  # its value in /settings ("": no line)
    buttons: Callable[[Current], Rows] | None = None  # rows of buttons under /settings
    from_button: Callable[[str], str | None] = _same  # a button's token → a typed value
    confirm: Callable[[Current], str] | None = None  # the confirmation's catalogue key
    also: Callable[[object, dt.datetime], Mapping[str, object]] = _nothing
    # ``also(value, now)``: other Chat fields one change sets (``now``: when it was set)

    def value(self, current: Current) -> object:
        if self.field:
            return getattr(current.chat, self.field)
        return current.stored.get(self.name, self.default)

    def show(self, current: Current) -> str:
        if self.shown is not None:
            return self.shown(current)
        return str(self.value(current))

    def rows(self, current: Current) -> Rows:
        if self.buttons is not None:
            return self.buttons(current)
        if not self.choices:
            return []
        value = str(self.value(current))
        return [[Button(c, c, current=c == value) for c in self.choices]]

    def confirmation_key(self, current: Current) -> str:
        return self.confirm(current) if self.confirm is not None else f"saved_{self.name}"

    def label(self, lang: str) -> str:
        return t(f"setting_{self.name}", lang)


# -- parsing typed values ------------------------------------------------------------------


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


def _zone(value: str) -> str | None:
    return parse_timezone(value) or next(
        (z for z in COMMON_ZONES if z.lower() == value.lower()), None
    )


def _zone_button(token: str) -> str | None:
    """A zone button carries its index in COMMON_ZONES (callback data is short)."""
    index = int(token) if token.isdecimal() else -1
    return COMMON_ZONES[index] if 0 <= index < len(COMMON_ZONES) else None


def _one_of(words: tuple[str, ...]) -> Callable[[str], str | None]:
    return lambda value: value.lower() if value.lower() in words else None


def _cadence_since(value: object, now: dt.datetime) -> Mapping[str, object]:
    """No roundup that fell due before this change."""
    return {"cadence_since": now}


def _weekly_from(value: object, now: dt.datetime) -> Mapping[str, object]:
    """Choosing a roundup day also makes the chat weekly."""
    return {"cadence": "weekly", "cadence_since": now}


# -- how each reads and which buttons it offers --------------------------------------------


def _time_buttons(current: Current) -> Rows:
    times = [Button(x, x.replace(":", ""), current=x == current.time) for x in COMMON_TIMES]
    return [times[:4], times[4:]]


def _zone_buttons(current: Current) -> Rows:
    zones = [
        Button(zone_name(z, current.lang), str(i), current=z == current.zone)
        for i, z in enumerate(COMMON_ZONES)
    ]
    return [zones[i : i + 3] for i in range(0, len(zones), 3)]


def _cadence_buttons(current: Current) -> Rows:
    other = "daily" if current.chat.cadence == "weekly" else "weekly"
    return [[Button("🗓 " + t(f"cadence_name_{other}", current.lang), other)]]


def _day_buttons(current: Current) -> Rows:
    if current.chat.cadence != "weekly":
        return []
    lang, chosen = current.lang, current.chat.week_day
    return [[Button(t(f"day_{d}", lang), d, current=n == chosen) for n, d in enumerate(WEEK_DAYS)]]


def _lang_buttons(current: Current) -> Rows:
    other = "en" if current.lang == "zh" else "zh"
    return [[Button("🌐 " + t("language_name", other), other)]]


def _format_buttons(current: Current) -> Rows:
    lang, now = current.lang, current.chat.format
    label = t("button_format", lang, format=t(f"format_{now}", lang))
    return [[Button(label, "compact" if now == "full" else "full")]]


def _previews_buttons(current: Current) -> Rows:
    on = current.chat.previews
    state = t("on" if on else "off", current.lang)
    return [[Button(t("button_previews", current.lang, state=state), "0" if on else "1")]]


def _silent_buttons(current: Current) -> Rows:
    on = current.chat.silent
    state = t("on" if on else "off", current.lang)
    return [[Button(t("button_silent", current.lang, state=state), "0" if on else "1")]]


def _cadence_shown(current: Current) -> str:
    return t(f"cadence_{current.chat.cadence}", current.lang, **current.words())


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "time",
        ("时间", "push_time"),
        parse_hhmm,
        "HH:MM",
        field="push_time",
        shown=lambda c: c.time,
        buttons=_time_buttons,
        from_button=lambda token: f"{token[:2]}:{token[2:]}" if len(token) == 4 else None,
        confirm=lambda c: "saved_time_weekly" if c.chat.cadence == "weekly" else "saved_time",
    ),
    Setting(
        "tz",
        ("timezone", "时区"),
        _zone,
        "Area/City",
        field="timezone",
        shown=lambda c: zone_name(c.zone, c.lang),
        buttons=_zone_buttons,
        from_button=_zone_button,
    ),
    Setting(
        "cadence",
        ("频率",),
        lambda value: CADENCE_WORDS.get(value.lower()),
        "daily | weekly",
        field="cadence",
        shown=_cadence_shown,
        buttons=_cadence_buttons,
        confirm=lambda c: f"saved_cadence_{c.chat.cadence}",
        also=_cadence_since,
    ),
    Setting(
        "day",
        ("星期", "week_day"),
        parse_week_day,
        "mon … sun",
        field="week_day",
        shown=lambda c: "",  # said in the cadence line
        buttons=_day_buttons,
        confirm=lambda c: f"saved_cadence_{c.chat.cadence}",
        also=_weekly_from,
    ),
    Setting(
        "lang",
        ("language", "语言"),
        _one_of(LANGUAGES),
        " | ".join(LANGUAGES),
        field="language",
        shown=lambda c: t("language_name", c.lang),
        buttons=_lang_buttons,
    ),
    Setting(
        "format",
        ("格式",),
        _one_of(FORMATS),
        " | ".join(FORMATS),
        field="format",
        shown=lambda c: t(f"format_{c.chat.format}", c.lang),
        buttons=_format_buttons,
        confirm=lambda c: f"saved_format_{c.chat.format}",
    ),
    Setting(
        "previews",
        ("preview", "预览"),
        lambda value: SWITCH.get(value.lower()),
        "on | off",
        field="previews",
        shown=lambda c: t("on" if c.chat.previews else "off", c.lang),
        buttons=_previews_buttons,
        confirm=lambda c: "saved_previews_on" if c.chat.previews else "saved_previews_off",
    ),
    Setting(
        "quiet",
        ("免打扰", "quiet_hours"),
        parse_quiet,
        "HH:MM-HH:MM | off",
        field="quiet",
        shown=lambda c: c.chat.quiet or t("off", c.lang),
        confirm=lambda c: "saved_quiet_on" if c.chat.quiet else "saved_quiet_off",
    ),
    Setting(
        "silent",
        ("静音",),
        lambda value: SWITCH.get(value.lower()),
        "on | off",
        field="silent",
        shown=lambda c: t("on" if c.chat.silent else "off", c.lang),
        buttons=_silent_buttons,
        confirm=lambda c: "saved_silent_on" if c.chat.silent else "saved_silent_off",
    ),
)


def find(word: str) -> Setting | None:
    """The setting a typed name means: its canonical name or an alias, any case."""
    word = word.lower()
    return next((s for s in SETTINGS if word == s.name or word in s.aliases), None)


def named(name: str) -> Setting | None:
    """The setting a button names (canonical names only)."""
    return next((s for s in SETTINGS if s.name == name), None)


def changes(
    setting: Setting, value: object, now: dt.datetime
) -> tuple[dict[str, object], dict[str, str]]:
    """(Chat fields, chat_settings values) one change writes."""
    columns: dict[str, object] = dict(setting.also(value, now))
    keyed: dict[str, str] = {}
    if setting.field:
        columns[setting.field] = value
    else:
        keyed[setting.name] = str(value)
    return columns, keyed


def usage_choices() -> str:
    """``time HH:MM | tz Area/City | …``: every setting with what it takes."""
    return " | ".join(f"{s.name} {s.expected}" for s in SETTINGS)


def readme_rows() -> str:
    """The README's list of settings (tests/test_readme.py checks the README holds it)."""
    lines = ["| Setting | Also typed as | Values | What it sets |", "| --- | --- | --- | --- |"]
    for s in SETTINGS:
        aliases = ", ".join(f"`{a}`" for a in s.aliases)
        values = s.expected.replace("|", "\\|")  # a table cell
        lines.append(f"| `{s.name}` | {aliases} | {values} | {s.label('en')} |")
    return "\n".join(lines)
