"""Poll remote digests (``[[sources]]`` URLs) and keep the store in step with them.

Every tick each source gets one conditional GET (ETag / Last-Modified of the last body that
loaded), bounded in time and size, retried with backoff on network errors and 5xx. A body
whose bytes changed is parsed and stored as the edition it names, with the URL as its source.
A source that fails (HTTP error, network error, timeout, HTML or another content type, a body
too large, a digest that does not parse) is *failing* with its reason until it succeeds again;
it never removes an edition, and it is logged once per state change.

A ``feed`` source (``SourceKind.FEED``) is polled the same way; its body is a newsletter's feed
whose entries are editions of its series (feeds.py), each stored as a markdown source's
edition is: an entry that changed is a changed edition. Its state names its newest edition.

``{date}`` in a URL is today's date (``now.date()``, YYYY-MM-DD): pass ``now`` in the
publisher's time zone. Only today's file is polled; once the date turns, yesterday's file is no
longer fetched (its edition stays). Until today's file is published the server answers 404:
that is *waiting*, not failing, for up to MISSING_GRACE after the source's last edition (or
after it was first polled); a longer silence is an error.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import partial

import aiohttp

from bot.config import DEFAULT_LIMITS, DigestLimits, Source, SourceKind
from bot.digest import DigestError, Reading
from bot.digest.models import Edition, EditionKey
from bot.digest.series import origin
from bot.store.database import Change, Store
from bot.store.gateway import Db
from bot.store.series import TooManySeries
from bot.store.sources import SourceState

from .feeds import fewer_entries, read_feed
from .fetching import FEED, MARKDOWN, Failure, Http, fetch
from .folder import file_hash
from .limits import read_digest
from .publish import Outcome, PublishPolicy, Reason, publish
from .publish import Source as PublishSource

log = logging.getLogger(__name__)

DATE_FIELD = "{date}"
CONCURRENCY = 4  # sources polled at once
MISSING_GRACE = dt.timedelta(days=3)  # a {date} source may 404 this long after its last edition


@dataclass(frozen=True, slots=True)
class SourceError:
    url: str  # the source as configured
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.url} (line {self.line})" if self.line else self.url
        return f"{where}: {self.reason}"


@dataclass(frozen=True, slots=True)
class RemoteReport:
    """One poll of every source. ``failing``: configured URLs failing now (health degrades)."""

    new: list[EditionKey] = field(default_factory=list)
    changed: list[EditionKey] = field(default_factory=list)
    unchanged: int = 0
    errors: list[SourceError] = field(default_factory=list)
    failing: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)  # {date} sources: today's file not out yet
    scheduled: list[EditionKey] = field(default_factory=list)  # dated after today: held back

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def touched(self) -> bool:
        return bool(self.new or self.changed)


@dataclass(frozen=True, slots=True)
class _Outcome:
    url: str
    changes: tuple[tuple[Change, EditionKey], ...] = ()  # one per edition stored (or not)
    waiting: bool = False
    error: SourceError | None = None


NO_ITEMS = "no items found: not a digest, or not written yet"


@dataclass(frozen=True, slots=True)
class _Poll:
    """The settings of one run, and what it needs to know of every source."""

    db: Db
    http: Http
    now: dt.datetime
    default_series: str
    targets: frozenset[str]  # the addresses polled this run (live edition sources)
    limits: DigestLimits
    policy: PublishPolicy


def expand(url: str, day: dt.date) -> str:
    """The address to fetch for ``url`` on ``day`` (``{date}`` → YYYY-MM-DD)."""
    return url.replace(DATE_FIELD, day.isoformat())


async def fetch_sources(
    db: Db,
    sources: Sequence[Source],
    *,
    session: aiohttp.ClientSession,
    now: dt.datetime,
    default_series: str = "",
    limits: DigestLimits = DEFAULT_LIMITS,
    undated: str = "first-seen",
    timeout: float = 10.0,  # noqa: ASYNC109 - bounds each request, not the whole poll
    max_bytes: int = 2 * 1024 * 1024,
    retries: int = 2,
    backoff: float = 0.5,
    concurrency: int = CONCURRENCY,
) -> RemoteReport:
    """Poll every source once (``concurrency`` at a time); never raises for a bad source.

    ``timeout`` bounds each request (answer and body); ``retries`` more attempts follow a
    network error or a 5xx, after ``backoff`` × 2ⁿ seconds. State of sources no longer
    configured is forgotten. ``undated``: ``digests.undated`` (publish.py decides).
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    kinds = {s.url: s.kind for s in reversed(sources)}  # a URL given twice: its first kind
    urls = list(dict.fromkeys(s.url for s in sources))
    states = await db.write(lambda store: _known(store, set(urls)))
    poll = _Poll(
        db=db,
        http=Http(session, timeout, max_bytes, retries, backoff),
        now=now,
        default_series=default_series,
        targets=frozenset(expand(u, now.date()) for u in urls),
        limits=limits,
        policy=PublishPolicy(undated),
    )
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(url: str) -> _Outcome:
        async with gate:
            return await _poll_source(poll, url, states.get(url), kinds[url])

    outcomes = await asyncio.gather(*(one(u) for u in urls))
    report = RemoteReport()
    unchanged = 0
    lists = {Change.NEW: report.new, Change.CHANGED: report.changed,
             Change.SCHEDULED: report.scheduled}  # fmt: skip
    for outcome in outcomes:
        if outcome.error is not None:
            report.errors.append(outcome.error)
            report.failing.append(outcome.url)
        elif outcome.waiting:
            report.waiting.append(outcome.url)
        for change, key in outcome.changes:
            if change in lists:
                lists[change].append(key)
        if not outcome.error and not outcome.waiting:
            unchanged += not any(change in lists for change, _ in outcome.changes)
    return replace(report, unchanged=unchanged)


