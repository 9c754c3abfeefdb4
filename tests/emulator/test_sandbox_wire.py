"""The sandbox speaks the Bot API's wire format: encodings, exact error bodies, long polling,
offsets, allowed_updates and webhooks (checked over raw HTTP against literal JSON fixtures)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp import web
from yarl import URL

from tgsandbox import Sandbox, start_sandbox

TOKEN = "123456:TEST-token"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "botapi"
NOW = 1_700_000_000.0


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text("utf-8"))


class Api:
    """A raw HTTP client of the sandbox: (status, body) of each call."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.session, self.url = session, url

    async def call(
        self, method: str, *, token: str = TOKEN, http: str = "POST", **kwargs: Any
    ) -> tuple[int, Any]:
        async with self.session.request(http, f"{self.url}/bot{token}/{method}", **kwargs) as r:
            return r.status, await r.json()

    async def json(self, method: str, **params: Any) -> tuple[int, Any]:
        return await self.call(method, json=params)


@pytest.fixture
def sb() -> Sandbox:
    return Sandbox(token=TOKEN, bot_username="digest_test_bot", wall_clock=lambda: NOW)


@pytest.fixture
async def api(sb: Sandbox) -> AsyncIterator[Api]:
    runner, url = await start_sandbox(sb, port=0)
    try:
        async with aiohttp.ClientSession() as session:
            yield Api(session, url)
    finally:
        await runner.cleanup()


MESSAGE = {
    "chat_id": 200000001,
    "text": '<b>Hello</b>, <a href="https://example.com">world</a> 🌍',
    "parse_mode": "HTML",
    "reply_markup": {"inline_keyboard": [[{"text": "Open", "callback_data": "open:1"}]]},
    "link_preview_options": {"is_disabled": True},
}


def as_strings(params: dict[str, Any]) -> dict[str, str]:
    """Arguments as a form carries them: JSON text for every non-string value."""
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}


def multipart(params: dict[str, Any]) -> aiohttp.FormData:
    form = aiohttp.FormData(default_to_multipart=True)
    for key, value in as_strings(params).items():
        form.add_field(key, value)
    return form


ENCODINGS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "form": lambda p: {"data": as_strings(p)},
    "json": lambda p: {"json": p},
    "multipart": lambda p: {"data": multipart(p)},
    "query": lambda p: {"params": as_strings(p), "http": "GET"},
}


@pytest.mark.parametrize("encoding", ENCODINGS)
async def test_every_encoding_gives_the_same_message(sb: Sandbox, api: Api, encoding: str) -> None:
    """Form, JSON, multipart and query-string requests send the same message, as Telegram would."""
    sb.private_chat(sb.add_user("Alice", username="alice"))
    status, body = await api.call("sendMessage", **ENCODINGS[encoding](MESSAGE))
    assert (status, body) == (200, fixture("send_message"))


async def test_method_names_are_case_insensitive(sb: Sandbox, api: Api) -> None:
    """ "SENDMESSAGE" and "sendmessage" are sendMessage."""
    sb.private_chat(sb.add_user("Alice", username="alice"))
    for name in ("SENDMESSAGE", "sendmessage"):
        status, body = await api.json(name, chat_id=200000001, text="x")
        assert status == 200
        assert body["result"]["text"] == "x"
    assert sb.counters["sendMessage"] == 2


async def test_updates_are_the_bot_api_json(sb: Sandbox, api: Api) -> None:
    """A user's /start arrives as the exact Update JSON Telegram sends."""
    alice = sb.add_user("Alice", username="alice")
    sb.send(sb.private_chat(alice), alice, "/start")
    assert await api.json("getUpdates") == (200, fixture("get_updates_start"))


def _blocked(sb: Sandbox) -> dict[str, Any]:
    alice = sb.add_user("Alice")
    sb.block(alice)
    return {"chat_id": alice.id, "text": "hi"}


def _kicked(sb: Sandbox) -> dict[str, Any]:
    alice = sb.add_user("Alice")
    group = sb.add_group("Readers", members=[alice])
    sb.set_bot_status(group, "kicked", by=alice)
    return {"chat_id": group.id, "text": "hi"}


def _deactivated(sb: Sandbox) -> dict[str, Any]:
    alice = sb.add_user("Alice")
    sb.private_chat(alice)
    sb.deactivate(alice)
    return {"chat_id": alice.id, "text": "hi"}


def _migrated(sb: Sandbox) -> dict[str, Any]:
    alice = sb.add_user("Alice")
    group = sb.add_group("Readers", members=[alice], admins=[alice])
    sb.migrate(group)
    return {"chat_id": group.id, "text": "hi"}


