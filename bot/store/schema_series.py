"""Migrations about series and readers (registered by ``schema``): 0014 brought several series
per bot; 0021 keeps settings with no column of their own; 0022 keeps a chat's topics while it
is unsubscribed.

``kept_topics`` holds the topics a chat followed when it unsubscribed, so subscribing again
gets the same items as before (its other settings live in its ``chats`` row and stay anyway).
"""

from __future__ import annotations

from sqlite_utils import Database


def chat_settings(db: Database) -> None:
    """Reader settings that need no column of their own (bot.chat.settings): one row per chat
    and setting; the settings already in ``chats`` stay there, so nothing moves."""
    db.execute(
        """CREATE TABLE chat_settings (
            chat_id INTEGER NOT NULL REFERENCES chats(id),
            name TEXT NOT NULL,
            value TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (chat_id, name)
        )"""
    )


def kept_topics(db: Database) -> None:
    """The topics an unsubscribed chat followed, waiting for its next /subscribe."""
    db.execute(
        """CREATE TABLE kept_topics (
            chat_id INTEGER NOT NULL,
            scope TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (chat_id, scope)
        )"""
    )


def series_tables(db: Database, *, index_triggers: tuple[str, ...]) -> None:
    """Several series per bot: an edition is (series, date), not a date alone.

    ``series`` numbers them (0 is the first); ``origin`` is where a digest's series comes from
    (see bot.series), NULL for the series the existing editions belong to until the next scan
    learns it from their files. Editions, items and held editions get the series number (0
    for every existing row); the outbox and file rows write an edition as its ``ref``, which for
    series 0 is the date they already hold. A chat's series are in ``chat_series`` (no rows:
    every series, which is what every existing subscription gets). An item's sort key makes
    room for the series (day × 10⁷ + series × 10⁴ + position), so the search index is rebuilt.
    """
    now = "strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')"
    db.execute(
        """CREATE TABLE series (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL DEFAULT '',
            origin TEXT UNIQUE,
            created_at TEXT NOT NULL
        )"""
    )
    if db.execute("SELECT 1 FROM editions UNION SELECT 1 FROM scheduled LIMIT 1").fetchone():
        db.execute(
            "INSERT INTO series (id, key, name, origin, created_at) VALUES (0, 'main', "  # noqa: S608 - a constant
            f"coalesce((SELECT series FROM editions ORDER BY date DESC LIMIT 1), ''), NULL, {now})"
        )
    db.execute(
        """CREATE TABLE chat_series (
            chat_id INTEGER NOT NULL REFERENCES chats(id),
            series_id INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (chat_id, series_id)
        )"""
    )
    # items first: its foreign key to editions(date) cannot outlive the new primary key
    seq = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'items'").fetchone()
    db.execute(
        """CREATE TABLE items_new (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            series_id INTEGER NOT NULL DEFAULT 0,
            edition_date TEXT NOT NULL,
            position INTEGER NOT NULL,
            section TEXT NOT NULL DEFAULT '',
            title TEXT NOT NULL DEFAULT '',
            text TEXT NOT NULL,
            links TEXT NOT NULL DEFAULT '[]',
            content_hash TEXT NOT NULL,
            sortkey INTEGER
        )"""
    )
    db.execute(
        "INSERT INTO items_new (id, series_id, edition_date, position, section, title, text, "
        "links, content_hash, sortkey) SELECT id, 0, edition_date, position, section, title, "
        "text, links, content_hash, (sortkey / 1000000) * 10000000 + sortkey % 1000000 FROM items"
    )
    db.execute("DROP TABLE items")  # its index triggers go with it
    db.execute("ALTER TABLE items_new RENAME TO items")
    if seq is not None:
        db.execute("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'items'", [seq[0]])
    db.table("items").create_index(["series_id", "edition_date", "position"])
    db.table("items").create_index(["sortkey"], unique=True)
    for trigger in index_triggers:
        db.execute(trigger)
    db.execute("INSERT INTO items_fts(items_fts) VALUES ('delete-all')")
    db.execute(
        "INSERT INTO items_fts(rowid, tokens) SELECT sortkey, dg_tokens(title, text) FROM items"
    )
    for table, extra in (
        ("editions", ("series", "title", "source", "content_hash", "ingested_at", "updated_at")),
        ("scheduled", ("series", "title", "source", "edition", "content_hash", "created_at",
                       "updated_at")),
    ):  # fmt: skip
        columns = ", ".join(extra)
        db.execute(
            f"CREATE TABLE {table}_new (series_id INTEGER NOT NULL DEFAULT 0, date TEXT NOT NULL, "
            + ", ".join(f"{c} TEXT" for c in extra)
            + ", PRIMARY KEY (series_id, date))"
        )
        db.execute(
            f"INSERT INTO {table}_new (series_id, date, {columns}) "  # noqa: S608 - our names
            f"SELECT 0, date, {columns} FROM {table}"
        )
        db.execute(f"DROP TABLE {table}")
        db.execute(f"ALTER TABLE {table}_new RENAME TO {table}")
    # the next scan reads every file again, so each edition's series is learned from its file
    db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('reread', 'series')")
