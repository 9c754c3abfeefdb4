"""Two instances on one PostgreSQL database behind a load balancer: an update Telegram posts to
both (a retry that the balancer sent to the other one) is answered once."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from conftest import Clock, free_port
from test_webhook_mode import post, update

from bot.app import BotRunner
from bot.config import Config, WebhookConfig
from bot.ops.web import webhook_secret
from tgsandbox import Sandbox


def instance(config: Config, folder: Path, *, pg_url: str, secret: str) -> Config:
    """One instance's config: its own data folder (journal, lock) and webhook port, the shared
    database and webhook secret."""
    port = free_port()
    hook = WebhookConfig(
        url=f"http://127.0.0.1:{port}", listen="127.0.0.1", port=port, secret_token=secret
    )
    return replace(config, data_dir=folder, db_path=folder / "bot.sqlite3", db_url=pg_url,
                   webhook=hook)  # fmt: skip


async def test_an_update_posted_to_both_instances_is_answered_once(
    tg: Sandbox, config: Config, clock: Clock, pg_url: str, tmp_path: Path
) -> None:
    """The same update_id posted to each instance gets one reply; a new one is answered by
    whichever instance it reaches."""
    secret = "shared-secret_0123456789"
    configs = [instance(config, tmp_path / n, pg_url=pg_url, secret=secret) for n in "ab"]
    runners = [BotRunner(c, now=clock, auto_tick=False) for c in configs]
    for runner in runners:
        await runner.start()
    try:
        user = tg.add_user("Eve", language_code="en")
        tg.private_chat(user)
        urls = [f"http://127.0.0.1:{c.webhook.port}{c.webhook.path}" for c in configs]
        body = update(901, user.id, "/help")
        assert webhook_secret(configs[0]) == webhook_secret(configs[1]) == secret
        assert [await post(url, body, secret) for url in urls] == [200, 200]
        await tg.wait_messages(user.id, 1)
        assert await post(urls[1], update(902, user.id, "/start"), secret) == 200
        await tg.wait_messages(user.id, 2)
    finally:
        for runner in runners:
            await runner.stop()
    texts = [m.text for m in tg.messages(user.id)]
    assert len(texts) == 2
    assert texts[1].startswith("Hello, Eve!")
