"""The web feeds on the ``[http]`` server: ``/feeds``, ``/feeds/<series>.atom|.json``,
``/feeds/topic/<key>.atom|.json`` and ``/feeds/alert/<token>.atom|.json`` (what a feed holds:
``bot.render.feeds``).

Every series readers can see and every configured topic has a feed, listed on ``/feeds``;
nothing to configure. An alert's feed is named by its unguessable token alone (``/alerts``
shows it to the chat) and is on no listing. The
store is read in its reader threads and the feed rendered in a worker thread: the event loop
never waits on either. Answers carry a strong ``ETag`` (a digest of the body) and, for a feed
with entries, ``Last-Modified`` (when its newest edition was stored); a request whose
``If-None-Match`` names the ETag (or, without ``If-None-Match``, whose ``If-Modified-Since``
is not older than ``Last-Modified``) is answered 304 without a body. A series or topic that
does not exist, or a name without ``.atom`` / ``.json``, is a 404 with one line saying so;
a database that does not answer, a 503 with one line. The absolute URLs in a feed use the
scheme and host the request was made to (``X-Forwarded-Proto`` / ``X-Forwarded-Host`` when
a reverse proxy sets them).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import hashlib
import logging
import re
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

from aiohttp import web

from bot.config import Config
from bot.render.feeds import (
    EDITIONS,
    Feed,
    FeedEdition,
    FeedFormat,
    FeedKind,
    Listed,
    atom,
    json_feed,
    listing,
)
from bot.store.database import Store
from bot.store.faults import DatabaseError
from bot.store.gateway import Db

log = logging.getLogger(__name__)

T = TypeVar("T")

READ_DEADLINE = 10.0  # s a feed waits for the database before answering 503
_HOST = re.compile(r"[A-Za-z0-9.\-]+(:\d{1,5})?|\[[0-9A-Fa-f:.]+\](:\d{1,5})?")
_RENDER: dict[FeedFormat, Callable[[Feed], bytes]] = {
    FeedFormat.ATOM: atom,
    FeedFormat.JSON: json_feed,
}


class FeedRoutes:
    """The feed routes of one bot: its database and configuration (topics, time zone)."""

    def __init__(self, db: Db, config: Config) -> None:
        self.db = db
        self.config = config

    def add_to(self, app: web.Application) -> None:
        app.router.add_get("/feeds", self.listing)
        app.router.add_get("/feeds/topic/{name}", self.topic)
        app.router.add_get("/feeds/alert/{name}", self.alert)
        app.router.add_get("/feeds/{name}", self.series)

    async def listing(self, request: web.Request) -> web.Response:
        found = await self._read(lambda store: store.feeds.all_series())
        if isinstance(found, web.Response):
            return found
        feeds = [Listed(FeedKind.SERIES, s.key, s.label()) for s in found]
        feeds += [Listed(FeedKind.TOPIC, t.key, _topic_title(t.name_zh, t.name_en))
                  for t in self.config.topics]  # fmt: skip
        body = await asyncio.to_thread(listing, feeds, base=public_base(request))
        return answer(request, body, "text/html; charset=utf-8", None)

    async def series(self, request: web.Request) -> web.Response:
        key, fmt = _name(request)
        if fmt is None:
            return _not_found(f"no feed {key!r}: a feed's name ends in .atom or .json")

        def read(store: Store) -> tuple[str, list[FeedEdition]] | None:
            series = next((s for s in store.feeds.all_series() if s.key == key), None)
            if series is None:
                return None
            return series.label(), store.feeds.series_editions(series.id, limit=EDITIONS)

        found = await self._read(read)
        if isinstance(found, web.Response):
            return found
        if found is None:
            return _not_found(f"no series {key!r}: /feeds lists every feed")
        return await self._feed(request, FeedKind.SERIES, key, fmt, *found)

    async def topic(self, request: web.Request) -> web.Response:
        key, fmt = _name(request)
        if fmt is None:
            return _not_found(f"no feed {key!r}: a feed's name ends in .atom or .json")
        topic = next((t for t in self.config.topics if t.key == key), None)
        if topic is None:
            return _not_found(f"no topic {key!r}: /feeds lists every feed")
        found = await self._read(lambda store: store.feeds.topic_editions(key, limit=EDITIONS))
        if isinstance(found, web.Response):
            return found
        title = _topic_title(topic.name_zh, topic.name_en)
        return await self._feed(request, FeedKind.TOPIC, key, fmt, title, found)

    async def alert(self, request: web.Request) -> web.Response:
        token, fmt = _name(request)
        if fmt is None:
            return _not_found("no such feed: a feed's name ends in .atom or .json")

        def read(store: Store) -> tuple[str, list[FeedEdition]] | None:
            alert = store.alert_feeds.alert_of_feed(token)
            if alert is None:
                return None
            return f"🔔 {alert.label()}", store.feeds.alert_editions(alert, limit=EDITIONS)

        found = await self._read(read)
        if isinstance(found, web.Response):
            return found
        if found is None:  # the token is not echoed: it is the feed's only key
            return _not_found("no such alert feed: /alerts in the bot shows each alert's feed")
        return await self._feed(request, FeedKind.ALERT, token, fmt, *found)

    async def _feed(
        self, request: web.Request, kind: FeedKind, key: str, fmt: FeedFormat, title: str,
        editions: list[FeedEdition],
    ) -> web.Response:  # fmt: skip
        feed = Feed(kind, key, title, public_base(request), tuple(editions), zone=self.config.zone)
        body = await asyncio.to_thread(_RENDER[fmt], feed)
        return answer(request, body, fmt.media_type, feed.updated if editions else None)

    async def _read(self, fn: Callable[[Store], T]) -> T | web.Response:
        try:
            async with asyncio.timeout(READ_DEADLINE):
                return await self.db.read(fn)
        except (TimeoutError, *DatabaseError):
            log.warning("feeds: the database did not answer", exc_info=True)
            return web.Response(
                status=503, text="the database does not answer: try again in a minute\n"
            )


def answer(
    request: web.Request, body: bytes, content_type: str, modified: dt.datetime | None
) -> web.Response:
    """``body`` with its validators, or 304 when the request's validators match them."""
    etag = f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if modified is not None:
        modified = modified.astimezone(dt.UTC).replace(microsecond=0)
        headers["Last-Modified"] = email.utils.format_datetime(modified, usegmt=True)
    if _fresh(request, etag, modified):
        return web.Response(status=304, headers=headers)
    return web.Response(body=body, headers={**headers, "Content-Type": content_type})


