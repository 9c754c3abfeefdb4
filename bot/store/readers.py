"""Who the bot talks to, as the store keeps them: a chat with its reader's settings, a chat's
keyword alert (values; the repositories in ``chats`` read and write them)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

CHAT_TYPES = ("private", "group", "supergroup", "channel")
FORMATS = ("full", "compact")
CADENCES = ("daily", "weekly")  # every edition, or one roundup a week


@dataclass(frozen=True, slots=True)
class Chat:
    """A chat the bot talks to, with the reader's settings (empty = the bot's default)."""

    id: int
    type: str
    title: str = ""
    language: str = "zh"
    timezone: str = ""
    push_time: dt.time | None = None
    thread_id: int | None = None
    format: str = "full"
    previews: bool = False
    active: bool = True
    inactive_reason: str = ""
    cadence: str = "daily"
    week_day: int = 0  # weekly: the roundup's day, 0 = Monday … 6 = Sunday (at push_time)
    quiet: str = ""  # quiet hours "22:00-07:30" in the chat's zone ("": none)
    silent: bool = False  # pushes and alerts go without a notification sound

    @property
    def is_private(self) -> bool:
        return self.type == "private"


@dataclass(frozen=True, slots=True)
class Alert:
    """A chat's keyword alert: every term must appear in an item, one term of each ``any_of``
    group (``储能 OR 氢能``), no excluded term; sent as it comes or in a digest (``cadence``)."""

    id: int
    chat_id: int
    terms: tuple[str, ...]
    excluded: tuple[str, ...] = ()
    any_of: tuple[tuple[str, ...], ...] = ()
    cadence: str = "now"  # now | daily | weekly (store.alert_cadence.AlertCadence)

    def label(self) -> str:
        """How the reader wrote it: ``储能 电池 -煤炭``, ``储能 OR 氢能``, ``"绿色 债券"``."""
        words = [*map(_quoted, self.terms), *(" OR ".join(map(_quoted, g)) for g in self.any_of)]
        return " ".join([*words, *(f"-{_quoted(e)}" for e in self.excluded)])


def _quoted(term: str) -> str:
    """A term as typed: a phrase with a space in quotes."""
    return f'"{term}"' if " " in term else term