def _private(sb: Sandbox, **params: Any) -> dict[str, Any]:
    alice = sb.add_user("Alice")
    sb.private_chat(alice)
    return {"chat_id": alice.id} | params


def _flooded(sb: Sandbox) -> dict[str, Any]:
    sb.flood.strict = True
    sb.flood_control.clock = lambda: 50.0
    params = _private(sb, text="one")
    sb.flood_control.check("sendMessage", params["chat_id"], private=True)
    return params | {"text": "two"}


ERROR_CASES: dict[str, Callable[[Sandbox], dict[str, Any]]] = {
    "error_400_entities": lambda sb: _private(sb, text="<b>bold", parse_mode="HTML"),
    "error_400_too_long": lambda sb: _private(sb, text="x" * 4097),
    "error_400_chat_not_found": lambda sb: _private(sb, text="hi") | {"chat_id": 42},
    "error_403_blocked": _blocked,
    "error_403_kicked": _kicked,
    "error_403_deactivated": _deactivated,
    "error_400_migrated": _migrated,
    "error_429_flood": _flooded,
    "error_400_button_data": lambda sb: _private(
        sb,
        text="x",
        reply_markup={"inline_keyboard": [[{"text": "b", "callback_data": "d" * 65}]]},
    ),
}


@pytest.mark.parametrize("case", ERROR_CASES)
async def test_send_errors_are_telegrams(sb: Sandbox, api: Api, case: str) -> None:
    """Each refusal of sendMessage has Telegram's status, description and parameters."""
    params = ERROR_CASES[case](sb)
    expected = fixture(case)
    assert await api.json("sendMessage", **params) == (expected["error_code"], expected)


NOT_UTF8 = {
    "ok": False,
    "error_code": 400,
    "description": "Bad Request: strings must be encoded in UTF-8",
}


