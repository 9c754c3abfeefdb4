"""The publisher's page on the ``[http]`` server (``[http] page = true``): ``/page``, its chart
``/page/chart.png`` and the login links ``/page/login/<token>``.

Read-only: editions and their delivery progress, subscribers over time, readers' feedback,
failures and the outbox (``page_html``). Nobody signs in with a password: a bot admin's
``/page`` in a private chat sends a login link (``store.page_logins``: a random token, good
once, for 15 minutes; never the bot token); opening it sets a session cookie (``HttpOnly``,
``SameSite=Strict``, ``Secure`` when the page is reached over https, ``Path=/page``) good for
4 hours. Without a valid session — no cookie, an expired or forged one, another bot's, or a
user who is no longer in ``[telegram] admins`` — every route answers 403 with one line, as does
a link that is spent, expired, forged or another bot's. The store is read in its reader
threads and the chart drawn in a worker thread: the event loop waits on neither.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TypeVar

from aiohttp import web
from telegram import Bot

from bot.config import Config
from bot.store.database import Store
from bot.store.faults import DatabaseError
from bot.store.gateway import Db
from bot.store.page_logins import SESSION_TTL

from .feeds import public_base
from .page_chart import Progress, render_png
from .page_html import HEADERS, ICON, EditionProgress, PageData, Problem, page_html, signed_in_html

log = logging.getLogger(__name__)

T = TypeVar("T")

COOKIE = "digestbot_page"
EDITIONS = 30  # the newest editions listed
READ_DEADLINE = 10.0  # s the page waits for the database before answering 503
FORBIDDEN = "forbidden: send /page to the bot in a private chat for a new login link\n"


class PageRoutes:
    """The page's routes for one bot (``bot_id``: the bot's numeric id, whose logins count)."""

    def __init__(self, db: Db, config: Config, *, bot_id: int, bot_name: str = "") -> None:
        self.db = db
        self.config = config
        self.bot_id = bot_id
        self.bot_name = bot_name or "digestbot"

    def add_to(self, app: web.Application) -> None:
        app.router.add_get("/page", self.page)
        app.router.add_get("/page/chart.png", self.chart)
        app.router.add_get("/page/icon.svg", self.icon)
        # GET only: a HEAD (a link checker's) must not spend the link
        app.router.add_get("/page/login/{token}", self.login, allow_head=False)

    async def login(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        opened = await self._read(
            lambda store: store.page_logins.open_link(token, bot_id=self.bot_id), write=True
        )
        if isinstance(opened, web.Response):
            return opened
        if opened is None:
            log.warning("page: refused a login link that is spent, expired or unknown")
            return _forbidden("forbidden: this login link is spent, expired or not this bot's;"
                              " send /page to the bot for a new one\n")  # fmt: skip
        response = web.Response(
            text=signed_in_html(), content_type="text/html", charset="utf-8", headers=HEADERS
        )
        response.set_cookie(
            COOKIE,
            opened.token,
            max_age=int(SESSION_TTL.total_seconds()),
            path="/page",
            httponly=True,
            samesite="Strict",
            secure=public_base(request).startswith("https:"),
        )
        log.info("page: a login link was opened from %s", request.remote)
        return response

    async def page(self, request: web.Request) -> web.Response:
        data = await self._signed_in(request, self._data)
        if isinstance(data, web.Response):
            return data
        body = await asyncio.to_thread(page_html, data)
        return web.Response(text=body, content_type="text/html", charset="utf-8", headers=HEADERS)

    async def chart(self, request: web.Request) -> web.Response:
        data = await self._signed_in(request, self._data)
        if isinstance(data, web.Response):
            return data
        progress = [
            Progress(p.info.date.strftime("%m-%d") + (f" #{p.info.issue}" if p.info.issue else ""),
                     p.count("sent"), p.count("pending"), p.count("failed", "ambiguous"))
            for p in data.editions
        ]  # fmt: skip
        today = data.now.astimezone(self.config.zone).date()
        png = await asyncio.to_thread(render_png, data.subscribers, progress, today=today)
        return web.Response(body=png, content_type="image/png", headers=HEADERS)

    async def icon(self, request: web.Request) -> web.Response:
        allowed = await self._signed_in(request, lambda store: True)
        if isinstance(allowed, web.Response):
            return allowed
        return web.Response(text=ICON, content_type="image/svg+xml", headers=HEADERS)

    async def _signed_in(self, request: web.Request, fn: Callable[[Store], T]) -> T | web.Response:
        """``fn``'s answer when the request carries a session of one of the bot's admins."""
        token = request.cookies.get(COOKIE, "")
        admins = self.config.telegram.admins

        def read(store: Store) -> tuple[bool, T | None]:
            user = store.page_logins.session_user(token, bot_id=self.bot_id) if token else None
            if user is None or user not in admins:
                return False, None
            return True, fn(store)

        found = await self._read(read)
        if isinstance(found, web.Response):
            return found
        allowed, value = found
        if not allowed or value is None:
            return _forbidden(FORBIDDEN)
        return value

    def _data(self, store: Store) -> PageData:
        editions = [
            EditionProgress(info, by.get("edition", {}), by.get("alert", {}))
            for info in store.editions.list_editions(limit=EDITIONS)
            for by in [store.outbox.deliveries_summary(info.key)["deliveries"]]
        ]
        problems = [Problem(s.path, s.error or "") for s in store.files.file_states().values()
                    if s.error]  # fmt: skip
        problems += [Problem(s.url, s.error or "") for s in store.sources.failing_sources()]
        return PageData(
            bot=self.bot_name,
            now=store.now(),
            editions=editions,
            subscribers=store.page_figures.subscribers_by_day(),
            failed=store.page_figures.failed_rows(),
            reasons=store.outbox.deliveries_summary()["reasons"],
            waiting=store.page_figures.waiting(),
            problems=problems,
        )

    async def _read(self, fn: Callable[[Store], T], *, write: bool = False) -> T | web.Response:
        try:
            async with asyncio.timeout(READ_DEADLINE):
                return await (self.db.write(fn) if write else self.db.read(fn))
        except (TimeoutError, *DatabaseError):
            log.warning("page: the database did not answer", exc_info=True)
            return web.Response(
                status=503, text="the database does not answer: try again in a minute\n"
            )


def page_routes(db: Db, config: Config, bot: Bot) -> PageRoutes | None:
    """The page's routes for ``bot`` (initialised: its id is known), when ``[http] page`` is
    on."""
    if not config.http.page:
        return None
    return PageRoutes(db, config, bot_id=bot.id, bot_name=bot.username)


def _forbidden(line: str) -> web.Response:
    return web.Response(status=403, text=line, headers=HEADERS)
