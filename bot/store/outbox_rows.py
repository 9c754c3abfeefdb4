"""What an outbox row is: its kind, its status, its target, and the row as the sender takes it.

Part of the store (``outbox`` holds the queries). A row's key is typed: its ``Kind`` and its
``Target`` (an edition, a roundup's week or a broadcast), in columns of their own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from bot.digest.models import EditionKey

from .readers import Chat

KEY_COLUMNS = "series_id, edition_date, issue, week, broadcast_id"  # a row's Target


class Kind(StrEnum):
    """What an outbox row delivers."""

    EDITION = "edition"  # the edition, at the chat's push time (or an operator's push)
    ALERT = "alert"  # the items of an edition that match the chat's alerts
    CORRECTION = "correction"  # the parts already sent of an edition, edited
    APPROVAL = "approval"  # an admin's preview of an edition waiting for "send"
    ROUNDUP = "roundup"  # a weekly chat's roundup of a week
    BROADCAST = "broadcast"  # an operator's announcement
    ALERT_DAILY = "alert_daily"  # a chat's daily alerts' matches of a day, at its push time
    ALERT_WEEKLY = "alert_weekly"  # its weekly alerts' matches of a week, on its roundup day


class Status(StrEnum):
    PENDING = "pending"  # to send (or to send the rest of)
    SENT = "sent"  # every part delivered
    SKIPPED = "skipped"  # nothing for this chat, the chat is gone, too old to edit
    FAILED = "failed"  # with the reason; transient failures come back on a later tick
    AMBIGUOUS = "ambiguous"  # a read timeout: Telegram may have delivered it


@dataclass(frozen=True, slots=True)
class Target:
    """The rest of a row's key: its edition, its week (a roundup) or its broadcast."""

    edition: EditionKey | None = None
    week: dt.date | None = None  # the first day a roundup covers
    broadcast: int = 0

    @classmethod
    def of_week(cls, start: dt.date) -> Target:
        return cls(week=start)

    @classmethod
    def of_broadcast(cls, number: int) -> Target:
        return cls(broadcast=number)

    @property
    def columns(self) -> tuple[int, str, int, str, int]:
        """series_id, edition_date, issue, week, broadcast_id."""
        edition = self.edition
        return (
            edition.series if edition else 0,
            edition.date.isoformat() if edition else "",
            edition.issue if edition else 0,
            self.week.isoformat() if self.week else "",
            self.broadcast,
        )

    @classmethod
    def from_columns(cls, series: int, day: str, issue: int, week: str, broadcast: int) -> Target:
        edition = EditionKey(series, dt.date.fromisoformat(day), issue) if day else None
        return cls(edition, dt.date.fromisoformat(week) if week else None, broadcast)

    def __str__(self) -> str:
        if self.edition is not None:
            return self.edition.ref
        return f"week of {self.week}" if self.week else f"broadcast {self.broadcast}"


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    chat: Chat
    target: Target
    kind: Kind
    part: int
    attempts: int
    message_ids: tuple[int, ...]
    items: tuple[int, ...]  # item ids this delivery carries (alerts)
    scopes: frozenset[str]  # the chat's subscription scopes: {"all"} or topic keys
    due_at: dt.datetime  # when it was due: how old it is (push.max_age)
    series: frozenset[int] = frozenset()  # the series the chat gets (empty: every series)


@dataclass(frozen=True, slots=True)
class Planned:
    chat_id: int
    target: Target
    kind: Kind
    due_at: dt.datetime
    items: tuple[int, ...] = ()
