"""The database schema: every table, created and changed by migrations in one list.

Migrations run at start-up in order (``migrate``) and are recorded (SQLite: in
``_sqlite_migrations`` by sqlite-utils; PostgreSQL: in ``_migrations``); a new column or table
is a new migration, never an edit of an applied one. The first 23 were written for SQLite alone
(PostgreSQL starts from ``schema_pg``'s baseline, which stands for them); every later one is a
row of ``schema_both.BOTH``, written once in SQL both engines speak, and registered here after
them.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from .engines.sqlite import SqliteSql
from .schema_both import BOTH, Migration
from .schema_issues import issue_numbers
from .schema_outbox import outbox_keys, rendered_and_shares, sent_as
from .schema_series import chat_settings, kept_topics, series_tables

migrations = Migrations("digestbot")
__all__ = ["BOTH", "migrations", "names"]


def names() -> list[str]:
    """Every migration's name, in the order they run."""
    return [m.name for m in migrations._migrations]  # sqlite-utils keeps the list there


@migrations(name="0001_editions_items_files")
def _m0001(db: Database) -> None:
    db.table("editions").create(
        {
            "date": str,
            "series": str,
            "title": str,
            "source": str,
            "content_hash": str,
            "ingested_at": str,
            "updated_at": str,
        },
        pk="date",
    )
    # AUTOINCREMENT: an item id is never reused, so a stale button can't open another item.
    db.execute(
        """CREATE TABLE items (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            edition_date TEXT NOT NULL REFERENCES editions(date),
            position INTEGER NOT NULL,
            section TEXT NOT NULL DEFAULT '',
            title TEXT NOT NULL DEFAULT '',
            text TEXT NOT NULL,
            links TEXT NOT NULL DEFAULT '[]',
            content_hash TEXT NOT NULL
        )"""
    )
    db.table("items").create_index(["edition_date", "position"])
    db.table("files").create(
        {
            "path": str,
            "size": int,
            "mtime_ns": int,
            "hash": str,
            "edition_date": str,
            "error": str,
            "error_line": int,
            "checked_at": str,
        },
        pk="path",
        not_null={"size", "mtime_ns", "hash"},
    )


@migrations(name="0002_chats_subscriptions")
def _m0002(db: Database) -> None:
    db.table("chats").create(
        {
            "id": int,
            "type": str,
            "title": str,
            "language": str,
            "timezone": str,
            "push_time": str,
            "thread_id": int,
            "format": str,
            "previews": int,
            "active": int,
            "inactive_reason": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"type", "language", "format", "previews", "active"},
        defaults={"language": "zh", "format": "full", "previews": 0, "active": 1},
    )
    db.table("subscriptions").create(
        {"chat_id": int, "scope": str, "created_at": str},
        pk=("chat_id", "scope"),
        foreign_keys=[("chat_id", "chats", "id")],
    )


@migrations(name="0003_alerts_managers")
def _m0003(db: Database) -> None:
    db.execute(
        """CREATE TABLE alerts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            chat_id INTEGER NOT NULL REFERENCES chats(id),
            terms TEXT NOT NULL,
            excluded TEXT NOT NULL DEFAULT '[]',
            created_at TEXT NOT NULL
        )"""
    )
    db.table("alerts").create_index(["chat_id"])
    # who may manage a channel from a private chat (checked with getChatMember when added)
    db.table("managers").create(
        {"chat_id": int, "user_id": int, "created_at": str},
        pk=("chat_id", "user_id"),
        foreign_keys=[("chat_id", "chats", "id")],
    )
    db.table("managers").create_index(["user_id"])


