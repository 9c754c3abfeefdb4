"""Text from the sandbox's users: Telegram's UTF-8 rule and the entities it finds in it.

Telegram stores text as UTF-8, so a string holding a UTF-16 surrogate code point (a lone
``"\\ud83d"`` from a JSON escape, or bytes that are not UTF-8, which the server decodes to
surrogate escapes) cannot exist there. The Bot API answers such a request 400 "strings must be
encoded in UTF-8" (``params.check_utf8``); the Python API refuses it with a ValueError and the
control API with a 400 (``check_text``, ``check_json``), so nothing unencodable is ever stored
and every later answer can still be sent.
"""

from __future__ import annotations

import re
from typing import Any

from .model import JSON
from .telegram_html import utf16_len

SURROGATE = re.compile("[\ud800-\udfff]")
COMMAND = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@([A-Za-z0-9_]{1,32}))?")
MENTION = re.compile(r"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}")


def surrogate_in(value: str) -> str | None:
    """The first surrogate code point of ``value`` (None: it encodes as UTF-8)."""
    found = SURROGATE.search(value)
    return found[0] if found else None


def check_text(**values: str | None) -> None:
    """ValueError naming the first value (by its keyword) that is not valid UTF-8."""
    for name, value in values.items():
        bad = None if value is None else surrogate_in(value)
        if bad is not None:
            raise ValueError(
                f"{name} holds the lone surrogate U+{ord(bad):04X}: Telegram only takes "
                "text that can be encoded in UTF-8"
            )


def check_json(value: Any, where: str = "the body") -> None:
    """``check_text`` for every key and string of a decoded JSON value."""
    if isinstance(value, str):
        check_text(**{where: value})
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(**{f"a key of {where}": str(key)})
            check_json(item, f"{where}[{key!r}]")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_json(item, f"{where}[{index}]")


def user_entities(text: str) -> list[JSON]:
    """The entities Telegram finds in a user's text: a leading command, @mentions."""
    entities: list[JSON] = []
    if command := COMMAND.match(text):
        entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(command[0])})
    for mention in MENTION.finditer(text):
        offset = utf16_len(text[: mention.start()])
        entities.append({"type": "mention", "offset": offset, "length": utf16_len(mention[0])})
    return entities
