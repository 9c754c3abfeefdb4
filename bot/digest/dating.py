"""Where an edition's date and series come from (pure).

The date, from the first place that has one: front matter ``date`` (a Pelican ``Date:`` line
too; else ``published``… also one level down; ``created``, when the note was begun, only
when no date line says when it was published), the permalink, the title, the first
heading (``2024年1月8日``, ``2024-01-08``, ``2024/1/8``, ``（20240108）``, ``June 27, 2015``), a
date line near the top (``Published: June 27, 2015``, ``日期：2024-01-08``), the file name
(``20240108.md`` too), the path (``2024/01/08.md``, ``2024/01/08/index.md``). An impossible
date in the place the date would come from (``2024-02-30``, ``2024年2月30日``: a year, a month of
1 to 12 and a day of 1 to 31 that make no calendar day; in front matter any date-shaped value
that is no day) is an error, ``Dated.error``: the edition is never dated another way. Other
date-shaped strings that are no date (``9999-12-31``, ``2024-13-45``, version numbers) are not
dates: the next place is looked at, and they are named when none has a date. A date that
disagrees with the file name's is a warning naming both. (The series a digest names: series.py.)

The issue number (``edition_issue``), from the first place that has one: front matter
``issue`` / ``number`` / ``no`` (a Pelican ``Number:`` line too), the file name with a prefix
(``issue-42.md``, ``issue_42.md``, ``vol.42.md``, ``no-42.md``, ``第42期.md``, ``#42.md``) or
opened by a small number that is no year, alone or before a slug (``42.md``, ``42-a-title.md``;
not ``2024.md``, ``2024-01-08.md`` nor the ``08.md`` of ``2024/01/08.md``), the title, the first
heading (``#42``, ``No. 42``, ``Issue 42``, ``Vol. 42``, ``第 42 期``, ``第十期``). Numbers run
from 1 to ``MAX_ISSUE``. A folder whose files are named alike but for a number
(``iOSWeeklyLearning_10.md``, ``DL 394.md``) numbers them by it: ``numbered_names``, for the
scan that sees the whole folder.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

from .models import MAX_ISSUE
from .text import clean

_DATE = re.compile(
    r"(?<!\d)(\d{4})(?:[ \t]*年[ \t]*(\d{1,2})[ \t]*月[ \t]*(\d{1,2})(?!\d)[ \t]*[日号]?"
    r"|([-/._])(\d{1,2})\4(\d{1,2})(?!\d))"
)
_MONTH_NAMES = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    "|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_MONTHS = {m: n for n, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
)}  # fmt: skip
_WORDY_DATE = re.compile(
    rf"(?i)(?<![a-z])(?:(?P<m1>{_MONTH_NAMES})\.?\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?,?"
    rf"|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m2>{_MONTH_NAMES})\.?,?)\s+(?P<y>\d{{4}})(?!\d)"
)
# a line that says when the edition was published: "Published: June 27, 2015", "日期：…"
DATELINE = re.compile(
    r"(?i)^[\W_]*(?:published(?: on)?|posted(?: on)?|date|发布(?:时间|日期)?|日期|出版日期)"
    r"[\W_]*[:：]"
)
_COMPACT_DATE = re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)")
_BRACKETED_COMPACT = re.compile(r"[（(\[【]\s*(\d{4})(\d{2})(\d{2})\s*[）)\]】]")
_PATH_DATE = re.compile(r"(?<!\d)(\d{4})/(\d{1,2})/(\d{1,2})(?!\d)")
_NO_LETTERS = re.compile(r"[\d\W_]+")  # a folder named like a year, a month or a day
# an issue number in a title or heading, strongest first: 第42期, Issue 42, No. 42, #42, Vol. 42
ISSUE_IN_TEXT = (
    re.compile(r"第\s*(\d{1,6}|[零〇一二两三四五六七八九十百千]{1,8})\s*期"),  # 第42期, 第十期
    re.compile(r"(?i)(?<![a-z])issue\s*(?:no\.?\s*|#\s*)?(\d{1,6})(?!\d|[-./]\d)"),
    re.compile(r"(?i)(?<![a-z])no\.\s*(\d{1,6})(?!\d|[-./]\d)"),
    re.compile(r"(?<![\w&#＃])[#＃]\s?(\d{1,6})(?!\w|[-./]\d)"),
    re.compile(r"(?i)(?<![a-z])vol\.?\s*(\d{1,6})(?!\d|[-./]\d)"),
)
# in a file name: a prefix, then the number, alone between separators
_ISSUE_IN_NAME = re.compile(
    r"(?i)(?:(?<![a-z])(?:issue|vol|volume|no|number|num)[-_. ]?#?|#|第)0*(\d{1,6})期?(?![a-z\d])"
)
# a file name that is a number, or opens with one before a slug with a letter in it
_LEADING_NUMBER = re.compile(r"([0-9]{1,4})(?:[-_. ]+(?=.*[^\W\d_]).*)?")
# a file name that ends in a number after a word (iOSWeeklyLearning_10, DL 394): its issue when
# enough files of its folder are named so (``numbered_names``)
_TRAILING_NUMBER = re.compile(r"(.*?[^\d\s._-][\s._-]*)0*(\d{1,6})")
_CN_DIGITS = {c: n for n, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_ISSUE_KEYS = ("issue", "number", "no", "False")  # YAML 1.1 reads a key `no:` as false
_ISSUE_VALUE = re.compile(r"(?i)(?:#|no\.?|issue|vol\.?|第)?\s*0*(\d{1,6})\s*期?")


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
    for m in _WORDY_DATE.finditer(text):  # June 27, 2015 · 27 June 2015
        name = (m.group("m1") or m.group("m2") or "")[:3].lower()
        day = m.group("d1") or m.group("d2") or ""
        found.append((m.group("y"), str(_MONTHS[name]), day, m.start(), m.end()))
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
    dateline: str = "",
) -> Dated:
    """The edition's date and where it was found (see the module doc); ``dateline``: the
    line near the top that says when it was published, if one does."""
    path = PurePosixPath(source.replace("\\", "/"))
    name = path.name
    in_name = find_date(name, compact=True)
    dated = _first_date(meta, title, heading, path, pelican=pelican, line=date_line,
                        warnings=warnings, dateline=dateline)  # fmt: skip
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


_OTHER_DATE_KEYS = ("published", "pubdate", "publishdate", "publish_date", "created", "created_at")
_CREATED = ("created", "created_at")  # when the note was begun: a visible date line wins


def _other_date(meta: Mapping[str, object]) -> tuple[str, object]:
    """(key, value) of a date-like front matter key besides ``date``, also one level down
    (Obsidian's ``dg-note-properties: {created: …}``); ("", None) without one."""
    lowered = {str(k).lower(): (str(k), v) for k, v in meta.items()}
    for wanted in _OTHER_DATE_KEYS:
        if wanted in lowered and lowered[wanted][1] not in (None, ""):
            return lowered[wanted]
    for outer, inner in meta.items():
        if isinstance(inner, Mapping):
            for wanted in ("date", *_OTHER_DATE_KEYS):
                for k, v in inner.items():
                    if str(k).lower() == wanted and v not in (None, ""):
                        return f"{outer}.{k}", v
    return "", None


def _first_date(
    meta: Mapping[str, object],
    title: str,
    heading: str,
    path: PurePosixPath,
    *,
    pelican: bool,
    line: int,
    warnings: list[str],
    dateline: str = "",
) -> Dated:
    key = "Pelican 'Date:' line" if pelican else "frontmatter 'date'"
    value = meta.get("date")
    if value is None or value == "":  # created / published / pubDate, or one level down
        found_key, value = _other_date(meta)
        if found_key:
            key = f"frontmatter {found_key!r}"
        shown = find_date(dateline) if dateline else None
        if found_key.rpartition(".")[2].lower() in _CREATED and shown is not None:
            return Dated(shown[0], "the date line")
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
        ("the date line", dateline, False),
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


def edition_issue(
    meta: Mapping[str, object],
    *,
    title: str,
    heading: str,
    source: str,
    pelican: bool,
    warnings: list[str],
) -> tuple[int | None, str]:
    """The edition's issue number and where it was found (see the module doc); (None, "")
    when it has none."""
    for key in _ISSUE_KEYS:
        value = meta.get(key)
        if value is None or value == "" or isinstance(value, bool):
            continue
        named = key.replace("False", "no")
        where = "Pelican 'Number:' line" if pelican else f"frontmatter {named!r}"
        text = unicodedata.normalize("NFKC", meta_text(value))
        m = _ISSUE_VALUE.fullmatch(text.strip())
        given = int(m.group(1)) if m else 0
        if 1 <= given <= MAX_ISSUE:
            return given, where
        warnings.append(f"{where} {text[:40]!r} is not an issue number (1 to {MAX_ISSUE})")
    path = PurePosixPath(source.replace("\\", "/"))
    if (found := _name_issue(path)) is not None:
        return found, "the file name"
    for where, text in (("the title", title), ("the first heading", heading)):
        if (found := issue_in_text(text)) is not None:
            return found, where
    return None, ""


def issue_in_text(text: str) -> int | None:
    """The issue number a title, a heading or a reader's words give (``第 42 期``,
    ``Issue #42``, ``No. 42``, ``#42``, ``Vol. 42``), None without one."""
    text = unicodedata.normalize("NFKC", text)
    for _, _, _, start, end in reversed(_shapes(text, compact=True)):  # 2024-03-16 is no issue
        text = f"{text[:start]} {text[end:]}"
    for pattern in ISSUE_IN_TEXT:
        for m in pattern.finditer(text):
            if 1 <= (number := _value(m.group(1))) <= MAX_ISSUE:
                return number
    return None


def issue_arg(text: str) -> int | None:
    """An issue number as a reader or an operator types it: ``42``, ``#42``, ``第42期``,
    ``No. 42``; None for anything else."""
    bare = unicodedata.normalize("NFKC", text).strip().lstrip("#").strip()
    if bare.isascii() and bare.isdecimal():
        return int(bare) if 1 <= int(bare) <= MAX_ISSUE else None
    return issue_in_text(text)


def _value(written: str) -> int:
    """``42`` or ``四十二`` (``十``, ``一百零五``) as a number; 0 for anything else."""
    if written.isdecimal():
        return int(written)
    total, digit = 0, None
    for char in written:
        if char in _CN_DIGITS:
            digit = _CN_DIGITS[char]
        elif char in _CN_UNITS:
            total += (1 if digit is None else digit) * _CN_UNITS[char]
            digit = None
        else:
            return 0
    return total + (digit or 0)


def numbered_names(paths: Iterable[str], *, least: int = 3) -> dict[str, int]:
    """The files that number a series by their names alone: in one folder, at least ``least``
    files named alike but for a trailing number (``iOSWeeklyLearning_10.md``, ``DL 394.md``);
    path → its number. A name with a date in it numbers nothing."""
    groups: dict[tuple[str, str], dict[str, int]] = {}
    for path in paths:
        name = PurePosixPath(path)
        stem = unicodedata.normalize("NFKC", name.stem)
        m = _TRAILING_NUMBER.fullmatch(stem)
        if m is None or not 1 <= int(m.group(2)) <= MAX_ISSUE or _shapes(stem, compact=True):
            continue
        groups.setdefault((str(name.parent), m.group(1).casefold()), {})[path] = int(m.group(2))
    return {
        path: number
        for files in groups.values()
        if len(set(files.values())) >= least
        for path, number in files.items()
    }


def _name_issue(path: PurePosixPath) -> int | None:
    stem = unicodedata.normalize("NFKC", path.stem)
    if (found := issue_in_text(stem)) is not None and "第" in stem:  # 第42期.md, 第十期.md
        return found
    if m := _ISSUE_IN_NAME.search(stem):
        number = int(m.group(1))
        return number if 1 <= number <= MAX_ISSUE else None
    lead = _LEADING_NUMBER.fullmatch(stem)  # 42.md, 100-a-slug.md
    if lead is None or _shapes(stem, compact=True):  # 2024-01-08-notes.md: a date
        return None
    number = int(lead.group(1))
    if len(lead.group(1)) == 4 and 1900 <= number <= 2999:
        return None  # 2024.md, 2024-review.md: a year
    if _NO_LETTERS.fullmatch(path.parent.name):
        return None  # 2024/01/08.md: a day of a month, not an issue
    return number or None
