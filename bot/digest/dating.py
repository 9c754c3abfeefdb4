"""Where an edition's date and series come from (pure).

The date, from the first place that has one: front matter ``date`` (a Pelican ``Date:``
line too), the permalink, the title, the first heading (``2024年1月8日``, ``2024-01-08``,
``2024/1/8``, ``（20240108）``), the file name (``20240108.md`` too), the path
(``2024/01/08.md``, ``2024/01/08/index.md``). An impossible date in the place the date
would come from (``2024-02-30``, ``2024年2月30日``: a year, a month of 1 to 12 and a day of 1
to 31 that make no calendar day; in front matter any date-shaped value that is no day) is an
error, ``Dated.error``: the edition is never dated another way. Other date-shaped strings that
are no date (``9999-12-31``, ``2024-13-45``, version numbers) are not dates: the next place is
looked at, and they are named when none has a date. A date that disagrees with the file
name's is a warning naming both. The series: front matter ``series``, a Pelican ``Category``, the
permalink's folder, else the title without its date and issue number.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import unquote

from .text import clean

_DATE = re.compile(
    r"(?<!\d)(\d{4})(?:[ \t]*年[ \t]*(\d{1,2})[ \t]*月[ \t]*(\d{1,2})(?!\d)[ \t]*[日号]?"
    r"|([-/._])(\d{1,2})\4(\d{1,2})(?!\d))"
)
_COMPACT_DATE = re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)")
_BRACKETED_COMPACT = re.compile(r"[（(\[【]\s*(\d{4})(\d{2})(\d{2})\s*[）)\]】]")
_PATH_DATE = re.compile(r"(?<!\d)(\d{4})/(\d{1,2})/(\d{1,2})(?!\d)")
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|（\s*）|\[\s*\]|【\s*】")
_ISSUE = re.compile(r"(?i)(?:#|no\.?|issue|vol\.?|第)\s*\d{1,5}\s*期?\s*$|\s\d{1,5}$")
_DANGLING = " \t-–—|·•:：#,，/_~"


def meta_text(value: object) -> str:
    return clean(str(value)).strip() if isinstance(value, str | int | float) else ""


@dataclass(frozen=True, slots=True)
class Dated:
    date: dt.date | None
    source: str  # where it came from: "frontmatter 'date'", "the title", …; "" without one
    problem: str = ""  # why a date-shaped string found on the way is no date
    error: str = ""  # an impossible date where the date comes from: the file is refused
    place: str = ""  # with an error: where it is ("the title", "frontmatter 'date'"…)


def _date(year: str, month: str, day: str) -> dt.date | None:
    try:
        found = dt.date(int(year), int(month), int(day))
    except ValueError:
        return None
    return found if 1900 <= found.year <= 2999 else None


def _shapes(text: str, *, compact: bool) -> list[tuple[str, str, str, int, int]]:
    found: list[tuple[str, str, str, int, int]] = []
    for m in _DATE.finditer(text):
        year, month, day = m.group(1, 2, 3) if m.group(2) else m.group(1, 5, 6)
        found.append((year, month, day, m.start(), m.end()))
    pattern = _COMPACT_DATE if compact else _BRACKETED_COMPACT
    found.extend(
        (m.group(1), m.group(2), m.group(3), m.start(), m.end()) for m in pattern.finditer(text)
    )
    return sorted(found, key=lambda s: s[3])


def find_date(text: str, *, compact: bool = False) -> tuple[dt.date, int, int] | None:
    """The first real calendar date written in ``text``: (date, start, end)."""
    for year, month, day, start, end in _shapes(text, compact=compact):
        if (found := _date(year, month, day)) is not None:
            return found, start, end
    return None


def bad_date(text: str, *, compact: bool = False) -> str | None:
    """Why the first date-shaped string in ``text`` is no date ("date 2024-02-30 is not a
    valid date"), when ``text`` holds one and no real date."""
    if find_date(text, compact=compact) is not None:
        return None
    for year, month, day, _, _ in _shapes(text, compact=compact):
        shown = f"{year}-{int(month):02d}-{int(day):02d}"
        try:
            found = dt.date(int(year), int(month), int(day))
        except ValueError:
            return f"date {shown} is not a valid date"
        if not 1900 <= found.year <= 2999:
            return f"date {shown} is out of range (years 1900 to 2999)"
    return None


def impossible_date(text: str, *, compact: bool = False) -> str | None:
    """ "date 2024-02-30 is not a valid date" when ``text`` holds no real date and its first
    date-shaped string is a year of 1900 to 2999, a month of 1 to 12 and a day of 1 to 31
    that make no calendar day (not ``2024-13-45`` or ``1.2.3``: numbers, not dates)."""
    if find_date(text, compact=compact) is not None:
        return None
    for year, month, day, _, _ in _shapes(text, compact=compact):
        if 1900 <= int(year) <= 2999 and 1 <= int(month) <= 12 and 1 <= int(day) <= 31:
            return f"date {year}-{int(month):02d}-{int(day):02d} is not a valid date"
    return None


def edition_date(
    meta: Mapping[str, object],
    *,
    title: str,
    heading: str,
    source: str,
    pelican: bool,
    date_line: int,
    warnings: list[str],
) -> Dated:
    """The edition's date and where it was found (see the module doc)."""
    path = PurePosixPath(source.replace("\\", "/"))
    name = path.name
    in_name = find_date(name, compact=True)
    dated = _first_date(meta, title, heading, path, pelican=pelican, line=date_line,
                        warnings=warnings)  # fmt: skip
    if (
        dated.date is not None
        and in_name is not None
        and in_name[0] != dated.date
        and dated.source not in ("the file name", "the path")
    ):
        warnings.append(
            f"the date {dated.date} ({dated.source}) disagrees with the file name's "
            f"{in_name[0]}: {dated.date} is used"
        )
    return dated


def _first_date(
    meta: Mapping[str, object],
    title: str,
    heading: str,
    path: PurePosixPath,
    *,
    pelican: bool,
    line: int,
    warnings: list[str],
) -> Dated:
    key = "Pelican 'Date:' line" if pelican else "frontmatter 'date'"
    value = meta.get("date")
    problem = ""
    if isinstance(value, dt.datetime):
        return Dated(value.date(), key)
    if isinstance(value, dt.date):
        return Dated(value, key)
    if value is not None and value != "":
        written = meta_text(value)
        if (found := find_date(written, compact=True)) is not None:
            return Dated(found[0], key)
        problem = bad_date(written, compact=True) or ""
        if problem.endswith("is not a valid date"):  # the date given is no day: an error
            return Dated(None, "", error=f"{problem} ({key})", place=key)
        why = problem or f"{written[:40]!r} is not a date"
        warnings.append(f"line {line}: {key.split(' ')[0]} date {why.removeprefix('date ')}")
        problem = f"{problem} ({key})" if problem else ""
    places = (
        ("the permalink", meta_text(meta.get("permalink")), False),
        ("the title", title, False),
        ("the first heading", heading, False),
        ("the file name", path.name, True),
        ("the path", "/".join(path.parts[-4:]), False),
    )
    for where, text, compact in places:
        if where == "the path":
            m = _PATH_DATE.search(text)
            day = _date(m.group(1), m.group(2), m.group(3)) if m else None
            if day is not None:
                return Dated(day, where)
            if m and (error := impossible_date(m.group().replace("/", "-"))):
                return Dated(None, "", error=f"{error} (in {where})", place=where)
            continue
        if (hit := find_date(text, compact=compact)) is not None:
            return Dated(hit[0], where)
        if error := impossible_date(text, compact=compact):
            return Dated(None, "", error=f"{error} (in {where})", place=where)
        why = "" if problem else (bad_date(text, compact=compact) or "")
        if why:
            problem = f"{why} (in {where})"
    return Dated(None, "", problem)


def edition_series(meta: Mapping[str, object], title: str, *, pelican: bool) -> str:
    if series := meta_text(meta.get("series")):
        return series
    if pelican and (category := meta_text(meta.get("category"))):
        return category
    segments = [unquote(s) for s in meta_text(meta.get("permalink")).split("/") if s.strip()]
    if len(segments) > 1 and any(find_date(s) for s in segments[1:]):
        return segments[0].strip()
    found = find_date(title)
    if found is not None:
        title = f"{title[: found[1]]} {title[found[2] :]}"
    title = " ".join(_EMPTY_BRACKETS.sub(" ", title).split()).strip(_DANGLING)
    return _ISSUE.sub("", title).strip(_DANGLING)
