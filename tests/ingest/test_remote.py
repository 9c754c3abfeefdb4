"""Remote digest sources, polled against a local aiohttp server (no other network)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import shutil
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from conftest import days
from multidict import CIMultiDictProxy

from bot.config import Source
from bot.digest.models import EditionKey
from bot.ingest.fetching import HTML
from bot.ingest.folder import scan_folder
from bot.ingest.remote import NO_ITEMS, RemoteReport, fetch_sources
from bot.store.database import Store
from bot.store.gateway import Db

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "digests" / "2024-01-08.md"
DAY = dt.date(2024, 1, 8)
NOW = dt.datetime(2024, 1, 8, 9, 0, tzinfo=dt.UTC)
MD = "text/markdown; charset=utf-8"
GMT = "Mon, 08 Jan 2024 06:00:00 GMT"


@dataclass(frozen=True, slots=True)
class Reply:
    body: bytes | str = b""
    status: int = 200
    content_type: str = MD
    etag: str | None = None
    last_modified: str | None = None
    delay: float = 0.0  # seconds before answering (the test releases it at teardown)
    chunked: bool = False  # no Content-Length: the body is streamed

    @property
    def data(self) -> bytes:
        return self.body.encode() if isinstance(self.body, str) else self.body


class Remote:
    """A digest server: what each path answers (in turn, the last repeats) and what it saw."""

    def __init__(self) -> None:
        self.pages: dict[str, list[Reply]] = {}
        self.seen: list[tuple[str, CIMultiDictProxy[str], int]] = []
        self.base = ""
        self.release = asyncio.Event()

    def serve(self, path: str, *replies: Reply) -> str:
        self.pages[path] = list(replies)
        return self.url(path)

    def url(self, path: str) -> str:
        return self.base + path

    def requests(self, path: str) -> list[tuple[CIMultiDictProxy[str], int]]:
        """(request headers, status answered) of every request for ``path``."""
        return [(headers, status) for p, headers, status in self.seen if p == path]

    async def handle(self, request: web.Request) -> web.StreamResponse:
        replies = self.pages.get(request.path)
        if not replies:
            self.seen.append((request.path, request.headers, 404))
            return web.Response(status=404)
        reply = replies.pop(0) if len(replies) > 1 else replies[0]
        if reply.delay:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.release.wait(), reply.delay)
        validators = {"ETag": reply.etag, "Last-Modified": reply.last_modified}
        headers = {k: v for k, v in validators.items() if v}
        if (reply.etag and request.headers.get("If-None-Match") == reply.etag) or (
            reply.last_modified and request.headers.get("If-Modified-Since") == reply.last_modified
        ):
            self.seen.append((request.path, request.headers, 304))
            return web.Response(status=304, headers=headers)
        self.seen.append((request.path, request.headers, reply.status))
        headers["Content-Type"] = reply.content_type
        if not reply.chunked:
            return web.Response(status=reply.status, body=reply.data, headers=headers)
        stream = web.StreamResponse(status=reply.status, headers=headers)
        stream.enable_chunked_encoding()
        await stream.prepare(request)
        try:
            for start in range(0, len(reply.data), 16 * 1024):
                await stream.write(reply.data[start : start + 16 * 1024])
            await stream.write_eof()
        except ConnectionError:
            pass  # the client stopped reading
        return stream


@pytest.fixture
async def remote() -> AsyncIterator[Remote]:
    server = Remote()
    app = web.Application()
    app.router.add_get("/{tail:.*}", server.handle)
    runner = web.AppRunner(app, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    server.base = f"http://{host}:{port}"
    try:
        yield server
    finally:
        server.release.set()  # a slow answer still pending ends now
        await runner.cleanup()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "bot.sqlite3")
    yield s
    s.close()


def digest(day: str, *items: str) -> str:
    body = "\n".join(f"{i}. {t} https://example.org/{day}/{i}" for i, t in enumerate(items, 1))
    return f"---\ntitle: 测试日报 {day}\n---\n\n{body}\n"


FIRST = digest("2024-01-08", "碳市场扩容", "绿证交易", "储能项目")
SECOND = digest("2024-01-08", "碳市场扩容", "绿证交易规则修订", "储能项目")


async def poll(
    store: Store, session: aiohttp.ClientSession, *urls: str, **options: Any
) -> RemoteReport:
    options.setdefault("now", NOW)
    options.setdefault("backoff", 0.0)
    options.setdefault("timeout", 2.0)
    sources = [Source(u) for u in urls]
    db = Db.wrap(store)
    try:
        return await fetch_sources(db, sources, session=session, **options)
    finally:
        await db.close(store=False)


async def test_new_then_unchanged_then_changed(
    store: Store, remote: Remote, session: aiohttp.ClientSession
) -> None:
    """A published digest loads once; republishing it changes nothing; an edit updates it."""
    url = remote.serve("/latest.md", Reply(FIRST))
    report = await poll(store, session, url)
    assert (days(report.new), days(report.changed), report.errors) == ([DAY], [], [])
    assert store.editions.edition_source(EditionKey(0, DAY)) == url
    ids = store.editions.item_ids(EditionKey(0, DAY))
    assert len(ids) == 3

    report = await poll(store, session, url)
    assert (days(report.new), days(report.changed), report.unchanged) == ([], [], 1)

    remote.serve("/latest.md", Reply(SECOND))
    report = await poll(store, session, url)
    assert days(report.changed) == [DAY]
    after = store.editions.item_ids(EditionKey(0, DAY))
    assert (after[0], after[2]) == (ids[0], ids[2])
    edition = store.editions.get_edition(EditionKey(0, DAY))
    assert edition is not None
    assert edition.items[1].text.startswith("绿证交易规则修订")


async def test_several_sources_in_one_poll(
    store: Store, remote: Remote, session: aiohttp.ClientSession
) -> None:
    """Every configured source is polled; each brings its own edition (tomorrow's is held
    back until its day)."""
    one = remote.serve("/a.md", Reply(FIRST))
    two = remote.serve("/b.md", Reply(digest("2024-01-09", "光伏装机")))
    report = await poll(store, session, one, two, one)
    assert days(report.new) == [DAY]
    assert days(report.scheduled) == [dt.date(2024, 1, 9)]
    assert store.editions.get_edition(EditionKey(0, dt.date(2024, 1, 9))) is None
    assert len(remote.requests("/a.md")) == 1


async def test_etag_answers_304(
    store: Store, remote: Remote, session: aiohttp.ClientSession
) -> None:
    """A server with ETags is asked conditionally and its 304 leaves the edition alone."""
    url = remote.serve("/d.md", Reply(FIRST, etag='"v1"'))
    await poll(store, session, url)
    report = await poll(store, session, url)
    assert (days(report.new), days(report.changed), report.unchanged) == ([], [], 1)
    (first, status1), (second, status2) = remote.requests("/d.md")
    assert "If-None-Match" not in first
    assert (second.get("If-None-Match"), status2) == ('"v1"', 304)
    assert status1 == 200


async def test_last_modified_answers_304(
    store: Store, remote: Remote, session: aiohttp.ClientSession
) -> None:
    """A server with Last-Modified is asked If-Modified-Since and its 304 changes nothing."""
    url = remote.serve("/d.md", Reply(FIRST, last_modified=GMT))
    await poll(store, session, url)
    report = await poll(store, session, url)
    assert report.unchanged == 1
    second, status = remote.requests("/d.md")[1]
    assert (second.get("If-Modified-Since"), status) == (GMT, 304)


async def test_deleted_edition_is_fetched_again(
    store: Store, remote: Remote, session: aiohttp.ClientSession
) -> None:
    """An edition that went from the store is fetched in full again, not trusted to a 304."""
    url = remote.serve("/d.md", Reply(FIRST, etag='"v1"'))
    await poll(store, session, url)
    store.editions.delete_edition(EditionKey(0, DAY))
    report = await poll(store, session, url)
    assert days(report.new) == [DAY]
    assert "If-None-Match" not in remote.requests("/d.md")[1][0]


async def test_server_errors_are_retried_then_failing_then_recover(
    store: Store, remote: Remote, session: aiohttp.ClientSession
) -> None:
    """A server answering 500 is retried, then the source is failing until it answers again."""
    broken = Reply(status=500)
    url = remote.serve("/d.md", broken, broken, broken, Reply(FIRST))
    report = await poll(store, session, url, retries=2)
    assert [e.reason for e in report.errors] == ["HTTP 500 Internal Server Error"]
    assert report.failing == [url]
    assert len(remote.requests("/d.md")) == 3
    state = store.sources.source_state(url)
    assert state is not None
    assert (state.failing, state.failing_since, state.last_status) == (True, NOW, 500)

    later = NOW + dt.timedelta(minutes=1)
    report = await poll(store, session, url, now=later)
    assert (days(report.new), report.failing, report.errors) == ([DAY], [], [])
    assert store.sources.failing_sources() == []


async def test_one_server_error_is_retried_in_the_same_poll(
    store: Store, remote: Remote, session: aiohttp.ClientSession
) -> None:
    """A single 503 costs a retry, not a failing source."""
    url = remote.serve("/d.md", Reply(status=503), Reply(FIRST))
    report = await poll(store, session, url)
    assert (days(report.new), report.failing) == ([DAY], [])


async def test_client_errors_are_not_retried(
    store: Store, remote: Remote, session: aiohttp.ClientSession
) -> None:
    """A 404 is an error at once (no retries) and the source is failing."""
    report = await poll(store, session, remote.url("/missing.md"), retries=5)
    assert [e.reason for e in report.errors] == ["HTTP 404 Not Found"]
    assert report.failing == [remote.url("/missing.md")]
    assert len(remote.requests("/missing.md")) == 1


async def test_unreachable_server_is_a_network_error(
    store: Store, session: aiohttp.ClientSession
) -> None:
    """A server that is down makes the source fail with a network error, not the bot."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    report = await poll(store, session, f"http://127.0.0.1:{port}/d.md")
    assert report.errors[0].reason.startswith("network error")


