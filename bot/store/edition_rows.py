"""What the editions repository answers: the values it returns (part of the store)."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from bot.digest.models import EditionKey


@dataclass(frozen=True, slots=True)
class RecentEdition:
    """A pushed (not quiet) edition's key, content hash and when it was ingested."""

    key: EditionKey
    content_hash: str
    ingested_at: dt.datetime


@dataclass(frozen=True, slots=True)
class ArchiveCounts:
    """How many editions and items the store holds."""

    editions: int
    items: int


@dataclass(frozen=True, slots=True)
class EditionInfo:
    key: EditionKey
    series: str
    title: str
    source: str
    items: int
    updated_at: dt.datetime

    @property
    def date(self) -> dt.date:
        return self.key.date

    @property
    def issue(self) -> int:
        return self.key.issue


class Change(enum.Enum):
    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    SCHEDULED = "scheduled"  # dated after today: held back until its day
