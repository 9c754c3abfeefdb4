"""The bot's HTTP side (aiohttp): ``/healthz``, ``/metrics`` and, in webhook mode, the webhook.

``start_web`` serves health and metrics on ``[http] listen:port`` (loopback by default) and the
webhook route on ``[webhook] listen:port`` with its own aiohttp application, so the port a
reverse proxy exposes answers nothing but the webhook; when both are the same address and port
(not 0, which means "any free port" for each), one server answers all three routes. Given
``feeds`` (``feeds.FeedRoutes``), the health server also serves the web feeds (``/feeds``).

The webhook answers 403 unless ``X-Telegram-Bot-Api-Secret-Token`` is the secret (compared in
constant time), 413 for a body over 1 MiB, 408 for a body that does not arrive within
``BODY_DEADLINE``, 400 for anything that is not a JSON Update (malformed, nested deeper than
any Update, an ``update_id`` that is not a whole number), 503 while PTB is not running
(Telegram delivers it again later, as it does when the update journal cannot record it), 200
without processing for an ``update_id`` already received (a replay: the journal keeps the ids,
so a restart does not run them again), else records the update in the journal (updates.py:
on the disk before Telegram is told), puts it on ``application.update_queue`` and answers 200.

Both servers close a connection that sends no request for ``IDLE_TIMEOUT`` seconds and accept
at most ``MAX_CONNECTIONS`` at once (a new one beyond that is closed at once), so slow or idle
clients cannot pile up.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import os
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.ext import Application, ExtBot

from bot.config import Config, HttpConfig, WebhookConfig, port_taken

from .feeds import FeedRoutes
from .health import Health
from .metrics import Metrics
from .page import PageRoutes
from .updates import DurableQueue, NotRecorded

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
SECRET_FILE = "webhook_secret"  # noqa: S105 - a file name
SECRET_CHARS = re.compile(r"[A-Za-z0-9_-]{1,256}")
MAX_BODY = 1024 * 1024
MAX_DEPTH = 32  # an Update nests about 10 deep; anything deeper is not one
BODY_DEADLINE = 10.0  # s for a request body to arrive
IDLE_TIMEOUT = 15.0  # s a connection may stay open without a request
MAX_CONNECTIONS = 128  # open connections per server (Telegram opens up to 40 to a webhook)
AnyApplication = Application[Any, Any, Any, Any, Any, Any]
MAX_UPDATE_ID = 2**63 - 1  # larger is no Telegram update id (nor fits the journal)


def webhook_secret(config: Config) -> str:
    """The webhook secret: ``[webhook] secret_token``, else one kept in the data folder.

    Generated once (``secrets.token_urlsafe``: only A-Z a-z 0-9 _ -, as Telegram requires)
    into ``<data_dir>/webhook_secret`` with mode 0600, and the same on every later start.
    """
    if config.webhook.secret_token:
        return config.webhook.secret_token
    path = Path(config.data_dir) / SECRET_FILE
    kept = _read_secret(path)
    if kept is not None:
        return kept
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process wrote it first (or it was unusable)
        kept = _read_secret(path)
        if kept is not None:
            return kept
        log.warning("%s is not a usable webhook secret: writing a new one", path)
        path.unlink()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secret + "\n")
    log.info("generated a webhook secret in %s", path)
    return secret


def _read_secret(path: Path) -> str | None:
    try:
        text = path.read_text("ascii").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError):
        log.warning("cannot read the webhook secret in %s", path, exc_info=True)
        return None
    if not SECRET_CHARS.fullmatch(text):
        return None
    if path.stat().st_mode & 0o077:
        with contextlib.suppress(OSError):  # it is a password: only the bot's user may read it
            path.chmod(0o600)
    return text


def public_webhook_url(webhook: WebhookConfig) -> str:
    """The URL for setWebhook: ``[webhook] url``, plus ``path`` when the url has none."""
    if urlsplit(webhook.url).path in ("", "/"):
        return webhook.url.rstrip("/") + webhook.path
    return webhook.url


@dataclass(frozen=True, slots=True)
class WebServer:
    """The running server: where it listens, and ``stop``."""

    runners: tuple[web.AppRunner, ...]
    http_url: str  # base URL of /healthz and /metrics, e.g. "http://127.0.0.1:9180"
    webhook_url: str | None  # where the webhook route listens locally; None in polling mode

    @property
    def http_port(self) -> int:
        return urlsplit(self.http_url).port or 80

    @property
    def webhook_port(self) -> int | None:
        return None if self.webhook_url is None else urlsplit(self.webhook_url).port or 80

    @property
    def healthz_url(self) -> str:
        return f"{self.http_url}/healthz"

    @property
    def metrics_url(self) -> str:
        return f"{self.http_url}/metrics"

    async def stop(self) -> None:
        """Stop listening (requests in progress finish first)."""
        for runner in self.runners:
            await runner.cleanup()


class _Routes:
    """The request handlers, with what they need."""

    def __init__(
        self,
        *,
        health: Callable[[], Awaitable[Health]],
        metrics: Metrics,
        secret: str,
        application: AnyApplication | None,
        body_deadline: float,
    ) -> None:
        self.health = health
        self.metrics = metrics
        self.secret = secret.encode("ascii")
        self.application = application
        self.body_deadline = body_deadline

    async def healthz(self, request: web.Request) -> web.Response:
        try:
            report = await self.health()
        except Exception:
            log.exception("health check failed")
            doc: dict[str, Any] = {"status": "degraded", "reasons": ["health check failed"]}
            return web.json_response(doc, status=503)
        return web.json_response(report.to_json(), status=200 if report.ok else 503)

    async def scrape(self, request: web.Request) -> web.Response:
        accept = request.headers.get("Accept", "")  # collectors read the database: off the loop
        body, content_type = await asyncio.to_thread(self.metrics.exposition, accept)
        return web.Response(body=body, headers={"Content-Type": content_type})

    async def webhook(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(given, self.secret):
            log.warning("webhook: refused a request from %s without the secret", request.remote)
            return web.Response(status=403, text="forbidden")
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.Response(status=413, text="too large")
        try:
            async with asyncio.timeout(self.body_deadline):
                body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return web.Response(status=413, text="too large")
        except TimeoutError:
            log.warning("webhook: %s sent its body too slowly, cut off", request.remote)
            return web.Response(status=408, text="too slow")
        application = self.application
        if application is None or not application.running:
            return web.Response(status=503, text="not running")  # Telegram sends it again
        update = _update(body, application)
        if update is None:
            log.warning("webhook: a body that is not an Update (%d bytes)", len(body))
            return web.Response(status=400, text="not an update")
        queue = application.update_queue
        if isinstance(queue, DurableQueue):
            try:
                if not await queue.record(update, body.decode("utf-8")):
                    return web.Response(status=200)  # a replay: handled before
            except NotRecorded:
                return web.Response(status=503, text="cannot record it now")  # sent again
        if isinstance(application.bot, ExtBot):
            application.bot.insert_callback_data(update)  # as PTB's own webhook server does
        if isinstance(queue, DurableQueue):
            await queue.put_recorded(update)
        else:
            await queue.put(update)
        return web.Response(status=200)


def _update(body: bytes, application: AnyApplication) -> Update | None:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # ValueError includes UnicodeDecodeError
        return None
    if not isinstance(data, dict) or _depth(data) > MAX_DEPTH:
        return None
    update_id = data.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        return None
    if not 0 <= update_id <= MAX_UPDATE_ID:
        return None
    try:
        return Update.de_json(data, application.bot)
    except Exception:  # a malformed field deep inside: not an Update we can handle
        log.debug("webhook: cannot read the update", exc_info=True)
        return None


def _depth(value: object) -> int:
    """How deeply lists and objects nest in a parsed JSON value (without recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, level)
            if level <= MAX_DEPTH:
                items = node.values() if isinstance(node, dict) else node
                stack.extend((child, level + 1) for child in items)
    return deepest


