"""Sending the outbox: every planned delivery once, part by part, at Telegram's pace.

One task drains due rows, a bounded number at a time (enough in flight to keep the pace with
real network latency); the rate limiter (ratelimit.py) spaces every message. Each part is
recorded the moment Telegram confirms it, so a crash repeats at most the parts in flight.
Errors are classified once, here: blocked / kicked / not found → the chat goes inactive;
migrated → the row follows the chat; 5xx and network errors → a jittered backoff (≤ 60 s),
tried again until the row is older than push.max_age, while the whole outbox waits out an
API outage (outage.py); a read timeout → held and decided (outage.py), never blindly resent;
a bad message → failed, loudly. A database fault never stops the sender: the row stays as it
was, the fault is reported (health, metrics) and the sender tries again a little later.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from telegram import Bot, LinkPreviewOptions
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from .i18n import t
from .matching import AlertMatch
from .models import Edition
from .outage import AMBIGUOUS_HOLD, ApiGate, backoff
from .plan import alert_items, chat_content, item_texts, roundup_content
from .ratelimit import BROADCAST, Send, retry_seconds
from .render import escape, render_edition
from .roundup import WEEK, roundup_heading, week_start
from .services import Services
from .snippets import hit_html
from .store_broadcast import BROADCAST_KIND, broadcast_id
from .store_chats import ALL
from .store_faults import DatabaseError, describe
from .store_outbox import ALERT, ROUNDUP, Delivery
from .tgrequest import NotSent

log = logging.getLogger(__name__)

Roundup = tuple[Edition, dict[int, list[AlertMatch]]]

STORE_PAUSE = 2.0  # s the sender waits after a database fault before trying again
RENDER_CACHE = 512
REFILL = 4  # new rows are read once a quarter of the slots is free


@dataclass
class _EditionView:
    """An edition as the sender needs it, computed once per content (and alert) change."""

    edition: Edition
    content_hash: str
    ids: dict[int, int]
    topics: dict[int, set[str]]
    alerts_version: int
    matches: dict[int, list[AlertMatch]]


class Pusher:
    """The outbox sender: ``start``, ``wake`` after planning, ``stop`` (finishes in-flight)."""

    def __init__(
        self, services: Services, bot: Bot, *, concurrency: int = 64, probe_cap: float = 15.0
    ) -> None:
        self.services = services
        self.bot = bot
        self.concurrency = concurrency
        self._slots = asyncio.Semaphore(concurrency)
        self._wake = asyncio.Event()
        self._inflight: dict[int, asyncio.Task[None]] = {}
        self._stopping = False
        self._stopped = asyncio.Event()
        self.gate = ApiGate(services.runtime, bot, probe_cap=probe_cap, stopping=self._stopped)
        self._task: asyncio.Task[None] | None = None
        self._views: dict[str, _EditionView] = {}
        self._renders: OrderedDict[tuple[object, ...], list[str]] = OrderedDict()
        self._roundups: OrderedDict[tuple[object, ...], Roundup | None] = OrderedDict()
        self._changed = asyncio.Condition()
        self.sent = 0

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="digestbot-push")

    def wake(self) -> None:
        self._wake.set()

    async def stop(self, *, grace: float = 8.0) -> None:
        """Take no new rows; let the parts in flight finish (up to ``grace`` seconds)."""
        self._stopping = True
        self._stopped.set()
        self._wake.set()
        if self._task is not None and not self.gate.open:
            self._task.cancel()  # probing a failing API: nothing of its own is in flight
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        pending = list(self._inflight.values())
        if pending:
            _, late = await asyncio.wait(pending, timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    @property
    def in_flight(self) -> int:
        return len(self._inflight)

    async def idle(self) -> None:
        """Return once nothing is in flight and nothing is due (tests and `digestbot push`)."""
        async with self._changed:
            await self._changed.wait_for(
                lambda: (
                    not self._inflight
                    and not self.services.store.due(self.services.now(), limit=1)
                )
            )

    async def _run(self) -> None:
        store = self.services.store
        refill = max(1, self.concurrency // REFILL)
        while not self._stopping:
            self._wake.clear()
            if not self.gate.open:  # the API is failing: send nothing until it answers
                if await self.gate.ride_out() and not self._stopping:
                    waiting = store.retry_transient_now(now=self.services.now())
                    log.info("outbox resumes: %d deliveries waiting out errors are due", waiting)
                continue
            room = self.concurrency - len(self._inflight)
            if room < refill and self._inflight:  # read rows in batches, not one per send
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=1.0)
                continue
            try:
                rows = store.due(
                    self.services.now(), limit=max(room, 0), skip=list(self._inflight)
                )
            except DatabaseError as exc:
                self._store_fault(exc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopped.wait(), timeout=STORE_PAUSE)
                continue
            for row in rows:
                await self._slots.acquire()
                if self._stopping:
                    self._slots.release()
                    break
                self._inflight[row.id] = asyncio.create_task(self._deliver_one(row))
            if not rows and not self._inflight:
                self.services.runtime.drained(self.services.now())
            if not rows or room <= 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=1.0)

    async def _deliver_one(self, row: Delivery) -> None:
        try:
            await self._deliver(row)
        except DatabaseError as exc:  # the row stays as it is: sent again when it works
            self._store_fault(exc)
            await asyncio.sleep(STORE_PAUSE)
        except Exception:  # one row must never stop the sender
            log.exception("delivery %s to %s failed unexpectedly", row.id, row.chat.id)
            self._give_up(row, "failed", "internal error")
        finally:
            self._inflight.pop(row.id, None)
            self._slots.release()
            self._wake.set()
            async with self._changed:
                self._changed.notify_all()

    # -- one delivery ---------------------------------------------------------------------

    def _store_fault(self, exc: DatabaseError) -> None:
        reason = describe(self.services.store.path, exc)
        if self.services.runtime.store_failed(self.services.now(), reason):
            log.error("sender: %s", reason)

    async def _deliver(self, row: Delivery) -> None:
        store, now = self.services.store, self.services.now
        if self.gate.resend(row.id) is False:  # timed out, and no outage since: it arrived
            self._give_up(row, "ambiguous", "read timeout: maybe delivered")
            return
        parts = self._parts(row)
        if not parts:
            store.delivery_done(row.id, "skipped", now=now(), error="nothing for this chat")
            return
        chat_id = row.chat.id
        thread = row.chat.thread_id if row.chat.type == "supergroup" else None
        previews = LinkPreviewOptions(is_disabled=not row.chat.previews)
        part = row.part
        while part < len(parts):
            try:
                message = await self.bot.send_message(
                    chat_id,
                    parts[part],
                    message_thread_id=thread,
                    link_preview_options=previews,
                    **self._lane(),
                )
            except ChatMigrated as exc:
                store.migrate_chat(chat_id, exc.new_chat_id)
                store.move_delivery(row.id, exc.new_chat_id)
                self.services.alerts_changed(chat_id, exc.new_chat_id)
                chat_id = exc.new_chat_id
                continue
            except BadRequest as exc:
                if "thread not found" in exc.message.lower() and thread is not None:
                    store.update_chat(chat_id, thread_id=None)
                    thread = None
                    continue
                self._bad_request(row, chat_id, exc)
                return
            except Exception as exc:
                self._failed(row, chat_id, exc)
                return
            part += 1
            self.sent += 1
            at = now()
            store.part_sent(row.id, message.message_id, last=part == len(parts), now=at)
            self.services.metrics.message_sent(row.kind)
            self.services.runtime.sending(at, sent=1)

    def _lane(self) -> dict[str, Any]:
        """The paid broadcast lane when configured and under today's cap, else the free one."""
        push, store = self.services.config.push, self.services.store
        if push.paid_broadcast:
            day = self.services.now().astimezone(dt.UTC).date().isoformat()
            if store.paid_used(day) < push.paid_daily_cap:
                store.add_paid(day)
                return {
                    "allow_paid_broadcast": True,
                    "rate_limit_args": Send(BROADCAST, paid=True),
                }
        return {"rate_limit_args": Send(BROADCAST)}

    def _bad_request(self, row: Delivery, chat_id: int, exc: BadRequest) -> None:
        if "chat not found" in exc.message.lower():
            self._inactive(row, chat_id, "chat not found")
            return
        log.error("Telegram refused delivery %s to %s: %s", row.id, chat_id, exc.message)
        self._give_up(row, "failed", f"bad request: {exc.message}")

    def _inactive(self, row: Delivery, chat_id: int, reason: str) -> None:
        store = self.services.store
        store.set_active(chat_id, False, reason=reason)
        self.services.alerts_changed(chat_id)
        self._give_up(row, "skipped", reason)
        log.info("chat %s inactive: %s", chat_id, reason)

    def _failed(self, row: Delivery, chat_id: int, exc: Exception) -> None:
        store, now = self.services.store, self.services.now()
        if isinstance(exc, Forbidden):
            self._inactive(row, chat_id, _forbidden_reason(exc.message))
        elif isinstance(exc, RetryAfter):
            at = now + dt.timedelta(seconds=retry_seconds(exc))
            store.retry_later(row.id, at=at, error=f"retry after: {exc}", now=now, count=False)
        elif isinstance(exc, NetworkError):  # 5xx, network, timeouts: TimedOut is one too
            self._transient(row, chat_id, exc)
        else:
            log.error("delivery %s to %s failed: %r", row.id, chat_id, exc)
            self._give_up(row, "failed", f"error: {exc}")

    def _transient(self, row: Delivery, chat_id: int, exc: NetworkError) -> None:
        """Try again later, backing off, for as long as the row is not too old to send."""
        store, now = self.services.store, self.services.now()
        if isinstance(exc, TimedOut) and not _never_sent(exc):
            log.debug("delivery %s to %s timed out: maybe delivered, held", row.id, chat_id)
            self.gate.timed_out(row.id)
            error, wait = "transient: read timeout, maybe delivered", AMBIGUOUS_HOLD
        else:
            error, wait = f"transient: {exc}", backoff(row.attempts)
        if now - row.due_at > self.services.config.push.max_age:
            self._give_up(row, "failed", f"{error} (given up: older than push.max_age)")
            return
        store.retry_later(row.id, at=now + wait, error=error, now=now)

    def _give_up(self, row: Delivery, status: str, error: str) -> None:
        """The row ends unsent (failed, skipped or ambiguous), counted for health and metrics."""
        now = self.services.now()
        self.services.store.delivery_done(row.id, status, now=now, error=error)
        self.services.metrics.message_failed(error)
        self.services.runtime.sending(now, failed=1)

    # -- content --------------------------------------------------------------------------

    def _view(self, day: str) -> _EditionView | None:
        store, alerts = self.services.store, self.services.alerts
        date = dt.date.fromisoformat(day)
        current = store.edition_hash(date)
        version = alerts.version if alerts else 0
        view = self._views.get(day)
        if view is not None and view.content_hash == current and view.alerts_version == version:
            return view
        edition = store.get_edition(date)
        if edition is None or current is None:
            return None
        matches = alerts.index.match_edition(item_texts(edition)) if alerts else {}
        view = _EditionView(
            edition,
            current,
            store.edition_item_ids(date),
            store.edition_item_topics(date),
            version,
            matches,
        )
        self._views[day] = view
        if len(self._views) > 8:
            self._views.pop(next(iter(self._views)))
        return view

    def _parts(self, row: Delivery) -> list[str]:
        if row.kind == BROADCAST_KIND:
            number = broadcast_id(row.edition_date)
            found = self.services.store.broadcast(number) if number is not None else None
            return [found.html] if found is not None else []
        if row.kind == ROUNDUP:
            return self._roundup_parts(row)
        view = self._view(row.edition_date)
        if view is None:
            return []
        lang, chat = row.chat.language, row.chat
        matches = view.matches.get(chat.id, [])
        if row.kind == ALERT:
            return self._alert_parts(view, row, matches)
        already = self.services.store.sent_items(chat.id, row.edition_date)
        content = chat_content(
            view.edition,
            scopes=row.scopes,
            topics=view.topics,
            ids=view.ids,
            already=already,
            matches=matches,
        )
        if not content.edition.items:
            return []
        key = (*content.key, lang, chat.format)
        parts = self._renders.get(key)
        if parts is None:
            parts = render_edition(
                content.edition, lang=lang, compact=chat.format == "compact", marks=content.marks
            )
            self._renders[key] = parts
            if len(self._renders) > RENDER_CACHE:
                self._renders.popitem(last=False)
        return parts

    def _roundup_parts(self, row: Delivery) -> list[str]:
        services, chat = self.services, row.chat
        version = services.alerts.version if services.alerts else 0
        start = week_start(row.edition_date)
        if start is None:
            return []
        hashes = tuple(
            h for day, h, _ in services.store.recent_editions(start) if day < start + WEEK
        )
        key = (row.edition_date, row.scopes, chat.language, version, hashes)
        built = self._roundups.get(key)
        if built is None:
            built = roundup_content(
                services.store,
                services.config,
                key=row.edition_date,
                scopes=row.scopes,
                lang=chat.language,
                alerts=services.alerts,
            )
            self._roundups[key] = built
            if len(self._roundups) > RENDER_CACHE:
                self._roundups.popitem(last=False)
        if built is None or not built[0].items:
            return []
        roundup, matches = built
        content = chat_content(
            roundup,
            scopes=frozenset({ALL}),
            topics={},
            ids={},
            already=set(),
            matches=matches.get(chat.id, []),
        )
        render_key = (ROUNDUP, *content.key, chat.language, chat.format)
        parts = self._renders.get(render_key)
        if parts is None:
            parts = render_edition(
                content.edition,
                lang=chat.language,
                compact=chat.format == "compact",
                marks=content.marks,
                heading=roundup_heading(start, chat.language),
            )
            self._renders[render_key] = parts
            if len(self._renders) > RENDER_CACHE:
                self._renders.popitem(last=False)
        return parts

    def _alert_parts(
        self, view: _EditionView, row: Delivery, matches: list[AlertMatch]
    ) -> list[str]:
        items = alert_items(view.edition, view.ids, row.items)
        lang = row.chat.language
        by_position = {view.edition.items[m.item].position: m for m in matches}
        blocks = []
        terms: list[str] = []
        for item in items:
            match = by_position.get(item.position)
            if match is None:
                continue
            terms += [term for term in match.terms if term not in terms]
            body = f"{item.title}\n{item.text}" if item.title else item.text
            spans = match.spans if item.title else [(s - 1, e - 1) for s, e in match.spans]
            blocks.append(
                hit_html(
                    date=view.edition.date,
                    position=item.position,
                    body=body,
                    spans=spans,
                    links=item.links,
                    lang=lang,
                )
            )
        if not blocks:
            return []
        header = t("alert_message", lang, terms=escape(" ".join(terms)))
        return [header + "\n\n" + "\n\n".join(blocks)]


def _forbidden_reason(message: str) -> str:
    text = message.lower()
    for key, reason in (
        ("blocked", "blocked"),
        ("deactivated", "deactivated"),
        ("kicked", "kicked"),
        ("not a member", "left"),
    ):
        if key in text:
            return reason
    return "forbidden"


def _never_sent(exc: TimedOut) -> bool:
    """A timeout while connecting: the request never reached Telegram, safe to retry."""
    return isinstance(exc, NotSent)
