"""Values shared by every layer: what a digest is, once parsed.

Pure: standard library only. Everything here is a frozen dataclass so a value can be
hashed, compared and passed between threads without copying.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Item:
    """One news item of an edition.

    ``text`` is plain text (no markdown, no URLs); ``title`` is the item's headline when the
    layout gives one (a ``### [title](url)`` heading, a bold lead, a linked bullet), else "".
    ``links`` are the item's hrefs, deduplicated, in order of appearance.
    """

    position: int
    text: str
    links: tuple[str, ...] = ()
    section: str = ""
    title: str = ""
    # what a reader sees of the item (not its position), digested once
    content_hash: str = field(init=False, repr=False, compare=False, default="")

    def __post_init__(self) -> None:
        payload = "\0".join([self.section, self.title, self.text, *self.links])
        digest = hashlib.blake2b(payload.encode("utf-8", "surrogatepass"), digest_size=16)
        object.__setattr__(self, "content_hash", digest.hexdigest())

    def to_json(self) -> dict[str, object]:
        return {
            "position": self.position,
            "section": self.section,
            "title": self.title,
            "text": self.text,
            "links": list(self.links),
        }


@dataclass(frozen=True, slots=True, order=True)
class EditionKey:
    """What identifies an edition: its series (0 = the bot's first), its date and its issue
    number (0: the edition has none).

    ``ref`` is how the outbox and the files table write it (the date alone for series 0, so
    rows written before there were series still mean the same edition; ``#N`` after it for
    issue N, so rows written before there were issue numbers keep their meaning too);
    ``token`` is the shorter form buttons carry (``_N`` for issue N).
    """

    series: int
    date: dt.date
    issue: int = 0

    @property
    def ref(self) -> str:
        day = self.date.isoformat()
        ref = f"{day}+{self.series}" if self.series else day
        return f"{ref}#{self.issue}" if self.issue else ref

    @property
    def token(self) -> str:
        day = f"{self.date:%Y%m%d}"
        token = f"{day}.{self.series}" if self.series else day
        return f"{token}_{self.issue}" if self.issue else token

    @classmethod
    def from_ref(cls, ref: str) -> EditionKey | None:
        """The key a ``ref`` (or a ``token``) stands for; None for anything else."""
        ref, mark, issue = ref.replace("_", "#").partition("#")
        day, _, series = ref.replace(".", "+").partition("+")
        try:
            date = dt.date.fromisoformat(day) if "-" in day else _compact(day)
            number = int(series) if series else 0
            issued = int(issue) if mark and issue.isascii() and issue.isdigit() else -1
        except ValueError:
            return None
        if mark and not 1 <= issued <= MAX_ISSUE:
            return None
        return cls(number, date, max(issued, 0)) if 0 <= number < MAX_SERIES else None


MAX_SERIES = 1000  # series one bot may have (an item's sort key has three digits for it)
MAX_ISSUE = 99_999  # the highest issue number (an item's sort key has five digits for it)


def _compact(day: str) -> dt.date:
    if len(day) != 8 or not day.isdigit():
        raise ValueError(day)
    return dt.date(int(day[:4]), int(day[4:6]), int(day[6:]))


@dataclass(frozen=True, slots=True)
class Edition:
    """One day's digest: a date, the series it belongs to, and its items in order.

    ``series`` is the series' display name as the file gives it ("" when none);
    ``series_id`` the series the store filed it under (0 until it is stored); ``issue`` its
    issue number (0: none).
    """

    date: dt.date
    series: str
    items: tuple[Item, ...]
    title: str = ""
    source: str = ""
    warnings: tuple[str, ...] = field(default=(), compare=False)
    series_id: int = 0
    issue: int = 0

    @property
    def key(self) -> EditionKey:
        return EditionKey(self.series_id, self.date, self.issue)

    @property
    def label(self) -> str:
        """The series as an edition's heading names it: ``Rust 周刊 #42`` when numbered."""
        return f"{self.series} #{self.issue}".strip() if self.issue else self.series

    @property
    def content_hash(self) -> str:
        """A stable digest of the edition's readable content (ignores source and warnings)."""
        h = hashlib.blake2b(digest_size=16)
        h.update(f"{self.date.isoformat()}\0{self.series}\0{self.title}\0".encode())
        for item in self.items:
            h.update(f"{item.position}:{item.content_hash}\0".encode())
        return h.hexdigest()

    def to_json(self) -> dict[str, object]:
        return {
            "date": self.date.isoformat(),
            **({"issue": self.issue} if self.issue else {}),
            "series": self.series,
            "title": self.title,
            "items": [item.to_json() for item in self.items],
        }


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
