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

    @property
    def is_private(self) -> bool:
        return self.type == "private"


@dataclass(frozen=True, slots=True)
class Alert:
    """A chat's keyword alert: every term must appear in an item, no excluded term may."""

    id: int
    chat_id: int
    terms: tuple[str, ...]
    excluded: tuple[str, ...] = ()

    def label(self) -> str:
        """How the reader wrote it: ``储能 电池 -煤炭``."""
        return " ".join([*self.terms, *(f"-{e}" for e in self.excluded)])