@migrations(name="0004_search_index_topics")
def _m0004(db: Database) -> None:
    """The search index and item topics; existing items indexed.

    The index's rowid is the item's ``sortkey`` (its edition's day number × 10⁶ + position),
    so FTS5 hands back hits newest first and a page costs its size, not the number of hits.
    Besides an item's text tokens the index holds a token for every item and one per topic,
    so date, topic and exclusion-only searches run in FTS5 too. New items are indexed by the
    store itself (a bulk insert into FTS5 is several times faster than one from a trigger);
    changed, moved and deleted items by triggers. ``dg_tokens`` and ``dg_topics`` are Python
    functions the Store registers on every connection.
    """
    db.table("meta").create({"key": str, "value": str}, pk="key")
    db.execute("ALTER TABLE items ADD COLUMN sortkey INTEGER")
    db.execute(
        "UPDATE items SET sortkey = "
        "CAST(julianday(edition_date) - 1721424.5 AS INTEGER) * 1000000 + position"
    )
    db.table("items").create_index(["sortkey"], unique=True)
    # contentless: the tokens are ours (see textnorm); ascii keeps them as they are
    db.execute(
        "CREATE VIRTUAL TABLE items_fts USING fts5("
        "tokens, content='', tokenize='ascii', prefix='1')"
    )
    db.table("item_topics").create({"item_id": int, "topic": str}, pk=("item_id", "topic"))
    db.table("item_topics").create_index(["topic", "item_id"])
    for trigger in _INDEX_TRIGGERS:
        db.execute(trigger)  # one statement each: executescript would commit mid-migration
    db.execute(
        "INSERT INTO items_fts(rowid, tokens) SELECT sortkey, dg_tokens(title, text) FROM items"
    )
    db.execute(
        "INSERT INTO item_topics(item_id, topic) "
        "SELECT i.id, j.value FROM items i, json_each(dg_topics(i.title, i.text)) j"
    )


@migrations(name="0005_searches")
def _m0005(db: Database) -> None:
    """Queries behind search-page buttons (callback_data holds only their id)."""
    db.execute(
        """CREATE TABLE searches (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            chat_id INTEGER NOT NULL,
            query TEXT NOT NULL,
            created_at TEXT NOT NULL
        )"""
    )


@migrations(name="0006_outbox")
def _m0006(db: Database) -> None:
    """The outbox: one row per chat, edition and kind, planned once, sent part by part."""
    db.execute(
        """CREATE TABLE deliveries (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            chat_id INTEGER NOT NULL,
            edition_date TEXT NOT NULL,
            kind TEXT NOT NULL,
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
            UNIQUE (chat_id, edition_date, kind)
        )"""
    )
    db.table("deliveries").create_index(["status", "next_attempt_at"])
    db.table("deliveries").create_index(["edition_date", "status"])
    # paid broadcast messages sent per UTC day (push.paid_daily_cap)
    db.table("paid_usage").create({"day": str, "count": int}, pk="day")


_INDEX_TRIGGERS = (
    """CREATE TRIGGER items_index_delete AFTER DELETE ON items BEGIN
        INSERT INTO items_fts(items_fts, rowid, tokens)
            VALUES ('delete', old.sortkey, dg_tokens(old.title, old.text));
        DELETE FROM item_topics WHERE item_id = old.id;
    END""",
    """CREATE TRIGGER items_index_update AFTER UPDATE OF title, text, sortkey ON items BEGIN
        INSERT INTO items_fts(items_fts, rowid, tokens)
            VALUES ('delete', old.sortkey, dg_tokens(old.title, old.text));
        INSERT INTO items_fts(rowid, tokens)
            VALUES (new.sortkey, dg_tokens(new.title, new.text));
        DELETE FROM item_topics WHERE item_id = old.id;
        INSERT INTO item_topics(item_id, topic)
            SELECT new.id, value FROM json_each(dg_topics(new.title, new.text));
    END""",
)


@migrations(name="0007_remote_sources")
def _m0007(db: Database) -> None:
    """Remote digest sources: what the last poll of each configured URL learned.

    ``url`` is the source as configured (it may hold ``{date}``); ``fetched_url`` the address
    the validators (ETag, Last-Modified) and ``content_hash`` belong to: the last body that
    loaded. ``failing_since`` is set while the source fails, with the reason in ``error``.
    """
    db.table("sources").create(
        {
            "url": str,
            "fetched_url": str,
            "etag": str,
            "last_modified": str,
            "content_hash": str,
            "edition_date": str,
            "last_status": int,
            "error": str,
            "error_line": int,
            "failing_since": str,
            "checked_at": str,
            "ok_at": str,
            "created_at": str,
        },
        pk="url",
    )


