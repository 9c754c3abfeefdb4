"""Planning the push: what each chat gets of an edition, and when.

The cycle (``bot.cycle``) calls this after each scan: alert messages for new editions,
corrections of changed ones, and every (time zone, push time) group of subscribed chats whose
push time has come. A chat's content is worked out here too (its topics, the items it already
got by alert, its alert marks), once per edition and chat variant, so the sender only renders
and sends.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.config import Config
from bot.digest.models import Edition, EditionKey
from bot.search.matching import AlertMatch
from bot.services import LiveAlerts, Services
from bot.store.changes import OwedEdition
from bot.store.database import Store
from bot.store.outbox import Kind, Planned, Target

from .alert_digest import plan_alert_digests
from .corrections import EDIT_WINDOW
from .gets import chat_content, digest_positions, item_texts
from .roundup import WEEK, last_due
from .told import untold

log = logging.getLogger(__name__)

MAX_ROUNDS = 3  # rounds of attempts for a row that keeps failing transiently


def due_at(day: dt.date, push_time: dt.time, zone: str) -> dt.datetime:
    """When an edition dated ``day`` is due for chats with this push time and time zone."""
    return dt.datetime.combine(day, push_time, tzinfo=ZoneInfo(zone))


def group_settings(config: Config, timezone: str, push_time: str) -> tuple[str, dt.time]:
    """A (time zone, push time) group as stored ("" = the default) → the effective values."""
    zone = timezone or config.push.timezone
    when = dt.time.fromisoformat(push_time) if push_time else config.push.time
    return zone, when


def plan_due(store: Store, config: Config, now: dt.datetime) -> int:
    """Outbox rows for every chat whose edition is due (and not older than push.max_age).

    Groups are planned in the order they fell due: the sender takes rows in planning order.
    """
    max_age = config.push.max_age
    since = (now - max_age).date() - dt.timedelta(days=1)
    groups = store.outbox.push_groups()
    work = []
    held = store.approvals.unapproved()
    for recent in store.editions.recent_editions(since):
        key = recent.key
        if key in held:
            continue  # waits for an admin's "send" (push.approve)
        for group in groups:
            zone, when = group_settings(config, group.timezone, group.push_time)
            due = due_at(key.date, when, zone)
            if due <= now and now - due <= max_age:
                available = max(due, recent.ingested_at)
                work.append((due, key, group.timezone, group.push_time, available))
    planned = 0
    with store.transaction():
        store.outbox.forget_planned_groups(since)
        for due, key, timezone, push_time, available in sorted(work):
            planned += store.outbox.plan_group(
                key,
                timezone=timezone,
                push_time=push_time,
                due_at=due,
                available_at=available,
                now=now,
            )
        planned += plan_weekly(store, config, now)
        planned += plan_alert_digests(store, config, now)
    return planned


def plan_weekly(store: Store, config: Config, now: dt.datetime) -> int:
    """Roundup rows for weekly chats whose day and time have come (within push.max_age),
    when the week they cover has editions."""
    planned = 0
    for group in store.outbox.weekly_groups():
        zone, when = group_settings(config, group.timezone, group.push_time)
        due, start = last_due(now, week_day=group.week_day, at=when, zone=ZoneInfo(zone))
        if now - due > config.push.max_age:
            continue
        recent = store.editions.recent_editions(start)
        if not any(edition.key.date < start + WEEK for edition in recent):
            continue
        planned += store.outbox.plan_weekly_group(
            start,
            timezone=group.timezone,
            push_time=group.push_time,
            week_day=group.week_day,
            due_at=due,
            now=now,
        )
    return planned


async def plan_alerts(services: Services, edition: Edition, now: dt.datetime) -> int:
    """Alert messages for matching items a chat will not get in its digest (matched on the
    loop against the live index, planned in the database's writer)."""
    if services.alerts is None:
        return 0
    matches = services.alerts.index.match_edition(item_texts(edition))
    if not matches:
        return 0
    days = services.config.alert_dedup_days
    return await services.db.write(
        lambda store: _plan_alerts(store, edition, matches, now, dedup_days=days)
    )


def _plan_alerts(
    store: Store,
    edition: Edition,
    matches: dict[int, list[AlertMatch]],
    now: dt.datetime,
    *,
    dedup_days: int,
) -> int:
    topics = store.index.edition_item_topics(edition.key)
    ids = store.editions.edition_item_ids(edition.key)
    scopes = store.chats.scopes_of(list(matches), daily=True)  # weekly chats get no digest today
    chosen = store.series.chats_series(matches)
    wanted = {}
    for chat_id, hits in matches.items():
        gets = not chosen.get(chat_id) or edition.series_id in chosen[chat_id]
        covered = digest_positions(edition, scopes.get(chat_id, set()) if gets else set(), topics)
        outside = sorted({edition.items[h.item].position for h in hits} - covered)
        if outside:
            wanted[chat_id] = tuple(ids[p] for p in outside if p in ids)
    by_id = {ids[item.position]: item for item in edition.items if item.position in ids}
    wanted = untold(store, wanted, by_id, days=dedup_days, now=now)  # one story, one alert
    rows = [Planned(c, Target(edition.key), Kind.ALERT, now, i) for c, i in wanted.items()]
    return store.outbox.plan(rows, now=now)


def ask_approval(
    store: Store, config: Config, keys: Sequence[EditionKey], now: dt.datetime
) -> list[EditionKey]:
    """Hold each new edition (still fresh enough to be pushed) for an admin's "send": a
    preview for every admin the bot can write to (an admin who starts the bot later gets the
    previews of what still waits at the next tick). The editions asked about now."""
    admins = [a for a in config.telegram.admins if store.chats.get_chat(a) is not None]
    with store.transaction():
        asked = [
            k for k in keys if is_fresh(k.date, config, now) and store.approvals.ask(k, now=now)
        ]
        waiting = [k for k in store.approvals.pending_approval() if is_fresh(k.date, config, now)]
        rows = [Planned(a, Target(k), Kind.APPROVAL, now) for k in waiting for a in admins]
        store.outbox.plan(rows, now=now)
    if asked and not admins:
        log.warning(
            "%d editions wait for approval, but no admin of [telegram] admins has started "
            "the bot: send it /start to get the previews",
            len(asked),
        )
    return asked


def is_fresh(edition_date: dt.date, config: Config, now: dt.datetime) -> bool:
    """Not older than push.max_age (counted from the day's default push time)."""
    due = due_at(edition_date, config.push.time, config.push.timezone)
    return now - due <= config.push.max_age


def alerting(
    store: Store, config: Config, keys: Sequence[EditionKey], now: dt.datetime
) -> list[Edition]:
    """The editions whose alerts go out now: new or changed, approved, fresh enough, not a
    back catalogue's older issue."""
    held = store.approvals.unapproved()
    found = []
    for key in keys:
        edition = store.editions.get_edition(key)
        if edition is None or key in held or store.editions.is_quiet(key):
            continue
        if is_fresh(key.date, config, now):
            found.append(edition)
    return found


def plan_owed(
    store: Store,
    config: Config,
    owed: Sequence[OwedEdition],
    changed: Sequence[EditionKey],
    now: dt.datetime,
) -> tuple[int, int, int]:
    """Corrections of changed editions, what is due, failures to try again: (planned,
    requeued, corrected); what ``owed`` is planned, in the same transaction."""
    corrected = 0
    with store.transaction():
        if config.push.corrections == "edit":
            for key in changed:  # what readers got of it is edited to what it says now
                since = now - EDIT_WINDOW
                corrected += store.corrections.plan_corrections(key, since=since, now=now)
        store.changes.planned(owed)
    planned = plan_due(store, config, now)
    requeued = store.outbox.requeue_failed(now=now, max_rounds=MAX_ROUNDS)
    return planned, requeued, corrected


@dataclass(frozen=True, slots=True)
class PushReport:
    chats: int
    variants: int
    empty: int
    planned: int


def push_everyone(
    store: Store, edition: Edition, *, dry_run: bool, now: dt.datetime | None = None
) -> PushReport:
    """Plan ``edition`` for every subscribed chat now (or only count, with ``dry_run``)."""
    matches = LiveAlerts(store.chats.alerts()).index.match_edition(item_texts(edition))
    topics = store.index.edition_item_topics(edition.key)
    ids = store.editions.edition_item_ids(edition.key)
    variants: set[tuple[object, ...]] = set()
    chats = empty = 0
    for subscriber in store.outbox.subscribed_chats():
        chat = subscriber.chat
        if chat.cadence != "daily":  # weekly chats get their roundup, not the edition
            continue
        if subscriber.series and edition.series_id not in subscriber.series:
            continue  # the chat chose other series
        chats += 1
        content = chat_content(
            edition,
            scopes=subscriber.scopes,
            topics=topics,
            ids=ids,
            already=set(),
            matches=matches.get(chat.id, []),
        )
        if not content.edition.items:
            empty += 1
            continue
        variants.add((*content.key, chat.language, chat.format))
    planned = 0
    if not dry_run:
        planned = store.outbox.plan_everyone(edition.key, now=now or dt.datetime.now(dt.UTC))
    return PushReport(chats, len(variants), empty, planned)
