"""Migrations of the outbox (registered by ``schema``): 0016 and 0018, its key in columns of
their own, then with the edition's issue number; 0017, what a delivery was rendered from;
0023, the settings it was sent with.

Until now one text column, ``edition_date``, named what a row delivers: an edition's ref
(``2024-01-08``, ``2024-01-08+2`` for series 2), a roundup's week (``week-2024-03-04``) or a
broadcast (``broadcast-7``). Now a row says it with ``kind`` and ``series_id`` +
``edition_date`` (an edition: the edition itself, its alert, its correction, its approval
preview), ``week`` (a weekly roundup: the first day it covers) or ``broadcast_id``; the
columns that do not apply hold '' or 0, so the key (chat, kind, series, date, week,
broadcast) stays unique. Every existing row is carried over with its status and parts.
"""

from __future__ import annotations

from sqlite_utils import Database

KEPT = (
    "id, chat_id, kind, status, part, parts, attempts, rounds, due_at, next_attempt_at, error, "
    "message_ids, items, created_at, updated_at, part_hashes"
)


def outbox_keys(db: Database) -> None:
    """Split ``deliveries.edition_date`` into series, date, week and broadcast columns."""
    seq = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'deliveries'").fetchone()
    db.execute(
        """CREATE TABLE deliveries_new (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            chat_id INTEGER NOT NULL,
            kind TEXT NOT NULL,
            series_id INTEGER NOT NULL DEFAULT 0,
            edition_date TEXT NOT NULL DEFAULT '',
            week TEXT NOT NULL DEFAULT '',
            broadcast_id INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL DEFAULT 'pending',
            part INTEGER NOT NULL DEFAULT 0,
            parts INTEGER,
            attempts INTEGER NOT NULL DEFAULT 0,
            rounds INTEGER NOT NULL DEFAULT 0,
            due_at TEXT NOT NULL,
            next_attempt_at TEXT NOT NULL,
            error TEXT,
            message_ids TEXT NOT NULL DEFAULT '[]',
            items TEXT NOT NULL DEFAULT '[]',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            part_hashes TEXT NOT NULL DEFAULT '[]',
            UNIQUE (chat_id, kind, series_id, edition_date, week, broadcast_id)
        )"""
    )
    plus = "instr(edition_date, '+')"
    db.execute(
        f"INSERT INTO deliveries_new ({KEPT}, series_id, edition_date, week, broadcast_id) "  # noqa: S608 - constants
        f"SELECT {KEPT}, "
        f"CASE WHEN kind IN ('roundup', 'broadcast') OR {plus} = 0 THEN 0 "
        f"ELSE CAST(substr(edition_date, {plus} + 1) AS INTEGER) END, "
        "CASE WHEN kind IN ('roundup', 'broadcast') THEN '' "
        f"WHEN {plus} = 0 THEN edition_date ELSE substr(edition_date, 1, {plus} - 1) END, "
        "CASE WHEN kind = 'roundup' THEN substr(edition_date, 6) ELSE '' END, "
        "CASE WHEN kind = 'broadcast' THEN CAST(substr(edition_date, 11) AS INTEGER) ELSE 0 END "
        "FROM deliveries"
    )
    db.execute("DROP TABLE deliveries")
    db.execute("ALTER TABLE deliveries_new RENAME TO deliveries")
    if seq is not None:
        db.execute(
            "UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'deliveries'", [seq[0]]
        )
    db.table("deliveries").create_index(["status", "next_attempt_at"])
    db.table("deliveries").create_index(["series_id", "edition_date", "status"])


def outbox_issues(db: Database) -> None:
    """Migration 0018: the outbox key gets the edition's issue (0 for every existing row), in
    its UNIQUE key after the date, so two numbered editions of one day are two deliveries."""
    seq = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'deliveries'").fetchone()
    db.execute(
        """CREATE TABLE deliveries_new (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            chat_id INTEGER NOT NULL,
            kind TEXT NOT NULL,
            series_id INTEGER NOT NULL DEFAULT 0,
            edition_date TEXT NOT NULL DEFAULT '',
            issue INTEGER NOT NULL DEFAULT 0,
            week TEXT NOT NULL DEFAULT '',
            broadcast_id INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL DEFAULT 'pending',
            part INTEGER NOT NULL DEFAULT 0,
            parts INTEGER,
            attempts INTEGER NOT NULL DEFAULT 0,
            rounds INTEGER NOT NULL DEFAULT 0,
            due_at TEXT NOT NULL,
            next_attempt_at TEXT NOT NULL,
            error TEXT,
            message_ids TEXT NOT NULL DEFAULT '[]',
            items TEXT NOT NULL DEFAULT '[]',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            part_hashes TEXT NOT NULL DEFAULT '[]',
            rendered TEXT,
            UNIQUE (chat_id, kind, series_id, edition_date, issue, week, broadcast_id)
        )"""
    )
    columns = f"{KEPT}, series_id, edition_date, week, broadcast_id, rendered"
    db.execute(
        f"INSERT INTO deliveries_new ({columns}, issue) SELECT {columns}, 0 FROM deliveries"  # noqa: S608 - constants
    )
    db.execute("DROP TABLE deliveries")
    db.execute("ALTER TABLE deliveries_new RENAME TO deliveries")
    if seq is not None:
        db.execute(
            "UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'deliveries'", [seq[0]]
        )
    db.table("deliveries").create_index(["status", "next_attempt_at"])
    db.table("deliveries").create_index(["series_id", "edition_date", "issue", "status"])


def rendered_and_shares(db: Database) -> None:
    """0017: what an edition delivery's first part was rendered from (``rendered``: the
    edition's content hash, so a delivery that went out partly before an edit gets its
    correction), and alerts shared by link (``share_token``: unguessable, set when the owner
    shares it; the old ``alert-<id>`` links stop working, as none was shared by choice)."""
    db.execute("ALTER TABLE deliveries ADD COLUMN rendered TEXT")
    db.execute("ALTER TABLE alerts ADD COLUMN share_token TEXT")
    db.execute("CREATE UNIQUE INDEX alerts_share_token ON alerts (share_token)")


def sent_as(db: Database) -> None:
    """0023: the settings an edition delivery was sent with (``sent_as``: language, format,
    topics, previews; JSON), so its correction renders it as it was sent. Rows sent before
    have none: their corrections use the chat's settings of the moment, as they did."""
    db.execute("ALTER TABLE deliveries ADD COLUMN sent_as TEXT")
