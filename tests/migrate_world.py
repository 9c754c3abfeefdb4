"""A SQLite bot after a week of pushes, for the migrate-db tests: every table holds rows.

Built through the Store's own methods (ingest, subscriptions, alerts, planning, sending
bookkeeping) as the running bot would leave it, plus the few rows only older bots wrote
(``webhook_updates``). ``compare`` reads a table from two databases row for row.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from push_world import edition_of

from bot.config import Config
from bot.delivery.plan import push_everyone
from bot.digest.models import EditionKey
from bot.ingest.folder import scan_folder
from bot.store.approvals import Approval
from bot.store.chats import ALL
from bot.store.database import Store
from bot.store.engines import Sql
from bot.store.lease import lease_key
from bot.store.outbox import Kind, Planned, Status, Target
from bot.store.sources import SourceState

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "digests" / "2024-01-08.md"
FIRST = dt.date(2024, 3, 1)  # the week's first edition
TODAY = FIRST + dt.timedelta(days=6)  # its last; one more file waits, scheduled, for tomorrow
CONFIG = Config()
READER, TOPICS_READER, GROUP, CHANNEL, GONE, WEEKLY = 101, 102, -1001, -1002, 103, 104
UPDATES = range(900_000, 900_040)  # webhook update ids an older bot recorded


@dataclass(frozen=True, slots=True)
class Week:
    path: Path  # the SQLite database
    digests: Path
    deleted_alert: int  # the highest alert id ever given (deleted since)


def clock(day: dt.date, hour: int = 8) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


def write_digest(folder: Path, day: dt.date) -> None:
    """The day's edition, as the publisher writes it that morning."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{day}.md").write_text(edition_of(day), "utf-8")


def build_week(path: Path, digests: Path) -> Week:
    """The bot's SQLite database at ``path`` after a week of editions pushed to six chats."""
    digests.mkdir(parents=True, exist_ok=True)
    shutil.copy(SEED, digests / SEED.name)
    now = [clock(FIRST)]
    store = Store(path, topics=CONFIG.topic_spec, now=lambda: now[0])
    try:
        _chats(store)
        for n in range(7):
            day = FIRST + dt.timedelta(days=n)
            now[0] = clock(day)
            write_digest(digests, day)
            if n == 6:  # and tomorrow's, written early: held as scheduled
                write_digest(digests, day + dt.timedelta(days=1))
            scan_folder(store, digests, limits=CONFIG.limits, today=day)
            _push(store, day, now[0], last=n == 6)
        deleted = store.chats.add_alert(READER, ("光伏",), ())
        store.chats.delete_alert(READER, deleted.id)  # an id SQLite never gives again
        _the_rest(store, now[0])
    finally:
        store.close()
    return Week(path, digests, deleted.id)


def _chats(store: Store) -> None:
    chats = store.chats
    with store.transaction():
        chats.ensure_chat(READER, type="private", title="读者")
        chats.subscribe(READER)
        chats.add_alert(READER, ("储能",), ("抽水蓄能",))
        chats.ensure_chat(TOPICS_READER, type="private", title="topics")
        chats.set_scopes(TOPICS_READER, {"carbon-market", "storage"})
        chats.save_settings(TOPICS_READER, {"format": "compact"}, {"digest_links": "off"})
        shared = chats.add_alert(TOPICS_READER, ("碳市场",), ())
        chats.share_alert(TOPICS_READER, shared.id, shared=True)
        chats.add_alert(TOPICS_READER, ("光伏",), ())  # not its topics: an alert of its own
        chats.ensure_chat(GROUP, type="supergroup", title="碳圈")
        chats.update_chat(GROUP, thread_id=7, language="en", push_time="09:30")
        chats.subscribe(GROUP)
        chats.add_manager(GROUP, READER)
        chats.ensure_chat(CHANNEL, type="channel", title="频道")
        chats.subscribe(CHANNEL)
        chats.add_manager(CHANNEL, TOPICS_READER)
        chats.ensure_chat(GONE, type="private", title="gone")
        chats.set_scopes(GONE, {"policy", "finance"})
        chats.ensure_chat(WEEKLY, type="private", title="weekly")
        chats.subscribe(WEEKLY)
        chats.update_chat(WEEKLY, cadence="weekly", week_day=1)


