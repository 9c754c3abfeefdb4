"""`digestbot run` in webhook mode end to end: Telegram (the emulator) posts updates to us."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from dataclasses import replace

import aiohttp
import pytest
from conftest import Clock

from bot.app import BotRunner
from bot.config import Config, WebhookConfig
from bot.sandbox import Sandbox


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def app(config: Config, clock: Clock) -> AsyncIterator[BotRunner]:
    port = free_port()
    webhook = WebhookConfig(url=f"http://127.0.0.1:{port}", listen="127.0.0.1", port=port)
    runner = BotRunner(replace(config, webhook=webhook), now=clock, auto_tick=False)
    await runner.start()
    try:
        yield runner
    finally:
        await runner.stop()


async def test_webhook_mode_answers_commands(tg: Sandbox, app: BotRunner) -> None:
    """With a webhook URL the bot registers it with its secret and answers /start through it."""
    info = tg.webhook
    assert info.url.endswith("/telegram")
    assert info.secret_token
    assert app.app is not None
    assert app.app.updater is None
    alice = tg.add_user("Alice")
    chat = tg.private_chat(alice)
    tg.send(chat, alice, "/start")
    [welcome] = await tg.wait_messages(chat, 1)
    assert welcome.text.startswith("你好，Alice！")
    assert tg.webhook.delivered


async def test_health_and_metrics_are_served(tg: Sandbox, app: BotRunner) -> None:
    """/healthz says ok with the latest edition; /metrics speaks Prometheus."""
    assert app.web is not None
    async with aiohttp.ClientSession() as http:
        async with http.get(app.web.healthz_url) as answer:
            health = await answer.json()
        async with http.get(app.web.metrics_url) as answer:
            text = await answer.text()
    assert health["status"] in ("ok", "degraded")
    assert health["latest_edition"]["date"] == "2024-01-08"
    assert "digestbot_outbox_pending" in text
    assert "digestbot_messages_sent_total" in text
