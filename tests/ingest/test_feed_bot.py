"""A newsletter's feed in the running bot: polled on the tick, its entry pushed to a chat that
subscribed in Telegram, and a changed entry corrected in place."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from aiohttp import web
from conftest import Clock, manual_bot

from bot.app import BotRunner
from bot.config import Config, PushConfig, Source, SourceKind
from tgsandbox import Sandbox

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2024, 3, 5, 6, 0, tzinfo=SHANGHAI)


def feed(word: str) -> str:
    """A Substack-shaped RSS 2.0 feed with one entry of two stories, published this morning."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss xmlns:content="http://purl.org/rss/1.0/modules/content/" version="2.0">
<channel>
<title><![CDATA[Carbon Weekly]]></title>
<link>https://carbonweekly.substack.com</link>
<item>
<title><![CDATA[Storage and hydrogen]]></title>
<link>https://carbonweekly.substack.com/p/storage-and-hydrogen</link>
<guid isPermaLink="false">storage-and-hydrogen</guid>
<pubDate>Tue, 05 Mar 2024 05:30:00 +0800</pubDate>
<content:encoded><![CDATA[
<h3><a href="https://example.org/storage">Grid storage {word}</a></h3>
<p>Battery installations outpaced forecasts.</p>
<h3><a href="https://example.org/hydrogen">Hydrogen trucks cross 10,000</a></h3>
<p>Fuel-cell trucks sold in 2023.</p>
]]></content:encoded>
</item>
</channel>
</rss>
"""


class Newsletter:
    """A local web server standing in for the newsletter's host."""

    def __init__(self) -> None:
        self.body = feed("doubles")

    async def handle(self, request: web.Request) -> web.Response:
        return web.Response(text=self.body, content_type="application/rss+xml")


@pytest.fixture
async def newsletter() -> AsyncIterator[tuple[Newsletter, str]]:
    site = Newsletter()
    app = web.Application()
    app.router.add_get("/feed", site.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    tcp = web.TCPSite(runner, "127.0.0.1", 0)
    await tcp.start()
    host, port = runner.addresses[0][:2]
    try:
        yield site, f"http://{host}:{port}/feed"
    finally:
        await runner.cleanup()


@pytest.fixture
def digests(tmp_path: Path) -> Path:
    """No digests folder of its own: the feed is the bot's only source."""
    folder = tmp_path / "digests"
    folder.mkdir()
    return folder


@pytest.fixture
async def app(
    config: Config, clock: Clock, newsletter: tuple[Newsletter, str]
) -> AsyncIterator[BotRunner]:
    source = Source(newsletter[1], SourceKind.FEED)
    push = PushConfig(time=dt.time(8), timezone="Asia/Shanghai")
    async with manual_bot(replace(config, sources=(source,), push=push), clock, NOW) as runner:
        yield runner


async def test_a_subscribed_chat_gets_the_feeds_edition_and_its_correction(
    tg: Sandbox, app: BotRunner, clock: Clock, newsletter: tuple[Newsletter, str]
) -> None:
    """/subscribe, then at push time the feed's entry arrives; a fixed entry edits it."""
    user = tg.add_user("Mei")
    chat = tg.private_chat(user)
    tg.send(chat, user, "/start")
    tg.send(chat, user, "/subscribe")
    await tg.wait_messages(chat, 2)
    clock.set(NOW.replace(hour=8))
    await app.tick()
    [*_, pushed] = await tg.wait_messages(chat, 3)
    assert pushed.text.startswith("Carbon Weekly")
    assert "Grid storage doubles" in pushed.text
    assert "Hydrogen trucks cross 10,000" in pushed.text
    newsletter[0].body = feed("doubles again")
    clock.set(NOW.replace(hour=10))
    report = await app.tick()
    assert report.remote is not None
    assert [k.date for k in report.remote.changed] == [NOW.date()]
    [edited] = await tg.wait_for(
        lambda sb: [m for m in sb.messages(chat) if "doubles again" in m.text]
    )
    assert edited.message_id == pushed.message_id
    assert len(tg.messages(chat)) == 3
