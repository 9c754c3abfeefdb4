"""Typed, frozen configuration from a TOML file plus the environment (``values``: the parser of
each kind of value).

Works with no file at all: every value has a default that runs the bot locally. A bad value
names the file, the key and what was expected, e.g.
``config.toml: push.time: expected HH:MM, got "25:00"``. May import: ``bot.search`` (the
default topics) and ``bot.digest.rulenames`` (the layouts a ``[[series]]`` may name).
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import tomllib
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from bot.digest import rulenames
from bot.search.taxonomy import DEFAULT_TOPICS, Topic

from . import values
from .values import parse_hhmm as parse_hhmm
from .values import parse_timezone as parse_timezone

T = TypeVar("T")

ENV_CONFIG = "DIGESTBOT_CONFIG"
ENV_TOKENS = ("DIGESTBOT_TOKEN", "TELEGRAM_BOT_TOKEN")
ENV_DATA = "DIGESTBOT_DATA"
ENV_API_BASE_URL = "DIGESTBOT_API_BASE_URL"
DEFAULT_CONFIG_FILE = Path("config.toml")


class ConfigError(ValueError):
    """A configuration value that cannot be used; the message says where and why."""


class StartupError(Exception):
    """What the configuration names cannot be used at start (a port taken, a folder that
    cannot be read, a Bot API that does not answer): one line naming it and the fix."""


def port_taken(host: str, port: int, exc: OSError, *, key: str) -> StartupError:
    """The one line for an address the bot cannot listen on (``key``: how to change it)."""
    reason = "is taken" if exc.errno == errno.EADDRINUSE else f"cannot be used ({exc.strerror})"
    return StartupError(
        f"port {port} on {host} {reason}: stop what listens there, or set {key} to another "
        "port (0: any free one)"
    )


@dataclass(frozen=True, slots=True)
class DigestLimits:
    """How big one digest may be: beyond, it is refused with a clear error (check, ingest)."""

    max_items: int = 500  # items in one file
    max_parts: int = 30  # Telegram messages one edition becomes for a reader


DEFAULT_LIMITS = DigestLimits()


@dataclass(frozen=True, slots=True)
class TelegramConfig:
    token: str = field(default="", repr=False)
    api_base_url: str = ""
    admins: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class PushConfig:
    time: dt.time = dt.time(8, 0)
    timezone: str = "Asia/Shanghai"
    rate: float = 25.0
    paid_broadcast: bool = False
    paid_daily_cap: int = 10_000
    max_age: dt.timedelta = dt.timedelta(days=2)
    tick: float = 30.0  # seconds between scans of the sources / planning rounds
    concurrency: int = 64  # sends in flight at once
    corrections: str = "edit"  # an edition changed after its push: "edit" the sent messages, "off"
    approve: bool = False  # hold each new edition until a bot admin presses "send"


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    url: str = ""
    listen: str = "127.0.0.1"
    port: int = 8443
    path: str = "/telegram"
    secret_token: str = field(default="", repr=False)


@dataclass(frozen=True, slots=True)
class HttpConfig:
    listen: str = "127.0.0.1"
    port: int = 9180


@dataclass(frozen=True, slots=True)
class LogConfig:
    level: str = "INFO"
    format: str = "text"


@dataclass(frozen=True, slots=True)
class Source:
    url: str


@dataclass(frozen=True, slots=True)
class SeriesRule:
    """``[[series]]``: a publisher names how a series' stories are found when the bot's
    reading of it is wrong. ``match``: the series' name or its folder; ``items``: a layout's
    name (``numbered``, ``headings:3``, ``bullets``, ``links``, ``rows``, ``paragraphs``);
    ``skip_sections``: sections whose entries are never stories."""

    match: str
    items: str = ""
    skip_sections: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Config:
    data_dir: Path = Path("data")
    digests_dir: Path = Path("digests")
    limits: DigestLimits = DigestLimits()
    undated: str = "first-seen"  # a digest with no date: dated the day first seen, or "skip"
    db_path: Path = Path("data/digestbot.sqlite3")
    telegram: TelegramConfig = TelegramConfig()
    push: PushConfig = PushConfig()
    webhook: WebhookConfig = WebhookConfig()
    http: HttpConfig = HttpConfig()
    log: LogConfig = LogConfig()
    topics: tuple[Topic, ...] = DEFAULT_TOPICS
    sources: tuple[Source, ...] = ()
    series: tuple[SeriesRule, ...] = ()
    file: Path | None = None

    @property
    def topic_spec(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """(key, keywords) of every topic: what the store tags items with."""
        return tuple((t.key, t.keywords) for t in self.topics)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.push.timezone)


_P, _W, _H, _L = PushConfig(), WebhookConfig(), HttpConfig(), DigestLimits()
_SECTIONS: dict[str, frozenset[str]] = {
    "telegram": frozenset({"token", "api_base_url", "admins"}),
    "digests": frozenset({"dir", "max_items", "max_parts", "undated"}),
    "storage": frozenset({"path"}),
    "push": frozenset(
        {"time", "timezone", "rate", "paid_broadcast", "paid_daily_cap", "max_age", "tick"}
        | {"concurrency", "corrections", "approve"}
    ),
    "webhook": frozenset({"url", "listen", "port", "path", "secret_token"}),
    "http": frozenset({"listen", "port"}),
    "log": frozenset({"level", "format"}),
    "topics": frozenset({"key", "name_zh", "name_en", "keywords"}),
    "sources": frozenset({"url"}),
    "series": frozenset({"match", "items", "skip_sections"}),
}


def _shown(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


class _Reader:
    """Reads one TOML table, turning every bad value into a ConfigError naming its key."""

    def __init__(self, label: str, prefix: str, table: Mapping[str, Any]) -> None:
        self.label = label
        self.prefix = prefix
        self.table = table

    def fail(self, key: str, expected: str, got: object) -> ConfigError:
        return ConfigError(
            f"{self.label}: {self.prefix}{key}: expected {expected}, got {_shown(got)}"
        )

    def get(self, key: str, default: T, parse: Callable[[Any], T | None], expected: str) -> T:
        if key not in self.table:
            return default
        raw = self.table[key]
        value = parse(raw)
        if value is None:
            raise self.fail(key, expected, raw)
        return value


def _series_rules(label: str, doc: Mapping[str, Any]) -> tuple[SeriesRule, ...]:
    rules = []
    for r in _array(label, doc, "series"):
        match = r.get("match", "", values.text, "the series' name or folder")
        if not match.strip():
            raise r.fail("match", "the series' name or folder", match)
        names = " | ".join(f'"{n}"' for n in rulenames.NAMES) + ' | "headings:N"'
        rules.append(
            SeriesRule(
                match=match,
                items=r.get("items", "", values.layout_rule, names),
                skip_sections=r.get(
                    "skip_sections", (), values.keywords, "a list of section names"
                ),
            )
        )
    return tuple(rules)


def _check_keys(label: str, prefix: str, table: Mapping[str, Any], known: frozenset[str]) -> None:
    for key in table:
        if key not in known:
            raise ConfigError(
                f"{label}: {prefix}{key}: unknown key (expected one of {', '.join(sorted(known))})"
            )


def _table(label: str, doc: Mapping[str, Any], name: str) -> _Reader:
    table = doc.get(name, {})
    if not isinstance(table, dict):
        raise ConfigError(f"{label}: {name}: expected a table [{name}], got {_shown(table)}")
    _check_keys(label, f"{name}.", table, _SECTIONS[name])
    return _Reader(label, f"{name}.", table)


def _array(label: str, doc: Mapping[str, Any], name: str) -> list[_Reader]:
    entries = doc.get(name, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ConfigError(f"{label}: {name}: expected [[{name}]] tables, got {_shown(entries)}")
    readers = []
    for i, entry in enumerate(entries):
        _check_keys(label, f"{name}[{i}].", entry, _SECTIONS[name])
        readers.append(_Reader(label, f"{name}[{i}].", entry))
    return readers


def _topics(label: str, doc: Mapping[str, Any]) -> tuple[Topic, ...]:
    if "topics" not in doc:
        return DEFAULT_TOPICS
    topics: list[Topic] = []
    for r in _array(label, doc, "topics"):
        for required in ("key", "keywords"):
            if required not in r.table:
                raise r.fail(required, "a value", None)
        key = r.get("key", "", values.topic_key, 'a short lowercase key like "carbon-market"')
        if any(t.key == key for t in topics):
            raise r.fail("key", "a key not used by another topic", key)
        name_zh = r.get("name_zh", key, values.text, "a string")
        topics.append(
            Topic(
                key=key,
                name_zh=name_zh,
                name_en=r.get("name_en", name_zh, values.text, "a string"),
                keywords=r.get("keywords", (), values.keywords, "a non-empty list of strings"),
            )
        )
    return tuple(topics)


def load_config(path: Path | None = None, *, env: Mapping[str, str] | None = None) -> Config:
    """Build the Config from ``path`` (or $DIGESTBOT_CONFIG, or ./config.toml) and ``env``."""
    env = os.environ if env is None else env
    explicit = path is not None or bool(env.get(ENV_CONFIG))
    file = path or Path(env.get(ENV_CONFIG) or DEFAULT_CONFIG_FILE)
    doc: dict[str, Any] = {}
    if file.exists() or explicit:
        try:
            with file.open("rb") as fh:
                doc = tomllib.load(fh)
        except FileNotFoundError:
            raise ConfigError(f"{file}: file not found") from None
        except OSError as exc:
            raise ConfigError(f"{file}: cannot read: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{file}: not valid TOML: {exc}") from None
    label = file.name
    unknown = set(doc) - set(_SECTIONS)
    if unknown:
        raise ConfigError(
            f"{label}: {sorted(unknown)[0]}: unknown section "
            f"(expected one of {', '.join(sorted(_SECTIONS))})"
        )

    data_dir = Path(env.get(ENV_DATA) or "data")
    tg = _table(label, doc, "telegram")
    token = next((env[k] for k in ENV_TOKENS if env.get(k)), "") or tg.get(
        "token", "", values.text, "a string"
    )
    api_base_url = env.get(ENV_API_BASE_URL) or tg.get(
        "api_base_url", "", values.url, "an http(s) URL"
    )
    if api_base_url and values.url(api_base_url) is None:
        raise ConfigError(
            f"{ENV_API_BASE_URL}: expected an http(s) URL, got {_shown(api_base_url)}"
        )
    telegram = TelegramConfig(
        token=token.strip(),
        api_base_url=(values.url(api_base_url) or "") if api_base_url else "",
        admins=tg.get("admins", (), values.admins, "a list of numeric user ids"),
    )

    p = _table(label, doc, "push")
    push = PushConfig(
        time=p.get("time", _P.time, parse_hhmm, "HH:MM"),
        timezone=p.get("timezone", _P.timezone, parse_timezone, "an IANA time zone"),
        rate=p.get("rate", _P.rate, values.positive, "messages per second > 0"),
        paid_broadcast=p.get("paid_broadcast", False, values.flag, "true or false"),
        paid_daily_cap=p.get("paid_daily_cap", _P.paid_daily_cap, values.count, "a count"),
        max_age=p.get("max_age", _P.max_age, values.parse_age, 'a duration like "2d" or "36h"'),
        tick=p.get("tick", _P.tick, values.positive, "seconds > 0"),
        concurrency=p.get("concurrency", _P.concurrency, values.slots, "a number from 1 to 1000"),
        corrections=p.get("corrections", _P.corrections, values.corrections, '"edit" or "off"'),
        approve=p.get("approve", False, values.flag, "true or false"),
    )
    w = _table(label, doc, "webhook")
    webhook = WebhookConfig(
        url=w.get("url", "", values.url, "an https URL"),
        listen=w.get("listen", _W.listen, values.text, "an address"),
        port=w.get("port", _W.port, values.port, "a port number"),
        path=w.get("path", _W.path, values.url_path, 'a path starting with "/"'),
        secret_token=w.get("secret_token", "", values.secret, "1-256 characters A-Z a-z 0-9 _ -"),
    )
    h = _table(label, doc, "http")
    http = HttpConfig(
        listen=h.get("listen", _H.listen, values.text, "an address"),
        port=h.get("port", _H.port, values.port, "a port number"),
    )
    lg = _table(label, doc, "log")
    log = LogConfig(
        level=lg.get("level", "INFO", values.log_level, " or ".join(values.LOG_LEVELS)),
        format=lg.get("format", "text", values.log_format, '"text" or "json"'),
    )
    d = _table(label, doc, "digests")
    s = _table(label, doc, "storage")
    sources = tuple(
        Source(url=r.get("url", "", values.url, "an http(s) URL"))
        for r in _array(label, doc, "sources")
    )
    return Config(
        data_dir=data_dir,
        digests_dir=Path(d.get("dir", "digests", values.text, "a folder path")),
        limits=DigestLimits(
            max_items=d.get("max_items", _L.max_items, values.at_least_one, "a whole number >= 1"),
            max_parts=d.get("max_parts", _L.max_parts, values.at_least_one, "a whole number >= 1"),
        ),
        undated=d.get("undated", "first-seen", values.undated, '"first-seen" or "skip"'),
        db_path=Path(
            s.get("path", str(data_dir / "digestbot.sqlite3"), values.text, "a file path")
        ),
        telegram=telegram,
        push=push,
        webhook=webhook,
        http=http,
        log=log,
        topics=_topics(label, doc),
        sources=sources,
        series=_series_rules(label, doc),
        file=file if doc or explicit else None,
    )
