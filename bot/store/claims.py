"""Claims on outbox rows: which leader's sender took a due row (instances sharing a database).

Part of the store. ``deliveries.claimed`` holds the lease generation whose sender took the row
(0: none has). ``OutboxStore.due`` under a fence claims the rows it returns, in one transaction
that first holds the lease's row (``holds``; PostgreSQL: ``FOR SHARE``, so a takeover waits
for a claim being made, and a claim made after a takeover sees it and takes nothing) and reads
the rows ``FOR UPDATE SKIP LOCKED`` (two callers at once get different rows). A row claimed by
generation g is not due again for g until its write back (a part sent, a retry, its end) sets
``UNCLAIMED``; a later generation (the leader after a takeover) takes it over. ``release``
gives back the rows a sender claimed and no longer holds (its delivery ended in a database
fault, or it stopped before starting them). Without a fence (one instance) nothing is claimed.
"""

from __future__ import annotations

from collections.abc import Sequence

from .engines import Sql
from .lease import Fence

UNCLAIMED = "claimed = 0"  # what a write back sets: no sender holds the row any more
CLAIMABLE = "d.claimed < ?"  # a row of the queue the fence's generation may take (d: the alias)
TAKE = "FOR UPDATE OF d SKIP LOCKED"  # rows another transaction is claiming are not waited for


def claims_column(db: Sql) -> None:
    """Migration 0026_claims (both engines): ``deliveries.claimed``, 0 for every existing row
    (no sender holds it), and an index of the claimed rows (a few: those in flight)."""
    db.execute("ALTER TABLE deliveries ADD COLUMN claimed BIGINT NOT NULL DEFAULT 0")
    db.execute("CREATE INDEX deliveries_claimed ON deliveries (claimed) WHERE claimed != 0")


def holds(db: Sql, fence: Fence) -> bool:
    """Whether ``fence``'s generation holds the lease; PostgreSQL keeps the lease's row locked
    until the transaction ends (SQLite's write transaction holds the whole database)."""
    row = db.execute(
        f"SELECT generation FROM leases WHERE key = ?{db.locking('FOR SHARE')}",  # noqa: S608 - constant
        [fence.key],
    ).fetchone()
    return row is not None and int(row[0]) == fence.generation


def claim(db: Sql, ids: Sequence[int], fence: Fence) -> None:
    """Rows ``ids`` are the fence's generation's (inside ``holds``' transaction)."""
    if ids:
        marks = ", ".join("?" for _ in ids)
        db.execute(
            f"UPDATE deliveries SET claimed = ? WHERE id IN ({marks})",  # noqa: S608 - placeholders
            [fence.generation, *ids],
        )


def release(db: Sql, fence: Fence, *, keep: Sequence[int]) -> int:
    """The rows claimed by ``fence``'s generation, but those in ``keep`` (in flight), are no
    one's again: their deliveries ended without a write back. How many there were."""
    besides = f" AND id NOT IN ({', '.join('?' for _ in keep)})" if keep else ""
    # "claimed != 0" spelled as the index's condition: both engines then search that index
    cur = db.execute(
        f"UPDATE deliveries SET {UNCLAIMED} WHERE claimed != 0 AND claimed = ?{besides}",  # noqa: S608 - placeholders
        [fence.generation, *keep],
    )
    return max(cur.rowcount, 0)
