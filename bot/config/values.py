"""What a configuration value may be: one parser per kind of value (pure).

Each takes what TOML gave and returns the value, or None when it is not one (the reader of
the table then names the key and what was expected). Part of the configuration.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

from bot.digest import rulenames

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_TIME_RE = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
_AGE_RE = re.compile(r"(\d+)\s*([dhm])")
_TOPIC_KEY_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")


def parse_hhmm(raw: object) -> dt.time | None:
    """``"07:30"`` → 07:30; anything else → None."""
    if not isinstance(raw, str):
        return raw if isinstance(raw, dt.time) and raw.tzinfo is None else None
    match = _TIME_RE.fullmatch(raw.strip())
    return dt.time(int(match[1]), int(match[2])) if match else None


def parse_timezone(raw: object) -> str | None:
    """An IANA zone name such as ``Europe/Berlin``; None when unknown."""
    if not isinstance(raw, str) or not raw or raw.startswith(("/", ".")) or ".." in raw:
        return None
    try:
        zoneinfo.ZoneInfo(raw)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None
    return raw


def parse_age(raw: object) -> dt.timedelta | None:
    if isinstance(raw, int) and not isinstance(raw, bool) and raw > 0:
        return dt.timedelta(days=raw)
    if not isinstance(raw, str):
        return None
    parts = _AGE_RE.findall(raw.replace(" ", ""))
    if not parts or "".join(n + u for n, u in parts) != raw.replace(" ", ""):
        return None
    unit = {"d": "days", "h": "hours", "m": "minutes"}
    age = sum((dt.timedelta(**{unit[u]: int(n)}) for n, u in parts), dt.timedelta())
    return age if age > dt.timedelta() else None


def text(raw: object) -> str | None:
    return raw if isinstance(raw, str) else None


def topic_key(raw: object) -> str | None:
    return raw if isinstance(raw, str) and _TOPIC_KEY_RE.fullmatch(raw) else None


def url_path(raw: object) -> str | None:
    return raw if isinstance(raw, str) and raw.startswith("/") else None


def secret(raw: object) -> str | None:
    return raw if isinstance(raw, str) and _SECRET_RE.fullmatch(raw) else None


def log_level(raw: object) -> str | None:
    return raw.upper() if isinstance(raw, str) and raw.upper() in LOG_LEVELS else None


def log_format(raw: object) -> str | None:
    return raw if raw in ("text", "json") and isinstance(raw, str) else None


def url(raw: object) -> str | None:
    ok = isinstance(raw, str) and raw.startswith(("http://", "https://"))
    return raw.rstrip("/") if ok and isinstance(raw, str) else None


def database_url(raw: object) -> str | None:
    """A PostgreSQL URL (``postgresql://…``, libpq's form); "" for none (SQLite)."""
    ok = isinstance(raw, str) and (raw == "" or raw.startswith(("postgresql://", "postgres://")))
    return raw if ok and isinstance(raw, str) else None


def port(raw: object) -> int | None:
    ok = isinstance(raw, int) and not isinstance(raw, bool) and 0 <= raw <= 65535
    return raw if ok and isinstance(raw, int) else None


def positive(raw: object) -> float | None:
    ok = isinstance(raw, int | float) and not isinstance(raw, bool) and raw > 0
    return float(raw) if ok and isinstance(raw, int | float) else None


def slots(raw: object) -> int | None:
    ok = isinstance(raw, int) and not isinstance(raw, bool) and 1 <= raw <= 1000
    return raw if ok and isinstance(raw, int) else None


def at_least_one(raw: object) -> int | None:
    ok = isinstance(raw, int) and not isinstance(raw, bool) and raw >= 1
    return raw if ok and isinstance(raw, int) else None


def corrections(raw: object) -> str | None:
    return raw if raw in ("edit", "off") and isinstance(raw, str) else None


def roundup_rank(raw: object) -> str | None:
    return raw if raw in ("position", "feedback") and isinstance(raw, str) else None


def undated(raw: object) -> str | None:
    return raw if raw in ("first-seen", "skip") and isinstance(raw, str) else None


def flag(raw: object) -> bool | None:
    return raw if isinstance(raw, bool) else None


def count(raw: object) -> int | None:
    ok = isinstance(raw, int) and not isinstance(raw, bool) and raw >= 0
    return raw if ok and isinstance(raw, int) else None


def admins(raw: object) -> tuple[int, ...] | None:
    if not isinstance(raw, list) or not all(
        isinstance(x, int) and not isinstance(x, bool) for x in raw
    ):
        return None
    return tuple(raw)


def keywords(raw: object) -> tuple[str, ...] | None:
    if not isinstance(raw, list) or not raw:
        return None
    words = tuple(w.strip() for w in raw if isinstance(w, str) and w.strip())
    return words if len(words) == len(raw) else None


def layout_rule(raw: object) -> str | None:
    return raw.strip() if isinstance(raw, str) and rulenames.valid(raw.strip()) else None
