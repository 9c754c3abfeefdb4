"""The bot's HTTP side: webhook mode end to end through the emulator, /healthz, /metrics."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import stat
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path

import aiohttp
import pytest
from conftest import free_port, metric_samples
from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import ApplicationBuilder, CallbackContext, ContextTypes, Defaults

from bot.app import ALLOWED_UPDATES, TELEGRAM_API, file_url
from bot.chat.handlers import App, register
from bot.config import Config, HttpConfig, WebhookConfig
from bot.digest.models import EditionKey
from bot.ingest.folder import scan_folder
from bot.ops.health import Health, RuntimeState, check_health
from bot.ops.metrics import Metrics, failure_reason
from bot.ops.web import (
    MAX_BODY,
    SECRET_FILE,
    SECRET_HEADER,
    WebServer,
    public_webhook_url,
    start_web,
    webhook_secret,
)
from bot.services import BotData, LiveAlerts, Services, utcnow
from bot.store.database import Store
from bot.store.gateway import Db
from bot.store.outbox import Kind, Planned, Target
from tgsandbox import Sandbox

LOOPBACK = "127.0.0.1"
START = {
    "update_id": 999,
    "message": {
        "message_id": 1,
        "date": 1_700_000_000,
        "chat": {"id": 900_000_001, "type": "private", "first_name": "Mallory"},
        "from": {"id": 900_000_001, "is_bot": False, "first_name": "Mallory"},
        "text": "/start",
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
    },
}


@dataclass(frozen=True, slots=True)
class WebhookBot:
    app: App
    server: WebServer
    secret: str
    store: Store
    state: RuntimeState
    metrics: Metrics
    processed: list[int]  # update ids PTB handled, in order


def health_of(store: Store, state: RuntimeState) -> Callable[[], Awaitable[Health]]:
    """/healthz of a store and a runtime state, as the running bot answers it."""

    async def health() -> Health:
        return check_health(store, state, now=utcnow(), tick=30.0)

    return health


def webhook_application(services: Services) -> App:
    """Like bot.app.build_application, without an Updater: updates come from the webhook."""
    telegram = services.config.telegram
    builder = (
        ApplicationBuilder()
        .token(telegram.token)
        .base_url(telegram.api_base_url or TELEGRAM_API)
        .base_file_url(file_url(telegram.api_base_url))
        .context_types(ContextTypes(context=CallbackContext, bot_data=BotData))
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .updater(None)
    )
    app: App = builder.build()  # type: ignore[assignment]
    app.bot_data.services = services
    register(app)
    return app


@pytest.fixture
def hook_config(config: Config) -> Config:
    """The test config in webhook mode: health and webhook each on a free loopback port."""
    return replace(
        config,
        webhook=WebhookConfig(url="", listen=LOOPBACK, port=0, path="/telegram"),
        http=HttpConfig(listen=LOOPBACK, port=0),
    )


@pytest.fixture
async def bot(hook_config: Config) -> AsyncIterator[WebhookBot]:
    """The real bot in webhook mode: PTB without an Updater, behind our aiohttp server."""
    store = Store(hook_config.db_path, topics=hook_config.topic_spec)
    db = Db.wrap(store)
    services = Services(config=hook_config, db=db, alerts=LiveAlerts(store.chats.alerts()))
    state = RuntimeState(started_at=utcnow())
    metrics = Metrics()
    metrics.watch(store, runtime=state)
    app = webhook_application(services)
    processed: list[int] = []
    process = app.process_update

    async def tracked(update: object) -> None:
        processed.append(getattr(update, "update_id", -1))
        await process(update)

    app.process_update = tracked  # type: ignore[method-assign]
    report = scan_folder(store, hook_config.digests_dir)
    state.scanned(utcnow(), errors=report.errors)
    await app.initialize()
    await app.start()
    secret = webhook_secret(hook_config)
    server = await start_web(
        http=hook_config.http,
        webhook=hook_config.webhook,
        secret=secret,
        application=app,
        health=health_of(store, state),
        metrics=metrics,
    )
    try:
        yield WebhookBot(app, server, secret, store, state, metrics, processed)
    finally:
        await server.stop()
        await app.stop()
        await app.shutdown()
        await db.close(store=False)
        store.close()


async def set_webhook(bot: WebhookBot, *, secret: str | None = None) -> None:
    assert bot.server.webhook_url is not None
    ok = await bot.app.bot.set_webhook(
        url=bot.server.webhook_url,
        secret_token=bot.secret if secret is None else secret,
        allowed_updates=ALLOWED_UPDATES,
    )
    assert ok


async def post(url: str, body: bytes, *, secret: str | None, chunked: bool = False) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 64 * 1024):
            yield body[start : start + 64 * 1024]

    data = chunks() if chunked else io.BytesIO(body)
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=data, headers=headers) as r,
    ):
        await r.read()
        return r.status


async def get(url: str) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as r:
        return r.status, r.headers.get("Content-Type", ""), await r.text()


# -- webhook mode ------------------------------------------------------------------------


async def test_webhook_mode_answers_start(tg: Sandbox, bot: WebhookBot) -> None:
    """In webhook mode a user's /start reaches the bot over HTTP and the welcome comes back."""
    await set_webhook(bot)
    alice = tg.add_user("Alice", language_code="en")
    chat = tg.private_chat(alice)
    tg.send(chat, alice, "/start")
    [welcome] = await tg.wait_messages(chat, 1)
    assert welcome.text.startswith("Hello, Alice!")
    assert tg.webhook.delivered == [tg.updates.last_update_id]
    assert tg.webhook.last_error_message is None
    assert tg.webhook.url == bot.server.webhook_url


