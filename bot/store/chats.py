"""Chats and their subscriptions: part of the store (the schema lives in store.py)."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass
from typing import Any

from .readers import Alert, Chat
from .repository import Repository
from .stamps import stamp
from .tx import immediate

ALL = "all"  # the subscription scope for the whole edition
CHAT_COLUMNS = frozenset(
    ("id", "type", "title", "language", "timezone", "push_time", "thread_id", "format",
     "previews", "active", "inactive_reason", "created_at", "updated_at", "cadence", "week_day",
     "cadence_since", "quiet", "silent")
)  # fmt: skip
# What moves to a group's new id when it becomes a supergroup: each table with the columns
# that, beside chat_id, make a row unique in it (none: every row moves).
MOVED_WITH_CHAT: dict[str, tuple[str, ...]] = {
    "subscriptions": ("scope",),
    "kept_topics": ("scope",),
    "alerts": (),
    "managers": ("user_id",),
    "deliveries": ("kind", "series_id", "edition_date", "issue", "week", "broadcast_id"),
    "chat_settings": ("name",),
}
SHARE_BYTES = 12  # an alert's share token: 96 random bits, 16 characters of base64url


def chat_from_row(row: dict[str, Any]) -> Chat:
    return Chat(
        id=row["id"],
        type=row["type"],
        title=row["title"] or "",
        language=row["language"],
        timezone=row["timezone"] or "",
        push_time=dt.time.fromisoformat(row["push_time"]) if row["push_time"] else None,
        thread_id=row["thread_id"],
        format=row["format"],
        previews=bool(row["previews"]),
        active=bool(row["active"]),
        inactive_reason=row["inactive_reason"] or "",
        cadence=row.get("cadence") or "daily",
        week_day=row.get("week_day") or 0,
        quiet=row.get("quiet") or "",
        silent=bool(row.get("silent")),
    )


@dataclass(frozen=True, slots=True)
class Stats:
    """What /stats shows of the chats."""

    chats: dict[str, tuple[int, int]]  # type -> (active, inactive)
    inactive_reasons: dict[str, int]
    scopes: dict[str, int]  # "all" or topic key -> subscribed chats
    alerts: int
    alert_chats: int


class ChatStore(Repository):
    """Chat rows and subscriptions; a repository of the Store."""

    def get_chat(self, chat_id: int) -> Chat | None:
        row = self.db.row("SELECT * FROM chats WHERE id = ?", [chat_id])
        return None if row is None else chat_from_row(row)

    def ensure_chat(
        self, chat_id: int, *, type: str, title: str = "", language: str = "zh"
    ) -> Chat:
        """The chat's row, created on first contact (language from the first user's client)."""
        existing = self.get_chat(chat_id)
        if existing is not None:
            if title and title != existing.title:
                self.db.execute("UPDATE chats SET title = ? WHERE id = ?", [title, chat_id])
                existing = self.get_chat(chat_id) or existing
            return existing
        now = stamp(self.now())
        self.db.execute(
            "INSERT INTO chats (id, type, title, language, format, previews, active,"
            " inactive_reason, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, 'full', 0, 1, '', ?, ?)",
            [chat_id, type, title, language, now, now],
        )
        chat = self.get_chat(chat_id)
        assert chat is not None  # noqa: S101 - just inserted
        return chat

    def update_chat(self, chat_id: int, **values: object) -> Chat:
        """Change settings of a chat (keys are Chat field names)."""
        row: dict[str, object] = {}
        for key, value in values.items():
            if isinstance(value, dt.datetime):
                value = stamp(value)
            elif isinstance(value, dt.time):
                value = value.strftime("%H:%M")
            elif isinstance(value, bool):
                value = int(value)
            row[key] = value
        row["updated_at"] = stamp(self.now())
        self._update(chat_id, row)
        chat = self.get_chat(chat_id)
        if chat is None:
            raise KeyError(chat_id)
        return chat

    def settings(self, chat_id: int) -> dict[str, str]:
        """The chat's settings kept as ``chat_settings`` rows (name → value; see
        bot.chat.settings for which settings live there rather than in ``chats``)."""
        rows = self.db.execute(
            "SELECT name, value FROM chat_settings WHERE chat_id = ?", [chat_id]
        ).fetchall()
        return {str(name): str(value) for name, value in rows}

    def save_settings(
        self, chat_id: int, columns: dict[str, object], keyed: dict[str, str]
    ) -> Chat:
        """One settings change: Chat fields (``columns``) and ``chat_settings`` values."""
        with immediate(self.db):
            at = stamp(self.now())
            for name, value in keyed.items():
                self.db.execute(
                    "INSERT INTO chat_settings (chat_id, name, value, updated_at) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT (chat_id, name) "
                    "DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                    [chat_id, name, value, at],
                )
            return self.update_chat(chat_id, **columns)

    def set_active(self, chat_id: int, active: bool, *, reason: str = "") -> None:
        self._update(
            chat_id,
            {
                "active": int(active),
                "inactive_reason": "" if active else reason,
                "updated_at": stamp(self.now()),
            },
        )

    def _update(self, chat_id: int, row: dict[str, object]) -> None:
        """Set columns of a chat's row (names checked against the table's own)."""
        unknown = set(row) - CHAT_COLUMNS
        if unknown:
            raise KeyError(f"not a chat column: {', '.join(sorted(unknown))}")
        sets = ", ".join(f"{name} = ?" for name in row)
        self.db.execute(
            f"UPDATE chats SET {sets} WHERE id = ?",  # noqa: S608 - names checked above
            [*row.values(), chat_id],
        )

    def subscribe(self, chat_id: int, scope: str = ALL) -> bool:
        """Subscribe a chat; False when it already was. Subscribing to everything (``ALL``)
        again after an /unsubscribe follows the topics the chat followed then."""
        if self.is_subscribed(chat_id, scope):
            return False
        with immediate(self.db):
            kept = (
                self.kept_topics(chat_id) if scope == ALL and not self.scopes(chat_id) else set()
            )
            self._add_scopes("subscriptions", chat_id, kept or {scope})
            self.db.execute("DELETE FROM kept_topics WHERE chat_id = ?", [chat_id])
        return True

    def unsubscribe(self, chat_id: int, scope: str | None = None) -> bool:
        """Drop one scope, or every subscription of the chat (its topics are kept for its
        next /subscribe); False when there was none."""
        if scope is None:
            with immediate(self.db):
                topics = self.scopes(chat_id) - {ALL}
                if topics:
                    self.db.execute("DELETE FROM kept_topics WHERE chat_id = ?", [chat_id])
                    self._add_scopes("kept_topics", chat_id, topics)
                cur = self.db.execute("DELETE FROM subscriptions WHERE chat_id = ?", [chat_id])
        else:
            cur = self.db.execute(
                "DELETE FROM subscriptions WHERE chat_id = ? AND scope = ?", [chat_id, scope]
            )
        return cur.rowcount > 0

    def kept_topics(self, chat_id: int) -> set[str]:
        """The topics the chat followed when it unsubscribed (none while subscribed)."""
        rows = self.db.execute("SELECT scope FROM kept_topics WHERE chat_id = ?", [chat_id])
        return {str(r[0]) for r in rows.fetchall()}

    def is_subscribed(self, chat_id: int, scope: str = ALL) -> bool:
        rows = self.db.execute(
            "SELECT 1 FROM subscriptions WHERE chat_id = ? AND scope = ?", [chat_id, scope]
        ).fetchall()
        return bool(rows)

    def stats(self) -> Stats:
        chats: dict[str, tuple[int, int]] = {}
        for kind, active, count in self.db.execute(
            "SELECT type, active, count(*) FROM chats GROUP BY type, active"
        ).fetchall():
            on, off = chats.get(kind, (0, 0))
            chats[kind] = (on + count, off) if active else (on, off + count)
        reasons = dict(
            self.db.execute(
                "SELECT inactive_reason, count(*) FROM chats WHERE active = 0 GROUP BY 1"
            ).fetchall()
        )
        scopes = dict(
            self.db.execute(
                "SELECT s.scope, count(*) FROM subscriptions s JOIN chats c ON c.id = s.chat_id "
                "WHERE c.active = 1 GROUP BY 1"
            ).fetchall()
        )
        alerts, alert_chats = self.db.execute(
            "SELECT count(*), count(DISTINCT chat_id) FROM alerts"
        ).fetchone()
        return Stats(chats, reasons, scopes, int(alerts), int(alert_chats))

    # -- topics: subscription scopes other than "all" -------------------------------------

    def scopes(self, chat_id: int) -> set[str]:
        """The chat's subscription scopes: {} not subscribed, {"all"}, or topic keys."""
        rows = self.db.execute("SELECT scope FROM subscriptions WHERE chat_id = ?", [chat_id])
        return {r[0] for r in rows.fetchall()}

    def scopes_of(self, chat_ids: list[int], *, daily: bool = False) -> dict[int, set[str]]:
        """Subscription scopes of many chats at once (chats without any are left out);
        ``daily``: only of chats that get every edition (not a weekly roundup)."""
        out: dict[int, set[str]] = {}
        cadence = " AND chat_id IN (SELECT id FROM chats WHERE cadence = 'daily')" if daily else ""
        sql = "SELECT chat_id, scope FROM subscriptions WHERE chat_id IN ({marks})" + cadence  # noqa: S608 - constants
        for chat_id, scope in self.rows_for(sql, chat_ids):
            out.setdefault(chat_id, set()).add(scope)
        return out

    def set_scopes(self, chat_id: int, scopes: set[str]) -> None:
        """Replace the chat's scopes (an empty set unsubscribes)."""
        with immediate(self.db):
            self.db.execute("DELETE FROM subscriptions WHERE chat_id = ?", [chat_id])
            self.db.execute("DELETE FROM kept_topics WHERE chat_id = ?", [chat_id])
            self._add_scopes("subscriptions", chat_id, scopes)

    def _add_scopes(self, table: str, chat_id: int, scopes: set[str]) -> None:
        """Rows of ``subscriptions`` or ``kept_topics`` for these scopes of a chat (a
        subscription changes the chat: the planner reads its group again)."""
        now = stamp(self.now())
        if table == "subscriptions" and scopes:
            self.db.execute("UPDATE chats SET updated_at = ? WHERE id = ?", [now, chat_id])
        self.db.executemany(
            f"INSERT INTO {table} (chat_id, scope, created_at) VALUES (?, ?, ?)",  # noqa: S608 - two names
            [(chat_id, s, now) for s in sorted(scopes)],
        )

    # -- moving and managing chats --------------------------------------------------------

    def migrate_chat(self, old_id: int, new_id: int) -> bool:
        """A group became a supergroup: its row, settings, subscriptions and alerts move over."""
        old = self.get_chat(old_id)
        if old is None:
            return False
        with immediate(self.db):
            if self.get_chat(new_id) is None:
                columns = ", ".join(sorted(CHAT_COLUMNS - {"id", "type", "updated_at"}))
                self.db.execute(
                    f"INSERT INTO chats (id, type, updated_at, {columns})"  # noqa: S608 - names
                    f" SELECT ?, 'supergroup', ?, {columns} FROM chats WHERE id = ?",
                    [new_id, stamp(self.now()), old_id],
                )
            for table, key in MOVED_WITH_CHAT.items():
                # a row the new chat has already (same key) wins; the old one goes
                same = " AND ".join(f"n.{c} = {table}.{c}" for c in key) or "FALSE"
                self.db.execute(
                    f"DELETE FROM {table} WHERE chat_id = ? AND EXISTS"  # noqa: S608 - fixed names
                    f" (SELECT 1 FROM {table} n WHERE n.chat_id = ? AND {same})",
                    [old_id, new_id],
                )
                self.db.execute(
                    f"UPDATE {table} SET chat_id = ? WHERE chat_id = ?",  # noqa: S608
                    [new_id, old_id],
                )
            self.db.execute(
                "UPDATE chats SET active = 0, inactive_reason = ? WHERE id = ?",
                [f"migrated to {new_id}", old_id],
            )
            self.db.execute(  # its subscriptions are the new chat's now
                "UPDATE chats SET updated_at = ? WHERE id = ?", [stamp(self.now()), new_id]
            )
        return True

    def add_manager(self, chat_id: int, user_id: int) -> None:
        self.db.execute(
            "INSERT INTO managers (chat_id, user_id, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT (chat_id, user_id) DO UPDATE SET created_at = excluded.created_at",
            [chat_id, user_id, stamp(self.now())],
        )

    def managed_chats(self, user_id: int) -> list[Chat]:
        """Chats (channels) this user added from a private chat, by title."""
        rows = self.db.query(
            "SELECT c.* FROM chats c JOIN managers m ON m.chat_id = c.id "
            "WHERE m.user_id = ? ORDER BY c.title",
            [user_id],
        )
        return [chat_from_row(r) for r in rows]

    # -- alerts ---------------------------------------------------------------------------

    def add_alert(
        self,
        chat_id: int,
        terms: tuple[str, ...],
        excluded: tuple[str, ...],
        *,
        any_of: tuple[tuple[str, ...], ...] = (),
    ) -> Alert:
        now = stamp(self.now())
        groups = json.dumps([list(g) for g in any_of], ensure_ascii=False)
        cur = self.db.execute(
            "INSERT INTO alerts (chat_id, terms, excluded, any_of, created_at) "
            "VALUES (?, ?, ?, ?, ?) RETURNING id",
            [chat_id, json.dumps(terms, ensure_ascii=False), json.dumps(excluded), groups, now],
        )
        return Alert(int(cur.fetchone()[0]), chat_id, terms, excluded, any_of)

    def alerts(self, chat_id: int | None = None) -> list[Alert]:
        """A chat's alerts (or every alert of every active chat) in creation order."""
        if chat_id is None:
            rows = self.db.query(
                "SELECT a.* FROM alerts a JOIN chats c ON c.id = a.chat_id "
                "WHERE c.active = 1 ORDER BY a.id"
            )
        else:
            rows = self.db.query("SELECT * FROM alerts WHERE chat_id = ? ORDER BY id", [chat_id])
        return [_alert(r) for r in rows]

    def alert_owners(self) -> dict[int, frozenset[int]]:
        """The alert ids of each active chat that has alerts sent as they come (what the live
        index should hold: an alert's terms never change, it is added or deleted; a change of
        cadence reloads the chat)."""
        rows = self.db.execute(
            "SELECT a.chat_id, a.id FROM alerts a JOIN chats c ON c.id = a.chat_id "
            "WHERE c.active = 1 AND a.cadence = 'now'"
        ).fetchall()
        owners: dict[int, set[int]] = {}
        for chat_id, alert_id in rows:
            owners.setdefault(int(chat_id), set()).add(int(alert_id))
        return {chat_id: frozenset(ids) for chat_id, ids in owners.items()}

    def get_alert(self, alert_id: int) -> Alert | None:
        rows = list(self.db.query("SELECT * FROM alerts WHERE id = ?", [alert_id]))
        return _alert(rows[0]) if rows else None

    def share_alert(self, chat_id: int, alert_id: int, *, shared: bool) -> bool:
        """Let anyone with the link copy one of this chat's alerts (a new unguessable token),
        or stop that; False when the alert is not this chat's."""
        token = secrets.token_urlsafe(SHARE_BYTES) if shared else None
        cur = self.db.execute(
            "UPDATE alerts SET share_token = CASE WHEN CAST(? AS TEXT) IS NULL THEN NULL "
            "ELSE coalesce(share_token, ?) END WHERE id = ? AND chat_id = ?",
            [token, token, alert_id, chat_id],
        )
        return cur.rowcount > 0

    def alert_shares(self, chat_id: int) -> dict[int, str]:
        """The share tokens of this chat's shared alerts, by alert id."""
        rows = self.db.execute(
            "SELECT id, share_token FROM alerts WHERE chat_id = ? AND share_token IS NOT NULL",
            [chat_id],
        ).fetchall()
        return {int(r[0]): str(r[1]) for r in rows}

    def shared_alert(self, token: str) -> Alert | None:
        """The alert its owner shared under ``token`` (None for any other string)."""
        rows = list(self.db.query("SELECT * FROM alerts WHERE share_token = ?", [token]))
        return _alert(rows[0]) if rows else None

    def delete_alert(self, chat_id: int, alert_id: int) -> bool:
        """Delete one of this chat's alerts; False when it is not this chat's (or gone)."""
        cur = self.db.execute(
            "DELETE FROM alerts WHERE id = ? AND chat_id = ?", [alert_id, chat_id]
        )
        return cur.rowcount > 0


def _alert(row: dict[str, Any]) -> Alert:
    return Alert(
        id=row["id"],
        chat_id=row["chat_id"],
        terms=tuple(json.loads(row["terms"])),
        excluded=tuple(json.loads(row["excluded"])),
        any_of=tuple(tuple(g) for g in json.loads(row.get("any_of") or "[]")),
        cadence=row.get("cadence") or "now",
    )
