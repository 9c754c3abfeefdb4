"""The health document: ok while the bot does its job, degraded (with reasons) when not."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
from conftest import SEED, metric_samples

from bot import cycle
from bot.app import BotRunner
from bot.cycle import guarded_tick
from bot.digest import parse_file
from bot.digest.models import EditionKey
from bot.ops.health import HealthLimits, PushFigures, RuntimeState, check_health
from bot.store.database import Store
from bot.store.outbox import Kind, Planned, Target

NOW = dt.datetime(2024, 1, 8, 9, 0, tzinfo=dt.UTC)
TICK = 30.0


@pytest.fixture
def store() -> Iterator[Store]:
    """A store holding the sample edition, its clock at NOW."""
    store = Store(":memory:", now=lambda: NOW)
    store.editions.put_edition(parse_file(SEED))
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def state() -> RuntimeState:
    """A bot started five minutes ago whose last scan was just now."""
    state = RuntimeState(started_at=NOW - dt.timedelta(minutes=5))
    state.scanned(NOW - dt.timedelta(seconds=10))
    return state


def plan_row(store: Store, chat_id: int, *, due: dt.datetime, kind: Kind = Kind.EDITION) -> None:
    store.chats.ensure_chat(chat_id, type="private")
    store.outbox.plan(
        [Planned(chat_id, Target(EditionKey(0, dt.date(2024, 1, 8))), kind, due)], now=due
    )


def test_a_working_bot_is_ok(store: Store, state: RuntimeState) -> None:
    """Fresh scan, empty outbox, no 429s: status ok, HTTP-ready JSON with every section."""
    health = check_health(store, state, now=NOW, tick=TICK)
    assert health.ok
    doc = health.to_json()
    json.dumps(doc)  # serialisable as is
    assert doc["status"] == "ok"
    assert doc["reasons"] == []
    assert doc["last_scan"]["age_seconds"] == 10.0
    assert doc["latest_edition"]["date"] == "2024-01-08"
    assert doc["latest_edition"]["deliveries"] == {}
    assert doc["outbox"]["pending"] == 0
    assert doc["last_push"] is None
    assert doc["throttled_last_hour"] == 0


def test_failing_sources_degrade(store: Store, state: RuntimeState) -> None:
    """A remote source that fails makes the bot degraded, naming the source."""
    state.scanned(NOW, failing_sources=["https://example.org/a.md", "https://example.org/b.md"])
    health = check_health(store, state, now=NOW, tick=TICK)
    assert health.status == "degraded"
    assert health.reasons == (
        "sources failing: https://example.org/a.md, https://example.org/b.md",
    )


def test_a_scan_with_errors_degrades(store: Store, state: RuntimeState) -> None:
    """A digest that does not load is listed under last_scan.errors and named as the reason."""
    state.scanned(NOW, errors=["2024-01-09.md: no date", "2024-01-10.md: cannot read"])
    health = check_health(store, state, now=NOW, tick=TICK)
    assert health.status == "degraded"
    assert health.reasons == ("the last scan did not load: 2024-01-09.md: no date (and 1 more)",)
    assert health.to_json()["last_scan"]["errors"] == [
        "2024-01-09.md: no date",
        "2024-01-10.md: cannot read",
    ]
    state.scanned(NOW)
    assert check_health(store, state, now=NOW, tick=TICK).ok


def test_a_failed_tick_and_database_degrade_until_a_tick_works(
    store: Store, state: RuntimeState
) -> None:
    """A tick that raised, or a database fault, is a reason until a tick runs through."""
    assert state.tick_failed(NOW, "database is locked")
    assert not state.tick_failed(NOW + dt.timedelta(seconds=30), "database is locked")
    assert state.store_failed(NOW, "db: the disk is full")
    later = NOW + dt.timedelta(seconds=60)
    health = check_health(store, state, now=later, tick=TICK)
    assert health.reasons == (
        "database failing since 60 s ago: db: the disk is full",
        "the last tick failed (2× since 60 s ago): database is locked",
    )
    state.tick_done()
    assert check_health(store, state, now=later, tick=TICK).ok


def test_a_failing_bot_api_degrades_until_a_call_works(store: Store, state: RuntimeState) -> None:
    """Three Bot API calls failing in a row make the bot degraded; one success ends it."""
    assert not state.api_failed(NOW, "Bad Gateway")
    assert not state.api_failed(NOW, "Bad Gateway")
    assert check_health(store, state, now=NOW, tick=TICK).ok
    assert state.api_failed(NOW + dt.timedelta(seconds=5), "Connection reset")
    health = check_health(store, state, now=NOW + dt.timedelta(seconds=5), tick=TICK)
    assert health.reasons == (
        "Telegram Bot API failing: 3 calls in a row since 5 s ago, last: Connection reset",
    )
    assert state.api_ok()
    assert check_health(store, state, now=NOW, tick=TICK).ok


def test_a_stale_scan_degrades(store: Store, state: RuntimeState) -> None:
    """No scan for more than three ticks means the tick job is stuck: degraded."""
    assert check_health(store, state, now=NOW + dt.timedelta(seconds=80), tick=TICK).ok
    late = check_health(store, state, now=NOW + dt.timedelta(seconds=81), tick=TICK)
    assert late.reasons == ("last scan 91 s ago (expected every 30 s)",)


def test_no_scan_since_the_start_degrades_after_three_ticks(store: Store) -> None:
    """A bot that never scanned is fine just after the start, degraded three ticks later."""
    state = RuntimeState(started_at=NOW)
    assert check_health(store, state, now=NOW + dt.timedelta(seconds=60), tick=TICK).ok
    late = check_health(store, state, now=NOW + dt.timedelta(seconds=100), tick=TICK)
    assert late.reasons == ("no scan of the sources since the start (100 s ago)",)
    assert late.to_json()["last_scan"] is None


def test_an_overdue_outbox_degrades(store: Store, state: RuntimeState) -> None:
    """A delivery waiting more than ten minutes past its time means the sender is stuck."""
    plan_row(store, 1, due=NOW - dt.timedelta(minutes=9))
    health = check_health(store, state, now=NOW, tick=TICK)
    assert health.ok
    assert health.to_json()["outbox"] == {
        "pending": 1,
        "pending_by_kind": {"edition": 1},
        "next_due": "2024-01-08T08:51:00+00:00",
        "lag_seconds": 540.0,
    }
    plan_row(store, 2, due=NOW - dt.timedelta(minutes=11), kind=Kind.ALERT)
    health = check_health(store, state, now=NOW, tick=TICK)
    assert health.reasons == ("outbox: a pending delivery is 660 s overdue",)
    assert health.to_json()["outbox"]["pending_by_kind"] == {"edition": 1, "alert": 1}


def test_rows_planned_for_later_are_not_late(store: Store, state: RuntimeState) -> None:
    """Rows due in the future count as backlog, not as lag."""
    plan_row(store, 1, due=NOW + dt.timedelta(hours=2))
    doc = check_health(store, state, now=NOW, tick=TICK).to_json()
    assert doc["status"] == "ok"
    assert doc["outbox"]["pending"] == 1
    assert doc["outbox"]["lag_seconds"] == 0.0


def test_latest_edition_shows_its_deliveries(store: Store, state: RuntimeState) -> None:
    """The latest edition's outbox rows are counted by kind and status."""
    plan_row(store, 1, due=NOW)
    plan_row(store, 2, due=NOW)
    [first, _] = store.outbox.due(NOW, limit=2)
    store.outbox.part_sent(first.id, 77, last=True, now=NOW)
    doc = check_health(store, state, now=NOW, tick=TICK).to_json()
    assert doc["latest_edition"]["deliveries"] == {"edition": {"pending": 1, "sent": 1}}


