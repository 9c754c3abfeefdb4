"""Readers' feedback on pushed editions (``feedback``): part of the store.

A reader's 👍 / 👎 button, a reader's reactions and a channel's anonymous reaction counts, each
on one message part of an edition one chat got (the edition and the part are the outbox's:
``part_of`` finds them by the message). One row per (chat, edition, part, voter, source,
emoji): a reader has one button vote per part, their reactions replace their earlier ones, and
a channel's counts replace its earlier counts. Each row keeps the positions of the items the
part held (what a vote is about: per topic, and for the weekly roundup's ranking).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.digest.models import EditionKey

from .engines import Sql
from .outbox_rows import Kind
from .repository import Repository
from .sent_as import SentAs
from .stamps import stamp
from .tx import immediate

TABLE = """CREATE TABLE feedback (
    chat_id BIGINT NOT NULL,
    series_id INTEGER NOT NULL,
    edition_date TEXT NOT NULL,
    issue INTEGER NOT NULL DEFAULT 0,
    part INTEGER NOT NULL,
    voter BIGINT NOT NULL,
    source TEXT NOT NULL,
    emoji TEXT NOT NULL,
    amount INTEGER NOT NULL DEFAULT 1,
    items TEXT NOT NULL DEFAULT '[]',
    updated_at TEXT NOT NULL,
    PRIMARY KEY (chat_id, series_id, edition_date, issue, part, voter, source, emoji)
)"""

UP, DOWN = "👍", "👎"  # the two buttons' votes
ANONYMOUS = 0  # the voter of a channel's counts


def feedback_table(db: Sql) -> None:
    """Migration 0030_feedback_votes (both engines): readers' votes and reactions."""
    db.execute(TABLE)
    db.execute("CREATE INDEX feedback_edition ON feedback (series_id, edition_date, issue)")


class Source(StrEnum):
    """Where a row's feedback came from."""

    BUTTON = "button"  # a reader's 👍 / 👎 under the message
    REACTION = "reaction"  # a reader's reaction (private chats, groups)
    COUNT = "count"  # a message's anonymous reaction counts (channels): amount is the total


@dataclass(frozen=True, slots=True)
class SentPart:
    """A message the bot pushed: one part of an edition as one chat got it."""

    edition: EditionKey
    part: int
    sent_as: SentAs | None  # the settings it was rendered with (None: sent before 0021)


@dataclass(frozen=True, slots=True)
class Vote:
    """A reader's button vote on a part before and after a press (None: no vote)."""

    before: str | None
    after: str | None


@dataclass(frozen=True, slots=True)
class Feedback:
    """One row: ``amount`` of ``emoji`` from ``source`` on a part holding ``items``."""

    edition: EditionKey
    chat_id: int
    part: int
    source: Source
    emoji: str
    amount: int
    items: tuple[int, ...]


def _key(edition: EditionKey) -> list[object]:
    return [edition.series, edition.date.isoformat(), edition.issue]


_PART = "chat_id = ? AND series_id = ? AND edition_date = ? AND issue = ? AND part = ?"
_COLUMNS = (
    "chat_id, series_id, edition_date, issue, part, voter, source, emoji, amount, items, "
    "updated_at"
)


