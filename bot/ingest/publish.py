"""Whether a digest that was read becomes an edition: one decision for every source.

The folder scan, remote (URL) sources and ``check DIR`` all ask ``publish(reading, source,
policy)`` and act on its ``Outcome``, so a file ``check`` passes is one ingest takes, and a
file it refuses is refused for the same reason, in the same words. What is refused:

- a draft (``draft: true``, ``dg-publish: false``, ``publish: false``): not published, and an
  edition the same file or URL published before is *withdrawn* (a folder and a URL alike: the
  front matter says the same wherever the file lives; a draft never published just waits);
- an undated digest without an issue number under ``digests.undated = "skip"``;
- a digest naming an edition another file or URL already holds (two files, one edition).

A file behind a symlink that leads out of the digests folder is refused before it is read, by
the walk both the scan and ``check`` list a folder with (walk.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from bot.digest import Reading

SKIPPED = "skipped: "  # a file state error that is no error: the file is not published
SKIP_UNDATED = "skip"  # digests.undated: an undated digest is not published


class Reason(StrEnum):
    """Why a reading is, or is not, published."""

    PUBLISHED = "published"
    DRAFT = "draft"
    UNDATED = "undated"
    TAKEN = "taken"


@dataclass(frozen=True, slots=True)
class Source:
    """Where a reading came from: ``where``, its path in the digests folder or its URL;
    ``owner``, the file or URL that already holds the edition it names (None: none, or this
    one); ``day``, the date an undated reading is given; ``several``: the bot has several
    series (said when two claim one edition)."""

    where: str
    owner: str | None = None
    day: dt.date | None = None
    several: bool = False


@dataclass(frozen=True, slots=True)
class PublishPolicy:
    """The publisher's choices that bear on publishing (``digests.undated``)."""

    undated: str = "first-seen"


@dataclass(frozen=True, slots=True)
class Outcome:
    """The decision: ``reason``; ``detail``, the one line telling the publisher why not."""

    reason: Reason
    detail: str = ""

    @property
    def published(self) -> bool:
        return self.reason is Reason.PUBLISHED

    @property
    def withdraws(self) -> bool:
        """The edition this source published before goes (it is a draft again)."""
        return self.reason is Reason.DRAFT

    @property
    def skipped(self) -> bool:
        """Not published by the publisher's choice, no error (a draft, an undated skip)."""
        return self.reason in (Reason.DRAFT, Reason.UNDATED)

    @property
    def message(self) -> str:
        """What a file state, a scan report and ``check`` say of it."""
        return f"{SKIPPED}{self.detail}" if self.skipped else self.detail


def publish(reading: Reading, source: Source, policy: PublishPolicy) -> Outcome:
    """Whether ``reading``, from ``source``, is published, and why not."""
    if reading.draft:
        return Outcome(Reason.DRAFT, f"draft, not published ({reading.draft})")
    if reading.date is None and not reading.issue and policy.undated == SKIP_UNDATED:
        return Outcome(Reason.UNDATED, f'no date (digests.undated = "{SKIP_UNDATED}")')
    if source.owner is not None and source.owner != source.where:
        why = taken(reading, source.owner, several=source.several, day=source.day)
        return Outcome(Reason.TAKEN, why)
    return Outcome(Reason.PUBLISHED)


def taken(reading: Reading, owner: str, *, several: bool, day: dt.date | None = None) -> str:
    """Why a reading cannot have the edition ``owner`` already has, and how to make them two."""
    if reading.issue:
        reason = f"issue {reading.issue} is already the edition of {owner}"
        how = "give one of them another number (`issue:` in its front matter), a `series:`"
    else:
        reason = f"date {reading.date or day} is already the edition of {owner}"
        how = "give one of them a `series:` in its front matter"
    if several:
        reason += " in the same series"
    return f"{reason}: {how}, or its own folder"