async def test_webhook_with_the_wrong_secret_is_refused(tg: Sandbox, bot: WebhookBot) -> None:
    """Telegram calling with another secret gets 403 and the bot does nothing with it."""
    await set_webhook(bot, secret="not-the-right-secret")
    alice = tg.add_user("Alice", language_code="en")
    chat = tg.private_chat(alice)
    tg.send(chat, alice, "/start")
    error = await tg.wait_for(lambda sb: sb.webhook.last_error_message)
    assert error == "Wrong response from the webhook: 403 Forbidden"
    assert tg.webhook.delivered == []
    assert bot.app.update_queue.qsize() == 0
    assert bot.processed == []
    assert tg.messages(chat) == []


@pytest.mark.parametrize("secret", [None, "", "x" * 43], ids=["missing", "empty", "wrong"])
async def test_forged_update_is_refused(tg: Sandbox, bot: WebhookBot, secret: str | None) -> None:
    """A forged POST without the secret gets 403 and is never processed, later updates are."""
    await set_webhook(bot)
    assert bot.server.webhook_url is not None
    status = await post(bot.server.webhook_url, json.dumps(START).encode(), secret=secret)
    assert status == 403
    alice = tg.add_user("Alice", language_code="en")
    chat = tg.private_chat(alice)
    tg.send(chat, alice, "/start")
    await tg.wait_messages(chat, 1)
    assert bot.processed == [tg.updates.last_update_id]  # PTB handles updates in order
    assert tg.messages(START["message"]["chat"]["id"]) == []  # type: ignore[index]


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_oversized_body_is_refused(bot: WebhookBot, chunked: bool) -> None:
    """A body over 1 MiB is refused with 413, with or without a Content-Length."""
    assert bot.server.webhook_url is not None
    body = b'{"update_id": 1, "pad": "' + b"x" * MAX_BODY + b'"}'
    status = await post(bot.server.webhook_url, body, secret=bot.secret, chunked=chunked)
    assert status == 413
    assert bot.app.update_queue.qsize() == 0
    assert bot.processed == []


