"""Dates as readers type them (pure).

``2024-01-08``, ``2024/1/8``, ``2024年1月8日``, ``1月8日``, 昨天 / yesterday, 今天 / today, 前天.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

_FULL = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")
_MONTH_DAY = re.compile(r"(\d{1,2})\s*(?:月\s*(\d{1,2})\s*[日号]?|[-/.]\s*(\d{1,2}))")
_RELATIVE = {
    "今天": 0,
    "today": 0,
    "昨天": 1,
    "昨日": 1,
    "yesterday": 1,
    "前天": 2,
}


def parse_day(text: str, *, today: dt.date) -> dt.date | None:
    """The date ``text`` names, or None; a date without a year: the latest one up to today."""
    cleaned = unicodedata.normalize("NFKC", text).strip().lower()
    if cleaned in _RELATIVE:
        return today - dt.timedelta(days=_RELATIVE[cleaned])
    if m := _FULL.fullmatch(cleaned):
        return _date(int(m[1]), int(m[2]), int(m[3]))
    if m := _MONTH_DAY.fullmatch(cleaned):
        month, day = int(m[1]), int(m[2] or m[3])
        for year in (today.year, today.year - 1):
            found = _date(year, month, day)
            if found is not None and found <= today:
                return found
        return _date(today.year - 1, month, day)
    return None


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None
