"""`digestbot run` in webhook mode end to end: Telegram (the emulator) posts updates to us."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest
from conftest import TOKEN, BotProcess, Clock, Emulator, free_port

from bot.app import BotRunner
from bot.config import Config, WebhookConfig
from bot.ops.web import SECRET_HEADER, webhook_secret
from tgsandbox import FaultConfig, Sandbox


@pytest.fixture
def hook_config(config: Config) -> Config:
    port = free_port()
    webhook = WebhookConfig(url=f"http://127.0.0.1:{port}", listen="127.0.0.1", port=port)
    return replace(config, webhook=webhook)


@pytest.fixture
async def app(hook_config: Config, clock: Clock) -> AsyncIterator[BotRunner]:
    runner = BotRunner(hook_config, now=clock, auto_tick=False)
    await runner.start()
    try:
        yield runner
    finally:
        await runner.stop()


def update(update_id: int, user_id: int, text: str) -> bytes:
    """An Update as Telegram posts it: a private message from ``user_id``."""
    user = {"id": user_id, "is_bot": False, "first_name": "Eve", "language_code": "en"}
    message = {
        "message_id": update_id,
        "date": 1_700_000_000,
        "chat": {"id": user_id, "type": "private", "first_name": "Eve"},
        "from": user,
        "text": text,
        "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
    }
    return json.dumps({"update_id": update_id, "message": message}).encode()


async def post(url: str, body: bytes, secret: str) -> int:
    headers = {"Content-Type": "application/json", SECRET_HEADER: secret}
    async with aiohttp.ClientSession() as http, http.post(url, data=body, headers=headers) as r:
        return r.status


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


async def test_a_replayed_update_is_answered_once_even_after_a_restart(
    tg: Sandbox, app: BotRunner, hook_config: Config, clock: Clock
) -> None:
    """The same update_id posted three times gets one reply; after a restart, still none."""
    user = tg.add_user("Eve", language_code="en")
    tg.private_chat(user)
    url, secret = tg.webhook.url, webhook_secret(hook_config)
    body = update(777, user.id, "/help")
    assert [await post(url, body, secret) for _ in range(3)] == [200, 200, 200]
    await tg.wait_messages(user.id, 1)
    await app.stop()
    again = BotRunner(hook_config, now=clock, auto_tick=False)
    await again.start()
    try:
        assert await post(tg.webhook.url, body, secret) == 200
        assert await post(tg.webhook.url, update(778, user.id, "/start"), secret) == 200
        await tg.wait_messages(user.id, 2)
    finally:
        await again.stop()
    texts = [m.text for m in tg.messages(user.id)]
    assert len(texts) == 2
    assert texts[1].startswith("Hello, Eve!")


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 200_000 + b"]" * 200_000,
        b'{"update_id": true}',
        b'{"update_id": -5}',
        b'{"update_id": 100000000000000000000000000, "message": {}}',
    ],
    ids=["200k-deep", "boolean-id", "negative-id", "huge-id"],
)
async def test_hostile_bodies_are_400_not_500(
    tg: Sandbox, app: BotRunner, hook_config: Config, body: bytes
) -> None:
    """Deeply nested JSON and update ids that are not whole numbers get 400, and the bot still
    answers the next real update."""
    secret = webhook_secret(hook_config)
    deep = b'{"update_id": 1, "x": ' + b"[" * 100 + b"]" * 100 + b"}"
    assert await post(tg.webhook.url, body, secret) == 400
    assert await post(tg.webhook.url, deep, secret) == 400
    user = tg.add_user("Eve", language_code="en")
    tg.private_chat(user)
    assert await post(tg.webhook.url, update(5, user.id, "/start"), secret) == 200
    await tg.wait_messages(user.id, 1)


async def test_an_acknowledged_update_survives_kill_9(tmp_path: Path, emulator: Emulator) -> None:
    """/help posted to a bot that answers 200 and is killed (kill -9) before it could reply is
    answered by the next bot; Telegram's retry of it afterwards is answered by nobody."""
    tg = emulator.sandbox
    port = free_port()
    data = tmp_path / "data"
    data.mkdir()
    (tmp_path / "digests").mkdir()
    config = tmp_path / "config.toml"
    config.write_text(
        f'[telegram]\ntoken = "{TOKEN}"\napi_base_url = "{emulator.url}/bot"\n'
        f'[digests]\ndir = "{tmp_path / "digests"}"\n'
        f'[webhook]\nurl = "http://127.0.0.1:{port}"\nlisten = "127.0.0.1"\nport = {port}\n'
        "[http]\nport = 0\n",
        "utf-8",
    )
    bot = BotProcess(config, data, tmp_path / "bot.log")
    user = tg.add_user("Eve", language_code="en")
    tg.private_chat(user)
    body = update(4242, user.id, "/help")
    try:
        async with asyncio.timeout(60):
            await bot.start()
            await tg.wait_for(lambda sb: sb.counters["setWebhook"] == 1, timeout=30)
            secret = (data / "webhook_secret").read_text("ascii").strip()
            tg.faults = FaultConfig(partition=True)  # the reply never reaches Telegram
            assert await post(tg.webhook.url, body, secret) == 200
            await tg.wait_for(lambda sb: sb.counters.faults_partitioned >= 1, timeout=30)
            await bot.kill()
            tg.faults = FaultConfig()
            assert not tg.messages(user.id)
            await bot.start()
            [answer] = await tg.wait_messages(user.id, 1, timeout=30)
            assert answer.text.startswith("Commands")
            await tg.wait_for(lambda sb: sb.counters["setWebhook"] == 2, timeout=30)
            assert await post(tg.webhook.url, body, secret) == 200  # Telegram's retry
            assert await post(tg.webhook.url, update(4243, user.id, "/start"), secret) == 200
            *_, welcome = await tg.wait_messages(user.id, 2, timeout=30)
            assert welcome.text.startswith("Hello, Eve!")
            assert await bot.stop(within=10) == 0
    finally:
        await bot.kill()
    assert len(tg.messages(user.id)) == 2
