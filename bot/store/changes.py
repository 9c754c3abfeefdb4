"""What the tick owes readers for editions stored since it last planned (part of the store).

Storing an edition marks it (``editions.owed``): a new one is owed its alerts (and its approval
question, and the back-catalogue decision), a changed one its corrections and the alerts of its
new items. The mark is written in the transaction that stores the edition, and cleared in the
one that plans what it owed, so a bot killed between the two plans it after its restart: an
edit is never stored without its readers' corrections.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from bot.digest.models import EditionKey

from .numbered import KEY, key_args, row_key
from .repository import Repository


class Owed(enum.IntEnum):
    """The mark an edition carries until the tick planned what it owes (``editions.owed``)."""

    NOTHING = 0
    NEW = 1  # its alerts, its approval question
    CHANGED = 2  # its corrections, the alerts of its new items


# The mark an update leaves: a new edition not planned yet stays new (nobody got it to correct)
AFTER_UPDATE = f"CASE owed WHEN {Owed.NEW} THEN {Owed.NEW} ELSE {Owed.CHANGED} END"


@dataclass(frozen=True, slots=True)
class OwedEdition:
    """An edition stored since the last plan: what it is owed, as its content was then."""

    key: EditionKey
    owed: Owed
    content_hash: str
    quiet: bool


class ChangeStore(Repository):
    """A repository of the Store."""

    def owed(self) -> list[OwedEdition]:
        """The editions marked since the last plan, oldest first."""
        rows = self.db.execute(
            "SELECT series_id, date, issue, owed, content_hash, quiet FROM editions "
            "WHERE owed != 0 ORDER BY date, series_id, issue"
        ).fetchall()
        return [OwedEdition(row_key(r[0], r[1], r[2]), Owed(r[3]), r[4], bool(r[5])) for r in rows]

    def planned(self, changes: Sequence[OwedEdition]) -> None:
        """What ``changes`` owed is planned: their marks are cleared, except where the edition
        changed again since (its next plan is still owed)."""
        self.db.executemany(
            f"UPDATE editions SET owed = 0 WHERE {KEY} AND content_hash = ?",  # noqa: S608 - constant
            [(*key_args(c.key), c.content_hash) for c in changes],
        )

    def owe_again(self, key: EditionKey) -> None:
        """The edition is owed what a new one is (its alerts, its push) at the next plan: an
        edition an admin approved."""
        self.db.execute(
            f"UPDATE editions SET owed = ? WHERE {KEY}",  # noqa: S608 - constant
            [Owed.NEW, *key_args(key)],
        )