@pytest.mark.parametrize(
    "body",
    [
        b"not json at all",
        b"\xff\xfe\x00",
        b"[1, 2, 3]",
        b'{"hello": "world"}',
        b'{"update_id": "1"}',
        b'{"update_id": 5, "message": "not a message"}',
    ],
    ids=["text", "binary", "list", "no-update-id", "string-id", "bad-message"],
)
async def test_garbage_is_refused(bot: WebhookBot, body: bytes) -> None:
    """With the right secret, a body that is not a Telegram Update gets 400."""
    assert bot.server.webhook_url is not None
    assert await post(bot.server.webhook_url, body, secret=bot.secret) == 400
    assert bot.app.update_queue.qsize() == 0


async def test_update_while_not_running_is_left_for_telegram(bot: WebhookBot) -> None:
    """While PTB is stopped an update is answered 503, so Telegram delivers it again later."""
    assert bot.server.webhook_url is not None
    await bot.app.stop()
    status = await post(bot.server.webhook_url, json.dumps(START).encode(), secret=bot.secret)
    assert status == 503
    assert bot.app.update_queue.qsize() == 0
    await bot.app.start()


async def test_webhook_port_serves_only_the_webhook(bot: WebhookBot) -> None:
    """The public webhook port does not expose /healthz or /metrics, and vice versa."""
    assert bot.server.webhook_url is not None
    base = bot.server.webhook_url.removesuffix("/telegram")
    assert base != bot.server.http_url
    assert bot.server.webhook_port not in (None, 0, bot.server.http_port)
    assert (await get(f"{base}/metrics"))[0] == 404
    assert (await get(f"{base}/healthz"))[0] == 404
    status = await post(f"{bot.server.http_url}/telegram", b"{}", secret=bot.secret)
    assert status == 404


async def test_same_address_serves_everything_on_one_port(
    tg: Sandbox, hook_config: Config
) -> None:
    """When [http] and [webhook] name the same address and port, one server answers all."""
    port = free_port()
    metrics = Metrics()
    state = RuntimeState(started_at=utcnow())
    store = Store(":memory:")
    db = Db.wrap(store)
    app = webhook_application(Services(config=hook_config, db=db))
    await app.initialize()
    await app.start()
    server = await start_web(
        http=HttpConfig(listen=LOOPBACK, port=port),
        webhook=WebhookConfig(listen=LOOPBACK, port=port, path="/hook"),
        secret="s3cret",
        application=app,
        health=health_of(store, state),
        metrics=metrics,
    )
    try:
        assert len(server.runners) == 1
        assert server.http_port == server.webhook_port == port
        assert server.http_url == f"http://{LOOPBACK}:{port}"
        assert server.webhook_url == f"http://{LOOPBACK}:{port}/hook"
        assert (await get(server.healthz_url))[0] == 200
        assert (await get(server.metrics_url))[0] == 200
        assert await post(server.webhook_url, b"[]", secret="s3cret") == 400
    finally:
        await server.stop()
        await app.stop()
        await app.shutdown()
        await db.close()


async def test_slow_bodies_and_connection_floods_are_cut_off(
    bot: WebhookBot, hook_config: Config
) -> None:
    """A client that sends its headers and then its body too slowly gets 408 and is
    disconnected; one opening more connections than the cap gets the extra ones closed."""
    server = await start_web(
        http=hook_config.http,
        health=health_of(bot.store, bot.state),
        metrics=Metrics(),
        webhook=hook_config.webhook,
        secret=bot.secret,
        application=bot.app,
        body_deadline=0.3,
        max_connections=4,
    )
    try:
        assert server.webhook_port is not None
        port = server.webhook_port
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            "POST /telegram HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"{SECRET_HEADER}: {bot.secret}\r\nContent-Length: 100\r\n\r\n{{".encode()
        )
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), timeout=10)  # read until closed
        assert answer.startswith(b"HTTP/1.1 408")
        writer.close()
        idle = [await asyncio.open_connection("127.0.0.1", port) for _ in range(4)]
        extra_reader, extra_writer = await asyncio.open_connection("127.0.0.1", port)
        assert await asyncio.wait_for(extra_reader.read(), timeout=10) == b""  # closed at once
        extra_writer.close()
        for _, w in idle:
            w.close()
    finally:
        await server.stop()


