"""A bot's database from before 0032_planning_indexes gets the tick's indexes built from the
rows it holds, on both engines: the tick's look-ups then reach them by index (PostgreSQL's
EXPLAIN, SQLite's EXPLAIN QUERY PLAN) and answer as before."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

from bot.digest.models import EditionKey
from bot.store.database import Store
from bot.store.engines import Engine
from bot.store.outbox import Kind, Planned, Status, Target
from bot.store.stamps import stamp

NOW = dt.datetime(2024, 3, 10, 8, 0, tzinfo=dt.UTC)
INDEXES = {
    "deliveries_retryable": "deliveries",
    "editions_date": "editions",
    "chats_updated_at": "chats",
}


def as_before_0032(store: Store) -> None:
    """The database as the code before 0032_planning_indexes left it."""
    table = "_sqlite_migrations" if store.db.engine is Engine.SQLITE else "_migrations"
    for name in INDEXES:
        store.db.execute(f"DROP INDEX IF EXISTS {name}")
    store.db.execute("DROP TABLE IF EXISTS planned_groups")
    store.db.execute(f"DELETE FROM {table} WHERE name = '0032_planning_indexes'")  # noqa: S608


def history(store: Store) -> dict[str, int]:
    """A chat's month of editions and alerts: failures of every kind, one still to retry."""
    store.chats.ensure_chat(1, type="private", title="reader")
    days = [dt.date(2024, 2, 9) + dt.timedelta(days=k) for k in range(30)]
    store.db.executemany(
        "INSERT INTO editions (series_id, date, series, title, source, content_hash, "
        "ingested_at, updated_at) VALUES (0, ?, 's', '', ?, 'h', ?, ?)",
        [(d.isoformat(), f"{d}.md", stamp(NOW), stamp(NOW)) for d in days],
    )
    for day in days:
        at = NOW - dt.timedelta(days=(days[-1] - day).days, hours=1)
        store.outbox.plan([Planned(1, Target(EditionKey(0, day)), Kind.ALERT, at, (7,))], now=at)
        store.outbox.plan([Planned(1, Target(EditionKey(0, day)), Kind.EDITION, at)], now=at)
    ids = {
        (kind, date): int(id_)
        for id_, kind, date in store.db.execute(
            "SELECT id, kind, edition_date FROM deliveries"
        ).fetchall()
    }
    retry = ids[("edition", "2024-03-09")]
    used_up = ids[("edition", "2024-03-08")]
    permanent = ids[("edition", "2024-03-07")]
    for row, error in ((retry, "transient: 502"), (used_up, "transient: 502"), (permanent, "x")):
        store.outbox.delivery_done(
            row, Status.FAILED, now=NOW - dt.timedelta(hours=1), error=error
        )
    store.db.execute("UPDATE deliveries SET rounds = 3 WHERE id = ?", [used_up])
    return {"retry": retry, "used_up": used_up, "permanent": permanent}


def explained(store: Store, call: Callable[[], object]) -> list[str]:
    """The plan of every statement ``call`` runs that reads deliveries or editions (PostgreSQL
    told to avoid sequential scans, so a plan names an index whenever one can answer)."""
    seen: list[tuple[str, list[object]]] = []
    db = store.db
    execute = db.execute

    def recording(sql: str, params: object = ()) -> object:
        seen.append((sql, list(params)))  # type: ignore[call-overload]
        return execute(sql, params)  # type: ignore[arg-type]

    db.execute = recording  # type: ignore[method-assign]
    try:
        call()
    finally:
        db.execute = execute  # type: ignore[method-assign]
    postgres = db.engine is Engine.POSTGRES
    if postgres:
        execute("SET enable_seqscan = off")
    out = []
    for sql, params in seen:
        if not sql.lstrip().upper().startswith(("SELECT", "UPDATE", "INSERT INTO DELIVERIES")):
            continue
        prefix = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
        rows = execute(prefix + sql, params).fetchall()
        out.append("\n".join(str(r[0] if postgres else r[3]) for r in rows))
    return out


def test_an_existing_outbox_gets_the_ticks_indexes(database: str) -> None:
    """After the migration the tick's look-ups reach the month of history by index, with the
    same answers: only the failure still to retry is requeued, the week's alerts are found."""
    store = Store(database)
    rows = history(store)
    as_before_0032(store)
    store.close()
    store = Store(database)
    try:
        recent = explained(store, lambda: store.editions.recent_editions(dt.date(2024, 3, 6)))
        assert any("editions_date" in plan for plan in recent), recent
        alerted = store.told.alerted_items([1], since=NOW - dt.timedelta(days=7))
        assert alerted == {1: {7}}
        assert len(store.editions.recent_editions(dt.date(2024, 3, 6))) == 4
        store.chats.subscribe(1)  # its first tick after the upgrade plans the whole group
        key = EditionKey(0, dt.date(2024, 3, 11))
        later = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)  # after it subscribed
        group = {"timezone": "", "push_time": "", "due_at": NOW, "available_at": later}
        assert store.outbox.plan_group(key, **group, now=NOW) == 1
        changed = explained(store, lambda: store.outbox.plan_group(key, **group, now=NOW))
        assert any("chats_updated_at" in plan for plan in changed), changed
        requeue = explained(store, lambda: store.outbox.requeue_failed(now=NOW, max_rounds=3))
        assert any("deliveries_retryable" in plan for plan in requeue), requeue
        statuses = dict(store.db.execute("SELECT id, status FROM deliveries").fetchall())
        assert statuses[rows["retry"]] == "pending"
        assert statuses[rows["used_up"]] == statuses[rows["permanent"]] == "failed"
        assert (
            json.loads(
                store.db.execute(
                    "SELECT items FROM deliveries WHERE id = ?", [rows["retry"]]
                ).fetchone()[0]
            )
            == []
        )
    finally:
        store.close()