async def test_slow_answer_times_out_and_keeps_the_edition(
    store: Store, remote: Remote, session: aiohttp.ClientSession
) -> None:
    """A server slower than the timeout is an error; the edition it gave before stays."""
    url = remote.serve("/d.md", Reply(FIRST), Reply(SECOND, delay=2.0))
    await poll(store, session, url)
    report = await poll(store, session, url, timeout=0.3)
    assert [e.reason for e in report.errors] == ["timed out after 0.3 s"]
    edition = store.editions.get_edition(EditionKey(0, DAY))
    assert edition is not None
    assert edition.items[1].text.startswith("绿证交易")
    assert not edition.items[1].text.startswith("绿证交易规则修订")


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "streamed"])
async def test_oversized_body_is_refused(
    store: Store, remote: Remote, session: aiohttp.ClientSession, chunked: bool
) -> None:
    """A body past the size cap is an error and nothing is stored."""
    big = FIRST + "\n" + "填充文字。" * 40_000  # ~600 KB
    url = remote.serve("/d.md", Reply(big, chunked=chunked))
    report = await poll(store, session, url, max_bytes=64 * 1024)
    assert [e.reason for e in report.errors] == [f"too large (over {64 * 1024} bytes)"]
    assert store.editions.get_edition(EditionKey(0, DAY)) is None


