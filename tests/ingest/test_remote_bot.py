"""A remote source in the running bot: fetched on the tick, pushed, kept when it fails."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from aiohttp import web
from conftest import Clock, manual_bot

from bot.app import BotRunner
from bot.config import Config, PushConfig, Source
from bot.digest.models import EditionKey
from tgsandbox import Sandbox

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2024, 3, 5, 9, 0, tzinfo=SHANGHAI)
DIGEST = "---\ntitle: 远程日报 2024-03-05\n---\n1. 远程来源的储能消息。 https://example.org/r1\n"


class Publisher:
    """A local web server standing in for the publisher's site."""

    def __init__(self) -> None:
        self.status = 200
        self.requests = 0

    async def handle(self, request: web.Request) -> web.Response:
        self.requests += 1
        if self.status != 200:
            return web.Response(status=self.status, text="down")
        assert request.match_info["day"] == "2024-03-05"
        return web.Response(text=DIGEST, content_type="text/markdown")


@pytest.fixture
async def publisher() -> AsyncIterator[tuple[Publisher, str]]:
    site = Publisher()
    app = web.Application()
    app.router.add_get("/digests/{day}.md", site.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    tcp = web.TCPSite(runner, "127.0.0.1", 0)
    await tcp.start()
    port = tcp._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield site, f"http://127.0.0.1:{port}/digests/{{date}}.md"
    finally:
        await runner.cleanup()


@pytest.fixture
async def app(
    config: Config, clock: Clock, publisher: tuple[Publisher, str]
) -> AsyncIterator[BotRunner]:
    config = replace(config, sources=(Source(publisher[1]),), push=PushConfig(time=dt.time(8)))
    async with manual_bot(config, clock, NOW) as runner:
        yield runner


async def test_remote_edition_is_fetched_and_pushed(
    tg: Sandbox, app: BotRunner, publisher: tuple[Publisher, str]
) -> None:
    """The {date} URL is fetched on the tick; subscribers get its edition; a 500 keeps it."""
    site, _ = publisher
    assert app.store is not None
    assert (
        app.store.editions.get_edition(EditionKey(0, NOW.date())) is not None
    )  # the start-up tick fetched it
    reader = tg.private_chat(tg.add_user("Alice"))
    app.store.chats.ensure_chat(reader.id, type="private")
    app.store.chats.subscribe(reader.id)
    app.store.db.execute("UPDATE subscriptions SET created_at = '2024-03-01T00:00:00+00:00'")
    site.status = 500
    report = await app.tick()
    assert report.remote is not None
    assert report.remote.failing
    [message] = await tg.wait_messages(reader.id, 1)
    assert message.text.startswith("远程日报 · 2024年3月5日")
    assert app.store.editions.get_edition(EditionKey(0, NOW.date())) is not None