def _known(store: Store, urls: set[str]) -> dict[str, SourceState]:
    """The state of each configured source (those no longer configured are forgotten)."""
    store.sources.forget_sources(urls)
    return store.sources.source_states()


async def _poll_source(
    poll: _Poll, url: str, old: SourceState | None, kind: SourceKind
) -> _Outcome:
    """Fetch one source, store what changed, record its state; errors become the outcome."""
    now, db = poll.now, poll.db
    target = expand(url, now.date())
    state = old or SourceState(url, created_at=now)
    checked = replace(state, checked_at=now, error=None, error_line=None)
    edition_key = state.edition
    current = (
        state.fetched_url == target
        and state.content_hash is not None
        and edition_key is not None
        and await db.read(lambda store: store.editions.edition_source(edition_key)) == target
    )  # the stored edition is this body's: a 304 (or the same bytes) means nothing to do
    headers = {}
    if current and state.etag:
        headers["If-None-Match"] = state.etag
    if current and state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    try:
        wanted = FEED if kind is SourceKind.FEED else MARKDOWN
        answer = await fetch(poll.http, target, headers, missing_ok=DATE_FIELD in url,
                             wanted=wanted)  # fmt: skip
        if answer.status in (404, 410):
            last = state.edition.date if state.edition else (state.created_at or now).date()
            if now.date() - last > MISSING_GRACE:
                reason = f"HTTP {answer.status}: nothing published since {last}"
                raise Failure(reason, status=answer.status)
            await _settle(poll, old, replace(checked, last_status=answer.status))
            return _Outcome(url, waiting=True)
        if answer.status == 304:
            if not current:
                raise Failure("HTTP 304 to a request that was not conditional", status=304)
            etag = answer.etag or state.etag
            modified = answer.last_modified or state.last_modified
            unchanged = replace(checked, last_status=304, etag=etag, last_modified=modified)
            await _settle(poll, old, unchanged)
            return _Outcome(url, _same(state.edition))
        digest = file_hash(answer.body)
        loaded = replace(
            checked,
            fetched_url=target,
            etag=answer.etag,
            last_modified=answer.last_modified,
            content_hash=digest,
            last_status=answer.status,
        )
        if current and digest == state.content_hash:
            await _settle(poll, old, loaded)
            return _Outcome(url, _same(state.edition))
        if kind is SourceKind.FEED:
            changes = await _store_feed(poll, answer.body, target)
            newest = max((k for c, k in changes if c is not Change.SCHEDULED), default=None)
            await _settle(poll, old, replace(loaded, edition=newest or state.edition))
            return _Outcome(url, tuple(changes))
        reading = await _parse(poll, answer.body, target)
        if not reading.items and not reading.draft:  # no digest, or one still empty: keep
            raise Failure(NO_ITEMS, status=200)
        # a digest that names no date is the edition of the day it was first fetched
        kept = state.edition if state.fetched_url == target else None
        edition = reading.edition(kept.date if kept else now.date(), base=target)
        where = origin(dict(reading.meta), target)
        write = partial(_publish, poll=poll, reading=reading, edition=edition, where=where,
                        kept=kept, target=target)  # fmt: skip
        stored = await db.write(write)
        if isinstance(stored, Failure):
            raise stored
        if isinstance(stored, Outcome):
            if stored.reason is not Reason.DRAFT:
                raise Failure(stored.detail, status=200)
            # a draft waits; one that was published is withdrawn (publish.py)
            waits = replace(checked, last_status=answer.status)
            await _settle(poll, old, replace(waits, edition=None) if kept else waits)
            return _Outcome(url, waiting=True)
        change, edition = stored
        if change is not Change.UNCHANGED:
            log.info("edition %s %s from %s", edition.key.ref, change.value, target)
        await _settle(poll, old, replace(loaded, edition=edition.key))
        return _Outcome(url, ((change, edition.key),))
    except Failure as exc:
        failed = replace(
            checked,
            last_status=exc.status,
            error=exc.reason,
            error_line=exc.line,
            failing_since=state.failing_since or now,
        )
        await _settle(poll, old, failed)
        return _Outcome(url, error=SourceError(url, exc.reason, exc.line))


