"""The bot's cycle: one tick scans the sources into the store (``bot.ingest``), then plans
what the new, changed and due editions owe the chats (``bot.delivery.plan``).

The repeating job runs ``guarded_tick``; ``/reload`` and the command line run ``tick``. May
import ``bot.ingest``, ``bot.delivery`` and below; the handlers and the app call it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass
from functools import partial

from bot.delivery.plan import alerting, ask_approval, plan_alerts, plan_owed
from bot.digest import Reading
from bot.digest.models import EditionKey
from bot.ingest.folder import (
    Policy,
    ScanReport,
    apply_batch,
    apply_end,
    apply_start,
    missing_folder,
    survey,
)
from bot.ingest.gitdates import FirstCommits
from bot.ingest.remote import RemoteReport, fetch_sources
from bot.services import Services
from bot.store.changes import Owed
from bot.store.engines import Engine
from bot.store.faults import DatabaseError, describe

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TickReport:
    scan: ScanReport
    planned: int
    alerts: int
    requeued: int
    remote: RemoteReport | None = None


async def tick(services: Services) -> TickReport:
    """Scan the sources, plan alerts for new editions, plan what is due, requeue failures.

    One at a time (the repeating job and /reload may ask at once). The database is read and
    written in its own threads and digests are parsed in workers: the loop only waits."""
    async with services.ticking:
        return await _tick(services)


async def _tick(services: Services) -> TickReport:
    db, config = services.db, services.config
    now = services.now()
    today = now.astimezone(config.zone).date()
    report = await scan(services, today=today)
    remote = None
    if config.sources and services.http is not None:
        remote = await fetch_sources(
            db,
            config.sources,
            session=services.http,
            now=now.astimezone(config.zone),
            limits=config.limits,
            undated=config.undated,
        )
    errors = [*report.errors, *(remote.errors if remote else [])]
    appeared = services.runtime.scanned(
        now, errors=errors, failing_sources=remote.failing if remote else ()
    )
    services.metrics.ingest_error(len(appeared))
    planned = await _plan(services, now)
    services.runtime.tick_done()
    return TickReport(report, planned.planned, planned.alerts, planned.requeued, remote)


@dataclass(frozen=True, slots=True)
class PlanReport:
    """What one planning round planned."""

    planned: int
    alerts: int
    requeued: int


async def plan(services: Services) -> PlanReport:
    """The tick's second half alone, once no tick runs: what the stored editions owe (an
    edition an admin just approved), without scanning the sources again."""
    async with services.ticking:
        return await _plan(services, services.now())


async def _plan(services: Services, now: dt.datetime) -> PlanReport:
    db, config = services.db, services.config
    today = now.astimezone(config.zone).date()
    released = await db.write(lambda store: store.editions.release(today))  # embargoes ended
    for key in released:
        log.info("edition %s published: its day has begun", key.ref)
    # what the editions stored since the last plan owe (marked as they were stored: a bot
    # killed before it planned them plans them now); a back catalogue's older issues are quiet
    owed = await db.read(lambda store: store.changes.owed())
    if services.alerts is not None and db.store.engine is Engine.POSTGRES:
        await services.alerts.catch_up(db)  # other instances' /alert, ✖, blocked chats
    fresh = [c.key for c in owed if c.owed is Owed.NEW and not c.quiet]
    changed = [c.key for c in owed if c.owed is Owed.CHANGED]
    asked: list[EditionKey] = []
    if config.push.approve:
        asked = await db.write(lambda store: ask_approval(store, config, fresh, now))
    alerts = 0
    for edition in await db.read(lambda store: alerting(store, config, [*fresh, *changed], now)):
        alerts += await plan_alerts(services, edition, now)  # new items: their alerts as usual
    planned, requeued, corrected = await db.write(
        lambda store: plan_owed(store, config, owed, changed, now)
    )
    if planned or alerts or requeued or corrected or asked:
        log.info(
            "tick: %d deliveries planned, %d alerts, %d corrections, %d requeued, "
            "%d waiting for approval",
            planned, alerts, corrected, requeued, len(asked),
        )  # fmt: skip
    return PlanReport(planned, alerts, requeued)


async def scan(services: Services, *, today: dt.date) -> ScanReport:
    """The digests folder into the store: read by a reader, parsed in workers (a big file in a
    process of its own), written a batch at a time by the writer."""
    db, config = services.db, services.config
    folder = config.digests_dir
    if not await asyncio.to_thread(folder.is_dir):
        return missing_folder(folder)
    policy = Policy(today, config.undated, FirstCommits(folder))
    rules = config.series
    found = await db.read(lambda store: survey(store, folder, limits=config.limits, rules=rules))
    await db.write(lambda store: apply_start(store, found, policy=policy))
    if found.todo:
        indexer = await db.write(lambda store: store.index.indexer)
        batches = await asyncio.to_thread(lambda: list(found.read(indexer)))
        if policy.commits and any(
            isinstance(p.result, Reading) and p.result.date is None for b in batches for p in b
        ):  # undated files: their first commits, in one git run off the loop (and the writer)
            await asyncio.to_thread(policy.commits.load)
        done = 0
        for batch in batches:
            write = partial(apply_batch, found=found, prepared=batch, first=done, policy=policy)
            await db.write(write)
            done += len(batch)
    return await db.write(lambda store: apply_end(store, found))


async def guarded_tick(services: Services) -> TickReport | None:
    """``tick`` for the repeating job: a failure never escapes. It is recorded for /healthz
    (degraded, with the reason) and /metrics, and logged once per new reason; the next tick
    tries again."""
    try:
        return await tick(services)
    except Exception as exc:
        now = services.now()
        services.metrics.tick_failed()
        if isinstance(exc, DatabaseError):
            reason = describe(services.db.path, exc)
            services.runtime.store_failed(now, reason)
            if services.runtime.tick_failed(now, reason):
                log.error("tick failed: %s", reason)
        elif services.runtime.tick_failed(now, f"{type(exc).__name__}: {exc}"):
            log.exception("tick failed")
        return None
