"""The bot's zh/en strings: one catalogue, looked up with ``t(key, lang, **values)``.

Pure: standard library only. Every entry has both languages; values are ``str.format``
templates of plain text (markup and escaping belong to the renderer). An unknown language
falls back to Chinese (most readers write Chinese); an unknown key is a programming error and
raises ``KeyError``.
"""

from __future__ import annotations

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"

EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

CATALOGUE: dict[str, dict[str, str]] = {
    # rendering of editions
    "date": {"zh": "{year}年{month}月{day}日", "en": "{day} {month_abbr} {year}"},
    "section": {"zh": "【{name}】", "en": "{name}"},
    # opens each further message part of an item too long for one message
    "continued": {"zh": "{n}.（续）", "en": "{n}. (cont.) "},
    "link": {"zh": "原文", "en": "Source"},
    "link_n": {"zh": "原文{n}", "en": "Source {n}"},
    "no_items": {"zh": "本期暂无条目。", "en": "No items in this edition."},
}


def t(key: str, lang: str, /, **kwargs: object) -> str:
    """The string ``key`` in ``lang`` (zh when ``lang`` is unknown), formatted with ``kwargs``."""
    entry = CATALOGUE[key]
    template = entry.get(lang, entry[DEFAULT_LANGUAGE])
    return template.format(**kwargs)
