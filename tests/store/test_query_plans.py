"""The outbox's hot queries cost the same however big the outbox is (issue 21).

Each method the sender runs per message (and the planner per row) is called for real on a
Store whose outbox holds several editions of sent, pending, failed and skipped rows, alerts,
corrections, a roundup and a broadcast. The statements it ran are caught with
``set_trace_callback`` and put to ``EXPLAIN QUERY PLAN`` as they ran (their parameters
inlined): the outbox is reached by its primary key, by its UNIQUE key in full, or through
the queue's index in queue order; never scanned, never sorted in a temporary b-tree. And the
SQLite virtual-machine instructions a per-message call executes (counted with a progress
handler) are the same in an outbox four times the size.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.digest.models import EditionKey
from bot.store.database import Store
from bot.store.outbox import Kind, Planned, Status, Target
from bot.store.stamps import stamp

# one worker runs them all: the module's fixture is built once, not again each time
# another module's tests come between two of these on a worker
pytestmark = pytest.mark.xdist_group("query_plans")

FIRST_CHAT = 500_000_001
FIRST_DAY = dt.date(2024, 1, 8)
WEEK = "2024-01-01"
CREATED = "2024-01-01T00:00:00+00:00"

# how the outbox may be reached by a per-message query
ROWID = "USING INTEGER PRIMARY KEY (rowid=?)"
UNIQUE_KEY = (
    "USING INDEX sqlite_autoindex_deliveries_1 (chat_id=? AND kind=? AND series_id=? "
    "AND edition_date=? AND issue=? AND week=? AND broadcast_id=?)"
)
QUEUE = "USING INDEX idx_deliveries_status_next_attempt_at (status=? AND next_attempt_at<?)"
WAITING = "USING INDEX idx_deliveries_status_next_attempt_at (status=? AND next_attempt_at>?)"
QUEUE_HEAD = "USING COVERING INDEX idx_deliveries_status_next_attempt_at (status=?)"
BY_CHAT = "sqlite_autoindex_deliveries_1 (chat_id=?)"
BY_KEY = "sqlite_autoindex_deliveries_1 (chat_id=? AND kind=? AND series_id=? AND edition_date=?"
BY_EDITION = (
    "USING INDEX idx_deliveries_series_id_edition_date_issue_status "
    "(series_id=? AND edition_date=? AND issue=? AND status=?)"
)
CLAIMED = "USING INDEX deliveries_claimed (claimed=?)"
# the failures still to retry, not every failure the outbox ever had (migration 0032)
RETRYABLE = "USING INDEX deliveries_retryable (status=? AND rounds<?)"
KEYWORDS = {"where", "set", "join", "on", "order", "group", "limit", "values", "select", "as"}


@dataclass(frozen=True)
class World:
    """A filled outbox (a template file, copied for each test) and the rows a call needs."""

    path: Path
    chats: int
    day: EditionKey  # the edition being pushed: half of it sent, the rest pending
    first_day: EditionKey  # an edition pushed and corrected
    now: dt.datetime
    reader: int  # a chat that got today's edition and an alert of it
    other: int  # a chat with nothing planned today besides its edition
    busy: tuple[int, ...]  # chats with a delivery in flight (the head of the queue)
    pending: tuple[int, ...]  # delivery ids at the queue's tail
    sent: int  # the reader's edition row
    correction: int  # a correction row


def build(path: Path, chats: int, days: int) -> World:
    """``chats`` subscribed chats and ``days`` editions: every row of the earlier ones sent,
    a few corrected; the last one half sent, the rest pending (a push under way), with
    failures and skips; an alert a day for every fourth chat; a roundup and a broadcast."""
    store = Store(path)
    keys = [EditionKey(0, FIRST_DAY + dt.timedelta(days=k)) for k in range(days)]
    last = keys[-1]
    due = dt.datetime.combine(last.date, dt.time(0, 0), tzinfo=dt.UTC)
    now = due + dt.timedelta(hours=1)
    ids = [FIRST_CHAT + n for n in range(chats)]
    rows: list[tuple[object, ...]] = []

    def row(chat: int, kind: Kind, target: Target, status: str, **extra: object) -> None:
        error = extra.get("error")
        at = stamp(due - dt.timedelta(minutes=5) if error else due)
        items = json.dumps(extra.get("items", []))
        sent = json.dumps([1] if status == "sent" else [])
        rows.append((chat, kind, *target.columns, status, error, at, at, items, sent, CREATED))

    for k, key in enumerate(keys):
        for n, chat in enumerate(ids):
            if n % 4 == 0:
                row(chat, Kind.ALERT, Target(key), "sent", items=[11, 12])
            if key != last or n < chats // 2:
                row(chat, Kind.EDITION, Target(key), "sent")
            elif n % 50 == 1:
                row(chat, Kind.EDITION, Target(key), "skipped", error="chat not found")
            elif n % 50 == 2:
                row(chat, Kind.EDITION, Target(key), "failed", error="transient: 502")
            else:
                row(chat, Kind.EDITION, Target(key), "pending")
            if k == 0 and n % 3 == 0:
                row(chat, Kind.CORRECTION, Target(key), "sent")
    for n, chat in enumerate(ids):
        if n % 7 == 0:
            row(chat, Kind.ROUNDUP, Target.of_week(dt.date.fromisoformat(WEEK)), "sent")
        if n % 10 == 0:
            row(chat, Kind.BROADCAST, Target.of_broadcast(1), "sent")
    with store.transaction():
        store.db.conn.executemany(
            "INSERT INTO chats (id, type, title, language, format, previews, active, "
            "created_at, updated_at) VALUES (?, 'private', '', 'zh', 'full', 0, 1, ?, ?)",
            [(chat, CREATED, CREATED) for chat in ids],
        )
        store.db.conn.executemany(
            "INSERT INTO subscriptions (chat_id, scope, created_at) VALUES (?, 'all', ?)",
            [(chat, CREATED) for chat in ids],
        )
        store.db.conn.executemany(
            "INSERT INTO editions (series_id, date, series, title, source, content_hash, "
            "ingested_at, updated_at) VALUES (?, ?, '每日碳新闻', '', ?, ?, ?, ?)",
            [(k.series, k.date.isoformat(), f"{k.date}.md", "h", CREATED, CREATED) for k in keys],
        )
        store.db.execute(
            "INSERT INTO broadcasts (id, html, sender_id, status, planned, created_at, "
            "updated_at) VALUES (1, 'hello', 1, 'planned', ?, ?, ?)",
            [chats // 10, CREATED, CREATED],
        )
        store.db.conn.executemany(
            "INSERT INTO deliveries (chat_id, kind, series_id, edition_date, issue, week, "
            "broadcast_id, status, error, due_at, next_attempt_at, items, message_ids, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(*r, r[-1]) for r in rows],
        )
    query = store.db.execute
    queue = [
        r[0]
        for r in query(
            "SELECT chat_id FROM deliveries WHERE status = 'pending' "
            "ORDER BY next_attempt_at, id LIMIT 8"
        )
    ]
    tail = [
        r[0]
        for r in query(
            "SELECT id FROM deliveries WHERE status = 'pending' ORDER BY id DESC LIMIT 4"
        )
    ]
    reader, other = ids[8], ids[9]
    sent = query(
        "SELECT id FROM deliveries WHERE chat_id = ? AND kind = 'edition' AND edition_date = ?",
        [reader, last.date.isoformat()],
    ).fetchone()[0]
    correction = query("SELECT id FROM deliveries WHERE kind = 'correction' LIMIT 1").fetchone()[0]
    store.close()
    return World(
        path, chats, last, keys[0], now, reader, other, tuple(queue), tuple(tail), sent, correction
    )


@pytest.fixture(scope="module")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, World]:
    """A small outbox and one four times its size (more chats, more editions)."""
    folder = tmp_path_factory.mktemp("outboxes")
    return {
        "small": build(folder / "small.sqlite3", chats=1_000, days=2),
        "big": build(folder / "big.sqlite3", chats=4_000, days=5),
    }


@pytest.fixture
def opened(worlds: dict[str, World], tmp_path: Path) -> Iterator[Callable[[str], Store]]:
    """Opens a fresh copy of a world's database (a test's writes stay in its copy)."""
    stores: list[Store] = []

    def open_copy(name: str) -> Store:
        copy = tmp_path / f"{name}.sqlite3"
        shutil.copyfile(worlds[name].path, copy)
        store = Store(copy)
        stores.append(store)
        return store

    yield open_copy
    for store in stores:
        store.close()


# -- running a method and reading what SQLite did ------------------------------------------


@dataclass
class Ran:
    statements: list[str]  # as SQLite ran them, parameters inlined
    steps: int  # virtual-machine instructions executed (progress handler calls)


def run(store: Store, call: Callable[[], object]) -> Ran:
    """Call a store method; the statements it ran and the work SQLite did for them."""
    ran = Ran([], 0)

    def step() -> int:
        ran.steps += 1
        return 0

    conn = store.db.conn
    conn.set_trace_callback(ran.statements.append)
    conn.set_progress_handler(step, 1)
    try:
        call()
    finally:
        conn.set_trace_callback(None)
        conn.set_progress_handler(None, 1)
    return ran


def plans(store: Store, statements: list[str]) -> dict[str, list[str]]:
    """``EXPLAIN QUERY PLAN`` of each statement that reads or writes a table (not the
    transaction control, not sqlite-utils' look-ups of the schema)."""
    out = {}
    for sql in statements:
        head = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
        if head not in {"SELECT", "INSERT", "UPDATE", "DELETE", "REPLACE", "WITH"}:
            continue
        if "sqlite_master" in sql:
            continue
        out[sql] = [r[3] for r in store.db.conn.execute("EXPLAIN QUERY PLAN " + sql)]
    return out


def outbox_names(sql: str) -> set[str]:
    """``deliveries`` and the aliases the statement gives it."""
    names = {"deliveries"}
    for match in re.finditer(r"\bdeliveries\s+(?:AS\s+)?(\w+)", sql, re.IGNORECASE):
        if match.group(1).lower() not in KEYWORDS:
            names.add(match.group(1))
    return names


def outbox_lines(sql: str, plan: list[str]) -> list[str]:
    names = outbox_names(sql)
    return [
        line for line in plan if line.startswith(("SEARCH ", "SCAN ")) and line.split()[1] in names
    ]


# -- the calls ---------------------------------------------------------------------------

Call = Callable[[Store, World], object]


def taking(store: Store, world: World) -> object:
    """A batch as the leader's sender takes it: the rows it claimed and no longer has in
    flight given back, then due rows claimed under its lease."""
    fence = store.leases.acquire("k", "leader", now=world.now, ttl=15.0).fence
    store.outbox.release_claims(fence, keep=world.pending[:2])
    return store.outbox.due(world.now, limit=16, busy=world.busy, fence=fence)


# what the sender runs for every message (or every batch of them), and the ways each may
# reach the outbox (none: it does not read the outbox)
PER_MESSAGE: dict[str, tuple[Call, tuple[str, ...]]] = {
    "due": (lambda s, w: s.outbox.due(w.now, limit=16, busy=w.busy), (QUEUE, UNIQUE_KEY)),
    "due_one": (lambda s, w: s.outbox.due(w.now, limit=1), (QUEUE, UNIQUE_KEY)),
    "due_claimed": (taking, (QUEUE, UNIQUE_KEY, ROWID, CLAIMED)),
    "next_due_at": (lambda s, w: s.outbox.next_due_at(), (QUEUE_HEAD,)),
    "sent_items": (lambda s, w: s.outbox.sent_items(w.reader, w.day), (UNIQUE_KEY,)),
    "sent_items_none": (lambda s, w: s.outbox.sent_items(w.other, w.day), (UNIQUE_KEY,)),
    "edition_sent": (lambda s, w: s.corrections.edition_sent(w.reader, w.day), (UNIQUE_KEY,)),
    "part_sent": (
        lambda s, w: s.outbox.part_sent(w.pending[0], 7, last=True, now=w.now, part_hash="h"),
        (ROWID,),
    ),
    "part_sent_more": (
        lambda s, w: s.outbox.part_sent(w.pending[1], 7, last=False, now=w.now),
        (ROWID,),
    ),
    "delivery_done": (
        lambda s, w: s.outbox.delivery_done(w.pending[2], Status.SKIPPED, now=w.now, error="x"),
        (ROWID,),
    ),
    "retry_later": (
        lambda s, w: s.outbox.retry_later(
            w.pending[3], at=w.now + dt.timedelta(seconds=30), error="transient: 502", now=w.now
        ),
        (ROWID,),
    ),
    "move_delivery": (lambda s, w: s.outbox.move_delivery(w.pending[3], 42), (ROWID, BY_KEY)),
    "part_edited": (lambda s, w: s.corrections.part_edited(w.sent, 0, "h2"), (ROWID,)),
    "correction_step": (
        lambda s, w: s.corrections.correction_step(w.correction, 1, last=True, now=w.now),
        (ROWID,),
    ),
    "paid_lane": (lambda s, w: (s.outbox.paid_used("2024-01-12"), s.outbox.add_paid("x")), ()),
    "edition_hash": (lambda s, w: s.editions.edition_hash(w.day), ()),
    "broadcast": (lambda s, w: s.broadcasts.broadcast(1), ()),
    "get_chat": (lambda s, w: s.chats.get_chat(w.reader), ()),
    "set_active": (lambda s, w: s.chats.set_active(w.reader, False, reason="blocked"), ()),
    "update_chat": (lambda s, w: s.chats.update_chat(w.reader, thread_id=None), ()),
}

# what planning runs once per push, group or edition, doing a bounded amount of work per row
PLANNING: dict[str, tuple[Call, tuple[str, ...]]] = {
    "plan_group": (
        lambda s, w: s.outbox.plan_group(
            EditionKey(0, w.day.date + dt.timedelta(days=1)),
            timezone="",
            push_time="",
            due_at=w.now,
            available_at=w.now,
            now=w.now,
        ),
        (),
    ),
    "plan_weekly_group": (
        lambda s, w: s.outbox.plan_weekly_group(
            w.day.date, timezone="", push_time="", week_day=0, due_at=w.now, now=w.now
        ),
        (),
    ),
    "plan_everyone": (
        lambda s, w: s.outbox.plan_everyone(
            EditionKey(0, w.day.date + dt.timedelta(days=2)), now=w.now
        ),
        (),
    ),
    "plan_alerts": (
        lambda s, w: s.outbox.plan(
            [
                Planned(FIRST_CHAT + n, Target(w.day), Kind.ALERT, w.now, (11,))
                for n in range(1, 400, 4)
            ],
            now=w.now,
        ),
        (QUEUE_HEAD,),
    ),
    "alerted_items": (  # one story, one alert: what the alerted chats were told lately
        lambda s, w: s.told.alerted_items(
            [FIRST_CHAT + n for n in range(1, 400, 4)], since=w.now - dt.timedelta(days=7)
        ),
        ("sqlite_autoindex_deliveries_1 (chat_id=? AND kind=?)",),
    ),
    "plan_corrections": (
        lambda s, w: s.corrections.plan_corrections(
            w.first_day, since=w.now - dt.timedelta(days=30), now=w.now
        ),
        (BY_EDITION,),
    ),
    "requeue_failed": (
        lambda s, w: s.outbox.requeue_failed(now=w.now, max_rounds=3),
        (RETRYABLE,),
    ),
    "retry_transient_now": (lambda s, w: s.outbox.retry_transient_now(now=w.now), (WAITING,)),
    "migrate_chat": (
        lambda s, w: s.chats.migrate_chat(w.other, 42),
        (BY_CHAT, BY_KEY),
    ),
}


def check(store: Store, ran: Ran, allowed: tuple[str, ...], *, strict: bool) -> list[str]:
    """What is wrong with the plans of the statements a call ran (empty: nothing).

    The outbox is only ever searched, in one of the ``allowed`` ways; ``strict`` (per
    message): no table is scanned at all and nothing is sorted in a temporary b-tree."""
    problems = []
    for sql, plan in plans(store, ran.statements).items():
        wrong = [
            line for line in outbox_lines(sql, plan) if not any(way in line for way in allowed)
        ]
        if strict:
            wrong += [line for line in plan if line.startswith("SCAN ") or "TEMP B-TREE" in line]
        problems += [f"{line}\n    in {sql}" for line in wrong]
    return problems


# -- the tests ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", PER_MESSAGE)
@pytest.mark.parametrize("statistics", [False, True], ids=["fresh", "analyzed"])
def test_per_message_queries_reach_the_outbox_by_key(
    opened: Callable[[str], Store], worlds: dict[str, World], name: str, statistics: bool
) -> None:
    """Per-message queries search the outbox by key or queue; no scan, no sort, ANALYZE or not."""
    call, allowed = PER_MESSAGE[name]
    store = opened("big")
    if statistics:
        store.db.execute("ANALYZE")
    ran = run(store, lambda: call(store, worlds["big"]))
    assert plans(store, ran.statements), "the call ran no query"
    if allowed:
        reached = [
            line
            for sql, plan in plans(store, ran.statements).items()
            for line in outbox_lines(sql, plan)
        ]
        assert reached, "the call never reached the outbox"
    assert check(store, ran, allowed, strict=True) == []


@pytest.mark.parametrize("name", PER_MESSAGE)
def test_per_message_queries_cost_the_same_in_a_bigger_outbox(
    opened: Callable[[str], Store], worlds: dict[str, World], name: str
) -> None:
    """A per-message call runs as many SQLite instructions in an outbox four times as big."""
    call, _ = PER_MESSAGE[name]
    small, big = opened("small"), opened("big")
    before = run(small, lambda: call(small, worlds["small"])).steps
    after = run(big, lambda: call(big, worlds["big"])).steps
    assert after <= before * 1.1 + 10, (before, after)


@pytest.mark.parametrize("name", PLANNING)
def test_planning_searches_the_outbox_never_scans_it(
    opened: Callable[[str], Store], worlds: dict[str, World], name: str
) -> None:
    """Planning, requeues and a migrated chat reach outbox rows through an index, never a scan."""
    call, allowed = PLANNING[name]
    store = opened("big")
    ran = run(store, lambda: call(store, worlds["big"]))
    assert plans(store, ran.statements), "the call ran no query"
    assert check(store, ran, allowed, strict=False) == []


@pytest.mark.parametrize("statistics", [False, True], ids=["fresh", "analyzed"])
def test_the_tick_reads_the_last_days_editions_by_date(
    opened: Callable[[str], Store], worlds: dict[str, World], statistics: bool
) -> None:
    """The tick finds the last days' editions through their date, not by reading the archive."""
    store = opened("big")
    if statistics:
        store.db.execute("ANALYZE")
    ran = run(store, lambda: store.editions.recent_editions(worlds["big"].day.date))
    [plan] = plans(store, ran.statements).values()
    assert any("USING INDEX editions_date (date>?)" in line for line in plan), plan


def test_requeue_stays_on_the_retryable_failures_after_analyze(
    opened: Callable[[str], Store], worlds: dict[str, World]
) -> None:
    """Statistics do not turn the requeue back to reading every failure the outbox had."""
    call, allowed = PLANNING["requeue_failed"]
    store = opened("big")
    store.db.execute("ANALYZE")
    ran = run(store, lambda: call(store, worlds["big"]))
    assert check(store, ran, allowed, strict=False) == []


def test_a_planned_group_is_read_again_only_for_the_chats_changed_since(
    opened: Callable[[str], Store], worlds: dict[str, World]
) -> None:
    """The next tick re-plans a planned group from the chats changed since, not every chat."""
    call, _ = PLANNING["plan_group"]
    store, world = opened("big"), worlds["big"]
    first = run(store, lambda: call(store, world))
    store.chats.update_chat(world.other, push_time="07:00")
    again = run(store, lambda: call(store, world))
    assert again.steps * 20 < first.steps, (first.steps, again.steps)
    [inserted] = [sql for sql in again.statements if sql.startswith("INSERT INTO deliveries")]
    plan = plans(store, [inserted])[inserted]
    assert any("USING INDEX chats_updated_at (updated_at>?)" in line for line in plan), plan
    assert not [line for line in plan if line.startswith("SCAN ")], plan


def test_planning_a_group_costs_the_same_per_chat_in_a_bigger_outbox(
    opened: Callable[[str], Store], worlds: dict[str, World]
) -> None:
    """plan_group's INSERT…SELECT does the same work per chat however big the outbox is."""
    call, _ = PLANNING["plan_group"]
    small, big = opened("small"), opened("big")
    per_chat = [
        run(store, lambda s=store, w=worlds[n]: call(s, w)).steps / worlds[n].chats
        for store, n in ((small, "small"), (big, "big"))
    ]
    assert per_chat[1] <= per_chat[0] * 1.1, per_chat


def test_the_lookups_keep_their_answers(
    opened: Callable[[str], Store], worlds: dict[str, World]
) -> None:
    """sent_items and edition_sent, by the whole key, still find what a chat got and only that."""
    store, world = opened("small"), worlds["small"]
    assert store.outbox.sent_items(world.reader, world.day) == {11, 12}
    assert store.outbox.sent_items(world.other, world.day) == set()
    sent = store.corrections.edition_sent(world.reader, world.day)
    assert sent is not None
    assert (sent.delivery_id, sent.message_ids) == (world.sent, (1,))
    assert store.corrections.edition_sent(world.reader, EditionKey(1, world.day.date)) is None
