"""Digests of alerts: a chat's daily or weekly alerts, gathered into one message.

An alert whose cadence is ``daily`` does not go out as it comes (the live index leaves it
out, ``bot.services.live``): at the chat's push time one ``alert_daily`` delivery lists the
matches of those alerts in that day's editions. A ``weekly`` alert's matches of the seven days
before go out once a week, on the chat's roundup day (``Chat.week_day``, Monday unless the
chat chose another) at its push time, as ``alert_weekly``. Each is one outbox row keyed by
(chat, kind, first day covered): planned by the same planner as every push, sent once however
often the bot restarts, held by the chat's quiet hours like any other push; a digest with
nothing in it is skipped, not sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import NamedTuple
from zoneinfo import ZoneInfo

from bot.config import Config
from bot.digest.models import Edition
from bot.render.dates import format_date
from bot.render.fragments import escape
from bot.render.i18n import t
from bot.render.snippets import hit_html
from bot.search.matching import AlertIndex, branches
from bot.search.textnorm import merge_spans
from bot.services import Services
from bot.store.alert_cadence import AlertCadence
from bot.store.database import Store
from bot.store.outbox import Delivery, Kind, Planned, Target
from bot.store.readers import Alert, Chat

from .gets import item_texts
from .roundup import WEEK, last_due

DAY = dt.timedelta(days=1)
KINDS = {AlertCadence.DAILY: Kind.ALERT_DAILY, AlertCadence.WEEKLY: Kind.ALERT_WEEKLY}
SPANS = {Kind.ALERT_DAILY: DAY, Kind.ALERT_WEEKLY: WEEK}  # what one digest covers
MAX_HITS = 30  # items one digest lists (then "… and N more")
PART_CHARS = 3000  # a message's HTML at most (its visible text is less: under Telegram's 4096)


class Span(NamedTuple):
    due: dt.datetime
    start: dt.date  # the first day covered
    end: dt.date  # the day after the last


def covered(chat: Chat, cadence: AlertCadence, config: Config, now: dt.datetime) -> Span:
    """The latest digest of this cadence due at or before ``now``: when, and the days."""
    zone = ZoneInfo(chat.timezone or config.push.timezone)
    at = chat.push_time or config.push.time
    if cadence == AlertCadence.WEEKLY:
        due, start = last_due(now, week_day=chat.week_day, at=at, zone=zone)
        return Span(due, start, start + WEEK)
    day = now.astimezone(zone).date()
    due = dt.datetime.combine(day, at, tzinfo=zone)
    if due > now:
        day -= DAY
        due = dt.datetime.combine(day, at, tzinfo=zone)
    return Span(due, day, day + DAY)


def plan_alert_digests(store: Store, config: Config, now: dt.datetime) -> int:
    """A digest row for every chat whose daily or weekly alerts are due (within push.max_age),
    when the days it covers have editions (rows that exist already stay as they are)."""
    dated = {r.key.date for r in store.editions.recent_editions(now.date() - WEEK - 2 * DAY)}
    rows = []
    for cadence, kind in KINDS.items():
        for entry in store.alert_cadence.digest_chats(cadence):
            span = covered(entry.chat, cadence, config, now)
            if now - span.due > config.push.max_age or not entry.due(span.due):
                continue
            if any(span.start <= day < span.end for day in dated):
                rows.append(Planned(entry.chat.id, Target.of_week(span.start), kind, span.due))
    return store.outbox.plan(rows, now=now) if rows else 0


async def digest_parts(services: Services, row: Delivery) -> list[str]:
    """The message parts of a digest row: its chat's alerts of that cadence matched against
    the editions of the days it covers (none: nothing to send)."""
    start, chat = row.target.week, row.chat
    if start is None or row.kind not in SPANS:
        return []
    end = start + SPANS[row.kind]
    cadence = AlertCadence.DAILY if row.kind == Kind.ALERT_DAILY else AlertCadence.WEEKLY
    alerts, editions = await services.db.read(
        lambda store: _gathered(store, chat.id, cadence, start, end)
    )
    blocks, terms = _hits(editions, alerts, chat.id, chat.language)
    if not blocks:
        return []
    lang, more = chat.language, len(blocks) - MAX_HITS
    if row.kind == Kind.ALERT_DAILY:
        header = t("alert_digest_daily", lang, date=format_date(start, lang), n=len(blocks))
    else:
        first, last = format_date(start, lang), format_date(end - DAY, lang)
        header = t("alert_digest_weekly", lang, start=first, end=last, n=len(blocks))
    header += "\n" + t("alert_digest_terms", lang, terms=escape(" · ".join(terms)))
    shown = blocks[:MAX_HITS] + ([t("alert_digest_more", lang, n=more)] if more > 0 else [])
    return _packed([header, *shown])


def _gathered(
    store: Store, chat_id: int, cadence: AlertCadence, start: dt.date, end: dt.date
) -> tuple[list[Alert], list[Edition]]:
    """The chat's alerts of this cadence, and the editions dated in [start, end) that readers
    get (approved, not quiet)."""
    alerts = [a for a in store.chats.alerts(chat_id) if a.cadence == cadence]
    held = store.approvals.unapproved()
    editions = []
    for recent in store.editions.recent_editions(start):
        if recent.key.date < end and recent.key not in held:
            edition = store.editions.get_edition(recent.key)
            if edition is not None:
                editions.append(edition)
    return alerts, editions


def _hits(
    editions: Sequence[Edition], alerts: Sequence[Alert], chat_id: int, lang: str
) -> tuple[list[str], list[str]]:
    """One block per matching item (in edition order) and the alerts that matched (labels)."""
    if not alerts:
        return [], []
    index = AlertIndex(alerts)
    labels = {frozenset(b): a.label() for a in alerts for b in branches(a)}
    blocks: list[str] = []
    terms: list[str] = []
    for edition in editions:
        spans: dict[int, list[tuple[int, int]]] = {}
        for match in index.match_edition(item_texts(edition)).get(chat_id, []):
            spans.setdefault(match.item, []).extend(match.spans)
            label = labels.get(frozenset(match.terms), " ".join(match.terms))
            if label not in terms:
                terms.append(label)
        for n in sorted(spans):
            item = edition.items[n]
            blocks.append(
                hit_html(
                    date=edition.key.date,
                    position=item.position,
                    body=item.body,
                    spans=merge_spans(spans[n]),
                    links=item.links,
                    lang=lang,
                )
            )
    return blocks, terms


def _packed(blocks: Sequence[str]) -> list[str]:
    """Blocks into messages of at most PART_CHARS, never splitting one."""
    parts: list[str] = []
    for block in blocks:
        if parts and len(parts[-1]) + 2 + len(block) <= PART_CHARS:
            parts[-1] += "\n\n" + block
        else:
            parts.append(block)
    return parts
