"""``reply_markup``: parsed and checked as telegram-bot-api and tdlib check it, kept as given.

The structure is checked first (``Client::get_reply_markup``: "can't parse reply keyboard
markup JSON object", "can't parse inline keyboard button: …"); the button contents when the
message is sent (tdlib ``get_inline_keyboard_button``: a URL Telegram would not link is "inline
keyboard button URL '…' is invalid: Wrong HTTP URL"; Telegram's servers refuse callback_data
over 64 bytes with "BUTTON_DATA_INVALID").
"""

from __future__ import annotations

import json
from typing import Any

from .errors import bad_request
from .params import Args
from .telegram_links import checked_link

MAX_CALLBACK_DATA = 64
INLINE_TYPES = (
    "callback_game",
    "pay",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "login_url",
    "web_app",
    "copy_text",
)


def parse_reply_markup(args: Args) -> dict[str, Any] | None:
    """The ``reply_markup`` argument as given, after Telegram's structural checks."""
    raw = args.get("reply_markup")
    if not raw:
        return None
    try:
        markup = json.loads(raw)
    except ValueError:
        raise bad_request("can't parse reply keyboard markup JSON object") from None
    if not isinstance(markup, dict):
        raise bad_request("object expected as reply markup")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return markup
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'Field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
        )
    for row in rows:
        for button in row:
            problem = _button_problem(button)
            if problem:
                raise bad_request(f"can't parse inline keyboard button: {problem}")
    return markup


def _button_problem(button: Any) -> str | None:
    if not isinstance(button, dict):
        return "InlineKeyboardButton must be an Object"
    if "text" not in button:
        return 'Can\'t find field "text"'
    if not isinstance(button["text"], str):
        return 'Field "text" must be of type String'
    if button.get("url") or button.get("callback_data"):
        return None
    if any(kind in button for kind in INLINE_TYPES):
        return None
    return "Text buttons are unallowed in the inline keyboard"


def check_buttons(markup: dict[str, Any] | None) -> None:
    """The checks made when the message is sent: button URLs and callback_data sizes."""
    for row in (markup or {}).get("inline_keyboard") or []:
        for button in row:
            if not button.get("text"):
                continue  # tdlib skips a button without text
            url = button.get("url")
            if url:
                if checked_link(str(url)) is None:
                    problem = f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL"
                    raise bad_request(problem)
                continue
            data = button.get("callback_data")
            if isinstance(data, str) and len(data.encode("utf-8")) > MAX_CALLBACK_DATA:
                raise bad_request("BUTTON_DATA_INVALID")


def same_markup(a: dict[str, Any] | None, b: dict[str, Any] | None) -> bool:
    """Whether two markups show the same inline keyboard (for "message is not modified")."""
    return (a or {}).get("inline_keyboard") == (b or {}).get("inline_keyboard")