@migrations(name="0008_broadcasts")
def _m0008(db: Database) -> None:
    """Operator announcements (/broadcast): a draft until confirmed, then planned once.

    The outbox rows of broadcast ``id`` have kind ``broadcast`` and ``broadcast-<id>`` in the
    edition_date column (the outbox key is unique per chat, edition and kind).
    """
    db.table("broadcasts").create(
        {
            "id": int,
            "html": str,
            "sender_id": int,
            "status": str,  # draft, planned, cancelled
            "planned": int,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"html", "status", "created_at", "updated_at"},
        defaults={"status": "draft", "planned": 0},
    )


@migrations(name="0009_cadence")
def _m0009(db: Database) -> None:
    """A chat's cadence: every edition (daily) or one roundup a week on ``week_day``."""
    chats = db.table("chats")
    chats.add_column("cadence", str, not_null_default="daily")
    chats.add_column("week_day", int, not_null_default=0)


@migrations(name="0010_cadence_since")
def _m0010(db: Database) -> None:
    """When a chat last changed its cadence or roundup day (NULL: never): a roundup that fell
    due before the change is not sent (switching to weekly must not resend last week)."""
    db.table("chats").add_column("cadence_since", str)


@migrations(name="0011_webhook_updates")
def _m0011(db: Database) -> None:
    """Update ids received by webhook (the last two days), so a replay is not run twice."""
    db.table("webhook_updates").create({"update_id": int, "received_at": str}, pk="update_id")
    db.table("webhook_updates").create_index(["received_at"])


@migrations(name="0012_scheduled")
def _m0012(db: Database) -> None:
    """Editions dated after today: held here, out of every reader's sight (search, /day,
    alerts), until their day begins and they are published like a new edition."""
    db.table("scheduled").create(
        {
            "date": str,
            "series": str,
            "title": str,
            "source": str,
            "edition": str,  # the edition as JSON
            "content_hash": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="date",
    )


@migrations(name="0013_part_hashes")
def _m0013(db: Database) -> None:
    """What each sent part said (a hash of its HTML), so a correction edits only the parts
    that changed."""
    db.table("deliveries").add_column("part_hashes", str, not_null_default="[]")


@migrations(name="0014_series")
def _m0014(db: Database) -> None:
    """Several series per bot (``schema_series``)."""
    series_tables(db, index_triggers=_INDEX_TRIGGERS)


@migrations(name="0015_approvals")
def _m0015(db: Database) -> None:
    """Editions waiting for a bot admin's "send" (push.approve): pending, approved or held."""
    db.execute(
        """CREATE TABLE approvals (
            series_id INTEGER NOT NULL,
            edition_date TEXT NOT NULL,
            status TEXT NOT NULL,
            decided_by INTEGER,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (series_id, edition_date)
        )"""
    )


migrations(name="0016_outbox_keys")(outbox_keys)


migrations(name="0017_rendered_and_shares")(rendered_and_shares)


@migrations(name="0018_issues")
def _m0018(db: Database) -> None:
    """Numbered issues: an edition is (series, date, issue), 0 for every existing row; the
    search index is rebuilt for the new sort keys (see ``schema_issues``)."""
    issue_numbers(db, index_update_trigger=_INDEX_TRIGGERS[1])


@migrations(name="0019_series_learning")
def _m0019(db: Database) -> None:
    """What each file teaches its series (``origin``; ``signature``: how it reads alone, JSON;
    ``link``: its own link as a vault's note), so a scan learns a series' layout from all its
    files without reading the unchanged ones again; every file is read once more to learn it."""
    for column in ("origin", "signature", "link"):
        db.execute(f"ALTER TABLE files ADD COLUMN {column} TEXT")
    db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('reread', 'series')")


@migrations(name="0020_owed")
def _m0020(db: Database) -> None:
    """What the tick owes an edition stored since it last planned (``changes``): a bot killed
    between storing an edit and planning its corrections plans them after its restart."""
    db.execute("ALTER TABLE editions ADD COLUMN owed INTEGER NOT NULL DEFAULT 0")
    db.execute("CREATE INDEX editions_owed ON editions (owed) WHERE owed != 0")


migrations(name="0021_chat_settings")(chat_settings)


migrations(name="0022_kept_topics")(kept_topics)


migrations(name="0023_sent_as")(sent_as)


def _on_sqlite(migration: Migration) -> Callable[[Database], None]:
    return lambda db: migration(SqliteSql.over(db.conn))


for _name, _migration in BOTH:  # after SQLite's own, in the table's order
    migrations(name=_name)(_on_sqlite(_migration))
