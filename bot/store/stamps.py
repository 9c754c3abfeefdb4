"""How the store writes a moment: ISO 8601 in UTC, to the second (one rule for every table;
callers hand the store timezone-aware datetimes)."""

from __future__ import annotations

import datetime as dt


def stamp(value: dt.datetime) -> str:
    """A timezone-aware time as stored: ISO 8601 in UTC, to the second."""
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    return value.astimezone(dt.UTC).isoformat(timespec="seconds")
