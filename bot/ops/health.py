"""The health document behind ``GET /healthz``: is the bot doing its job right now?

``check_health(store, state, now=..., tick=...)`` reads the store (latest edition, outbox) and
``RuntimeState`` (what the running bot's jobs record as they work: the last scan, failing
sources, the last push, recent 429s) and says ``ok`` or ``degraded`` with the reasons.

Degraded when a source is failing, the last scan reported errors (a digest file or folder
that did not load: ``last_scan.errors``), the last tick failed, the database failed, the Bot
API is failing (several calls in a row ended in 5xx or network errors), the leader's last scan
is older than three ticks (or none ran since three ticks after the start; a follower does not
scan), the outbox holds a row overdue by more than ten minutes, or Telegram answered 429 many
times in the last hour. ``role``: leader or follower (several instances: ``bot.ops.leader``).
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot.store.database import EditionInfo, Store

THROTTLE_WINDOW = dt.timedelta(hours=1)
MAX_REMEMBERED_THROTTLES = 10_000
API_FAILING_AFTER = 3  # Bot API calls in a row that failed: the API counts as failing


@dataclass(frozen=True, slots=True)
class Fault:
    """Something that failed and has not worked since: what, since when, how often."""

    reason: str
    since: dt.datetime
    count: int = 1


@dataclass(frozen=True, slots=True)
class HealthLimits:
    """When the bot counts as degraded."""

    stale_ticks: float = 3.0  # the last scan is older than this many ticks
    overdue: dt.timedelta = dt.timedelta(minutes=10)  # a pending row is this late
    throttled_per_hour: int = 10  # Telegram answered 429 this often in the last hour


DEFAULT_LIMITS = HealthLimits()


@dataclass(frozen=True, slots=True)
class ScanFigures:
    """One scan of the sources: when, the digest files that failed, the failing sources."""

    at: dt.datetime
    errors: tuple[str, ...] = ()
    failing_sources: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PushFigures:
    """One push round: from the first send after planning until the outbox was drained."""

    started_at: dt.datetime
    finished_at: dt.datetime
    sent: int
    failed: int

    @property
    def duration(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()


@dataclass(frozen=True, slots=True)
class Outbox:
    """The outbox as the sender sees it: pending rows and how late the oldest due one is."""

    pending: dict[str, int]  # kind -> pending rows
    next_due: dt.datetime | None  # the earliest next attempt of a pending row

    @property
    def depth(self) -> int:
        return sum(self.pending.values())

    def lag(self, now: dt.datetime) -> float:
        """Seconds the most overdue pending row has been waiting for its send (0: none)."""
        if self.next_due is None:
            return 0.0
        return max((now - self.next_due).total_seconds(), 0.0)


def read_outbox(store: Store) -> Outbox:
    """The outbox figures from the store (also what /metrics exports)."""
    summary: dict[str, dict[str, int]] = store.outbox.deliveries_summary()["deliveries"]
    pending = {kind: by.get("pending", 0) for kind, by in summary.items() if by.get("pending")}
    return Outbox(pending=pending, next_due=store.outbox.next_due_at())


class Role(StrEnum):
    LEADER = "leader"  # polls, ticks and sends (on SQLite: the one instance)
    FOLLOWER = "follower"  # waits for the lease


@dataclass(slots=True)
class RuntimeState:
    """What the running bot remembers about its own work (memory only, gone at restart).

    Mutable on purpose, like ``BotData``: the tick job, the sender and the rate limiter record
    into it as they work; ``check_health`` and ``/metrics`` only read it.
    """

    started_at: dt.datetime
    last_scan: ScanFigures | None = None
    last_push: PushFigures | None = None
    push_round: PushFigures | None = None  # the round in progress (finished_at: latest send)
    throttles: deque[dt.datetime] = field(
        default_factory=lambda: deque(maxlen=MAX_REMEMBERED_THROTTLES)
    )
    tick_fault: Fault | None = None  # the last tick raised
    store_fault: Fault | None = None  # the database failed (cleared by the next good tick)
    api_fault: Fault | None = None  # Bot API calls failing in a row (cleared by a success)
    role: Role = Role.LEADER
    lease_generation: int = 0  # the leader lease's, as this instance last saw it (0: none)
    lease_changes: int = 0  # times this instance saw the lease change hands

    def tick_failed(self, at: dt.datetime, reason: str) -> bool:
        """The tick raised; True when this is news (a new reason), to log it once."""
        self.tick_fault, new = _again(self.tick_fault, at, reason)
        return new

    def store_failed(self, at: dt.datetime, reason: str) -> bool:
        """The database failed (a handler, the sender, the tick); True when this is news."""
        self.store_fault, new = _again(self.store_fault, at, reason)
        return new

    def tick_done(self) -> None:
        """A tick ran through: the store works again."""
        self.tick_fault = None
        self.store_fault = None

    def api_failed(self, at: dt.datetime, reason: str) -> bool:
        """A Bot API call failed (5xx, network); True when the API has just become failing."""
        before = self.api_fault.count if self.api_fault else 0
        since = self.api_fault.since if self.api_fault else at
        self.api_fault = Fault(reason, since, before + 1)
        return before + 1 == API_FAILING_AFTER

    def api_ok(self) -> bool:
        """A Bot API call worked; True when the API was failing until now."""
        was = self.api_failing
        self.api_fault = None
        return was

    @property
    def api_failing(self) -> bool:
        return self.api_fault is not None and self.api_fault.count >= API_FAILING_AFTER

    def scanned(
        self,
        at: dt.datetime,
        *,
        errors: Sequence[object] = (),
        failing_sources: Sequence[str] = (),
    ) -> tuple[str, ...]:
        """Record a scan; returns the errors that the previous scan did not have.

        So a caller can count (``Metrics.ingest_error``) and log each problem once, when it
        appears, rather than on every tick while it lasts.
        """
        before = set(self.last_scan.errors) if self.last_scan else set()
        shown = tuple(str(e) for e in errors)
        self.last_scan = ScanFigures(at, shown, tuple(failing_sources))
        return tuple(e for e in shown if e not in before)

    def pushed(self, figures: PushFigures) -> None:
        self.last_push = figures

    def sending(self, at: dt.datetime, *, sent: int = 0, failed: int = 0) -> None:
        """The sender delivered (or gave up on) messages; the first after idle starts a round."""
        if self.push_round is None:
            self.push_round = PushFigures(at, at, 0, 0)
        r = self.push_round
        self.push_round = PushFigures(r.started_at, at, r.sent + sent, r.failed + failed)

    def drained(self, at: dt.datetime) -> None:
        """Nothing due and nothing in flight: the round (if any) ends and becomes last_push."""
        if self.push_round is not None:
            r, self.push_round = self.push_round, None
            self.last_push = PushFigures(r.started_at, at, r.sent, r.failed)

    def throttled(self, at: dt.datetime) -> None:
        """Telegram answered 429 (RetryAfter) at ``at``."""
        self.throttles.append(at)
        while self.throttles and at - self.throttles[0] > THROTTLE_WINDOW:
            self.throttles.popleft()

    def throttled_since(self, since: dt.datetime) -> int:
        return sum(1 for at in self.throttles if at >= since)


def _again(fault: Fault | None, at: dt.datetime, reason: str) -> tuple[Fault, bool]:
    """The fault after one more failure for ``reason``, and whether the reason is new."""
    if fault is not None and fault.reason == reason:
        return Fault(reason, fault.since, fault.count + 1), False
    return Fault(reason, at), True


@dataclass(frozen=True, slots=True)
class Health:
    """The health document; ``to_json`` is what /healthz answers (503 unless ``ok``)."""

    checked_at: dt.datetime
    reasons: tuple[str, ...]
    started_at: dt.datetime
    last_scan: ScanFigures | None
    latest_edition: EditionInfo | None
    latest_deliveries: dict[str, dict[str, int]]
    outbox: Outbox
    last_push: PushFigures | None
    push_in_progress: PushFigures | None
    throttled_last_hour: int
    role: Role = Role.LEADER

    @property
    def ok(self) -> bool:
        return not self.reasons

    @property
    def status(self) -> str:
        return "ok" if self.ok else "degraded"

    def to_json(self) -> dict[str, Any]:
        now = self.checked_at
        scan = self.last_scan
        edition = self.latest_edition
        return {
            "status": self.status,
            "role": self.role,
            "reasons": list(self.reasons),
            "checked_at": _iso(now),
            "started_at": _iso(self.started_at),
            "last_scan": None
            if scan is None
            else {
                "at": _iso(scan.at),
                "age_seconds": round((now - scan.at).total_seconds(), 1),
                "errors": list(scan.errors),
                "failing_sources": list(scan.failing_sources),
            },
            "latest_edition": None
            if edition is None
            else {
                "date": edition.date.isoformat(),
                "title": edition.title,
                "items": edition.items,
                "updated_at": _iso(edition.updated_at),
                "deliveries": self.latest_deliveries,
            },
            "outbox": {
                "pending": self.outbox.depth,
                "pending_by_kind": dict(self.outbox.pending),
                "next_due": _iso(self.outbox.next_due) if self.outbox.next_due else None,
                "lag_seconds": round(self.outbox.lag(now), 1),
            },
            "last_push": _push_json(self.last_push),
            "push_in_progress": _push_json(self.push_in_progress),
            "throttled_last_hour": self.throttled_last_hour,
        }


def _push_json(push: PushFigures | None) -> dict[str, Any] | None:
    if push is None:
        return None
    return {
        "started_at": _iso(push.started_at),
        "finished_at": _iso(push.finished_at),
        "sent": push.sent,
        "failed": push.failed,
        "duration_seconds": round(push.duration, 3),
    }


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class StoreFigures:
    """What the health document reads of the database (in one read)."""

    latest: EditionInfo | None
    deliveries: dict[str, dict[str, int]]
    outbox: Outbox


def read_figures(store: Store) -> StoreFigures:
    key = store.editions.latest_key()  # a numbered series' latest is its highest issue
    editions = store.editions.list_editions(key=key) if key else []
    latest = editions[0] if editions else None
    deliveries: dict[str, dict[str, int]] = (
        store.outbox.deliveries_summary(latest.key)["deliveries"] if latest else {}
    )
    return StoreFigures(latest, deliveries, read_outbox(store))


NO_FIGURES = StoreFigures(None, {}, Outbox({}, None))


def check_health(
    store: Store,
    state: RuntimeState,
    *,
    now: dt.datetime,
    tick: float,
    limits: HealthLimits = DEFAULT_LIMITS,
) -> Health:
    """The bot's health at ``now``; ``tick`` is the configured seconds between scans."""
    return assess(read_figures(store), state, now=now, tick=tick, limits=limits)