async def start_web(
    *,
    http: HttpConfig,
    health: Callable[[], Awaitable[Health]],
    metrics: Metrics,
    webhook: WebhookConfig | None = None,
    secret: str = "",
    application: AnyApplication | None = None,
    body_deadline: float = BODY_DEADLINE,
    max_connections: int = MAX_CONNECTIONS,
    feeds: FeedRoutes | None = None,
    page: PageRoutes | None = None,
) -> WebServer:
    """Serve /healthz and /metrics (and, given ``webhook``, the webhook route); port 0: any.

    In webhook mode pass the secret (``webhook_secret(config)``) and the PTB Application built
    with ``.updater(None)``; start the application before this (updates that arrive while it
    is not running are answered 503, so Telegram sends them again); its update queue, when a
    ``DurableQueue``, records each update before it is answered and tells replays.
    """
    if webhook is not None and (not secret or application is None):
        raise ValueError("start_web: webhook mode needs the secret and the application")
    routes = _Routes(
        health=health,
        metrics=metrics,
        secret=secret,
        application=application,
        body_deadline=body_deadline,
    )
    ops = web.Application(client_max_size=MAX_BODY)
    ops.router.add_get("/healthz", routes.healthz)
    ops.router.add_get("/metrics", routes.scrape)
    if feeds is not None:
        feeds.add_to(ops)
    if page is not None:  # the publisher's page (page.py), when [http] page is on
        page.add_to(ops)
    hook: web.Application | None = None
    if webhook is not None:
        same = webhook.port != 0 and (webhook.listen, webhook.port) == (http.listen, http.port)
        hook = ops if same else web.Application(client_max_size=MAX_BODY)
        hook.router.add_post(webhook.path, routes.webhook)
    runners: list[web.AppRunner] = []
    try:
        ops_runner, http_url = await _serve(
            ops, http.listen, http.port, cap=max_connections, key="http.port"
        )
        runners.append(ops_runner)
        webhook_url: str | None = None
        if webhook is not None and hook is not None:
            base = http_url
            if hook is not ops:
                hook_runner, base = await _serve(
                    hook, webhook.listen, webhook.port, cap=max_connections, key="webhook.port"
                )
                runners.append(hook_runner)
            webhook_url = base + webhook.path
    except BaseException:
        for runner in runners:
            with contextlib.suppress(Exception):
                await runner.cleanup()
        raise
    log.info("health and metrics at %s", http_url)
    if webhook_url:
        log.info("webhook listening at %s", webhook_url)
    return WebServer(tuple(runners), http_url, webhook_url)


