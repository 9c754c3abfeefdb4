"""Request parameters as the Bot API server sees them: every value a string, files apart.

Whatever the encoding (query string, form, JSON body, multipart), Telegram turns each argument
into a string (a JSON object or array back into its JSON text) and parses it per method; doing
the same here is what makes the four encodings give the same result. Bytes that are not UTF-8
are read as surrogate escapes, so ``check_utf8`` refuses them like a JSON ``"\\ud83d"``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from .errors import NOT_UTF8, ApiError, bad_request
from .texts import surrogate_in


@dataclass(frozen=True, slots=True)
class Upload:
    """A file part of a multipart request."""

    filename: str
    content_type: str
    data: bytes


def to_arg(value: Any) -> str | None:
    """How a JSON body value becomes an argument string (None: absent)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return json.dumps(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def to_bool(value: str) -> bool:
    """telegram-bot-api's ``to_bool``."""
    return value.lower() in ("true", "yes", "1")


def to_integer(value: str) -> int:
    """td::to_integer: an optional sign and the leading digits; anything else is 0."""
    text = value.strip()
    sign = -1 if text.startswith("-") else 1
    digits = text[1:] if text[:1] in "+-" and text else text
    end = 0
    while end < len(digits) and digits[end].isdigit():
        end += 1
    return sign * int(digits[:end]) if end else 0


@dataclass(frozen=True, slots=True)
class Args:
    """A request's arguments; the getters parse them the way Telegram does."""

    values: dict[str, str] = field(default_factory=dict)
    files: dict[str, Upload] = field(default_factory=dict)

    def get(self, name: str, default: str = "") -> str:
        return self.values.get(name, default)

    def has(self, name: str) -> bool:
        return bool(self.values.get(name))

    def flag(self, name: str) -> bool:
        return to_bool(self.values.get(name, ""))

    def integer(
        self, name: str, default: int = 0, *, low: int | None = None, high: int | None = None
    ) -> int:
        """``get_integer_arg``: the default when absent, clamped into [low, high]."""
        raw = self.values.get(name, "")
        value = to_integer(raw) if raw else default
        if low is not None:
            value = max(low, value)
        if high is not None:
            value = min(high, value)
        return value

    def number(self, name: str, default: float = 0.0) -> float:
        """A number that may have a fraction (the sandbox's long-poll timeout may be 0.2)."""
        raw = self.values.get(name, "")
        try:
            return float(raw) if raw else default
        except ValueError:
            return float(to_integer(raw))

    def decoded(self, name: str, what: str) -> Any:
        """A JSON-encoded argument; ``what`` names it in Telegram's parse error."""
        raw = self.values.get(name, "")
        try:
            return json.loads(raw)
        except ValueError:
            raise bad_request(f"can't parse {what} JSON object") from None

    def file(self, name: str) -> Upload | str | None:
        """``get_input_file``: an upload, ``attach://<part>``, or a file_id / URL string."""
        value = self.values.get(name, "")
        if value.startswith("attach://"):
            return self.files.get(value.removeprefix("attach://"))
        if value:
            return value
        return self.files.get(name)

    def redacted(self) -> dict[str, str]:
        """The arguments for the request log (uploads as "<file name>")."""
        return self.values | {k: f"<{v.filename}>" for k, v in self.files.items()}


def from_json_body(body: Any) -> dict[str, str]:
    """The arguments of an application/json body (a JSON object; anything else has none)."""
    if not isinstance(body, dict):
        return {}
    result: dict[str, str] = {}
    for key, value in body.items():
        arg = to_arg(value)
        if arg is not None:
            result[str(key)] = arg
    return result


def check_json_body(text: str) -> Any:
    """Parse a JSON body; Telegram answers 400 to one it cannot read."""
    try:
        return json.loads(text) if text.strip() else {}
    except ValueError:
        raise ApiError(400, "Bad Request: can't parse JSON object") from None


def from_form(data: bytes | str) -> list[tuple[str, str]]:
    """The pairs of a query string or an application/x-www-form-urlencoded body, in order."""
    text = data if isinstance(data, str) else data.decode("utf-8", "surrogateescape")
    return parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="surrogateescape")


def check_utf8(args: Args) -> None:
    """400 "strings must be encoded in UTF-8" for an argument (or its name) that is not UTF-8."""
    uploads = args.files.items()
    strings = [*args.values.keys(), *args.values.values(), *(k + u.filename for k, u in uploads)]
    if any(surrogate_in(value) for value in strings):
        raise bad_request(NOT_UTF8)
