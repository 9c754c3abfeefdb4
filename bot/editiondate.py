"""Where an edition's date and series come from (pure: stdlib and the text cleaner).

The date: frontmatter ``date``, else the first real calendar date in the permalink, title,
file name (``20240108.md`` too) or first heading; a date-shaped string that is no date
(``2024-02-30``, ``9999-12-31``) is named as such (``bad_date``). The series: frontmatter
``series``, else the permalink's folder, else the title without its date.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from urllib.parse import unquote

from bot.mdtext import clean

_DATE = re.compile(
    r"(?<!\d)(\d{4})(?:[ \t]*年[ \t]*(\d{1,2})[ \t]*月[ \t]*(\d{1,2})(?!\d)[ \t]*[日号]?"
    r"|([-/.])(\d{1,2})\4(\d{1,2})(?!\d))"
)
_COMPACT_DATE = re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)")
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|（\s*）|\[\s*\]|【\s*】")
_DANGLING = " \t-–—|·•:：#,，/_~"


def meta_text(value: object) -> str:
    return clean(str(value)).strip() if isinstance(value, str | int | float) else ""


def bad_date(text: str, *, compact: bool = False) -> str | None:
    """Why the first date-shaped string in ``text`` is no date ("date 2024-02-30 is not a
    valid date"), when ``text`` holds one and no real date."""
    shapes = [m.group(1, 2, 3) if m.group(2) else m.group(1, 5, 6) for m in _DATE.finditer(text)]
    if compact:
        shapes += [m.group(1, 2, 3) for m in _COMPACT_DATE.finditer(text)]
    for year, month, day in shapes:
        shown = f"{year}-{int(month):02d}-{int(day):02d}"
        try:
            found = dt.date(int(year), int(month), int(day))
        except ValueError:
            return f"date {shown} is not a valid date"
        if not 1900 <= found.year <= 2999:
            return f"date {shown} is out of range (years 1900 to 2999)"
    return None


def _find_date(text: str, *, compact: bool = False) -> tuple[dt.date, int, int] | None:
    """The first real calendar date written in ``text``: (date, start, end)."""
    for m in _DATE.finditer(text):
        month, day = (m.group(2), m.group(3)) if m.group(2) else (m.group(5), m.group(6))
        if (found := _date(m.group(1), month, day)) is not None:
            return found, m.start(), m.end()
    for m in _COMPACT_DATE.finditer(text) if compact else ():
        if (found := _date(m.group(1), m.group(2), m.group(3))) is not None:
            return found, m.start(), m.end()
    return None


def _date(year: str, month: str, day: str) -> dt.date | None:
    try:
        found = dt.date(int(year), int(month), int(day))
    except ValueError:
        return None
    return found if 1900 <= found.year <= 2999 else None


def edition_date(
    meta: Mapping[str, object], places: list[str], date_line: int, warnings: list[str]
) -> dt.date | None:
    """The frontmatter date, else the first date in the permalink, title, file name, heading."""
    value = meta.get("date")
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if value is not None and value != "":
        found = _find_date(meta_text(value), compact=True)
        if found is not None:
            return found[0]
        why = (
            bad_date(meta_text(value), compact=True) or f"{meta_text(value)[:40]!r} is not a date"
        )
        warnings.append(f"line {date_line}: frontmatter date {why.removeprefix('date ')}")
    for k, place in enumerate(places):
        if (found := _find_date(place, compact=k == 2)) is not None:  # 20240108.md
            return found[0]
    return None


def edition_series(meta: Mapping[str, object], title: str) -> str:
    if series := meta_text(meta.get("series")):
        return series
    segments = [unquote(s) for s in meta_text(meta.get("permalink")).split("/") if s.strip()]
    if len(segments) > 1 and any(_find_date(s) for s in segments[1:]):
        return segments[0].strip()
    found = _find_date(title)
    if found is not None:
        title = f"{title[: found[1]]} {title[found[2] :]}"
    return " ".join(_EMPTY_BRACKETS.sub(" ", title).split()).strip(_DANGLING)
