"""callback_data: a compact ``action:arg:arg`` string, at most 64 bytes, never user text (pure).

Buttons carry ids and short keys only; a press is decoded into a Press whose action is one of
ACTIONS and whose args are checked for shape here. Whether the ids still mean something (the
alert is this chat's, the edition exists) is the handler's check: anything that fails either
check answers "expired" and changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BYTES = 64
_ARG = re.compile(r"[A-Za-z0-9_\-.@+]{0,40}")

# action -> how many args it takes
ACTIONS: dict[str, int] = {
    "sub": 0,  # subscribe this chat
    "unsub": 0,  # unsubscribe this chat
    "undo": 1,  # undo an (un)subscription: "sub" / "unsub"
    "ed": 1,  # open an edition: YYYYMMDD
    "tp": 1,  # toggle a topic: its key
    "tpall": 0,  # follow everything again
    "alx": 1,  # delete an alert: its id
    "set": 2,  # a setting and its value: ("lang", "en"), ("tz", "3"), ("fmt", "compact") …
    "ch": 2,  # a managed channel: (channel id, action)
    "sr": 2,  # a search page: (query id, cursor)
    "bc": 2,  # an operator's broadcast draft: (its id, "go" / "no")
    "ss": 1,  # the series a chat gets: a series number (toggle) or "all"
    "ap": 2,  # an admin's approval of a new edition: (its token, "go" / "no")
}


class BadCallback(ValueError):
    """callback_data the bot did not make (or no longer understands)."""


@dataclass(frozen=True, slots=True)
class Press:
    action: str
    args: tuple[str, ...] = ()

    def int_arg(self, index: int) -> int:
        try:
            return int(self.args[index])
        except (IndexError, ValueError):
            raise BadCallback(f"{self.action}: argument {index} is not a number") from None


def encode(action: str, *args: object) -> str:
    """The callback_data of a button; raises ValueError for what must never be sent."""
    if ACTIONS.get(action) != len(args):
        raise ValueError(f"callback action {action!r} takes {ACTIONS.get(action)} args")
    parts = [action, *(str(a) for a in args)]
    if not all(_ARG.fullmatch(p) for p in parts[1:]):
        raise ValueError(f"callback args must be short ids: {parts[1:]!r}")
    data = ":".join(parts)
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback_data over {MAX_BYTES} bytes: {data!r}")
    return data


def decode(data: str | None) -> Press:
    """The press a button's data stands for; BadCallback for anything else."""
    if not data or len(data.encode("utf-8", "replace")) > MAX_BYTES:
        raise BadCallback("empty or oversized callback_data")
    action, *args = data.split(":")
    if ACTIONS.get(action) != len(args) or not all(_ARG.fullmatch(a) for a in args):
        raise BadCallback(f"unknown callback_data {data[:20]!r}")
    return Press(action, tuple(args))