def test_public_webhook_url_adds_the_path_when_the_url_has_none() -> None:
    """setWebhook gets url + path, unless the configured url already names a path."""
    hook = WebhookConfig(url="https://bot.example.org", path="/telegram")
    assert public_webhook_url(hook) == "https://bot.example.org/telegram"
    hook = WebhookConfig(url="https://example.org/digest/hook", path="/telegram")
    assert public_webhook_url(hook) == "https://example.org/digest/hook"


# -- the webhook secret ------------------------------------------------------------------


def test_secret_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    """Without a configured secret one is generated into the data folder (0600) and reused."""
    config = Config(data_dir=tmp_path / "data")
    first = webhook_secret(config)
    path = tmp_path / "data" / SECRET_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= 32
    assert set(first) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
    assert webhook_secret(config) == first
    assert webhook_secret(Config(data_dir=tmp_path / "data")) == first
    assert path.read_text("ascii").strip() == first


def test_configured_secret_wins_and_writes_nothing(tmp_path: Path) -> None:
    """A secret_token in the config is used as is; no file is written."""
    config = Config(data_dir=tmp_path / "data", webhook=WebhookConfig(secret_token="abc_DEF-1"))
    assert webhook_secret(config) == "abc_DEF-1"
    assert not (tmp_path / "data" / SECRET_FILE).exists()


def test_unusable_secret_file_is_replaced(tmp_path: Path) -> None:
    """A secret file holding characters Telegram refuses is replaced by a good secret."""
    path = tmp_path / SECRET_FILE
    path.write_text("not a valid secret!\n", "ascii")
    secret = webhook_secret(Config(data_dir=tmp_path))
    assert secret != "not a valid secret!"
    assert path.read_text("ascii").strip() == secret
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_loose_secret_file_permissions_are_tightened(tmp_path: Path) -> None:
    """A kept secret readable by others is made private again (0600) and still used."""
    path = tmp_path / SECRET_FILE
    path.write_text("kept_secret-123\n", "ascii")
    path.chmod(0o644)
    assert webhook_secret(Config(data_dir=tmp_path)) == "kept_secret-123"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


# -- /healthz and /metrics ---------------------------------------------------------------


async def test_healthz_reports_the_bot(bot: WebhookBot) -> None:
    """/healthz answers 200 with status, last scan, latest edition, outbox, push, 429s."""
    status, content_type, text = await get(bot.server.healthz_url)
    assert status == 200
    assert content_type.startswith("application/json")
    doc = json.loads(text)
    assert doc["status"] == "ok"
    assert doc["reasons"] == []
    assert set(doc) >= {
        "last_scan",
        "latest_edition",
        "outbox",
        "last_push",
        "throttled_last_hour",
    }
    assert doc["latest_edition"]["date"] == "2024-01-08"
    assert doc["latest_edition"]["items"] == 10
    assert doc["outbox"] == {
        "pending": 0,
        "pending_by_kind": {},
        "next_due": None,
        "lag_seconds": 0.0,
    }
    assert doc["last_scan"]["errors"] == []
    assert doc["last_push"] is None
    assert doc["throttled_last_hour"] == 0


async def test_healthz_is_503_when_degraded(bot: WebhookBot) -> None:
    """A failing source turns /healthz into 503 "degraded" naming the source."""
    bot.state.scanned(utcnow(), failing_sources=["https://example.org/{date}.md"])
    status, _, text = await get(bot.server.healthz_url)
    assert status == 503
    doc = json.loads(text)
    assert doc["status"] == "degraded"
    assert doc["reasons"] == ["sources failing: https://example.org/{date}.md"]


