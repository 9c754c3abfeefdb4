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


@dataclass(frozen=True, slots=True)
class Action:
    """A kind of button: how many args its data carries, whether pressing it changes the
    chat (then, in groups, only admins may), and whether its work is the leading instance's
    (several instances: ``bot.chat.leading``)."""

    args: int
    manages: bool = False
    leader: bool = False


# the one table of buttons (the chat's router maps each to its handler; a test checks both)
ACTIONS: dict[str, Action] = {
    "sub": Action(0, manages=True),  # subscribe this chat
    "undo": Action(1, manages=True),  # undo an (un)subscription: "sub" / "unsub"
    "ed": Action(1),  # open an edition: its token (YYYYMMDD, YYYYMMDD.N for series N)
    "pg": Action(1),  # ◀ / ▶: that edition (its token) in place of the message it is under
    "tp": Action(1, manages=True),  # toggle a topic: its key
    "tpall": Action(0, manages=True),  # follow everything again
    "alx": Action(1, manages=True),  # delete an alert: its id
    "alsh": Action(2, manages=True),  # share an alert by link, or stop: (its id, "on" / "off")
    "alc": Action(2, manages=True),  # how an alert comes: (its id, "now" / "daily" / "weekly")
    "set": Action(2, manages=True),  # a setting and its value: ("lang", "en"), ("tz", "3") …
    "ch": Action(2),  # a managed channel: (channel id, action); the handler checks the owner
    "sr": Action(2),  # a search page: (query id, cursor)
    "bc": Action(2, leader=True),  # an operator's broadcast: (its id, "go" / "no"); plans
    "ss": Action(1, manages=True),  # the series a chat gets: a series number or "all"
    # an admin's approval of a new edition: (its token, "go" / "no"); "go" plans it
    "ap": Action(2, leader=True),
    "fb": Action(1),  # a reader's vote on the pushed edition part it is under: "u" 👍, "d" 👎
}


def _args(action: str) -> int | None:
    found = ACTIONS.get(action)
    return found.args if found else None


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
    if _args(action) != len(args):
        raise ValueError(f"callback action {action!r} takes {_args(action)} args")
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
    if _args(action) != len(args) or not all(_ARG.fullmatch(a) for a in args):
        raise BadCallback(f"unknown callback_data {data[:20]!r}")
    return Press(action, tuple(args))