def _publish(
    store: Store,
    *,
    poll: _Poll,
    reading: Reading,
    edition: Edition,
    where: str,
    kept: EditionKey | None,
    target: str,
) -> tuple[Change, Edition] | Outcome | Failure:
    """File the edition under its series and publish it (one transaction) when ``publish``
    says so; else its outcome (a draft's withdraws what this URL published before)."""
    with store.transaction():
        known = store.series.number_of(where)
        owner = None
        if known is not None:
            holder = store.editions.edition_source(replace(edition, series_id=known).key)
            live = holder in poll.targets or store.sources.is_digest_file(holder or "")
            owner = holder if holder not in (None, target) and live else None
        several = owner is not None and bool(store.series.all_series()[1:])
        source = PublishSource(target, owner, day=edition.date, several=several)
        outcome = publish(reading, source, poll.policy)
        if outcome.withdraws and kept and store.editions.edition_source(kept) == target:
            store.editions.delete_edition(kept)
            log.info("edition %s withdrawn: %s is a draft again", kept.ref, target)
        if not outcome.published:
            return outcome
        try:
            number = store.series.series_for(where, name=edition.series, now=poll.now)
        except TooManySeries as exc:
            return Failure(str(exc), status=200)
        edition = replace(edition, series_id=number, source=target)
        change = store.editions.publish(edition, today=poll.now.date())
        store.series.settle_names([number])
        return change, edition


def _same(key: EditionKey | None) -> tuple[tuple[Change, EditionKey], ...]:
    return ((Change.UNCHANGED, key),) if key else ()


async def _store_feed(poll: _Poll, body: bytes, target: str) -> list[tuple[Change, EditionKey]]:
    """Every edition of the feed at ``target``, stored as a markdown source's edition is (an
    entry that changed is a correction); Failure, after storing the others, naming an entry
    that could not be read or published."""
    try:
        feed = await asyncio.to_thread(read_feed, body, source=target, limits=poll.limits)
    except DigestError as exc:
        raise Failure(exc.reason, status=200, line=exc.line) from None
    changes: list[tuple[Change, EditionKey]] = []
    failures = [f"entry {exc}" for exc in feed.errors]
    for reading in feed.readings:
        edition = reading.edition(base=reading.source)
        where = origin(dict(reading.meta), target)
        whole = await poll.db.read(partial(_whole, where=where, edition=edition))
        if whole is not None:  # a day some of whose entries scrolled out of the feed
            changes.append((Change.UNCHANGED, whole))
            continue
        write = partial(_publish, poll=poll, reading=reading, edition=edition, where=where,
                        kept=None, target=target)  # fmt: skip
        stored = await poll.db.write(write)
        if isinstance(stored, tuple):
            change, edition = stored
            if change is not Change.UNCHANGED:
                log.info("edition %s %s from %s", edition.key.ref, change.value, reading.source)
            changes.append((change, edition.key))
        elif isinstance(stored, Failure):
            failures.append(f"entry {reading.source}: {stored.reason}")
        elif not stored.skipped:
            failures.append(f"entry {reading.source}: {stored.detail}")
    if failures:
        more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
        raise Failure(failures[0] + more, status=200)
    return changes


def _whole(store: Store, *, where: str, edition: Edition) -> EditionKey | None:
    """The stored edition of ``edition``'s day when the feed now lists fewer of its entries
    (``fewer_entries``): it is kept as it is."""
    number = store.series.number_of(where)
    if number is None:
        return None
    key = replace(edition, series_id=number).key
    stored = store.editions.get_edition(key)
    return key if stored is not None and fewer_entries(stored.title, edition.title) else None


async def _settle(poll: _Poll, old: SourceState | None, new: SourceState) -> None:
    """Store the source's new state; log when it starts failing, fails anew, or recovers."""
    if new.error is None:
        new = replace(new, error_line=None, failing_since=None, ok_at=poll.now)
        if old is not None and old.error is not None:
            log.info("remote source %s recovered (failing since %s)", new.url, old.failing_since)
    elif old is None or (old.error, old.error_line) != (new.error, new.error_line):
        error = SourceError(new.url, new.error, new.error_line)
        log.warning("remote source failing: %s", error)
    await poll.db.write(lambda store: store.sources.put_source_state(new))


async def _parse(poll: _Poll, body: bytes, target: str) -> Reading:
    try:  # in a thread: a big digest takes a while, and the bot has chats to answer
        return await asyncio.to_thread(
            read_digest,
            body,
            source=target,
            default_series=poll.default_series,
            limits=poll.limits,
        )
    except DigestError as exc:
        raise Failure(exc.reason, status=200, line=exc.line) from None
