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
    # the conversation
    "welcome": {
        "zh": "你好，{name}！我是{bot}：每天把新一期的资讯摘要送到这里。\n"
        "订阅后每天 {time}（{tz}）推送；随时发送 /today 查看最新一期，/help 查看全部命令。",
        "en": "Hello, {name}! I am {bot}: I bring each day's news digest to this chat.\n"
        "Subscribe to get it every day at {time} ({tz}); send /today for the latest edition "
        "any time, /help for every command.",
    },
    "button_subscribe": {"zh": "📬 订阅每日推送", "en": "📬 Subscribe"},
    "subscribed": {
        "zh": "✅ 已订阅：每天 {time}（{tz}）推送新一期。",
        "en": "✅ Subscribed: the new edition arrives every day at {time} ({tz}).",
    },
    "already_subscribed": {"zh": "已经订阅过了。", "en": "Already subscribed."},
    "no_editions": {"zh": "还没有任何一期。", "en": "There is no edition yet."},
    "not_today": {
        "zh": "今天还没有新一期，以下是最新的一期（{date}）。",
        "en": "No edition today yet; here is the latest one ({date}).",
    },
    "help_header": {"zh": "可用命令：", "en": "Commands:"},
    "cmd_start": {"zh": "开始使用，订阅每日推送", "en": "Start, subscribe to the daily digest"},
    "cmd_help": {"zh": "全部命令", "en": "All commands"},
    "cmd_today": {"zh": "最新一期", "en": "The latest edition"},
    "error": {
        "zh": "抱歉，出了点问题，请稍后再试。",
        "en": "Sorry, something went wrong. Please try again later.",
    },
    "expired": {"zh": "这个按钮已失效。", "en": "This button has expired."},
}


def t(key: str, lang: str, /, **kwargs: object) -> str:
    """The string ``key`` in ``lang`` (zh when ``lang`` is unknown), formatted with ``kwargs``."""
    entry = CATALOGUE[key]
    template = entry.get(lang, entry[DEFAULT_LANGUAGE])
    return template.format(**kwargs)