class _CappedSite(web.TCPSite):
    """A TCP site that closes a new connection at once while ``cap`` are open."""

    def __init__(self, runner: web.AppRunner, host: str, port: int, *, cap: int) -> None:
        super().__init__(runner, host, port)
        self._cap = cap

    async def start(self) -> None:
        server = self._runner.server
        if server is None:  # pragma: no cover - set up before
            raise RuntimeError("runner not set up")
        cap = self._cap

        def protocol() -> asyncio.BaseProtocol:
            if len(server.connections) >= cap:
                return _Refused()
            return server()

        # what TCPSite.start does, with the capped protocol factory
        self._runner._reg_site(self)
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(protocol, self._host, self._port)


class _Refused(asyncio.Protocol):
    """A connection over the cap: closed as soon as it is made."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport.close()


async def _serve(
    app: web.Application, host: str, port: int, *, cap: int, key: str
) -> tuple[web.AppRunner, str]:
    # lingering_time=0: after answering a body it did not read (408, 413, 403) the connection
    # is closed at once instead of waiting for the rest
    runner = web.AppRunner(
        app,
        access_log=None,
        shutdown_timeout=2.0,
        keepalive_timeout=IDLE_TIMEOUT,
        lingering_time=0,
    )
    await runner.setup()
    try:
        await _CappedSite(runner, host, port, cap=cap).start()
    except OSError as exc:  # taken, or not an address of this machine: one line, the key
        await runner.cleanup()
        raise port_taken(host, port, exc, key=key) from None
    except BaseException:
        await runner.cleanup()
        raise
    bound_host, bound_port = runner.addresses[0][:2]
    shown = f"[{bound_host}]" if ":" in str(bound_host) else bound_host
    return runner, f"http://{shown}:{bound_port}"
