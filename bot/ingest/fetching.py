"""Fetching one remote digest or feed over HTTP: bounded in time and size, retried with
backoff on network errors and 5xx, refused when it is HTML or another content type than the
source's kind is served as (``Wanted``; part of ingest, used by remote.py)."""

from __future__ import annotations

import asyncio
import codecs
import logging
from dataclasses import dataclass

import aiohttp

log = logging.getLogger(__name__)

CHUNK = 64 * 1024
OK_TYPES = frozenset(
    {"text/markdown", "text/x-markdown", "text/plain", "application/octet-stream"}
)
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
HTML = "HTML instead of markdown"
ACCEPT = "text/markdown, text/x-markdown;q=0.9, text/plain;q=0.8, */*;q=0.1"
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class Wanted:
    """What a kind of source is served as: the Accept header, the content types taken, and
    what a web page in their place is told."""

    accept: str
    types: frozenset[str]
    html: str


MARKDOWN = Wanted(ACCEPT, OK_TYPES, HTML)
FEED_HTML = (
    "HTML instead of a feed: use the feed's own address (the page's RSS or Atom link, "
    "often /feed, /rss or /feed.xml)"
)
FEED = Wanted(
    "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9,"
    " text/xml;q=0.9, application/json;q=0.8, */*;q=0.1",
    OK_TYPES
    | {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/feed+json",
        "application/xml",
        "text/xml",
        "application/json",
    },
    FEED_HTML,
)


class Failure(Exception):
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
class Answer:
    status: int  # 200, 304, or 404 / 410 when a missing file is expected
    body: bytes
    etag: str | None
    last_modified: str | None


@dataclass(frozen=True, slots=True)
class Http:
    """How to fetch: the session, each request's time limit, the largest body, and how many
    more attempts follow a transient failure, after ``backoff`` × 2ⁿ seconds."""

    session: aiohttp.ClientSession
    timeout: float
    max_bytes: int
    retries: int
    backoff: float


async def fetch(
    http: Http,
    url: str,
    headers: dict[str, str],
    *,
    missing_ok: bool,
    wanted: Wanted = MARKDOWN,
) -> Answer:
    """One answer for ``url``, retried with backoff while the failure is transient."""
    attempt = 0
    headers = {"Accept": wanted.accept, **headers}
    while True:
        try:
            return await _request(http, url, headers, missing_ok=missing_ok, wanted=wanted)
        except Failure as exc:
            if not exc.retry or attempt >= http.retries:
                raise
            delay = http.backoff * 2**attempt
            attempt += 1
            log.debug("%s: %s; attempt %d in %.2f s", url, exc.reason, attempt + 1, delay)
            await asyncio.sleep(delay)


async def _request(
    http: Http, url: str, headers: dict[str, str], *, missing_ok: bool, wanted: Wanted
) -> Answer:
    limit = aiohttp.ClientTimeout(total=http.timeout)
    try:
        async with http.session.get(url, headers=headers, timeout=limit) as resp:
            status = resp.status
            etag, modified = resp.headers.get("ETag"), resp.headers.get("Last-Modified")
            if status == 304 or (missing_ok and status in (404, 410)):
                return Answer(status, b"", etag, modified)
            if status != 200:
                reason = f"HTTP {status} {resp.reason or ''}".rstrip()
                raise Failure(reason, status=status, retry=status >= 500)
            if resp.content_type in HTML_TYPES:
                raise Failure(wanted.html, status=status)
            if resp.content_type not in wanted.types:
                raise Failure(f"unexpected content type {resp.content_type}", status=status)
            if resp.content_length is not None and resp.content_length > http.max_bytes:
                raise Failure(_too_large(http.max_bytes), status=status)
            body = await _read(resp, http.max_bytes)
            body = _as_utf8(body, resp.charset)
            if body[:512].removeprefix(_BOM).lstrip().lower().startswith((b"<!doctype", b"<html")):
                raise Failure(wanted.html, status=status)
            return Answer(status, body, etag, modified)
    except TimeoutError:  # before ClientConnectionError: aiohttp's timeouts are both
        raise Failure(f"timed out after {http.timeout:g} s") from None
    except (aiohttp.InvalidURL, UnicodeError):  # UnicodeError: idna refuses the host
        raise Failure("invalid URL") from None
    except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError) as exc:
        raise Failure(f"network error: {exc or type(exc).__name__}", retry=True) from None
    except aiohttp.ClientError as exc:
        raise Failure(f"request failed: {exc or type(exc).__name__}") from None


async def _read(resp: aiohttp.ClientResponse, limit: int) -> bytes:
    """The body, read in chunks; stops as soon as it passes ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.content.iter_chunked(CHUNK):
        size += len(chunk)
        if size > limit:
            raise Failure(_too_large(limit), status=resp.status)
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
        raise Failure(f"unknown charset {charset}", status=200) from None
    if name in ("utf-8", "ascii"):
        return body
    try:
        return body.decode(name).encode("utf-8")
    except UnicodeDecodeError as exc:
        raise Failure(f"not {charset} text (offset {exc.start})", status=200) from None
