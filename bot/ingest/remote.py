"""Poll remote digests (``[[sources]]`` URLs) and keep the store in step with them.

Every tick each source gets one conditional GET (ETag / Last-Modified of the last body that
loaded), bounded in time and size, retried with backoff on network errors and 5xx. A body
whose bytes changed is parsed and stored as the edition it names, with the URL as its source.
A source that fails (HTTP error, network error, timeout, HTML or another content type, a body
too large, a digest that does not parse) is *failing* with its reason until it succeeds again;
it never removes an edition, and it is logged once per state change.

``{date}`` in a URL is today's date (``now.date()``, YYYY-MM-DD): pass ``now`` in the
publisher's time zone. Only today's file is polled; once the date turns, yesterday's file is no
longer fetched (its edition stays). Until today's file is published the server answers 404:
that is *waiting*, not failing, for up to MISSING_GRACE after the source's last edition (or
after it was first polled); a longer silence is an error.
"""

from __future__ import annotations

import asyncio
import codecs
import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import aiohttp

from bot.config import DEFAULT_LIMITS, DigestLimits, Source
from bot.digest import DigestError, Reading
from bot.digest.models import Edition, EditionKey
from bot.digest.series import origin
from bot.store.database import Change, Store
from bot.store.gateway import Db
from bot.store.series import TooManySeries
from bot.store.sources import SourceState

from .folder import file_hash
from .limits import read_digest

log = logging.getLogger(__name__)

DATE_FIELD = "{date}"
CONCURRENCY = 4  # sources polled at once
MISSING_GRACE = dt.timedelta(days=3)  # a {date} source may 404 this long after its last edition
CHUNK = 64 * 1024
OK_TYPES = frozenset(
    {"text/markdown", "text/x-markdown", "text/plain", "application/octet-stream"}
)
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
HTML = "HTML instead of markdown"
ACCEPT = "text/markdown, text/x-markdown;q=0.9, text/plain;q=0.8, */*;q=0.1"
_BOM = b"\xef\xbb\xbf"


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


