"""The composition root: build and run the bot (against Telegram, or the local sandbox)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import aiohttp
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError
from telegram.ext import ApplicationBuilder, CallbackContext, ContextTypes, Defaults, Job

from bot.chat.handlers import App, publish_commands, register
from bot.delivery.limiter import Limiter
from bot.delivery.outage import api_outcome
from bot.delivery.sender import Pusher
from bot.ingest.walk import usable_folder
from bot.ops.feeds import FeedRoutes
from bot.ops.flood import ChatOrdered
from bot.ops.handover import Handover
from bot.ops.health import Health, StoreFigures, assess, read_figures
from bot.ops.leader import Leader
from bot.ops.lockfile import DataLock
from bot.ops.page import page_routes
from bot.ops.tgrequest import AiohttpRequest
from bot.ops.updates import DurableQueue, PollingErrors
from bot.ops.web import WebServer, public_webhook_url, start_web, webhook_secret
from bot.store.database import Store
from bot.store.engines import Engine, engine_of
from bot.store.faults import DatabaseError, describe
from bot.store.gateway import Db
from bot.store.journal import Journal
from bot.store.lease import Fence, LeaseStore, lease_key

from . import __version__, cycle
from .config import ENV_API_BASE_URL, Config, StartupError, TelegramConfig
from .services import BotContext, BotData, LiveAlerts, Services, utcnow

log = logging.getLogger(__name__)

TELEGRAM_API = "https://api.telegram.org/bot"
JOURNAL = "updates.sqlite3"  # beside the database: the update journal (store/journal.py)
HEALTH_READ = 1.0  # s /healthz waits for the database before saying it does not answer
STALLED_WRITE = 5.0  # s a write may wait (for another process's lock) before /healthz says so
ALLOWED_UPDATES = [
    "message",
    "edited_message",
    "channel_post",
    "callback_query",
    "inline_query",
    "my_chat_member",
    "message_reaction",  # readers' feedback (bot/chat/feedback.py); groups: the bot must be admin
    "message_reaction_count",  # a channel's anonymous reactions (the bot must be admin)
]


def file_url(api_base_url: str) -> str:
    """The file download base that goes with a Bot API base (``…/bot`` → ``…/file/bot``)."""
    base = api_base_url or TELEGRAM_API
    head, _, tail = base.rpartition("/")
    return f"{head}/file/{tail}"


def build_application(
    services: Services,
    *,
    polling: bool = True,
    requests: tuple[AiohttpRequest, AiohttpRequest] | None = None,
    updates: DurableQueue | None = None,
) -> App:
    """A PTB Application wired to the services, with every handler registered.

    ``polling=False``: no updater (webhook mode: the web server feeds the update queue).
    ``requests``: the (API calls, getUpdates) request backends, to close them even when the
    application never finished initialising. ``updates``: the update queue that records each
    update before it is acknowledged (and is told when it was handled).
    """
    telegram = services.config.telegram
    calls, polls = requests or (AiohttpRequest(), AiohttpRequest(pool_size=1, read_timeout=30))
    context_types = ContextTypes(context=CallbackContext, bot_data=BotData)
    builder = (
        ApplicationBuilder()
        .token(telegram.token)
        .base_url(telegram.api_base_url or TELEGRAM_API)
        .base_file_url(file_url(telegram.api_base_url))
        .context_types(context_types)
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .request(calls)
        .get_updates_request(polls)
        .rate_limiter(Limiter(rate=services.config.push.rate, on_throttled=_throttled(services)))
        # one chat's flood never waits on another's
        .concurrent_updates(ChatOrdered(done=updates.handled if updates else None))
    )
    if updates is not None:
        builder = builder.update_queue(updates)
    if not polling:
        builder = builder.updater(None)
    app: App = builder.build()  # type: ignore[assignment]
    app.bot_data.services = services
    register(app)
    return app


def _throttled(services: Services) -> Callable[[float], None]:
    def record(seconds: float) -> None:
        services.metrics.throttled(seconds)
        services.runtime.throttled(services.now())

    return record


async def job_tick(context: BotContext) -> None:
    """The one repeating job: scan the sources, plan what is due, wake the sender."""
    data = context.bot_data
    await cycle.guarded_tick(data.services)
    data.planned()


async def _initialize(app: App, telegram: TelegramConfig) -> None:
    """``app.initialize()`` (its getMe); a Bot API that refuses or does not answer ends the
    start in one line naming the setting, never with the token in it."""
    base = telegram.api_base_url or "https://api.telegram.org/bot"
    try:
        await app.initialize()
    except InvalidToken:
        raise StartupError(
            f"the Bot API at {base} refused the token: check DIGESTBOT_TOKEN"
            + (f" and {ENV_API_BASE_URL}" if telegram.api_base_url else "")
        ) from None
    except NetworkError as exc:
        reason = exc.message.replace(telegram.token, "<token>") if telegram.token else exc.message
        raise StartupError(
            f"the Bot API at {base} does not answer ({reason}): check {ENV_API_BASE_URL} "
            "(or telegram.api_base_url) and the network"
        ) from None


class BotRunner:
    """One running bot: the store, the digests loaded, PTB polling, the push engine."""

    def __init__(
        self,
        config: Config,
        *,
        poll_timeout: int = 20,
        now: Callable[[], dt.datetime] = utcnow,
        auto_tick: bool = True,
        role: str = "run",
    ) -> None:
        self.config = config
        self.poll_timeout = poll_timeout
        self.now = now
        self.auto_tick = auto_tick
        self.role = role
        self.lock: DataLock | None = None
        self.leader: Leader | None = None  # several instances on PostgreSQL: who leads
        self.handover: Handover | None = None  # and what followers hand the leader
        self._tick_job: Job[Any] | None = None
        self._running = False  # start() has returned: a lead from now on is a takeover
        self.db: Db | None = None
        self.journal: Journal | None = None
        self._side: Store | None = None
        self.app: App | None = None
        self.pusher: Pusher | None = None
        self.services: Services | None = None
        self.http: aiohttp.ClientSession | None = None
        self.web: WebServer | None = None
        self._requests = (AiohttpRequest(), AiohttpRequest(pool_size=1, read_timeout=30))

    async def start(self) -> None:
        """Start everything; on any failure what was started is stopped again, then it raises
        (``LockHeld`` when another bot has the database)."""
        try:
            await self._start()
        except BaseException:
            await self.stop()
            raise

    async def _start(self) -> None:
        usable_folder(self.config.digests_dir)
        shared = engine_of(self.config.database) is Engine.POSTGRES  # a lease, not a lock
        if not shared:  # one bot per database: a second one would deliver everything twice
            self.lock = await asyncio.to_thread(
                DataLock.acquire, self.config.db_path, role=self.role, wait=10.0
            )
        db = self.db = await Db.open(
            self.config.database, topics=self.config.topic_spec, now=self.now
        )
        journal = self.journal = Journal(self.config.db_path.with_name(JOURNAL), now=self.now)
        await journal.open()
        updates = DurableQueue(journal, claim=self._shared_claim(db))
        self.http = aiohttp.ClientSession(headers={"User-Agent": f"digestbot/{__version__}"})
        services = self.services = Services(
            config=self.config,
            db=db,
            now=self.now,
            alerts=await LiveAlerts.load(db),
            http=self.http,
        )
        for request in self._requests:
            request.on_outcome = api_outcome(services.runtime, services.metrics, self.now)
        webhook = bool(self.config.webhook.url)
        app = self.app = build_application(
            services, polling=not webhook, requests=self._requests, updates=updates
        )
        await _initialize(app, self.config.telegram)
        await publish_commands(app)
        if not shared:
            self.pusher = Pusher(services, app.bot, concurrency=self.config.push.concurrency)
            app.bot_data.pusher = self.pusher
            report = (await cycle.tick(services)).scan
            for error in report.errors:
                log.warning("digest not loaded: %s", error)
        await app.start()
        await updates.recover(app.bot)  # acknowledged before a crash, never handled: now
        services.metrics.watch(db, runtime=services.runtime, now=self.now)
        secret = webhook_secret(self.config) if webhook else ""
        self.web = await start_web(
            http=self.config.http,
            webhook=self.config.webhook if webhook else None,
            secret=secret,
            application=app,
            health=self.health,
            metrics=services.metrics,
            feeds=FeedRoutes(db, self.config),
            page=page_routes(db, self.config, app.bot),
        )
        app.bot_data.web_url = self.web.http_url
        if webhook:
            url = public_webhook_url(self.config.webhook)
            await app.bot.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
            log.info("receiving updates by webhook at %s", url)
        if shared:
            self.leader = Leader(
                partial(LeaseStore.connect, self.config.database), where=str(db.path),
                key=lease_key(self.config.telegram.token), ttl=self.config.lease_seconds,
                runtime=services.runtime, lead=self._lead, follow=self._follow,
            )  # fmt: skip
            self.handover = Handover(db, updates, leading=self.leader.leading, now=self.now)
            app.bot_data.handover = self.handover
            await self.leader.start()
        else:
            await self._lead()
        self._running = True
        log.info("bot @%s is running", app.bot.username)

    async def _lead(self, fence: Fence | None = None) -> None:
        """Start the leader's work: the sender, polling (not by webhook), the tick. ``fence``:
        the lease (PostgreSQL): a sender of its own, a scan before ``start`` returns, or at a
        takeover the first tick at once in the background (the heartbeat goes on)."""
        app, services = self.app, self.services
        assert app is not None and services is not None  # noqa: PT018, S101 - started
        takeover = fence is not None and self._running
        if fence is not None and self.leader is not None:
            self.pusher = Pusher(
                services, app.bot, concurrency=self.config.push.concurrency, fence=fence,
                leading=self.leader.leading,
            )  # fmt: skip
            app.bot_data.pusher = self.pusher
            self.pusher.start()  # a takeover resumes the push at once
            if not takeover and (report := await cycle.guarded_tick(services)) is not None:
                for error in report.scan.errors:
                    log.warning("digest not loaded: %s", error)
        if self.handover is not None:  # what followers handed over: handled here now
            self.handover.start(app.bot)
        if app.updater is not None:  # polling (a webhook feeds the queue instead)
            await app.updater.start_polling(
                poll_interval=0,
                timeout=self.poll_timeout,
                allowed_updates=ALLOWED_UPDATES,
                error_callback=PollingErrors().seen,
            )
        assert self.pusher is not None  # noqa: S101 - made above, or at the start
        self.pusher.start()
        if self.auto_tick and app.job_queue is not None:
            tick = self.config.push.tick
            self._tick_job = app.job_queue.run_repeating(
                job_tick, interval=tick, first=0 if takeover else tick, name="tick"
            )

    async def _follow(self) -> None:
        """Stop the leader's work at once (in-flight messages stop before their next part)."""
        pusher, self.pusher = self.pusher, None
        if pusher is not None:
            pusher.halt("this instance no longer leads")
        job, self._tick_job = self._tick_job, None
        if job is not None:
            job.schedule_removal()
        if self.handover is not None:
            await self.handover.stop()
        if self.app is not None:
            self.app.bot_data.pusher = None
            if self.app.updater is not None and self.app.updater.running:
                await self.app.updater.stop()
        if pusher is not None:  # what is in flight may finish while the lease is still ours
            await pusher.stop(grace=self.leader.remaining() if self.leader else 0.0)

    def _shared_claim(self, db: Db) -> Callable[[int], Awaitable[bool]] | None:
        """On a database other instances may share (PostgreSQL): each new update is claimed
        there, so one that another instance received first is not handled twice."""
        if db.store.engine is not Engine.POSTGRES:
            return None

        async def claim(update_id: int) -> bool:
            return await db.write(lambda store: store.received.claim(update_id, at=self.now()))

        return claim

    @property
    def store(self) -> Store | None:
        """A connection of its own to the running bot's database, for tools and tests beside
        it (never the bot's: that one lives in its writer thread). None when not started."""
        if self.db is None:
            return None
        if self._side is None:
            self._side = Store(self.db.store.target, now=self.now)
        return self._side

    async def health(self) -> Health:
        """The health document, never waiting more than ``HEALTH_READ`` for the database."""
        services = self.services
        assert services is not None  # noqa: S101 - started
        now, why = self.now(), ""
        figures: StoreFigures | None = None
        try:
            async with asyncio.timeout(HEALTH_READ):
                figures = await services.db.read(read_figures)
        except TimeoutError:
            why = f"no answer within {HEALTH_READ:g} s"
        except DatabaseError as exc:
            why = describe(services.db.path, exc)
            if services.runtime.store_failed(now, why):
                log.error("health: %s", why)
        stalled = services.db.stalled()
        if stalled >= STALLED_WRITE:
            why = why or (
                f"a write has waited {stalled:.0f} s (is another process holding the database?)"
            )
        return assess(figures, services.runtime, now=now, tick=self.config.push.tick,
                      database=why)  # fmt: skip

    async def tick(self) -> cycle.TickReport:
        """One planning round now (what the repeating job does), then wake the sender."""
        assert self.services is not None  # noqa: S101 - started
        report = await cycle.tick(self.services)
        if self.app is not None:
            self.app.bot_data.planned()
        return report

    async def stop(self, *, release: bool = True) -> None:
        """Stop taking updates and rows, finish the messages in flight, shut down.
        ``release=False``: leave the lease to expire, as a crash would (tests)."""
        if self.leader is not None:
            await self.leader.stop(release=release)
            self.leader = None
        app, self.app = self.app, None
        if self.web is not None:
            await self.web.stop()
            self.web = None
        if app is not None:
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            if self.pusher is not None:
                await self.pusher.stop()
            if app.running:
                await app.stop()
            await app.shutdown()
        for request in self._requests:  # closed already, unless initialising failed
            await request.shutdown()
        if self.http is not None:
            await self.http.close()
            self.http = None
        if self._side is not None:
            self._side.close()
            self._side = None
        if self.db is not None:
            await self.db.close()
            self.db = None
        if self.journal is not None:
            await self.journal.close()
            self.journal = None
        if self.lock is not None:
            self.lock.release()
            self.lock = None


async def run(config: Config, stop: asyncio.Event) -> None:
    """Run the bot until ``stop`` is set."""
    runner = BotRunner(config)
    await runner.start()
    try:
        await stop.wait()
    finally:
        await runner.stop()
