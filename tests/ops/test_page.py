"""The publisher's page over HTTP: an admin's /page sends a login link that opens once and
expires; the session cookie shows the page and its chart; strangers, forged cookies and
spent or expired links get 403 with one line; off by default."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from http.cookies import SimpleCookie

import aiohttp
import pytest
from conftest import Clock, Processed, manual_bot, store_of
from multidict import CIMultiDictProxy

from bot.app import BotRunner
from bot.config import Config, HttpConfig
from bot.ops.page_html import PageData, Problem, page_html
from bot.store.page_figures import FailedRow, Waiting
from bot.store.page_logins import LINK_TTL
from tgsandbox import Sandbox

ADMIN_ID = 200_000_001  # the emulator's first user
LINK = re.compile(r"http://\S+/page/login/[A-Za-z0-9_-]{43}")
T0 = dt.datetime(2024, 1, 8, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
async def app(config: Config, processed: Processed, clock: Clock) -> AsyncIterator[BotRunner]:
    """The bot with the page on and the first emulator user as its admin."""
    config = replace(
        config,
        telegram=replace(config.telegram, admins=(ADMIN_ID,)),
        http=HttpConfig(port=0, page=True),
    )
    async with manual_bot(config, clock, T0, processed=processed) as runner:
        yield runner


async def login_link(tg: Sandbox) -> str:
    """The admin sends /page in a private chat; the link in the bot's answer."""
    boss = tg.user_of(ADMIN_ID) if ADMIN_ID in tg.users else tg.add_user("Boss")
    chat = tg.private_chat(boss)
    before = len(tg.messages(chat))
    tg.send(chat, boss, "/page")
    answer = (await tg.wait_messages(chat, before + 1))[-1]
    found = LINK.search(answer.text)
    assert found, answer.text
    return found.group(0)


async def get(
    session: aiohttp.ClientSession, url: str, **headers: str
) -> tuple[int, CIMultiDictProxy[str], bytes]:
    async with session.get(url, headers=headers, allow_redirects=False) as resp:
        return resp.status, resp.headers, await resp.read()


def rows(page: str, section: str) -> list[list[str]]:
    """The cells of every table row of one section of a page."""
    [part] = re.findall(f'<section id="{section}">(.*?)</section>', page)
    return [
        re.findall(r"<td[^>]*>(.*?)</td>", row)
        for row in re.findall(r"<tr>(.*?)</tr>", part)
        if "<td" in row
    ]


def browser_session() -> aiohttp.ClientSession:
    """A client that keeps cookies as a browser does (for an IP address host too)."""
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


def base(app: BotRunner) -> str:
    assert app.web is not None
    return app.web.http_url


async def test_an_admins_link_opens_the_page_with_editions_and_chart(
    tg: Sandbox, app: BotRunner
) -> None:
    """/page's link signs the browser in (an HttpOnly, SameSite=Strict cookie); the page lists
    the edition with its deliveries, and its chart is a PNG."""
    reader = tg.private_chat(tg.add_user("Reader", user_id=300_000_001))
    store = store_of(app)
    store.chats.ensure_chat(reader.id, type="private")
    store.chats.subscribe(reader.id)
    link = await login_link(tg)
    assert "15" in tg.messages(ADMIN_ID)[-1].text
    tg.send(ADMIN_ID, tg.user_of(ADMIN_ID), "/push")
    await tg.wait_messages(reader, 1)
    async with browser_session() as browser:
        status, headers, body = await get(browser, link)
        assert status == 200, body
        cookie = SimpleCookie(headers["Set-Cookie"])["digestbot_page"]
        assert cookie["httponly"]
        assert cookie["samesite"] == "Strict"
        assert cookie["path"] == "/page"
        assert not cookie["secure"]
        assert b'http-equiv="refresh"' in body
        status, headers, body = await get(browser, f"{base(app)}/page")
        assert status == 200, body
        page = html.unescape(body.decode())
        assert "script-src" not in headers["Content-Security-Policy"]
        assert headers["Content-Security-Policy"].startswith("default-src 'none'")
        assert headers["Referrer-Policy"] == "no-referrer"
        [row] = [r for r in rows(page, "editions") if r[0] == "2024-01-08"]
        assert row[1] == "每日碳新闻"
        assert row[3:8] == ["10", "1", "0", "0", "0"]  # items, sent, pending, failed, skipped
        assert "Subscribed chats now: 1." in page
        assert rows(page, "subscribers") == [["2024-01-08", "1", "1"]]
        assert "Readers' feedback is not built yet" in page
        assert "<script" not in page
        status, headers, png = await get(browser, f"{base(app)}/page/chart.png")
        assert status == 200
        assert headers["Content-Type"] == "image/png"
        assert png.startswith(b"\x89PNG\r\n\x1a\n")


async def test_a_link_opens_once(tg: Sandbox, app: BotRunner) -> None:
    """A second opening of the same link (another browser, or the same) is a 403 with one
    line; the first browser stays signed in."""
    link = await login_link(tg)
    async with browser_session() as first, browser_session() as second:
        assert (await get(first, link))[0] == 200
        status, _, body = await get(second, link)
        assert status == 403
        assert body.decode().count("\n") == 1
        assert b"/page" in body
        assert (await get(second, f"{base(app)}/page"))[0] == 403
        assert (await get(first, f"{base(app)}/page"))[0] == 200


