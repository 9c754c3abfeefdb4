"""Prometheus metrics of one bot (``GET /metrics``).

``Metrics`` owns its own ``CollectorRegistry`` (never the process-wide default), so a test can
run many bots in one process. The bot reports events through its methods (``message_sent``,
``message_failed``, ``throttled``, ``command``, ``ingest_error``); what lives in the store
(outbox depth, push lag, chats, alerts) and in ``RuntimeState`` (last scan, failing sources)
is read at scrape time by a collector that ``watch`` registers.

Exported (``digestbot_`` prefix):

- ``messages_sent_total{kind}``, ``messages_failed_total{reason}``
- ``throttled_total`` (429 answers), ``retry_after_seconds_total``
- ``command_seconds{command}`` (histogram), ``ingest_errors_total``, ``tick_failures_total``,
  ``api_errors_total`` (Bot API calls that ended in 5xx or a network error)
- ``outbox_pending{kind}``, ``push_lag_seconds``, ``chats{type,state}``, ``alerts``
- ``last_scan_timestamp_seconds``, ``failing_sources``, ``digest_errors``, ``store_up``,
  ``api_failing`` and ``store_failing`` (1 while so)
- ``leader`` (1 while this instance leads), ``lease_generation`` (the leader lease's, 0
  without one), ``lease_changes_total`` (times this instance saw the lease change hands)
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric

from bot.store.chats import Stats
from bot.store.database import Store
from bot.store.gateway import Db

from .health import Outbox, Role, RuntimeState, read_outbox

log = logging.getLogger(__name__)

PREFIX = "digestbot"
SCRAPE_READ = 5.0  # s a scrape waits for the database
COMMAND_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_REASON_RE = re.compile(r"[^a-z0-9_ -]+")
MAX_REASON = 40


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def failure_reason(error: str) -> str:
    """A short, bounded label for a failure: the part before the first colon, lower case.

    ``"transient: Connection reset"`` → ``"transient"``, ``"bad request: message is too
    long"`` → ``"bad request"``, ``"blocked"`` → ``"blocked"``. Labels must stay few: every
    distinct value is a time series.
    """
    head = error.split(":", 1)[0].strip().lower()
    return _REASON_RE.sub("", head)[:MAX_REASON].strip() or "unknown"


class Metrics:
    """The bot's metrics: event counters the bot calls, store figures read at scrape time."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self._sent = Counter(
            f"{PREFIX}_messages_sent",
            "Messages delivered to Telegram, by kind",
            ["kind"],
            registry=r,
        )
        self._failed = Counter(
            f"{PREFIX}_messages_failed",
            "Deliveries that failed or were given up, by reason",
            ["reason"],
            registry=r,
        )
        self._throttled = Counter(
            f"{PREFIX}_throttled", "429 Too Many Requests answers from Telegram", registry=r
        )
        self._retry_after = Counter(
            f"{PREFIX}_retry_after_seconds",
            "Seconds Telegram asked the bot to wait (retry_after), summed",
            registry=r,
        )
        self._commands = Histogram(
            f"{PREFIX}_command_seconds",
            "Time to handle a command, by command",
            ["command"],
            buckets=COMMAND_BUCKETS,
            registry=r,
        )
        self._ingest_errors = Counter(
            f"{PREFIX}_ingest_errors", "Digests that could not be loaded", registry=r
        )
        self._tick_failures = Counter(
            f"{PREFIX}_tick_failures", "Ticks (scan and plan) that failed", registry=r
        )
        self._api_errors = Counter(
            f"{PREFIX}_api_errors",
            "Bot API calls that ended in a 5xx answer or a network error",
            registry=r,
        )
        self._watched = False

    # -- events (called by the bot) -------------------------------------------------------

    def message_sent(self, kind: str, count: int = 1) -> None:
        """A message (one part) reached Telegram; ``kind``: edition, alert, reply…"""
        self._sent.labels(kind=kind).inc(count)

    def message_failed(self, reason: str) -> None:
        """A delivery failed or was given up; ``reason`` is shortened by ``failure_reason``."""
        self._failed.labels(reason=failure_reason(reason)).inc()

    def throttled(self, retry_after_seconds: float) -> None:
        """Telegram answered 429 and asked for ``retry_after_seconds``."""
        self._throttled.inc()
        self._retry_after.inc(max(retry_after_seconds, 0.0))

    def command(self, name: str, seconds: float) -> None:
        """A command (``name`` without the slash, from the COMMANDS table) took ``seconds``."""
        self._commands.labels(command=name).observe(max(seconds, 0.0))

    def ingest_error(self, count: int = 1) -> None:
        """``count`` new digest or source errors (count each problem once, when it appears)."""
        if count > 0:
            self._ingest_errors.inc(count)

    def tick_failed(self) -> None:
        self._tick_failures.inc()

    def api_error(self) -> None:
        self._api_errors.inc()

    # -- scrape ---------------------------------------------------------------------------

    def watch(
        self,
        store: Store | Db,
        *,
        runtime: RuntimeState | None = None,
        now: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        """Export the store's figures (and the runtime's) at every scrape. Call once."""
        if self._watched:
            raise RuntimeError("Metrics.watch: already watching a store")
        self.registry.register(StoreCollector(store, runtime=runtime, now=now))
        self._watched = True

    def exposition(self, accept: str = "") -> tuple[bytes, str]:
        """The scrape body and its content type (OpenMetrics when ``accept`` asks for it)."""
        encoder, content_type = choose_encoder(accept)
        return encoder(self.registry), content_type


class StoreCollector:
    """Reads the store and the runtime state when Prometheus scrapes (not on every change)."""

    def __init__(
        self,
        store: Store | Db,
        *,
        runtime: RuntimeState | None,
        now: Callable[[], dt.datetime],
    ) -> None:
        self.store = store
        self.runtime = runtime
        self.now = now
        self._failing = ""  # the reason the store could not be read, said once

    def _figures(self) -> tuple[Outbox, Stats]:
        def read(store: Store) -> tuple[Outbox, Stats]:
            return read_outbox(store), store.chats.stats()

        if isinstance(self.store, Db):  # a scrape runs in a thread: a reader answers it
            return self.store.read_blocking(read, timeout=SCRAPE_READ)
        return read(self.store)

    def describe(self) -> list[Metric]:
        return []  # names are only known at collect time; nothing to check at register

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(f"{PREFIX}_store_up", "1 when the store could be read")
        families: list[Metric] = []
        try:
            families = list(self._store_families())
        except Exception as exc:  # a locked or closed database must not break the scrape
            reason = f"{type(exc).__name__}: {exc}"
            if reason != self._failing:
                log.warning("metrics: could not read the store: %s", reason)
            self._failing = reason
        else:
            self._failing = ""
        up.add_metric([], 1.0 if families else 0.0)
        yield up
        yield from families
        yield from self._runtime_families()

    def _store_families(self) -> Iterator[Metric]:
        outbox, stats = self._figures()
        pending = GaugeMetricFamily(
            f"{PREFIX}_outbox_pending", "Outbox rows waiting to be sent, by kind", labels=["kind"]
        )
        for kind in sorted({"edition", "alert", *outbox.pending}):
            pending.add_metric([kind], outbox.pending.get(kind, 0))
        yield pending
        yield GaugeMetricFamily(
            f"{PREFIX}_push_lag_seconds",
            "How long the most overdue pending delivery has waited for its send",
            value=outbox.lag(self.now()),
        )
        chats = GaugeMetricFamily(
            f"{PREFIX}_chats", "Chats by type and state", labels=["type", "state"]
        )
        for kind, (active, inactive) in sorted(stats.chats.items()):
            chats.add_metric([kind, "active"], active)
            chats.add_metric([kind, "inactive"], inactive)
        yield chats
        yield GaugeMetricFamily(
            f"{PREFIX}_alerts", "Keyword alerts registered", value=stats.alerts
        )

    def _runtime_families(self) -> Iterator[Metric]:
        if self.runtime is None:
            return
        yield GaugeMetricFamily(
            f"{PREFIX}_api_failing",
            "1 while Bot API calls keep failing (5xx, network errors)",
            value=float(self.runtime.api_failing),
        )
        yield GaugeMetricFamily(
            f"{PREFIX}_store_failing",
            "1 while the database fails (until a tick runs through)",
            value=float(self.runtime.store_fault is not None),
        )
        yield from self._lease_families(self.runtime)
        scan = self.runtime.last_scan
        if scan is None:
            return
        yield GaugeMetricFamily(
            f"{PREFIX}_last_scan_timestamp_seconds",
            "When the sources were last scanned (Unix time)",
            value=scan.at.timestamp(),
        )
        yield GaugeMetricFamily(
            f"{PREFIX}_failing_sources",
            "Remote sources failing at the last scan",
            value=len(scan.failing_sources),
        )
        yield GaugeMetricFamily(
            f"{PREFIX}_digest_errors",
            "Digests that did not load at the last scan",
            value=len(scan.errors),
        )

    def _lease_families(self, runtime: RuntimeState) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            f"{PREFIX}_leader",
            "1 while this instance leads (polls, ticks, sends)",
            value=float(runtime.role is Role.LEADER),
        )
        yield GaugeMetricFamily(
            f"{PREFIX}_lease_generation",
            "The leader lease's generation as this instance last saw it (0: no lease)",
            value=runtime.lease_generation,
        )
        yield CounterMetricFamily(
            f"{PREFIX}_lease_changes",
            "Times this instance saw the leader lease change hands",
            value=runtime.lease_changes,
        )
