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
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from bot.search.taxonomy import DEFAULT_TOPICS, Topic

from . import values
from .keys import SECTIONS, default, key
from .values import parse_hhmm as parse_hhmm
from .values import parse_timezone as parse_timezone

ENV_CONFIG = "DIGESTBOT_CONFIG"
ENV_TOKENS = ("DIGESTBOT_TOKEN", "TELEGRAM_BOT_TOKEN")
ENV_DATA = "DIGESTBOT_DATA"
ENV_API_BASE_URL = "DIGESTBOT_API_BASE_URL"
ENV_DATABASE_URL = "DIGESTBOT_DATABASE_URL"
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

    max_items: int = default("digests.max_items")  # items in one file
    max_parts: int = default("digests.max_parts")  # messages one edition is for a reader


DEFAULT_LIMITS = DigestLimits()


@dataclass(frozen=True, slots=True)
class TelegramConfig:
    token: str = field(default=default("telegram.token"), repr=False)
    api_base_url: str = default("telegram.api_base_url")
    admins: tuple[int, ...] = default("telegram.admins")


@dataclass(frozen=True, slots=True)
class PushConfig:
    time: dt.time = default("push.time")  # noqa: RUF009 - immutable, from the KEYS table
    timezone: str = default("push.timezone")
    rate: float = default("push.rate")
    paid_broadcast: bool = default("push.paid_broadcast")
    paid_daily_cap: int = default("push.paid_daily_cap")
    max_age: dt.timedelta = default("push.max_age")  # noqa: RUF009 - immutable, as above
    tick: float = default("push.tick")
    concurrency: int = default("push.concurrency")
    corrections: str = default("push.corrections")
    approve: bool = default("push.approve")
    roundup_rank: str = default("push.roundup_rank")


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    url: str = default("webhook.url")
    listen: str = default("webhook.listen")
    port: int = default("webhook.port")
    path: str = default("webhook.path")
    secret_token: str = field(default=default("webhook.secret_token"), repr=False)


@dataclass(frozen=True, slots=True)
class HttpConfig:
    listen: str = default("http.listen")
    port: int = default("http.port")
    page: bool = default("http.page")


@dataclass(frozen=True, slots=True)
class LogConfig:
    level: str = default("log.level")
    format: str = default("log.format")


class SourceKind(StrEnum):
    """What a ``[[sources]]`` address serves: one markdown digest (``url``) or a feed whose
    entries are editions (``feed``)."""

    MARKDOWN = "url"
    FEED = "feed"


@dataclass(frozen=True, slots=True)
class Source:
    url: str
    kind: SourceKind = SourceKind.MARKDOWN


@dataclass(frozen=True, slots=True)
class SeriesRule:
    """``[[series]]``: a publisher names how a series' stories are found when the bot's
    reading of it is wrong. ``match``: the series' name or its folder; ``items``: a layout's
    name (``numbered``, ``headings:3``, ``bullets``, ``links``, ``rows``, ``paragraphs``);
    ``skip_sections``: sections whose entries are never stories."""

    match: str
    items: str = default("series[].items")
    skip_sections: tuple[str, ...] = default("series[].skip_sections")


@dataclass(frozen=True, slots=True)
class Config:
    data_dir: Path = Path("data")
    digests_dir: Path = Path(default("digests.dir"))
    limits: DigestLimits = DigestLimits()
    undated: str = default("digests.undated")
    db_path: Path = Path("data/digestbot.sqlite3")
    db_url: str = ""  # PostgreSQL instead of db_path (a secret: it may hold a password)
    lease_seconds: float = default("storage.lease_seconds")  # the leader lease (PostgreSQL)
    telegram: TelegramConfig = TelegramConfig()
    push: PushConfig = PushConfig()
    alert_dedup_days: int = default("alerts.dedup_days")  # one story, one alert (days)
    webhook: WebhookConfig = WebhookConfig()
    http: HttpConfig = HttpConfig()
    log: LogConfig = LogConfig()
    topics: tuple[Topic, ...] = DEFAULT_TOPICS
    sources: tuple[Source, ...] = ()
    series: tuple[SeriesRule, ...] = ()
    file: Path | None = None

    @property
    def database(self) -> str:
        """Where the bot's data lives: the PostgreSQL URL when one is set, else the SQLite
        file."""
        return self.db_url or str(self.db_path)

    @property
    def topic_spec(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """(key, keywords) of every topic: what the store tags items with."""
        return tuple((t.key, t.keywords) for t in self.topics)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.push.timezone)


def _database_url(from_env: str | None, from_file: str) -> str:
    """``storage.url``, or $DIGESTBOT_DATABASE_URL over it (never echoed: it may hold a
    password)."""
    if from_env and values.database_url(from_env) is None:
        raise ConfigError(f"{ENV_DATABASE_URL}: expected a postgresql:// URL")
    return from_env or from_file