def test_many_429s_in_the_last_hour_degrade(store: Store, state: RuntimeState) -> None:
    """Telegram answering 429 again and again within an hour degrades; older ones expire."""
    for minute in range(9):
        state.throttled(NOW - dt.timedelta(minutes=50 - minute))
    assert check_health(store, state, now=NOW, tick=TICK).ok
    state.throttled(NOW)
    health = check_health(store, state, now=NOW, tick=TICK)
    assert health.to_json()["throttled_last_hour"] == 10
    assert health.reasons == (
        "Telegram answered 429 (too many requests) 10 times in the last hour",
    )
    later = NOW + dt.timedelta(minutes=15)
    state.scanned(later)
    health = check_health(store, state, now=later, tick=TICK)
    assert health.ok
    assert health.throttled_last_hour == 5  # 45, 44, 43, 42 min before NOW, and NOW


def test_limits_are_adjustable(store: Store, state: RuntimeState) -> None:
    """An operator can be stricter: one 429 an hour is already too many."""
    state.throttled(NOW)
    strict = HealthLimits(throttled_per_hour=1)
    assert not check_health(store, state, now=NOW, tick=TICK, limits=strict).ok


def test_last_push_figures(store: Store, state: RuntimeState) -> None:
    """The last push shows what was sent, what failed, and how long it took."""
    state.pushed(
        PushFigures(
            started_at=NOW - dt.timedelta(seconds=42), finished_at=NOW, sent=1200, failed=3
        )
    )
    push = check_health(store, state, now=NOW, tick=TICK).to_json()["last_push"]
    assert push == {
        "started_at": "2024-01-08T08:59:18+00:00",
        "finished_at": "2024-01-08T09:00:00+00:00",
        "sent": 1200,
        "failed": 3,
        "duration_seconds": 42.0,
    }