@pytest.mark.parametrize(
    "reply",
    [
        Reply("<html><body>Not here</body></html>", content_type="text/html; charset=utf-8"),
        Reply("\n  <!DOCTYPE html>\n<html><p>login</p></html>", content_type="text/plain"),
    ],
    ids=["content-type", "body"],
)
async def test_html_instead_of_markdown(
    store: Store, remote: Remote, session: aiohttp.ClientSession, reply: Reply
) -> None:
    """A web page (login wall, error page) where a digest should be is reported as HTML."""
    url = remote.serve("/d.md", reply)
    report = await poll(store, session, url)
    assert [e.reason for e in report.errors] == [HTML]
    assert store.editions.get_edition(EditionKey(0, DAY)) is None


async def test_other_content_types_are_refused(
    store: Store, remote: Remote, session: aiohttp.ClientSession
) -> None:
    """JSON or an image is not taken for a digest."""
    url = remote.serve("/d.md", Reply(b"{}", content_type="application/json"))
    report = await poll(store, session, url)
    assert [e.reason for e in report.errors] == ["unexpected content type application/json"]


async def test_declared_charset_is_honoured(
    store: Store, remote: Remote, session: aiohttp.ClientSession
) -> None:
    """A digest served as GB18030 (and saying so) reads as the same Chinese text."""
    url = remote.serve(
        "/d.md", Reply(FIRST.encode("gb18030"), content_type="text/plain; charset=gb18030")
    )
    report = await poll(store, session, url)
    assert days(report.new) == [DAY]
    edition = store.editions.get_edition(EditionKey(0, DAY))
    assert edition is not None
    assert edition.items[0].text.startswith("碳市场扩容")


