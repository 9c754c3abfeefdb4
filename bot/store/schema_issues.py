"""Migration 0018: numbered issues (registered by ``schema``).

An edition is (series, date, issue), the issue 0 when it has no number, so a back catalogue of
undated issues seen the same day is one edition per issue. Every table that names an edition
gets the issue (0 for every existing row): editions and held editions (their primary key),
items, approvals, the outbox (its UNIQUE key, ``schema_outbox.outbox_issues``); the files and
sources tables write an edition as its ``ref``, the same as before for issue 0.
``editions.quiet`` marks an edition stored and searchable but never pushed nor alerted on (the
older issues of a back catalogue loaded at once). An item's sort key makes room for the issue
(day × 10¹² + issue × 10⁷ + series × 10⁴ + position, was day × 10⁷ + series × 10⁴ + position),
so the search index is rebuilt. The next scan reads every file again, so numbered editions
learn their issue from their files.
"""

from __future__ import annotations

from sqlite_utils import Database

from .schema_outbox import outbox_issues


def issue_numbers(db: Database, *, index_update_trigger: str) -> None:
    """The issue in every table that names an edition (``index_update_trigger``: the items
    table's trigger that re-indexes a changed item, recreated after the sort keys move)."""
    for table, extra, more in (
        ("editions", ("series", "title", "source", "content_hash", "ingested_at", "updated_at"),
         ", quiet INTEGER NOT NULL DEFAULT 0"),
        ("scheduled", ("series", "title", "source", "edition", "content_hash", "created_at",
                       "updated_at"), ""),
    ):  # fmt: skip
        columns = ", ".join(extra)
        db.execute(
            f"CREATE TABLE {table}_new (series_id INTEGER NOT NULL DEFAULT 0, date TEXT NOT NULL, "
            "issue INTEGER NOT NULL DEFAULT 0, "
            + ", ".join(f"{c} TEXT" for c in extra)
            + f"{more}, PRIMARY KEY (series_id, date, issue))"
        )
        db.execute(
            f"INSERT INTO {table}_new (series_id, date, issue, {columns}) "  # noqa: S608 - our names
            f"SELECT series_id, date, 0, {columns} FROM {table}"
        )
        db.execute(f"DROP TABLE {table}")
        db.execute(f"ALTER TABLE {table}_new RENAME TO {table}")
    db.table("editions").create_index(["series_id", "issue"])
    db.execute(
        """CREATE TABLE approvals_new (
            series_id INTEGER NOT NULL,
            edition_date TEXT NOT NULL,
            issue INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL,
            decided_by INTEGER,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (series_id, edition_date, issue)
        )"""
    )
    db.execute(
        "INSERT INTO approvals_new (series_id, edition_date, issue, status, decided_by, "
        "created_at, updated_at) SELECT series_id, edition_date, 0, status, decided_by, "
        "created_at, updated_at FROM approvals"
    )
    db.execute("DROP TABLE approvals")
    db.execute("ALTER TABLE approvals_new RENAME TO approvals")
    # items: the issue, and sort keys with room for it (the index is rebuilt once, at the end)
    db.execute("ALTER TABLE items ADD COLUMN issue INTEGER NOT NULL DEFAULT 0")
    db.execute("DROP INDEX idx_items_series_id_edition_date_position")
    db.table("items").create_index(["series_id", "edition_date", "issue", "position"])
    db.execute("DROP TRIGGER items_index_update")  # not run per row: the index is rebuilt
    db.execute(
        "UPDATE items SET sortkey = (sortkey / 10000000) * 1000000000000 + sortkey % 10000000"
    )
    db.execute(index_update_trigger)
    db.execute("INSERT INTO items_fts(items_fts) VALUES ('delete-all')")
    db.execute(
        "INSERT INTO items_fts(rowid, tokens) SELECT sortkey, dg_tokens(title, text) FROM items"
    )
    outbox_issues(db)
    db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('reread', 'issues')")
