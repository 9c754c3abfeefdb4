"""The control API and event stream the web page uses: build the world, act, watch, configure."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tgsandbox import Sandbox, start_sandbox

TOKEN = "123456:TEST-token"


class Control:
    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.session, self.url = session, url

    async def post(self, path: str, body: Any) -> tuple[int, Any]:
        async with self.session.post(f"{self.url}/_sandbox/{path}", json=body) as response:
            return response.status, await response.json()

    async def get(self, path: str, **params: Any) -> tuple[int, Any]:
        async with self.session.get(f"{self.url}/_sandbox/{path}", params=params) as response:
            return response.status, await response.json()

    async def bot(self, method: str, **params: Any) -> Any:
        async with self.session.post(f"{self.url}/bot{TOKEN}/{method}", json=params) as response:
            return (await response.json())["result"]


@pytest.fixture
def sb() -> Sandbox:
    return Sandbox(token=TOKEN, bot_username="digest_test_bot")


@pytest.fixture
async def control(sb: Sandbox) -> AsyncIterator[Control]:
    runner, url = await start_sandbox(sb, port=0)
    try:
        async with aiohttp.ClientSession() as session:
            yield Control(session, url)
    finally:
        await runner.cleanup()


async def test_world_is_built_over_http(sb: Sandbox, control: Control) -> None:
    """Users, chats (private, forum, channel), topics and commands are made and listed."""
    _, alice = await control.post("users", {"first_name": "Alice", "language_code": "en"})
    _, bob = await control.post("users", {"first_name": "Bob"})
    _, private = await control.post("chats", {"type": "private", "user_id": alice["id"]})
    group_body = {"type": "supergroup", "title": "Forum", "member_ids": [bob["id"]]}
    _, forum = await control.post(
        "chats", group_body | {"admin_ids": [alice["id"]], "forum": True, "bot_admin": True}
    )
    _, topic = await control.post("topics", {"chat_id": forum["id"], "name": "绿电"})
    _, channel = await control.post("chats", {"type": "channel", "title": "News", "admin_ids": []})
    assert private["id"] == alice["id"]
    assert private["bot_status"] == "member"
    assert forum["is_forum"]
    assert forum["admin_ids"] == [alice["id"]]
    assert forum["bot_status"] == "administrator"
    assert channel["type"] == "channel"
    menu = [{"command": "start", "description": "开始"}]
    assert await control.bot("setMyCommands", commands=menu, language_code="zh") is True
    _, state = await control.get("state")
    assert state["bot"]["username"] == "digest_test_bot"
    assert state["commands"] == [{"scope": "default", "language_code": "zh", "commands": menu}]
    assert [u["first_name"] for u in state["users"]] == ["Alice", "Bob"]
    [listed] = [c for c in state["chats"] if c["id"] == forum["id"]]
    assert listed["topics"] == [topic]
    assert sorted(listed["member_ids"]) == sorted([alice["id"], bob["id"]])
    assert (await control.post("chats", {"type": "secret"}))[0] == 400
    assert (await control.post("topics", {"chat_id": 42, "name": "x"}))[0] == 404


async def test_users_act_and_the_page_sees_every_message(sb: Sandbox, control: Control) -> None:
    """send and press reach the bot; messages lists both sides with outgoing and photo_url."""
    alice = sb.add_user("Alice")
    chat = sb.private_chat(alice)
    _, sent = await control.post(
        "send", {"chat_id": chat.id, "user_id": alice.id, "text": "/start"}
    )
    assert sent["outgoing"] is False
    assert sent["entities"][0]["type"] == "bot_command"
    keyboard = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
    reply = await control.bot("sendMessage", chat_id=chat.id, text="menu", reply_markup=keyboard)
    press = {"chat_id": chat.id, "message_id": reply["message_id"], "user_id": alice.id}
    _, pressed = await control.post("press", press | {"data": "go"})
    png = bytes.fromhex("89504e470d0a1a0a0000000d494844520000000100000001")
    form = aiohttp.FormData()
    form.add_field("chat_id", str(chat.id))
    form.add_field("photo", png, filename="p.png", content_type="image/png")
    async with control.session.post(f"{control.url}/bot{TOKEN}/sendPhoto", data=form) as r:
        assert r.status == 200
    _, messages = await control.get("messages", chat_id=chat.id)
    assert [(m.get("text"), m["outgoing"]) for m in messages] == [
        ("/start", False),
        ("menu", True),
        (None, True),
    ]
    async with control.session.get(control.url + messages[2]["photo_url"]) as response:
        assert await response.read() == png
    updates = await control.bot("getUpdates")
    assert updates[-1]["callback_query"]["id"] == pressed["callback_query_id"]
    assert (await control.get("messages", chat_id=999))[0] == 404


async def test_user_text_that_is_not_utf8_is_refused(sb: Sandbox, control: Control) -> None:
    """A user's text with a lone surrogate is a ValueError in Python and a 400 over HTTP; the
    world stays as it was (a blocked user is not restarted) and everything is still served."""
    alice = sb.add_user("Alice")
    chat = sb.private_chat(alice)
    sb.block(alice)
    updates = sb.updates.pending_count
    with pytest.raises(ValueError, match=r"U\+D83D"):
        sb.send(chat, alice, "lone \ud83d")
    with pytest.raises(ValueError, match=r"U\+DC00"):
        sb.inline_query(alice, "\udc00")
    with pytest.raises(ValueError, match="first_name"):
        sb.add_user("\ud83d")
    send = {"chat_id": chat.id, "user_id": alice.id, "text": "lone \ud83d"}
    status, body = await control.post("send", send)  # aiohttp sends the JSON escape "\ud83d"
    assert status == 400
    assert "U+D83D" in body["error"]
    assert (await control.post("users", {"first_name": "\udc00"}))[0] == 400
    assert (await control.post("config", {"faults": {"methods": ["\ud83d"]}}))[0] == 400
    assert sb.faults.methods == ()
    assert [u.first_name for u in sb.users.values()] == ["Alice"]
    assert chat.bot_status == "kicked"
    assert sb.messages(chat, outgoing=None) == []
    assert sb.updates.pending_count == updates
    for path in ("state", "counters", "config"):
        assert (await control.get(path))[0] == 200
    assert (await control.get("messages", chat_id=chat.id)) == (200, [])
    _, sent = await control.post("send", send | {"text": "hello 🌍"})
    assert sent["text"] == "hello 🌍"
    assert [u["message"]["text"] for u in await control.bot("getUpdates") if "message" in u] == [
        "hello 🌍"
    ]


async def test_membership_changes_over_http(sb: Sandbox, control: Control) -> None:
    """block, bot_status and migrate change the world as their Python twins do."""
    alice = sb.add_user("Alice")
    group = sb.add_group("Readers", members=[alice], admins=[alice])
    await control.post("block", {"user_id": alice.id, "blocked": True})
    assert sb.chats[alice.id].bot_status == "kicked"
    await control.post("block", {"user_id": alice.id, "blocked": False})
    assert sb.chats[alice.id].bot_status == "member"
    _, changed = await control.post("bot_status", {"chat_id": group.id, "status": "administrator"})
    assert changed["bot_status"] == "administrator"
    _, supergroup = await control.post("migrate", {"chat_id": group.id})
    assert supergroup["type"] == "supergroup"
    assert sb.chats[group.id].migrated_to == supergroup["id"]
    _, inline = await control.post("inline", {"user_id": alice.id, "query": "q"})
    assert inline["inline_query_id"] in sb.inline_queries


async def test_only_an_admin_posts_anonymously_over_http(sb: Sandbox, control: Control) -> None:
    """send with anonymous: an admin's message is from GroupAnonymousBot as the group; a
    member's is refused 400 and nothing is posted."""
    ada, bob = sb.add_user("Ada"), sb.add_user("Bob")
    group = sb.add_group("Readers", members=[bob], admins=[ada], supergroup=True)
    body = {"chat_id": group.id, "text": "/today", "anonymous": True}
    status, refused = await control.post("send", body | {"user_id": bob.id})
    assert status == 400
    assert "only administrators can post anonymously" in refused["error"]
    status, sent = await control.post("send", body | {"user_id": ada.id})
    assert status == 200
    assert (sent["from"]["username"], sent["sender_chat"]["id"]) == ("GroupAnonymousBot", group.id)
    _, messages = await control.get("messages", chat_id=group.id)
    assert [m["text"] for m in messages if m.get("text")] == ["/today"]