def assess(
    figures: StoreFigures | None,
    state: RuntimeState,
    *,
    now: dt.datetime,
    tick: float,
    limits: HealthLimits = DEFAULT_LIMITS,
    database: str = "",
) -> Health:
    """The health document from what the database said (None: it did not answer, and
    ``database`` says why) and what the running bot remembers."""
    found = figures or NO_FIGURES
    throttled = state.throttled_since(now - THROTTLE_WINDOW)
    reasons = _reasons(state, found.outbox, throttled, now=now, tick=tick, limits=limits)
    if database:
        reasons = (f"database: {database}", *reasons)
    return Health(
        checked_at=now,
        reasons=reasons,
        started_at=state.started_at,
        last_scan=state.last_scan,
        latest_edition=found.latest,
        latest_deliveries=found.deliveries,
        outbox=found.outbox,
        last_push=state.last_push,
        push_in_progress=state.push_round,
        throttled_last_hour=throttled,
        role=state.role,
    )


def _reasons(
    state: RuntimeState,
    outbox: Outbox,
    throttled: int,
    *,
    now: dt.datetime,
    tick: float,
    limits: HealthLimits,
) -> tuple[str, ...]:
    reasons: list[str] = []
    if (fault := state.store_fault) is not None:
        reasons.append(f"database failing since {_ago(fault.since, now)}: {fault.reason}")
    if (fault := state.tick_fault) is not None:
        since = _ago(fault.since, now)
        reasons.append(f"the last tick failed ({fault.count}× since {since}): {fault.reason}")
    if state.api_failing and (fault := state.api_fault) is not None:
        since = _ago(fault.since, now)
        reasons.append(
            f"Telegram Bot API failing: {fault.count} calls in a row since {since},"
            f" last: {fault.reason}"
        )
    stale = dt.timedelta(seconds=tick * limits.stale_ticks)
    scan = state.last_scan if state.role is Role.LEADER else None  # followers do not scan
    if scan is None:
        if now - state.started_at > stale and state.role is Role.LEADER:
            reasons.append(
                f"no scan of the sources since the start ({_ago(state.started_at, now)})"
            )
    else:
        if now - scan.at > stale:
            reasons.append(f"last scan {_ago(scan.at, now)} (expected every {tick:g} s)")
        if scan.failing_sources:
            reasons.append(f"sources failing: {', '.join(scan.failing_sources)}")
        if scan.errors:
            more = f" (and {len(scan.errors) - 1} more)" if len(scan.errors) > 1 else ""
            reasons.append(f"the last scan did not load: {scan.errors[0]}{more}")
    lag = outbox.lag(now)
    if lag > limits.overdue.total_seconds():
        reasons.append(f"outbox: a pending delivery is {lag:.0f} s overdue")
    if throttled >= limits.throttled_per_hour:
        reasons.append(
            f"Telegram answered 429 (too many requests) {throttled} times in the last hour"
        )
    return tuple(reasons)


def _ago(then: dt.datetime, now: dt.datetime) -> str:
    return f"{(now - then).total_seconds():.0f} s ago"
