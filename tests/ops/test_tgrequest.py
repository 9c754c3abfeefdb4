"""The bot's Bot API transport (aiohttp): bodies, uploads, and what each failure means."""

from __future__ import annotations

import asyncio
import struct
import zlib
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from conftest import TOKEN, Emulator
from telegram import Bot
from telegram.error import NetworkError, TimedOut

from bot.ops.tgrequest import AiohttpRequest, NotSent


def tiny_png(width: int = 3, height: int = 2) -> bytes:
    """A valid PNG of ``width`` x ``height`` white pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\xff" * 3 * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
async def bot(emulator: Emulator) -> AsyncIterator[Bot]:
    request = AiohttpRequest()
    async with Bot(TOKEN, base_url=f"{emulator.url}/bot", request=request) as bot:
        yield bot


async def test_text_and_unicode_arrive_intact(emulator: Emulator, bot: Bot) -> None:
    """A message with Han text, emoji and markup arrives exactly as sent."""
    tg = emulator.sandbox
    chat = tg.private_chat(tg.add_user("Li"))
    sent = await bot.send_message(chat.id, "🔔 <b>储能</b> & 绿证", parse_mode="HTML")
    [message] = tg.messages(chat)
    assert message.text == "🔔 储能 & 绿证"
    assert sent.message_id == message.message_id
    assert [e["type"] for e in message.entities] == ["bold"]


async def test_a_photo_upload_arrives_with_its_caption(emulator: Emulator, bot: Bot) -> None:
    """A PNG uploaded as multipart form data is stored as a photo of the right size."""
    tg = emulator.sandbox
    chat = tg.private_chat(tg.add_user("Li"))
    sent = await bot.send_photo(chat.id, tiny_png(3, 2), caption="储能 · 2024")
    assert sent.caption == "储能 · 2024"
    assert (sent.photo[-1].width, sent.photo[-1].height) == (3, 2)
    [message] = tg.messages(chat)
    assert message.caption == "储能 · 2024"


class SlowServer:
    """A Bot API stand-in that answers after ``delay`` seconds and counts what reached it."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.received = 0
        self.arrived = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        self.received += 1
        self.arrived.set()
        await asyncio.sleep(self.delay)  # the server being slow, not the test waiting
        return web.json_response({"ok": True, "result": True})


@pytest.fixture
async def slow() -> AsyncIterator[tuple[SlowServer, str]]:
    server = SlowServer(delay=2.0)
    app = web.Application()
    app.router.add_post("/{tail:.*}", server.handle)
    async with TestServer(app, host="127.0.0.1") as test_server:
        yield server, str(test_server.make_url("/bot"))


async def test_a_slow_answer_is_an_ambiguous_timeout(slow: tuple[SlowServer, str]) -> None:
    """No answer within the read timeout: TimedOut (it may have been sent), not NotSent."""
    server, url = slow
    request = AiohttpRequest(read_timeout=0.2)
    await request.initialize()
    try:
        with pytest.raises(TimedOut) as caught:
            await request.post(f"{url}/close")
    finally:
        await request.shutdown()
    assert not isinstance(caught.value, NotSent)
    assert server.received == 1


async def test_no_free_connection_means_not_sent(slow: tuple[SlowServer, str]) -> None:
    """Waiting too long for a pooled connection: NotSent, and the server never saw it."""
    server, url = slow
    request = AiohttpRequest(pool_size=1, connect_timeout=0.1, pool_timeout=0.1)
    await request.initialize()
    try:
        first = asyncio.create_task(request.post(f"{url}/close"))
        await server.arrived.wait()  # the first request holds the only connection
        with pytest.raises(NotSent):
            await request.post(f"{url}/close")
        assert server.received == 1
        assert await first is True
    finally:
        await request.shutdown()


async def test_a_refused_connection_is_a_network_error() -> None:
    """Nothing listening: a NetworkError naming the cause (retried by the sender)."""
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(NetworkError, match=r"aiohttp\.ClientConnectorError"):
            await request.post(f"http://127.0.0.1:{port}/bot/getMe")
    finally:
        await request.shutdown()


async def test_requests_go_through_the_proxy_the_environment_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """HTTP_PROXY is honoured (a bot behind a proxy reaches Telegram), NO_PROXY exempts a host."""
    asked: list[str] = []

    async def proxy(request: web.Request) -> web.Response:
        asked.append(str(request.url))
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", proxy)
    async with TestServer(app, host="127.0.0.1") as server:
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{server.port}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        request = AiohttpRequest()
        await request.initialize()
        try:
            await request.post("http://api.telegram.example/bot123/getMe")
            assert asked == ["http://api.telegram.example/bot123/getMe"]
            closed = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
            port = closed.sockets[0].getsockname()[1]
            closed.close()
            await closed.wait_closed()
            monkeypatch.setenv("NO_PROXY", "127.0.0.1")
            fresh = AiohttpRequest()
            await fresh.initialize()
            try:
                with pytest.raises(NetworkError):
                    await fresh.post(f"http://127.0.0.1:{port}/bot123/getMe")
            finally:
                await fresh.shutdown()
            assert len(asked) == 1  # the exempt host was asked directly, not via the proxy
        finally:
            await request.shutdown()