def _push(store: Store, day: dt.date, now: dt.datetime, *, last: bool) -> None:
    """Plan the day's edition for everyone, then send it: all of it on earlier days; on the
    last one sent to one chat, half sent and waiting out a 502 in the group, the channel gone,
    a read timeout and an alert still pending."""
    edition = store.editions.editions_on(day, ())[0]
    push_everyone(store, edition, dry_run=False, now=now)
    store.outbox.plan_group(  # as the tick plans it too (planned_groups: when it did)
        edition.key, timezone="", push_time="", due_at=now, available_at=now, now=now
    )
    photovoltaic = store.editions.edition_item_ids(edition.key)[3]  # not in its topics
    store.outbox.plan(
        [Planned(TOPICS_READER, Target(edition.key), Kind.ALERT, now, (photovoltaic,))], now=now
    )
    if day == FIRST + dt.timedelta(days=2):
        store.chats.unsubscribe(GONE)  # its topics kept for its next /subscribe
        store.chats.set_active(GONE, False, reason="blocked by the user")
    rows = store.db.execute(
        "SELECT id, chat_id, kind FROM deliveries WHERE edition_date = ? AND status = 'pending'"
        " ORDER BY id",
        [day.isoformat()],
    ).fetchall()
    outbox = store.outbox
    for row_id, chat, kind in rows:
        if not last or chat == READER:
            outbox.part_sent(row_id, 10_000 + row_id, last=True, now=now, part_hash=f"h{row_id}")
        elif chat == CHANNEL:
            outbox.delivery_done(row_id, Status.SKIPPED, now=now, error="chat not found")
        elif chat == GROUP:
            outbox.part_sent(row_id, 20_000 + row_id, last=False, now=now)  # one part of two
            outbox.retry_later(row_id, at=now + dt.timedelta(minutes=5), error="transient: 502",
                               now=now)  # fmt: skip
        elif kind == "edition":
            outbox.delivery_done(row_id, Status.AMBIGUOUS, now=now, error="read timeout")
        # TOPICS_READER's alert waits, pending
    store.outbox.add_paid(day.isoformat())


def _the_rest(store: Store, now: dt.datetime) -> None:
    """The tables a week of pushes leaves alone: searches, sources, a broadcast, approvals,
    chosen series, webhook updates of an older bot, a leader lease long expired."""
    store.index.save_search(READER, "储能 -抽水蓄能", at=now)
    store.index.save_search(GROUP, "#storage 2024-03", at=now)
    store.sources.put_source_state(
        SourceState(
            url="https://digests.example.org/today.md",
            etag='"abc"',
            edition=EditionKey(0, TODAY),
            last_status=200,
            checked_at=now,
            ok_at=now,
            created_at=now,
        )
    )
    draft = store.broadcasts.draft_broadcast("<b>维护通知</b>", sender_id=READER, now=now)
    store.broadcasts.plan_broadcast(draft.id, now=now)
    first, second = store.db.execute(
        "SELECT id FROM deliveries WHERE kind = 'broadcast' ORDER BY id LIMIT 2"
    ).fetchall()
    store.outbox.delivery_done(first[0], Status.FAILED, now=now, error="Forbidden: bot blocked")
    store.outbox.part_sent(second[0], 30_000, last=True, now=now)
    key = store.editions.editions_on(TODAY, ())[0].key
    store.approvals.ask(key, now=now)
    store.approvals.decide(key, Approval.APPROVED, by=READER, now=now)
    series = [s.id for s in store.series.all_series()]
    store.series.set_chat_series(TOPICS_READER, series[:1])
    store.db.executemany(
        "INSERT INTO webhook_updates (update_id, received_at) VALUES (?, ?)",
        [(u, now.isoformat()) for u in UPDATES],
    )
    store.chats.subscribe(READER, ALL)  # already: nothing changes
    store.leases.acquire(lease_key("123456:token"), "host:1:ab", now=now, ttl=15.0)  # expired
    store.forwarded.forward(UPDATES[-1] + 1, '{"update_id": 900040}', at=now)  # waits for a leader
    store.page_logins.issue_link(READER, bot_id=123456)  # an admin's page link, not opened yet
    part = store.feedback.part_of(READER, min(_sent_ids(store, READER)))  # readers' feedback
    assert part is not None
    store.feedback.vote(READER, part, voter=READER, emoji="👍", items=(1, 2), now=now)
    store.feedback.react(READER, part, voter=READER + 1, emojis=["🔥"], items=(1, 2), now=now)
    store.feedback.counts(READER, part, totals={"❤": 3, "👎": 1}, items=(1, 2), now=now)


def _sent_ids(store: Store, chat: int) -> list[int]:
    """The message ids the outbox sent ``chat`` an edition as."""
    rows = store.db.execute(
        "SELECT message_ids FROM deliveries WHERE chat_id = ? AND kind = 'edition'", [chat]
    ).fetchall()
    return [i for (ids,) in rows for i in json.loads(ids)]


def primary_key(db: Sql, table: str) -> list[str]:
    """The SQLite table's primary key columns (what both sides are ordered by)."""
    rows = db.execute(
        "SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk", [table]
    ).fetchall()
    return [str(r[0]) for r in rows]


def columns_of(db: Sql, table: str) -> list[str]:
    cur = db.execute(f'SELECT * FROM "{table}" LIMIT 0')  # noqa: S608 - a schema name
    return [str(d[0]) for d in cur.description]


def rows_of(db: Sql, table: str, columns: list[str], key: list[str]) -> list[tuple[Any, ...]]:
    """The table's rows, ``columns`` of each, in ``key`` order."""
    names = ", ".join(f'"{c}"' for c in columns)
    order = ", ".join(f'"{c}"' for c in key)
    sql = f'SELECT {names} FROM "{table}" ORDER BY {order}'  # noqa: S608 - schema names
    return [tuple(r) for r in db.execute(sql)]