def test_a_push_round_runs_from_first_send_until_drained(
    store: Store, state: RuntimeState
) -> None:
    """Sends after idle start a round; when the outbox drains it becomes the last push."""
    state.drained(NOW)  # idle: nothing to record
    assert state.last_push is None
    state.sending(NOW, sent=1)
    state.sending(NOW + dt.timedelta(seconds=5), failed=1)
    state.sending(NOW + dt.timedelta(seconds=9), sent=2)
    doc = check_health(store, state, now=NOW + dt.timedelta(seconds=9), tick=TICK).to_json()
    assert doc["last_push"] is None
    assert doc["push_in_progress"]["sent"] == 3
    state.drained(NOW + dt.timedelta(seconds=10))
    doc = check_health(store, state, now=NOW + dt.timedelta(seconds=10), tick=TICK).to_json()
    assert doc["push_in_progress"] is None
    assert doc["last_push"]["sent"] == 3
    assert doc["last_push"]["failed"] == 1
    assert doc["last_push"]["duration_seconds"] == 10.0


def test_scan_reports_only_new_errors(state: RuntimeState) -> None:
    """Recording a scan returns just the errors that appeared since the previous one."""
    assert state.scanned(NOW, errors=["a.md: no date"]) == ("a.md: no date",)
    assert state.scanned(NOW, errors=["a.md: no date", "b.md: bad"]) == ("b.md: bad",)
    assert state.scanned(NOW, errors=["b.md: bad"]) == ()
    assert state.scanned(NOW, errors=["a.md: no date"]) == ("a.md: no date",)


def test_empty_store_is_healthy(state: RuntimeState) -> None:
    """A new bot without editions is ok and says there is no edition yet."""
    store = Store(":memory:")
    try:
        doc = check_health(store, state, now=NOW, tick=TICK).to_json()
    finally:
        store.close()
    assert doc["status"] == "ok"
    assert doc["latest_edition"] is None


async def test_a_running_bot_whose_tick_fails_or_misses_files_is_degraded(
    app: BotRunner, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The repeating tick never raises: a symlink loop in the digests folder, then a tick that
    fails outright, each make /healthz degraded naming it and count in /metrics; the failure
    is logged once however often it repeats, and the next good tick clears it."""
    assert app.services is not None
    services = app.services
    (services.config.digests_dir / "loop.md").symlink_to(services.config.digests_dir / "loop.md")
    assert await guarded_tick(services) is not None
    [reason] = (await app.health()).reasons
    assert reason.startswith("the last scan did not load: ")
    assert "a symlink loop" in reason

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(cycle, "survey", broken)
    for _ in range(3):
        assert await guarded_tick(services) is None
    assert any(r.startswith("the last tick failed (3×") for r in (await app.health()).reasons)
    assert sum("tick failed" in r.getMessage() for r in caplog.records) == 1
    samples = metric_samples(services.metrics.exposition()[0].decode())
    assert samples[("digestbot_tick_failures_total", ())] == 3
    monkeypatch.undo()
    (services.config.digests_dir / "loop.md").unlink()
    assert await guarded_tick(services) is not None
    assert (await app.health()).ok