async def test_event_stream_reports_what_happens(sb: Sandbox, control: Control) -> None:
    """The SSE stream sends message, edit, action, callback_answer and delete events in order."""
    alice = sb.add_user("Alice")
    chat = sb.private_chat(alice)
    events: list[dict[str, Any]] = []

    async def listen() -> None:
        async with control.session.get(f"{control.url}/_sandbox/events") as response:
            assert response.headers["Content-Type"] == "text/event-stream"
            async for line in response.content:
                if line.startswith(b"data: "):
                    events.append(json.loads(line[6:]))
                    if events[-1]["type"] == "delete":
                        return

    listener = asyncio.create_task(listen())
    await sb.wait_for(lambda sb: sb.subscribers, timeout=5)
    sent = await control.bot("sendMessage", chat_id=chat.id, text="<b>hi</b>", parse_mode="HTML")
    await control.bot(
        "editMessageText", chat_id=chat.id, message_id=sent["message_id"], text="hey"
    )
    await control.bot("sendChatAction", chat_id=chat.id, action="typing")
    query_id = sb.press(sb.messages(chat)[0], alice, "x")
    await control.bot("answerCallbackQuery", callback_query_id=query_id, text="ok")
    await control.bot("deleteMessage", chat_id=chat.id, message_id=sent["message_id"])
    await asyncio.wait_for(listener, 5)
    assert [e["type"] for e in events] == [
        "message",
        "edit",
        "action",
        "callback_answer",
        "delete",
    ]
    assert events[0]["message"]["entities"] == [{"type": "bold", "offset": 0, "length": 2}]
    assert events[1]["message"]["text"] == "hey"
    assert events[3] == {
        "type": "callback_answer",
        "callback_query_id": query_id,
        "text": "ok",
        "show_alert": False,
    }