class FeedbackStore(Repository):
    """A repository of the Store."""

    def part_of(self, chat_id: int, message_id: int) -> SentPart | None:
        """The edition part the bot pushed to ``chat_id`` as ``message_id`` (None: the message
        is not one: a reply, an alert, a roundup). The newest deliveries are looked at first:
        readers mostly react to recent messages."""
        cursor = self.db.execute(
            "SELECT series_id, edition_date, issue, message_ids, sent_as FROM deliveries "
            "WHERE chat_id = ? AND kind = ? AND message_ids <> '[]' ORDER BY id DESC",
            [chat_id, Kind.EDITION],
        )
        for series, day, issue, ids, sent_as in cursor.fetchall():
            sent = json.loads(ids)
            if message_id in sent:
                key = EditionKey(int(series), dt.date.fromisoformat(day), int(issue))
                return SentPart(key, sent.index(message_id), SentAs.loads(sent_as))
        return None

    def vote(
        self,
        chat_id: int,
        part: SentPart,
        *,
        voter: int,
        emoji: str,
        items: Collection[int],
        now: dt.datetime,
    ) -> Vote:
        """A reader presses ``emoji`` (👍 or 👎) under a part: their vote becomes it, or is
        withdrawn when it was it already (a second press takes it back, as with reactions)."""
        where = [chat_id, *_key(part.edition), part.part, voter, Source.BUTTON]
        with immediate(self.db):
            row = self.db.execute(
                f"SELECT emoji FROM feedback WHERE {_PART} AND voter = ? AND source = ?",  # noqa: S608 - constant
                where,
            ).fetchone()
            before = None if row is None else str(row[0])
            self.db.execute(
                f"DELETE FROM feedback WHERE {_PART} AND voter = ? AND source = ?",  # noqa: S608 - constant
                where,
            )
            after = None if before == emoji else emoji
            if after is not None:
                self._insert(chat_id, part, voter, Source.BUTTON, {after: 1}, items, now)
        return Vote(before, after)

    def react(
        self,
        chat_id: int,
        part: SentPart,
        *,
        voter: int,
        emojis: Sequence[str],
        items: Collection[int],
        now: dt.datetime,
    ) -> None:
        """A reader's reactions on a part are now ``emojis`` (none: taken back)."""
        self._replace(chat_id, part, voter, Source.REACTION, dict.fromkeys(emojis, 1), items, now)

    def counts(
        self,
        chat_id: int,
        part: SentPart,
        *,
        totals: Mapping[str, int],
        items: Collection[int],
        now: dt.datetime,
    ) -> None:
        """A part's anonymous reactions now total ``totals`` (a channel's counts)."""
        self._replace(chat_id, part, ANONYMOUS, Source.COUNT, totals, items, now)

    def _replace(
        self,
        chat_id: int,
        part: SentPart,
        voter: int,
        source: Source,
        amounts: Mapping[str, int],
        items: Collection[int],
        now: dt.datetime,
    ) -> None:
        with immediate(self.db):
            self.db.execute(
                f"DELETE FROM feedback WHERE {_PART} AND voter = ? AND source = ?",  # noqa: S608 - constant
                [chat_id, *_key(part.edition), part.part, voter, source],
            )
            self._insert(chat_id, part, voter, source, amounts, items, now)

    def _insert(
        self,
        chat_id: int,
        part: SentPart,
        voter: int,
        source: Source,
        amounts: Mapping[str, int],
        items: Collection[int],
        now: dt.datetime,
    ) -> None:
        held = json.dumps(sorted(items))
        self.db.executemany(
            f"INSERT INTO feedback ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "  # noqa: S608 - constant
            "ON CONFLICT DO NOTHING",  # a second instance recorded the same press at once
            [
                (
                    chat_id,
                    *_key(part.edition),
                    part.part,
                    voter,
                    source,
                    emoji,
                    amount,
                    held,
                    stamp(now),
                )
                for emoji, amount in amounts.items()
                if amount > 0
            ],
        )

    def latest_editions(self, limit: int) -> list[EditionKey]:
        """The ``limit`` newest editions readers gave feedback on, newest first."""
        rows = self.db.execute(
            "SELECT DISTINCT series_id, edition_date, issue FROM feedback "
            "ORDER BY edition_date DESC, series_id, issue DESC LIMIT ?",
            [limit],
        ).fetchall()
        return [EditionKey(int(r[0]), dt.date.fromisoformat(r[1]), int(r[2])) for r in rows]

    def of_editions(self, editions: Sequence[EditionKey]) -> list[Feedback]:
        """Every row of these editions."""
        found: list[Feedback] = []
        for edition in dict.fromkeys(editions):
            rows = self.db.execute(
                "SELECT chat_id, part, source, emoji, amount, items FROM feedback "
                "WHERE series_id = ? AND edition_date = ? AND issue = ? "
                "ORDER BY chat_id, part, source, emoji",
                _key(edition),
            ).fetchall()
            found += [
                Feedback(
                    edition,
                    int(r[0]),
                    int(r[1]),
                    Source(r[2]),
                    str(r[3]),
                    int(r[4]),
                    tuple(json.loads(r[5])),
                )
                for r in rows
            ]
        return found
