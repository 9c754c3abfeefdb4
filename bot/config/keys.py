"""Every configuration key in ONE table (``KEYS``): its parser and what a bad value is told it
should be, its default, what it does, and where ``Config`` keeps it (pure).

The table feeds the config's dataclass defaults (``default``), the reading and validation of a
file (``bot.config.load_config``: unknown keys, the one-line error), ``check-config`` (every
key, its value and whether it is the default) and the test that ``config.example.toml``
names every key and ships the defaults (tests/cli/test_config.py). A new key is a row here,
its field in ``Config`` and its line in the example.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from bot.digest import rulenames

from . import values

ARRAYS = ("topics", "sources", "series")  # [[name]]: arrays of tables, keys "name[].key"


@dataclass(frozen=True, slots=True)
class Key:
    """One key: ``push.time``, or ``topics[].key`` for a key of each ``[[topics]]`` table."""

    path: str
    parse: Callable[[Any], Any]  # TOML's value → the value, None when it is not one
    expected: str  # what the error says a value should be
    default: Any  # what the bot uses without it (None: required, or worked out; see about)
    about: str  # what it does, in a line
    attr: str = ""  # where Config holds it when not at ``path`` ("-": nowhere, e.g. arrays)
    secret: bool = False  # never shown

    @property
    def section(self) -> str:
        return self.path.split(".")[0].removesuffix("[]")

    @property
    def name(self) -> str:
        return self.path.split(".", 1)[1]

    def value_in(self, config: object) -> object:
        """The key's value in a loaded Config."""
        value = config
        for part in (self.attr or self.path).split("."):
            value = getattr(value, part)
        return value


_LAYOUTS = " | ".join(f'"{n}"' for n in rulenames.NAMES) + ' | "headings:N"'