async def test_metrics_are_prometheus_text(bot: WebhookBot) -> None:
    """/metrics is Prometheus text with the bot's counters and the store's figures."""
    store, metrics = bot.store, bot.metrics
    store.chats.ensure_chat(1, type="private")
    store.chats.ensure_chat(-100, type="group")
    store.chats.set_active(-100, False, reason="kicked")
    store.chats.add_alert(1, ("储能",), ())
    overdue = utcnow() - dt.timedelta(minutes=5)
    edition = Target(EditionKey(0, dt.date(2024, 1, 8)))
    store.outbox.plan([Planned(1, edition, Kind.EDITION, overdue)], now=overdue)
    metrics.message_sent("edition")
    metrics.message_sent("alert", 2)
    metrics.message_failed("transient: connection reset by peer")
    metrics.throttled(7.0)
    metrics.command("today", 0.2)
    metrics.ingest_error()
    status, content_type, text = await get(bot.server.metrics_url)
    assert status == 200
    assert content_type.startswith("text/plain")
    samples = metric_samples(text)
    assert samples[("digestbot_messages_sent_total", (("kind", "edition"),))] == 1
    assert samples[("digestbot_messages_sent_total", (("kind", "alert"),))] == 2
    assert samples[("digestbot_messages_failed_total", (("reason", "transient"),))] == 1
    assert samples[("digestbot_throttled_total", ())] == 1
    assert samples[("digestbot_retry_after_seconds_total", ())] == 7.0
    assert samples[("digestbot_command_seconds_count", (("command", "today"),))] == 1
    assert samples[("digestbot_ingest_errors_total", ())] == 1
    assert samples[("digestbot_outbox_pending", (("kind", "edition"),))] == 1
    assert 290 <= samples[("digestbot_push_lag_seconds", ())] <= 400
    assert samples[("digestbot_chats", (("state", "active"), ("type", "private")))] == 1
    assert samples[("digestbot_chats", (("state", "inactive"), ("type", "group")))] == 1
    assert samples[("digestbot_alerts", ())] == 1
    assert samples[("digestbot_store_up", ())] == 1
    assert samples[("digestbot_digest_errors", ())] == 0
    assert ("digestbot_last_scan_timestamp_seconds", ()) in samples


def test_two_bots_in_one_process_have_separate_metrics() -> None:
    """Each bot counts into its own registry (no clash with a second bot, or the default)."""
    first, second = Metrics(), Metrics()
    first.message_sent("edition")
    body, _ = second.exposition()
    assert b'digestbot_messages_sent_total{kind="edition"} 1.0' not in body
    assert b'digestbot_messages_sent_total{kind="edition"} 1.0' in first.exposition()[0]


def test_a_closed_store_does_not_break_the_scrape() -> None:
    """If the store cannot be read, /metrics still answers, with digestbot_store_up 0."""
    metrics = Metrics()
    store = Store(":memory:")
    metrics.watch(store)
    store.close()
    body, _ = metrics.exposition()
    assert b"digestbot_store_up 0.0" in body
    assert b"digestbot_outbox_pending" not in body


def test_failure_reasons_stay_few() -> None:
    """Failure labels are short categories, not whole error messages."""
    assert failure_reason("transient: Connection reset by peer") == "transient"
    assert failure_reason("bad request: message is too long") == "bad request"
    assert failure_reason("blocked") == "blocked"
    assert failure_reason("") == "unknown"
    assert len(failure_reason("x" * 500)) <= 40


def test_update_is_parsed_like_telegram_sends_it() -> None:
    """The forged update used above is a well-formed Update (so 403 is about the secret)."""
    update = Update.de_json(START, None)
    assert update.message is not None
    assert update.message.text == "/start"