def _fresh(request: web.Request, etag: str, modified: dt.datetime | None) -> bool:
    """Whether the client's copy is this one (RFC 9110 13.1: If-None-Match wins)."""
    wanted = request.headers.get("If-None-Match")
    if wanted is not None:
        tags = [t.strip().removeprefix("W/") for t in wanted.split(",")]
        return "*" in tags or etag in tags
    since = request.headers.get("If-Modified-Since")
    if since is None or modified is None:
        return False
    try:
        when = email.utils.parsedate_to_datetime(since)
    except (TypeError, ValueError, IndexError):
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return modified <= when


def _name(request: web.Request) -> tuple[str, FeedFormat | None]:
    """(key, format) of ``daily.atom``; no format for any other ending."""
    name = request.match_info["name"]
    key, dot, ending = name.rpartition(".")
    formats = {f.value: f for f in FeedFormat}
    if not dot or ending not in formats:
        return name, None
    return key, formats[ending]


def public_base(request: web.Request) -> str:
    """Scheme and host the request was made to (as a reverse proxy says it, if one does)."""
    scheme = request.headers.get("X-Forwarded-Proto", request.scheme).split(",")[0].strip()
    host = request.headers.get("X-Forwarded-Host", request.host).split(",")[0].strip()
    if scheme not in ("http", "https"):
        scheme = request.scheme
    if not _HOST.fullmatch(host):
        host = request.host if _HOST.fullmatch(request.host) else "localhost"
    return f"{scheme}://{host}"


def feed_base(config: Config, local: str) -> str:
    """Where readers reach the feeds, for the links the bot shows (an alert's feed under
    /alerts): ``[webhook] url``'s scheme and host when it has one (proxy ``/feeds`` there),
    else ``local``, the ``[http]`` server's own address."""
    parts = urlsplit(config.webhook.url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else local


def _topic_title(name_zh: str, name_en: str) -> str:
    return name_zh if name_zh == name_en else f"{name_zh} · {name_en}"


def _not_found(line: str) -> web.Response:
    return web.Response(status=404, text=line + "\n")
