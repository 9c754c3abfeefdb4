"""The edition date as the bot shows it (zh "2024年1月8日", en "8 Jan 2024"), and read back.

Pure: what the bot prints, a reader may type back (``/day 8 Jan 2024``).
"""

from __future__ import annotations

import re
from datetime import date

from .i18n import EN_MONTHS, t

_EN_DATE = re.compile(r"(\d{1,2})\s*([A-Za-z]{3,9})\.?,?\s*(\d{4})")


def format_date(d: date, lang: str) -> str:
    """The edition date as readers write it: zh "2024年1月8日", en "8 Jan 2024"."""
    month_abbr = EN_MONTHS[d.month - 1]
    return t("date", lang, year=d.year, month=d.month, day=d.day, month_abbr=month_abbr)


def parse_shown_date(text: str) -> date | None:
    """A date as ``format_date`` shows it in English ("8 Jan 2024"; "8 January 2024" too);
    None for anything else (the zh form is read with the other reader forms)."""
    found = _EN_DATE.fullmatch(text.strip())
    if found is None:
        return None
    day, name, year = found.groups()
    month = next(
        (n for n, abbr in enumerate(EN_MONTHS, 1) if name.lower().startswith(abbr.lower())),
        None,
    )
    if month is None:
        return None
    try:
        return date(int(year), month, int(day))
    except ValueError:
        return None