async def test_event_stream_ends_when_the_server_stops(sb: Sandbox) -> None:
    """Stopping the server ends an open event stream promptly."""
    runner, url = await start_sandbox(sb, port=0)
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{url}/_sandbox/events") as response,
    ):
        await response.content.readline()
        await asyncio.wait_for(runner.cleanup(), 3)
        assert await response.content.read() == b"\n"


async def test_config_counters_wait_and_reset(sb: Sandbox, control: Control) -> None:
    """config sets flood and fault settings; counters, wait (with its 408) and reset work."""
    _, config = await control.post("config", {"flood": {"strict": True}, "faults": {"seed": 3}})
    assert config["flood"]["strict"] is True
    assert config["faults"]["seed"] == 3
    assert sb.flood.strict
    assert sb.faults.seed == 3
    assert (await control.post("config", {"flood": {"speed": 1}}))[0] == 400
    alice = sb.add_user("Alice")
    chat = sb.private_chat(alice)
    waiting = asyncio.create_task(control.get("wait", chat_id=chat.id, count=1, timeout=5))
    await sb.wait_for(lambda sb: sb.waiters > 1, timeout=5)  # the HTTP wait has begun
    await control.bot("sendMessage", chat_id=chat.id, text="one")
    status, found = await waiting
    assert status == 200
    assert [m["text"] for m in found] == ["one"]
    status, late = await control.get("wait", chat_id=chat.id, count=2, timeout=0.05)
    assert status == 408
    assert [m["text"] for m in late["messages"]] == ["one"]
    _, counters = await control.get("counters")
    assert counters["requests"]["sendMessage"] == 1
    assert counters["sent_messages"] == 1
    assert counters["per_chat"] == {str(chat.id): 1}
    assert (await control.post("reset", {}))[1] == {"ok": True}
    assert sb.users == {}
    assert sb.counters.sent_messages == 0


async def test_web_page_is_served(control: Control) -> None:
    """/ serves the page (or a placeholder); /static never leaves its folder."""
    async with control.session.get(f"{control.url}/") as response:
        assert response.status == 200
        assert response.content_type == "text/html"
    async with control.session.get(f"{control.url}/static/../server.py") as response:
        assert response.status == 404
    async with control.session.get(f"{control.url}/static/%2e%2e/server.py") as response:
        assert response.status == 404