def wire(value: Any) -> bytes:
    """What a client that never checks its strings sends: a lone surrogate as its 3 bytes."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text.encode("utf-8", "surrogatepass")


async def send_unchecked(api: Api, encoding: str, params: dict[str, Any]) -> tuple[int, Any]:
    """sendMessage with ``params`` in ``encoding``, lone surrogates and all."""
    url, raw = f"{api.url}/bot{TOKEN}/sendMessage", {wire(k): wire(v) for k, v in params.items()}
    if encoding == "json":  # json.dumps writes "\ud83d"
        return await api.call("sendMessage", json=params)
    if encoding == "query":
        request = api.session.get(URL(f"{url}?{urlencode(raw)}", encoded=True))
    elif encoding == "form":
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        request = api.session.post(url, data=urlencode(raw).encode(), headers=form)
    else:
        with aiohttp.MultipartWriter("form-data") as writer:
            for key, value in raw.items():
                part = writer.append(value, {"Content-Type": "text/plain"})
                part.set_content_disposition("form-data", name=key.decode())
        request = api.session.post(url, data=writer)
    async with request as response:
        return response.status, await response.json()


@pytest.mark.parametrize("encoding", ENCODINGS)
async def test_strings_that_are_not_utf8_are_refused(sb: Sandbox, api: Api, encoding: str) -> None:
    """A lone surrogate in any argument is 400 "strings must be encoded in UTF-8", nothing is
    sent, and every later answer (getUpdates, sendMessage, the control API) is still served."""
    alice = sb.add_user("Alice")
    chat = sb.private_chat(alice)
    button = {"inline_keyboard": [[{"text": "\ud83d", "callback_data": "x"}]]}
    refused = [
        {"chat_id": chat.id, "text": "lone \ud83d"},
        {"chat_id": chat.id, "text": "menu", "reply_markup": button},
    ]
    if encoding != "multipart":  # a multipart part's name cannot hold one
        refused.append({"chat_id": chat.id, "text": "hi", "\udc00": "a name that is not UTF-8"})
    for params in refused:
        assert await send_unchecked(api, encoding, params) == (400, NOT_UTF8)
    assert sb.messages(chat) == []
    assert (sb.counters["sendMessage"], sb.requests) == (0, [])  # refused before it counts
    sb.send(chat, alice, "hello")
    status, body = await api.json("sendMessage", chat_id=chat.id, text="still here 🌍")
    assert (status, body["result"]["text"]) == (200, "still here 🌍")
    status, body = await api.json("getUpdates")
    assert (status, [u["message"]["text"] for u in body["result"]]) == (200, ["hello"])
    for path in ("state", f"messages?chat_id={chat.id}", "counters"):
        async with api.session.get(f"{api.url}/_sandbox/{path}") as response:
            assert response.status == 200, path


async def test_unknown_token_and_method(sb: Sandbox, api: Api) -> None:
    """A wrong token answers 401 Unauthorized, a malformed one and an unknown method 404."""
    unauthorized, not_found = fixture("error_401_unauthorized"), fixture("error_404_not_found")
    assert await api.call("getMe", token="654321:WRONG") == (401, unauthorized)
    assert await api.call("getMe", token="not-a-token") == (404, not_found)
    assert await api.call("sendTelegram") == (404, not_found)


async def test_get_updates_while_webhook_is_set_conflicts(sb: Sandbox, api: Api) -> None:
    """getUpdates answers 409 while a webhook is set, and works again after deleteWebhook."""
    assert (await api.json("setWebhook", url="http://127.0.0.1:9/hook"))[0] == 200
    expected = fixture("error_409_webhook_active")
    assert await api.json("getUpdates") == (409, expected)
    await api.json("deleteWebhook")
    assert await api.json("getUpdates") == (200, {"ok": True, "result": []})


async def test_long_poll_ends_after_its_timeout(sb: Sandbox, api: Api) -> None:
    """With nothing to deliver, getUpdates waits (it is seen polling), then answers []."""
    poll = asyncio.create_task(api.json("getUpdates", timeout=0.2))
    await sb.wait_for(lambda sb: sb.updates.polling, timeout=5)  # waiting, not answered yet
    assert await poll == (200, {"ok": True, "result": []})


async def test_long_poll_returns_as_soon_as_an_update_arrives(sb: Sandbox, api: Api) -> None:
    """A waiting getUpdates answers at once when a user writes, long before its timeout."""
    poll = asyncio.create_task(api.json("getUpdates", timeout=30))
    await sb.wait_for(lambda sb: sb.updates.polling, timeout=5)
    alice = sb.add_user("Alice")
    sb.send(sb.private_chat(alice), alice, "hello")
    status, body = await asyncio.wait_for(poll, 5)
    assert status == 200
    assert [u["message"]["text"] for u in body["result"]] == ["hello"]


async def test_newer_long_poll_ends_the_older_with_409(sb: Sandbox, api: Api) -> None:
    """Two pollers: the older getUpdates gets 409 "terminated by other getUpdates request"."""
    first = asyncio.create_task(api.json("getUpdates", timeout=30))
    await sb.wait_for(lambda sb: sb.updates.polling, timeout=5)
    second = asyncio.create_task(api.json("getUpdates", timeout=0.2))
    status, body = await asyncio.wait_for(first, 5)
    assert status == 409
    assert body["description"].startswith("Conflict: terminated by other getUpdates request")
    assert (await second)[0] == 200


async def test_offset_confirms_earlier_updates(sb: Sandbox, api: Api) -> None:
    """An offset forgets the updates below it (a negative one all but the last); limit clamps."""
    alice = sb.add_user("Alice")
    chat = sb.private_chat(alice)
    for text in ("one", "two", "three", "four"):
        sb.send(chat, alice, text)

    async def texts(**params: Any) -> list[str]:
        _, body = await api.json("getUpdates", **params)
        return [u["message"]["text"] for u in body["result"]]

    assert await texts(limit=0) == ["one"]
    assert await texts(limit=1000) == ["one", "two", "three", "four"]
    assert await texts(offset=2) == ["two", "three", "four"]
    assert await texts() == ["two", "three", "four"]
    assert await texts(offset=-1) == ["four"]
    assert await texts(offset=5) == []
    assert sb.updates.pending_count == 0
    sb.send(chat, alice, "five")
    assert await texts(offset=100) == ["five"]  # "in the future": nothing is confirmed


async def test_allowed_updates_filter_new_updates_and_persist(sb: Sandbox, api: Api) -> None:
    """allowed_updates drops later updates of other kinds; absent keeps it; [] restores all."""
    alice = sb.add_user("Alice")
    chat = sb.private_chat(alice)
    await api.json("getUpdates", allowed_updates=["callback_query"])
    sb.send(chat, alice, "ignored")
    bot_message = sb.new_message(chat, sender=sb.bot, outgoing=True, text="menu")
    sb.press(bot_message, alice, "pressed")
    _, body = await api.json("getUpdates")
    assert [next(k for k in u if k != "update_id") for u in body["result"]] == ["callback_query"]
    _, info = await api.json("getWebhookInfo")
    assert info["result"]["allowed_updates"] == ["callback_query"]
    await api.json("getUpdates", offset=body["result"][-1]["update_id"] + 1, allowed_updates=[])
    sb.send(chat, alice, "seen")
    _, body = await api.json("getUpdates")
    assert [u["message"]["text"] for u in body["result"]] == ["seen"]
    _, info = await api.json("getWebhookInfo")
    assert "allowed_updates" not in info["result"]


class Receiver:
    """A local webhook endpoint that answers 500 to its first ``failures`` posts."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.posts: list[tuple[dict[str, str], Any]] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.posts.append((dict(request.headers), await request.json()))
        if len(self.posts) <= self.failures:
            return web.Response(status=500)
        return web.Response(text="ok")


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    hook = Receiver(failures=1)
    app = web.Application()
    app.router.add_post("/hook", hook.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield hook, f"http://{host}:{port}/hook"
    finally:
        await runner.cleanup()


async def test_webhook_delivers_with_secret_and_retries(
    sb: Sandbox, api: Api, receiver: tuple[Receiver, str]
) -> None:
    """Updates are POSTed with the secret header, again after a 500, and the error recorded."""
    hook, url = receiver
    status, body = await api.json("setWebhook", url=url, secret_token="s3cr3t_-X")
    assert (status, body) == (200, {"ok": True, "result": True, "description": "Webhook was set"})
    alice = sb.add_user("Alice")
    chat = sb.private_chat(alice)
    sb.send(chat, alice, "first")
    sb.send(chat, alice, "second")
    await sb.wait_for(lambda sb: len(sb.webhook.delivered) == 2, timeout=5)
    texts = [update["message"]["text"] for _, update in hook.posts]
    assert texts == ["first", "first", "second"]
    assert {h["X-Telegram-Bot-Api-Secret-Token"] for h, _ in hook.posts} == {"s3cr3t_-X"}
    assert all(h["Content-Type"] == "application/json" for h, _ in hook.posts)
    _, info = await api.json("getWebhookInfo")
    assert info["result"] == {
        "url": url,
        "has_custom_certificate": False,
        "pending_update_count": 0,
        "last_error_date": int(NOW),
        "last_error_message": "Wrong response from the webhook: 500 Internal Server Error",
        "max_connections": 40,
    }


async def test_webhook_settings_answer_like_telegram(sb: Sandbox, api: Api) -> None:
    """setWebhook / deleteWebhook descriptions, secret checks and drop_pending_updates."""
    alice = sb.add_user("Alice")
    sb.send(sb.private_chat(alice), alice, "pending")
    url = "http://127.0.0.1:9/hook"
    assert (await api.json("setWebhook", url=url))[1]["description"] == "Webhook was set"
    assert (await api.json("setWebhook", url=url))[1]["description"] == "Webhook is already set"
    bad = await api.json("setWebhook", url=url, secret_token="no spaces")
    assert bad[1]["description"] == "Bad Request: secret token contains unallowed characters"
    https = await api.json("setWebhook", url="http://example.com/hook")
    expected = "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
    assert https == (400, {"ok": False, "error_code": 400, "description": expected})
    deleted = await api.json("deleteWebhook", drop_pending_updates=True)
    assert deleted[1]["description"] == "Webhook was deleted"
    assert sb.updates.pending_count == 0
    again = await api.json("deleteWebhook")
    assert again[1]["description"] == "Webhook is already deleted"


async def test_uploaded_photo_can_be_downloaded(sb: Sandbox, api: Api) -> None:
    """A multipart photo upload is kept: getFile's file_path downloads the same bytes."""
    sb.private_chat(sb.add_user("Alice"))
    png = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000002000000030806000000b9eacde3")
    form = aiohttp.FormData()
    form.add_field("chat_id", "200000001")
    form.add_field("photo", png, filename="chart.png", content_type="image/png")
    status, body = await api.call("sendPhoto", data=form)
    assert status == 200
    [size] = body["result"]["photo"]
    assert (size["width"], size["height"], size["file_size"]) == (2, 3, len(png))
    _, file = await api.json("getFile", file_id=size["file_id"])
    path = file["result"]["file_path"]
    async with api.session.get(f"{api.url}/file/bot{TOKEN}/{path}") as response:
        assert await response.read() == png
    async with api.session.get(f"{api.url}/file/bot654321:WRONG/{path}") as response:
        assert response.status == 401


async def test_the_token_is_never_logged(
    sb: Sandbox, api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    """Requests are logged with bot<redacted>, never with the token."""
    caplog.set_level(logging.DEBUG)
    await api.json("getMe")
    await api.json("sendMessage", chat_id=1, text="x")
    async with api.session.get(f"{api.url}/file/bot{TOKEN}/photos/none.jpg"):
        pass
    assert "bot<redacted>" in caplog.text
    assert TOKEN not in caplog.text