def _shown(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


_TABLE: Any = object()  # get(): the default the table gives


class _Reader:
    """Reads one TOML table, turning every bad value into a ConfigError naming its key; what
    each key takes, and its default, come from the KEYS table."""

    def __init__(self, label: str, prefix: str, table: Mapping[str, Any], section: str) -> None:
        self.label = label
        self.prefix = prefix
        self.table = table
        self.section = section

    def fail(self, name: str, expected: str, got: object) -> ConfigError:
        return ConfigError(
            f"{self.label}: {self.prefix}{name}: expected {expected}, got {_shown(got)}"
        )

    def get(self, name: str, default: Any = _TABLE) -> Any:
        row = key(self.section, name)
        if name not in self.table:
            return row.default if default is _TABLE else default
        raw = self.table[name]
        value = row.parse(raw)
        if value is None:
            raise self.fail(name, row.expected, raw)
        return value

    def require(self, name: str) -> None:
        if name not in self.table:
            raise self.fail(name, key(self.section, name).expected, None)


def _series_rules(label: str, doc: Mapping[str, Any]) -> tuple[SeriesRule, ...]:
    rules = []
    for r in _array(label, doc, "series"):
        match = r.get("match", "")
        if not match.strip():
            raise r.fail("match", key("series", "match").expected, match)
        rules.append(
            SeriesRule(match=match, items=r.get("items"), skip_sections=r.get("skip_sections"))
        )
    return tuple(rules)


def _source(r: _Reader) -> Source:
    """One ``[[sources]]`` table: a markdown digest's ``url`` or a ``feed``, exactly one."""
    given = [kind for kind in SourceKind if kind.value in r.table]
    if len(given) != 1:
        raise ConfigError(
            f'{r.label}: {r.prefix.rstrip(".")}: expected url = "https://…" (a markdown digest)'
            ' or feed = "https://…" (an RSS, Atom or JSON feed), exactly one of them'
        )
    kind = given[0]
    return Source(url=r.get(kind.value), kind=kind)


def _check_keys(label: str, prefix: str, table: Mapping[str, Any], known: frozenset[str]) -> None:
    for name in table:
        if name not in known:
            raise ConfigError(
                f"{label}: {prefix}{name}: unknown key "
                f"(expected one of {', '.join(sorted(known))})"
            )


def _table(label: str, doc: Mapping[str, Any], name: str) -> _Reader:
    table = doc.get(name, {})
    if not isinstance(table, dict):
        raise ConfigError(f"{label}: {name}: expected a table [{name}], got {_shown(table)}")
    _check_keys(label, f"{name}.", table, SECTIONS[name])
    return _Reader(label, f"{name}.", table, name)


def _array(label: str, doc: Mapping[str, Any], name: str) -> list[_Reader]:
    entries = doc.get(name, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ConfigError(f"{label}: {name}: expected [[{name}]] tables, got {_shown(entries)}")
    readers = []
    for i, entry in enumerate(entries):
        _check_keys(label, f"{name}[{i}].", entry, SECTIONS[name])
        readers.append(_Reader(label, f"{name}[{i}].", entry, name))
    return readers


def _topics(label: str, doc: Mapping[str, Any]) -> tuple[Topic, ...]:
    if "topics" not in doc:
        return DEFAULT_TOPICS
    topics: list[Topic] = []
    for r in _array(label, doc, "topics"):
        for required in ("key", "keywords"):
            r.require(required)
        topic = r.get("key")
        if any(t.key == topic for t in topics):
            raise r.fail("key", "a key not used by another topic", topic)
        name_zh = r.get("name_zh", topic)
        topics.append(
            Topic(
                key=topic,
                name_zh=name_zh,
                name_en=r.get("name_en", name_zh),
                keywords=r.get("keywords"),
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
    unknown = set(doc) - set(SECTIONS)
    if unknown:
        raise ConfigError(
            f"{label}: {sorted(unknown)[0]}: unknown section "
            f"(expected one of {', '.join(sorted(SECTIONS))})"
        )

    data_dir = Path(env.get(ENV_DATA) or "data")
    tg = _table(label, doc, "telegram")
    token = next((env[k] for k in ENV_TOKENS if env.get(k)), "") or tg.get("token")
    api_base_url = env.get(ENV_API_BASE_URL) or tg.get("api_base_url")
    if api_base_url and values.url(api_base_url) is None:
        raise ConfigError(
            f"{ENV_API_BASE_URL}: expected an http(s) URL, got {_shown(api_base_url)}"
        )
    telegram = TelegramConfig(
        token=token.strip(),
        api_base_url=(values.url(api_base_url) or "") if api_base_url else "",
        admins=tg.get("admins"),
    )
    p, w, h, lg = (_table(label, doc, name) for name in ("push", "webhook", "http", "log"))
    push = PushConfig(**{name: p.get(name) for name in SECTIONS["push"]})
    webhook = WebhookConfig(**{name: w.get(name) for name in SECTIONS["webhook"]})
    http = HttpConfig(**{name: h.get(name) for name in SECTIONS["http"]})
    log = LogConfig(**{name: lg.get(name) for name in SECTIONS["log"]})
    d = _table(label, doc, "digests")
    s = _table(label, doc, "storage")
    alerts = _table(label, doc, "alerts")
    sources = tuple(_source(r) for r in _array(label, doc, "sources"))
    return Config(
        data_dir=data_dir,
        digests_dir=Path(d.get("dir")),
        limits=DigestLimits(max_items=d.get("max_items"), max_parts=d.get("max_parts")),
        undated=d.get("undated"),
        db_path=Path(s.get("path", str(data_dir / "digestbot.sqlite3"))),
        db_url=_database_url(env.get(ENV_DATABASE_URL), s.get("url")),
        lease_seconds=s.get("lease_seconds"),
        telegram=telegram,
        push=push,
        alert_dedup_days=alerts.get("dedup_days"),
        webhook=webhook,
        http=http,
        log=log,
        topics=_topics(label, doc),
        sources=sources,
        series=_series_rules(label, doc),
        file=file if doc or explicit else None,
    )