KEYS: tuple[Key, ...] = (
    Key("telegram.token", values.text, "a string", "", "the bot token (DIGESTBOT_TOKEN wins)",
        secret=True),
    Key("telegram.api_base_url", values.url, "an http(s) URL", "",
        "Bot API base URL; empty: https://api.telegram.org"),
    Key("telegram.admins", values.admins, "a list of numeric user ids", (),
        "user ids allowed /stats, /push, /reload, /broadcast"),
    Key("digests.dir", values.text, "a folder path", "digests", "the folder of digests",
        attr="digests_dir"),
    Key("digests.max_items", values.at_least_one, "a whole number >= 1", 500,
        "a file with more items is refused", attr="limits.max_items"),
    Key("digests.max_parts", values.at_least_one, "a whole number >= 1", 30,
        "a file that is more messages a reader is refused", attr="limits.max_parts"),
    Key("digests.undated", values.undated, '"first-seen" or "skip"', "first-seen",
        "a digest with no date: dated the day first seen, or left out", attr="undated"),
    Key("storage.path", values.text, "a file path", None,
        "the SQLite database (default: <data folder>/digestbot.sqlite3)", attr="db_path"),
    Key("storage.url", values.database_url, "a postgresql:// URL", "",
        "PostgreSQL ≥ 14 instead of the SQLite file (DIGESTBOT_DATABASE_URL wins)",
        attr="db_url", secret=True),
    Key("storage.lease_seconds", values.positive, "seconds > 0", 15.0,
        "PostgreSQL: a leader that stops renewing its lease is replaced after this",
        attr="lease_seconds"),
    Key("push.time", values.parse_hhmm, "HH:MM", dt.time(8, 0),
        "when a chat gets the edition unless it chose a time"),
    Key("push.timezone", values.parse_timezone, "an IANA time zone", "Asia/Shanghai",
        "the zone of push.time unless a chat chose one"),
    Key("push.rate", values.positive, "messages per second > 0", 25.0,
        "messages per second over all chats"),
    Key("push.paid_broadcast", values.flag, "true or false", False,
        "Telegram's paid broadcast lane (Stars)"),
    Key("push.paid_daily_cap", values.count, "a count", 10_000, "paid messages a day at most"),
    Key("push.max_age", values.parse_age, 'a duration like "2d" or "36h"', dt.timedelta(days=2),
        "an edition older than this is never pushed"),
    Key("push.tick", values.positive, "seconds > 0", 30.0,
        "seconds between scans of the sources and planning rounds"),
    Key("push.concurrency", values.slots, "a number from 1 to 1000", 64,
        "sends in flight at once"),
    Key("push.corrections", values.corrections, '"edit" or "off"', "edit",
        "an edition edited after its push: edit the sent messages, or not"),
    Key("push.approve", values.flag, "true or false", False,
        "each new edition waits for a bot admin's send"),
    Key("alerts.dedup_days", values.count, "a whole number of days (0: off)", 7,
        "an alert never repeats a story the chat got an alert for within this many days",
        attr="alert_dedup_days"),
    Key("push.roundup_rank", values.roundup_rank, '"position" or "feedback"', "position",
        "the weekly roundup's top items: a digest's lead stories, or what readers liked most"),
    Key("webhook.url", values.url, "an https URL", "", "receive updates by webhook at this URL"),
    Key("webhook.listen", values.text, "an address", "127.0.0.1", "the webhook's address"),
    Key("webhook.port", values.port, "a port number", 8443, "the webhook's port"),
    Key("webhook.path", values.url_path, 'a path starting with "/"', "/telegram",
        "the webhook's path"),
    Key("webhook.secret_token", values.secret, "1-256 characters A-Z a-z 0-9 _ -", "",
        "the webhook's secret (generated once when empty)", secret=True),
    Key("http.listen", values.text, "an address", "127.0.0.1", "/healthz and /metrics address"),
    Key("http.port", values.port, "a port number", 9180, "/healthz and /metrics port"),
    Key("http.page", values.flag, "true or false", False,
        "the publisher's page at /page (a bot admin's /page sends the login link)"),
    Key("log.level", values.log_level, " or ".join(values.LOG_LEVELS), "INFO", "log level"),
    Key("log.format", values.log_format, '"text" or "json"', "text", "log lines as text or JSON"),
    Key("topics[].key", values.topic_key, 'a short lowercase key like "carbon-market"', None,
        "a topic's key (required)", attr="-"),
    Key("topics[].name_zh", values.text, "a string", None, "its Chinese name (default: the key)",
        attr="-"),
    Key("topics[].name_en", values.text, "a string", None,
        "its English name (default: the Chinese name)", attr="-"),
    Key("topics[].keywords", values.keywords, "a non-empty list of strings", None,
        "the words that file an item under it (required)", attr="-"),
    Key("sources[].url", values.url, "an http(s) URL", None,
        "a remote digest ({date}: YYYY-MM-DD)", attr="-"),
    Key("sources[].feed", values.url, "an http(s) URL", None,
        "an RSS 2.0, Atom or JSON Feed newsletter: each entry an edition", attr="-"),
    Key("series[].match", values.text, "the series' name or folder", None,
        "the series a rule is for (required)", attr="-"),
    Key("series[].items", values.layout_rule, _LAYOUTS, "", "how its stories are found",
        attr="-"),
    Key("series[].skip_sections", values.keywords, "a list of section names", (),
        "sections whose entries are never stories", attr="-"),
)  # fmt: skip

BY_PATH = {k.path: k for k in KEYS}
SECTIONS: dict[str, frozenset[str]] = {
    section: frozenset(k.name for k in KEYS if k.section == section)
    for section in dict.fromkeys(k.section for k in KEYS)
}


def default(path: str) -> Any:
    """The default of ``path`` (for the config's dataclasses)."""
    return BY_PATH[path].default


def key(section: str, name: str) -> Key:
    return BY_PATH[f"{section}[].{name}" if section in ARRAYS else f"{section}.{name}"]


class Shown(NamedTuple):
    """A key as check-config shows it: its value (secrets only "set"), whether that is the
    default, and what the key does."""

    path: str
    value: str
    default: bool
    about: str


def _text(value: object) -> str:
    """A value as it would be written in the file."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, dt.timedelta):
        minutes = int(value.total_seconds()) // 60
        for unit, size in (("d", 1440), ("h", 60)):
            if minutes % size == 0:
                return f"{minutes // size}{unit}"
        return f"{minutes}m"
    if isinstance(value, tuple | list):
        return ", ".join(str(v) for v in value) or "(none)"
    return str(value) if value != "" else "(empty)"


def shown(config: object) -> list[Shown]:
    """Every key of a loaded Config (not the [[arrays]]), in the table's order."""
    rows = []
    for k in KEYS:
        if k.attr == "-":
            continue
        value = k.value_in(config)
        is_default = k.default is None or value == k.default or str(value) == str(k.default)
        text = ("set" if value else "not set") if k.secret else _text(value)
        rows.append(Shown(k.path, text, is_default, k.about))
    return rows