async def test_body_that_is_not_a_digest_keeps_the_edition(
    store: Store, remote: Remote, session: aiohttp.ClientSession
) -> None:
    """A body that is no digest is reported as such; the edition before it stays."""
    junk = b"just some words, no date anywhere\n"
    url = remote.serve("/d.md", Reply(FIRST), Reply(junk))
    await poll(store, session, url)
    ids = store.editions.item_ids(EditionKey(0, DAY))
    report = await poll(store, session, url)
    assert [e.reason for e in report.errors] == [NO_ITEMS]
    assert report.failing == [url]
    assert store.editions.item_ids(EditionKey(0, DAY)) == ids
    assert store.editions.edition_source(EditionKey(0, DAY)) == url


async def test_date_in_url_fetches_todays_file(
    store: Store, remote: Remote, session: aiohttp.ClientSession
) -> None:
    """``{date}`` becomes the date of ``now`` (in the zone it is given in)."""
    shanghai = dt.timezone(dt.timedelta(hours=8))
    now = dt.datetime(2024, 1, 9, 7, 30, tzinfo=shanghai)  # still Jan 8 in UTC
    remote.serve("/daily/2024-01-09.md", Reply(digest("2024-01-09", "光伏装机")))
    template = remote.url("/daily/{date}.md")
    report = await poll(store, session, template, now=now)
    assert days(report.new) == [dt.date(2024, 1, 9)]
    assert store.editions.edition_source(EditionKey(0, dt.date(2024, 1, 9))) == remote.url(
        "/daily/2024-01-09.md"
    )
    state = store.sources.source_state(template)
    assert state is not None
    assert state.edition == EditionKey(0, dt.date(2024, 1, 9))


async def test_date_url_not_published_yet_is_waiting(
    store: Store, remote: Remote, session: aiohttp.ClientSession
) -> None:
    """Before today's file is out a ``{date}`` source waits; after days of 404s it fails."""
    remote.serve("/daily/2024-01-08.md", Reply(FIRST))
    template = remote.url("/daily/{date}.md")
    await poll(store, session, template)
    report = await poll(store, session, template, now=NOW + dt.timedelta(days=1))
    assert (report.waiting, report.errors, report.failing) == ([template], [], [])
    report = await poll(store, session, template, now=NOW + dt.timedelta(days=4))
    assert [e.reason for e in report.errors] == ["HTTP 404: nothing published since 2024-01-08"]
    assert store.editions.get_edition(EditionKey(0, DAY)) is not None