class _Failure(Exception):
    """One source's poll failed: why, the HTTP status if any, and whether to try again."""

    def __init__(
        self,
        reason: str,
        *,
        status: int | None = None,
        retry: bool = False,
        line: int | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry = retry
        self.line = line


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int  # 200, 304, or 404 / 410 when a missing file is expected
    body: bytes
    etag: str | None
    last_modified: str | None


@dataclass(frozen=True, slots=True)
class _Outcome:
    url: str
    change: Change | None = None
    date: EditionKey | None = None
    waiting: bool = False
    error: SourceError | None = None


NO_ITEMS = "no items found: not a digest, or not written yet"


@dataclass(frozen=True, slots=True)
class _Poll:
    """The settings of one run, and what it needs to know of every source."""

    db: Db
    session: aiohttp.ClientSession
    now: dt.datetime
    timeout: float
    max_bytes: int
    retries: int
    backoff: float
    default_series: str
    targets: frozenset[str]  # the addresses polled this run (live edition sources)
    limits: DigestLimits


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
    timeout: float = 10.0,  # noqa: ASYNC109 - bounds each request, not the whole poll
    max_bytes: int = 2 * 1024 * 1024,
    retries: int = 2,
    backoff: float = 0.5,
    concurrency: int = CONCURRENCY,
) -> RemoteReport:
    """Poll every source once (``concurrency`` at a time); never raises for a bad source.

    ``timeout`` bounds each request (answer and body); ``retries`` more attempts follow a
    network error or a 5xx, after ``backoff`` × 2ⁿ seconds. State of sources no longer
    configured is forgotten.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    urls = list(dict.fromkeys(s.url for s in sources))
    states = await db.write(lambda store: _known(store, set(urls)))
    poll = _Poll(
        db=db,
        session=session,
        now=now,
        timeout=timeout,
        max_bytes=max_bytes,
        retries=retries,
        backoff=backoff,
        default_series=default_series,
        targets=frozenset(expand(u, now.date()) for u in urls),
        limits=limits,
    )
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(url: str) -> _Outcome:
        async with gate:
            return await _poll_source(poll, url, states.get(url))

    outcomes = await asyncio.gather(*(one(u) for u in urls))
    report = RemoteReport()
    unchanged = 0
    for outcome in outcomes:
        if outcome.error is not None:
            report.errors.append(outcome.error)
            report.failing.append(outcome.url)
        elif outcome.waiting:
            report.waiting.append(outcome.url)
        elif outcome.change is Change.NEW and outcome.date:
            report.new.append(outcome.date)
        elif outcome.change is Change.CHANGED and outcome.date:
            report.changed.append(outcome.date)
        elif outcome.change is Change.SCHEDULED and outcome.date:
            report.scheduled.append(outcome.date)
        else:
            unchanged += 1
    return replace(report, unchanged=unchanged)


def _known(store: Store, urls: set[str]) -> dict[str, SourceState]:
    """The state of each configured source (those no longer configured are forgotten)."""
    store.sources.forget_sources(urls)
    return store.sources.source_states()


async def _poll_source(poll: _Poll, url: str, old: SourceState | None) -> _Outcome:
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
    headers = {"Accept": ACCEPT}
    if current and state.etag:
        headers["If-None-Match"] = state.etag
    if current and state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    try:
        answer = await _fetch(poll, target, headers, missing_ok=DATE_FIELD in url)
        if answer.status in (404, 410):
            last = state.edition.date if state.edition else (state.created_at or now).date()
            if now.date() - last > MISSING_GRACE:
                reason = f"HTTP {answer.status}: nothing published since {last}"
                raise _Failure(reason, status=answer.status)
            await _settle(poll, old, replace(checked, last_status=answer.status))
            return _Outcome(url, waiting=True)
        if answer.status == 304:
            if not current:
                raise _Failure("HTTP 304 to a request that was not conditional", status=304)
            etag = answer.etag or state.etag
            modified = answer.last_modified or state.last_modified
            unchanged = replace(checked, last_status=304, etag=etag, last_modified=modified)
            await _settle(poll, old, unchanged)
            return _Outcome(url, Change.UNCHANGED, state.edition)
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
            return _Outcome(url, Change.UNCHANGED, state.edition)
        reading = await _parse(poll, answer.body, target)
        if reading.draft:  # not published yet: wait for it, keep what there was
            await _settle(poll, old, replace(checked, last_status=answer.status))
            return _Outcome(url, waiting=True)
        if not reading.items:  # a page that is no digest, or one still empty: keep what was
            raise _Failure(NO_ITEMS, status=200)
        # a digest that names no date is the edition of the day it was first fetched
        kept = state.edition if state.fetched_url == target else None
        edition = reading.edition(kept.date if kept else now.date(), base=target)
        where = origin(dict(reading.meta), target)
        stored = await db.write(lambda store: _publish(store, poll, edition, where, target))
        if isinstance(stored, _Failure):
            raise stored
        change, edition = stored
        if change is not Change.UNCHANGED:
            log.info("edition %s %s from %s", edition.key.ref, change.value, target)
        await _settle(poll, old, replace(loaded, edition=edition.key))
        return _Outcome(url, change, edition.key)
    except _Failure as exc:
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
    store: Store, poll: _Poll, edition: Edition, where: str, target: str
) -> tuple[Change, Edition] | _Failure:
    """File the edition under its series and publish it (one transaction); the failure when
    it cannot be."""
    with store.transaction():
        try:
            number = store.series.series_for(where, name=edition.series, now=poll.now)
        except TooManySeries as exc:
            return _Failure(str(exc), status=200)
        edition = replace(edition, series_id=number, source=target)
        owner = store.editions.edition_source(edition.key)
        if owner not in (None, target) and (
            owner in poll.targets or store.sources.is_digest_file(owner)
        ):
            return _Failure(f"date {edition.date} is already the edition of {owner}", status=200)
        change = store.editions.publish(edition, today=poll.now.date())
        store.series.settle_names([number])
        return change, edition


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
        raise _Failure(exc.reason, status=200, line=exc.line) from None


async def _fetch(poll: _Poll, url: str, headers: dict[str, str], *, missing_ok: bool) -> _Answer:
    """One answer for ``url``, retried with backoff while the failure is transient."""
    attempt = 0
    while True:
        try:
            return await _request(poll, url, headers, missing_ok=missing_ok)
        except _Failure as exc:
            if not exc.retry or attempt >= poll.retries:
                raise
            delay = poll.backoff * 2**attempt
            attempt += 1
            log.debug("%s: %s; attempt %d in %.2f s", url, exc.reason, attempt + 1, delay)
            await asyncio.sleep(delay)


async def _request(poll: _Poll, url: str, headers: dict[str, str], *, missing_ok: bool) -> _Answer:
    limit = aiohttp.ClientTimeout(total=poll.timeout)
    try:
        async with poll.session.get(url, headers=headers, timeout=limit) as resp:
            status = resp.status
            etag, modified = resp.headers.get("ETag"), resp.headers.get("Last-Modified")
            if status == 304 or (missing_ok and status in (404, 410)):
                return _Answer(status, b"", etag, modified)
            if status != 200:
                reason = f"HTTP {status} {resp.reason or ''}".rstrip()
                raise _Failure(reason, status=status, retry=status >= 500)
            if resp.content_type in HTML_TYPES:
                raise _Failure(HTML, status=status)
            if resp.content_type not in OK_TYPES:
                raise _Failure(f"unexpected content type {resp.content_type}", status=status)
            if resp.content_length is not None and resp.content_length > poll.max_bytes:
                raise _Failure(_too_large(poll.max_bytes), status=status)
            body = await _read(resp, poll.max_bytes)
            body = _as_utf8(body, resp.charset)
            if body[:512].removeprefix(_BOM).lstrip().lower().startswith((b"<!doctype", b"<html")):
                raise _Failure(HTML, status=status)
            return _Answer(status, body, etag, modified)
    except TimeoutError:  # before ClientConnectionError: aiohttp's timeouts are both
        raise _Failure(f"timed out after {poll.timeout:g} s") from None
    except (aiohttp.InvalidURL, UnicodeError):  # UnicodeError: idna refuses the host
        raise _Failure("invalid URL") from None
    except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError) as exc:
        raise _Failure(f"network error: {exc or type(exc).__name__}", retry=True) from None
    except aiohttp.ClientError as exc:
        raise _Failure(f"request failed: {exc or type(exc).__name__}") from None


async def _read(resp: aiohttp.ClientResponse, limit: int) -> bytes:
    """The body, read in chunks; stops as soon as it passes ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.content.iter_chunked(CHUNK):
        size += len(chunk)
        if size > limit:
            raise _Failure(_too_large(limit), status=resp.status)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> str:
    return f"too large (over {limit} bytes)"


def _as_utf8(body: bytes, charset: str | None) -> bytes:
    """The body as UTF-8 when the server declares another charset (GB18030, say)."""
    if not charset:
        return body
    try:
        name = codecs.lookup(charset).name
    except LookupError:
        raise _Failure(f"unknown charset {charset}", status=200) from None
    if name in ("utf-8", "ascii"):
        return body
    try:
        return body.decode(name).encode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Failure(f"not {charset} text (offset {exc.start})", status=200) from None