async def test_a_head_request_does_not_spend_a_link(tg: Sandbox, app: BotRunner) -> None:
    """A link checker's HEAD is refused (405) and the link still opens afterwards."""
    link = await login_link(tg)
    async with browser_session() as browser:
        async with browser.head(link, allow_redirects=False) as resp:
            assert resp.status == 405
            assert "Set-Cookie" not in resp.headers
        assert (await get(browser, link))[0] == 200


async def test_an_expired_link_is_refused(tg: Sandbox, app: BotRunner, clock: Clock) -> None:
    """A link opened after its 15 minutes is a 403."""
    link = await login_link(tg)
    clock.advance(LINK_TTL)
    async with browser_session() as browser:
        status, headers, body = await get(browser, link)
        assert status == 403, body
        assert "Set-Cookie" not in headers
        assert (await get(browser, f"{base(app)}/page"))[0] == 403


async def test_strangers_and_forged_cookies_get_403(tg: Sandbox, app: BotRunner) -> None:
    """No cookie, a made-up cookie, a forged link, or the link's token put in the cookie: 403
    with one line, for the page and the chart."""
    link = await login_link(tg)
    token = link.rsplit("/", 1)[1]
    url = base(app)
    async with browser_session() as stranger:
        for path in ("/page", "/page/chart.png"):
            status, _, body = await get(stranger, url + path)
            assert status == 403
            assert body.decode().count("\n") == 1
        for forged in ("x" * 43, token):
            headers = {"Cookie": f"digestbot_page={forged}"}
            assert (await get(stranger, f"{url}/page", **headers))[0] == 403
        assert (await get(stranger, f"{url}/page/login/{'A' * 43}"))[0] == 403
    async with browser_session() as admin:  # the forged attempts spent nothing
        assert (await get(admin, link))[0] == 200


async def test_a_session_ends_when_the_user_is_no_admin_any_more(
    tg: Sandbox, config: Config, processed: Processed, clock: Clock
) -> None:
    """A session made for an admin is refused after a restart whose ``telegram.admins`` no
    longer names them (and honoured again once it does)."""
    config = replace(config, http=HttpConfig(port=0, page=True))
    admin = replace(config, telegram=replace(config.telegram, admins=(ADMIN_ID,)))
    async with browser_session() as browser:
        async with manual_bot(admin, clock, T0, processed=processed) as runner:
            assert (await get(browser, await login_link(tg)))[0] == 200
            assert (await get(browser, f"{base(runner)}/page"))[0] == 200
        async with manual_bot(config, clock, T0) as runner:
            assert (await get(browser, f"{base(runner)}/page"))[0] == 403
        async with manual_bot(admin, clock, T0) as runner:  # the same cookie: still good
            assert (await get(browser, f"{base(runner)}/page"))[0] == 200


async def test_over_https_the_cookie_is_secure(tg: Sandbox, app: BotRunner) -> None:
    """Behind a reverse proxy that says https, the session cookie is Secure."""
    link = await login_link(tg)
    async with browser_session() as browser:
        status, headers, _ = await get(browser, link, **{"X-Forwarded-Proto": "https"})
        assert status == 200
        assert SimpleCookie(headers["Set-Cookie"])["digestbot_page"]["secure"]


async def test_only_admins_have_page(tg: Sandbox, app: BotRunner) -> None:
    """/page from anyone else is an unknown command and sends no link (the admin's does)."""
    assert LINK.fullmatch(await login_link(tg))
    mallory = tg.add_user("Mallory")
    chat = tg.private_chat(mallory)
    tg.send(chat, mallory, "/page")
    [answer] = await tg.wait_messages(chat, 1)
    assert "/page/login/" not in answer.text
    assert "/help" in answer.text  # the unknown command's answer


async def test_the_page_is_off_by_default(
    tg: Sandbox, config: Config, processed: Processed, clock: Clock
) -> None:
    """Without ``[http] page = true`` there is no /page route, and /page tells the admin the
    key that turns it on."""
    config = replace(config, telegram=replace(config.telegram, admins=(ADMIN_ID,)))
    async with manual_bot(config, clock, T0, processed=processed) as runner:
        boss = tg.add_user("Boss")
        chat = tg.private_chat(boss)
        tg.send(chat, boss, "/page")
        [answer] = await tg.wait_messages(chat, 1)
        assert "page = true" in answer.text
        assert "/page/login/" not in answer.text
        async with browser_session() as browser:
            assert (await get(browser, f"{base(runner)}/page"))[0] == 404


def test_the_page_escapes_what_it_shows() -> None:
    """Chat titles, errors and file names are text on the page, never markup."""
    hostile = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    when = dt.datetime(2024, 1, 8, 9, 0, tzinfo=dt.UTC)
    failed = FailedRow(-100, hostile, "edition", "failed", "2024-01-08", hostile, 3, when)
    data = PageData(
        bot=hostile,
        now=when,
        editions=[],
        subscribers=[],
        failed=[failed],
        reasons={hostile: 1},
        waiting=Waiting({}, 0, None),
        problems=[Problem(f"{hostile}.md", hostile)],
    )
    page = page_html(data)
    assert "<script" not in page
    assert "<img src=x" not in page
    # the title, the heading, the chat, its error, the reason, the file and its error
    assert page.count(html.escape(hostile)) == 7