async def test_date_already_owned_by_a_local_file(
    store: Store, remote: Remote, session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    """A remote digest does not overwrite the edition a digests-folder file gives that day."""
    folder = tmp_path / "digests"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    scan_folder(store, folder)
    url = remote.serve("/d.md", Reply(FIRST))
    report = await poll(store, session, url)
    assert [e.reason for e in report.errors] == [
        "date 2024-01-08 is already the edition of 2024-01-08.md: give one of them a `series:` "
        "in its front matter, or its own folder"
    ]
    assert store.editions.edition_source(EditionKey(0, DAY)) == "2024-01-08.md"


async def test_failures_are_logged_once_per_state_change(
    store: Store, remote: Remote, session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    """An outage logs one warning, however long it lasts, and one line when it ends."""
    caplog.set_level(logging.INFO, logger="bot.ingest.remote")
    url = remote.serve("/d.md", Reply(status=502))
    for _ in range(3):
        await poll(store, session, url, retries=0)
    remote.serve("/d.md", Reply(FIRST))
    await poll(store, session, url)
    remote.serve("/d.md", Reply(status=404))
    await poll(store, session, url)
    await poll(store, session, url)
    lines = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "bot.ingest.remote"]
    assert lines == [
        (logging.WARNING, f"remote source failing: {url}: HTTP 502 Bad Gateway"),
        (logging.INFO, f"edition 2024-01-08 new from {url}"),
        (logging.INFO, f"remote source {url} recovered (failing since {NOW})"),
        (logging.WARNING, f"remote source failing: {url}: HTTP 404 Not Found"),
    ]


async def test_unconfigured_sources_are_forgotten(
    store: Store, remote: Remote, session: aiohttp.ClientSession
) -> None:
    """A source removed from the config no longer counts as failing; its editions stay."""
    good = remote.serve("/d.md", Reply(FIRST))
    bad = remote.url("/gone.md")
    await poll(store, session, good, bad)
    assert [s.url for s in store.sources.failing_sources()] == [bad]
    await poll(store, session, good)
    assert store.sources.failing_sources() == []
    assert set(store.sources.source_states()) == {good}
    assert store.editions.get_edition(EditionKey(0, DAY)) is not None


DRAFT = FIRST.replace("\n---\n", "\ndraft: true\n---\n", 1)


async def test_a_draft_withdraws_its_edition_from_a_url_as_from_a_folder(
    store: Store, remote: Remote, session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    """A published digest marked `draft: true` again is withdrawn, from a folder and from a
    URL alike; a URL's draft then waits (not failing) as a folder's is skipped."""
    folder = tmp_path / "digests"
    folder.mkdir()
    (folder / "d.md").write_text(FIRST, "utf-8")
    assert days(scan_folder(store, folder, today=DAY).new) == [DAY]
    (folder / "d.md").write_text(DRAFT, "utf-8")
    report = scan_folder(store, folder, today=DAY)
    assert days(report.removed) == [DAY]
    assert [str(s) for s in report.skipped] == [
        f"{folder / 'd.md'}: skipped: draft, not published (draft: true)"
    ]
    assert store.editions.get_edition(EditionKey(0, DAY)) is None
    url = remote.serve("/d.md", Reply(FIRST), Reply(DRAFT))
    assert days((await poll(store, session, url)).new) == [DAY]
    assert store.editions.edition_source(EditionKey(0, DAY)) == url
    report = await poll(store, session, url)
    assert (report.waiting, report.errors) == ([url], [])
    assert store.editions.get_edition(EditionKey(0, DAY)) is None


async def test_an_undated_digest_is_skipped_from_a_url_as_from_a_folder(
    store: Store, remote: Remote, session: aiohttp.ClientSession
) -> None:
    """Under `digests.undated = "skip"` an undated digest from a URL is not published either;
    the source says why in the folder's words."""
    url = remote.serve("/d.md", Reply(FIRST.replace(" 2024-01-08", "")))
    report = await poll(store, session, url, undated="skip")
    assert [e.reason for e in report.errors] == ['no date (digests.undated = "skip")']
    assert store.editions.latest_edition() is None
