"""Several series per bot: which series a digest belongs to, and how readers name one (pure).

A digest's *origin* says where its series comes from: its front matter (``series: Weekly``),
else the first folder of its path under the digests folder that is not filing
(``iOSDailyNews/2024-01-08.md``, ``docs/cs-AI/2024-01-08/index.md``), else nothing ("": the
folder's own digests). Folders named like dates or numbers (``2024/``,
``2024-01/``) and filing folders such as ``archive/`` or ``posts/`` are where an archive keeps
its digests, not a series. The store gives each origin a number and a key, an ASCII word for
deep links (``start=sub-<key>``) and ``series:KEY`` searches; the display name is decided by
``display_name`` alone (the bot, ``check`` and ``preview`` all ask it): a declared ``series:``
name; else the name most of the series' editions carry (each edition's title without its
date), a tie going to the name of the newest edition; else the folder's name. It depends only
on the editions a series holds, never on which file was read last, so a rescan, a file moved
into a filing folder (``2024/``, ``archive/``) or a restart leaves it as it was.

The series a digest names itself (``edition_series``): front matter ``series``, a Pelican
``Category``, the permalink's folder, else the title without its date (and a weekday beside
it) and issue number (and the brackets around it, full-width too): the name before the number,
or after it when the number opens the title (``#03 - Weekly``). A title that is only a date
phrase (``Week Ending June 7, 2020``) names no series.

Standard library only, and dating.py for the dates and issue numbers a title holds.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import unquote

from .dating import ISSUE_IN_TEXT, find_date, meta_text

SERIES_META = "series"
KEY_CHARS = 24  # a key's length at most: "sub-" + key fits a deep link's 64 characters
_NO_LETTERS = re.compile(r"[\d\W_]*")  # 2024, 2024-01, 01: an archive's filing by date
# folders that file digests away rather than start a series of their own
FILING = frozenset(
    {"archive", "archives", "old", "past", "history", "backup", "posts", "_posts", "content",
     "src", "docs", "notes", "digests", "daily", "issues", "data", "_data", "归档", "往期", "历史",
     "存档"}
)  # fmt: skip
_SLUG_DROP = re.compile(r"[^a-z0-9]+")
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|（\s*）|\[\s*\]|【\s*】")
_ISSUE = re.compile(r"(?i)(?:[#＃]|no\.?|issue|vol\.?|第)\s*\d{1,5}\s*期?\s*$|\s\d{1,5}$")
_DANGLING, _OPEN, _CLOSE = " \t-–—|·•:：#＃－｜,，/_~", "(（[［【「《", ")）]］】」》"
# a weekday beside a date is part of it ("Monday, June 1, 2020", "2024年1月8日 星期一"), and a
# title whose other words only say when ("Week Ending June 1, 2020") is a date, no name
_DAY = (
    r"(?:(?<!\w)(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)day"
    r"|(?:星期|礼拜|周)[一二三四五六日天])(?!\w)"
)
_DAY_BEFORE = re.compile(rf"(?i)(?:[(（]{_DAY}[)）]|{_DAY})[\s,，]*$")
_DAY_AFTER = re.compile(rf"(?i)^[\s,，]*(?:[(（]{_DAY}[)）]|{_DAY})")
_WHEN_ONLY = re.compile(
    r"(?i)(?:[\W_]*(?<!\w)(?:the|this|last|week|weekend|day|ending|ended|beginning|starting"
    r"|of|for|on)(?!\w))+[\W_]*"
)
_WORD = re.compile(r"\w+")
# "TWIF 24: The End of…" (a year is no issue number: "Rust 2024: the year")
_NUMBER_THEN_HEADLINE = re.compile(r"(?<=\w)\s+(?!(?:19|20)\d\d\b)\d{1,5}\s*[:：|]")


@dataclass(frozen=True, slots=True)
class Series:
    """One series of the bot: its number, its key (ASCII) and its display name."""

    id: int
    key: str
    name: str

    def label(self) -> str:
        return self.name or self.key


def origin(meta: Mapping[str, object], path: str) -> str:
    """Where the series of a digest with front matter ``meta`` at ``path`` (relative to the
    digests folder, or a URL) comes from: ``series:<name>``, ``folder:<name>`` or ""."""
    declared = meta.get(SERIES_META)
    if isinstance(declared, str | int) and str(declared).strip():
        return f"series:{' '.join(str(declared).split())}"
    if "://" in path:
        return ""
    for folder in PurePosixPath(path.replace("\\", "/")).parts[:-1]:
        if not _NO_LETTERS.fullmatch(folder) and folder.lower() not in FILING:
            return f"folder:{folder}"
    return ""


def origin_name(value: str) -> str:
    """The name an origin gives its series ("" for the folder's own digests)."""
    return value.partition(":")[2]


def display_name(origin_value: str, called: Iterable[tuple[str, dt.date]]) -> str:
    """The display name of the series of ``origin_value`` whose editions call it ``called``
    ((name, date) per edition): a declared ``series:`` name wins; else the name most of its
    editions carry, ties to the newest edition's; else the origin's name ("" for none)."""
    if origin_value.startswith(f"{SERIES_META}:"):
        return origin_name(origin_value)
    counts: dict[str, tuple[int, dt.date]] = {}
    for name, day in called:
        if name := " ".join(name.split()):
            count, newest = counts.get(name, (0, day))
            counts[name] = (count + 1, max(newest, day))
    if counts:
        return max(sorted(counts), key=lambda name: counts[name])
    return origin_name(origin_value)


def slug(text: str) -> str:
    """An ASCII key for ``text``: ``iOSDailyNews`` → ``iosdailynews``, ``The Weekly
    Letter`` → ``the-weekly-letter``; "" when nothing ASCII is left (``碳中和日报``)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _SLUG_DROP.sub("-", ascii_text.lower()).strip("-")[:KEY_CHARS].strip("-")


def find(series: Sequence[Series], text: str) -> Series | None:
    """The series a reader means by ``text``: its key or name (any case), else the one series
    whose key or name starts with it; None when none or several do."""
    wanted = " ".join(text.split()).casefold()
    if not wanted:
        return None
    for s in series:
        if wanted in (s.key.casefold(), s.name.casefold()):
            return s
    starts = [
        s for s in series if s.key.startswith(wanted) or s.name.casefold().startswith(wanted)
    ]
    return starts[0] if len(starts) == 1 else None


def edition_series(meta: Mapping[str, object], title: str, *, pelican: bool) -> str:
    if series := meta_text(meta.get("series")):
        return series
    if pelican and (category := meta_text(meta.get("category"))):
        return category
    segments = [unquote(s) for s in meta_text(meta.get("permalink")).split("/") if s.strip()]
    if len(segments) > 1 and any(find_date(s) for s in segments[1:]):
        return segments[0].strip()
    found = find_date(title)
    if found is not None:  # the date goes, with a weekday or words that only say when
        before = _DAY_BEFORE.sub("", title[: found[1]])
        before = _WORD.sub(" ", before) if _WHEN_ONLY.fullmatch(before) else before
        title = f"{before} {_DAY_AFTER.sub('', title[found[2] :])}"
    title = " ".join(_EMPTY_BRACKETS.sub(" ", title).split())
    for pattern in (*ISSUE_IN_TEXT, _NUMBER_THEN_HEADLINE):  # "Weekly #57 | its headline"
        if (m := pattern.search(title)) is None:
            continue
        name = title[: m.start()].rstrip(_DANGLING + _OPEN).strip(_DANGLING)
        if len(name) > 1:  # the name comes before the number, not the issue's headline
            return name
        if not name:  # "#03 - Example Weekly", "[第3期] 周刊": the number opens the title
            return title[m.end() :].lstrip(_DANGLING + _CLOSE).strip(_DANGLING)
    return _ISSUE.sub("", title).strip(_DANGLING)
