"""The HTTP control API under ``/_sandbox/`` and its Server-Sent Events stream.

JSON in, JSON out; an unknown user, chat or message answers 404 ``{"error": …}``, a bad request
400 (so does a body holding a string that is not UTF-8, a lone surrogate such as ``"\\ud83d"``:
nothing changes). The event stream sends one JSON object per ``data:`` line (message, edit,
delete, chat, callback_answer, inline_answer, action, reset, and commands when the bot's
command menu changes) and ends when the server stops.

``POST config`` {flood: {…}, faults: {…}} sets fields of FloodConfig and FaultConfig (any of
them, e.g. faults ``throttle_rate``, ``throttle_retry_after`` or ``partition``: false ends a
partition at once); ``GET config`` shows them.

Inline mode: ``POST inline`` {user_id, query, offset?, chat_id?} → {inline_query_id};
``GET inline/<id>?timeout=S`` → the bot's answer (waits up to S seconds, 408 without one);
``POST inline/choose`` {user_id, chat_id, inline_query_id, result_id, message_thread_id?} →
the message posted via the bot.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict, fields
from typing import Any

from aiohttp import web

from .faults import FaultConfig
from .flood import FloodConfig
from .texts import check_json
from .world import Sandbox

KEEPALIVE = 15.0  # seconds between SSE comments when nothing happens
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _json(body: Any, status: int = 200) -> web.Response:
    return web.Response(
        text=json.dumps(body, ensure_ascii=False), status=status, content_type="application/json"
    )


def _guarded(handler: Handler) -> Handler:
    """Unknown things answer 404, malformed requests 400."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except KeyError as error:
            return _json({"error": str(error.args[0] if error.args else error)}, 404)
        except (ValueError, TypeError) as error:
            return _json({"error": str(error)}, 400)

    return guarded


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise ValueError("the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    check_json(body)
    return body


def _configure(config: Any, changes: dict[str, Any]) -> None:
    """Set the fields of a FloodConfig / FaultConfig from JSON, with their types."""
    known = {f.name: f for f in fields(config)}
    for key, value in changes.items():
        if key not in known:
            raise ValueError(f"unknown setting {key!r}")
        current = getattr(config, key)
        if key == "methods":
            value = tuple(str(v) for v in value)
        elif key == "seed":
            value = None if value is None else int(value)
        elif isinstance(current, bool):
            value = bool(value)
        elif isinstance(current, int):
            value = int(value)
        elif isinstance(current, float):
            value = float(value)
        setattr(config, key, value)


class Control:
    """The control API's handlers for one sandbox."""

    def __init__(self, sb: Sandbox) -> None:
        self.sb = sb

    def routes(self) -> list[web.RouteDef]:
        g, p = web.get, web.post
        return [
            g("/_sandbox/state", _guarded(self.state)),
            p("/_sandbox/users", _guarded(self.add_user)),
            p("/_sandbox/chats", _guarded(self.add_chat)),
            p("/_sandbox/topics", _guarded(self.add_topic)),
            p("/_sandbox/send", _guarded(self.send)),
            p("/_sandbox/press", _guarded(self.press)),
            p("/_sandbox/react", _guarded(self.react)),
            p("/_sandbox/block", _guarded(self.block)),
            p("/_sandbox/bot_status", _guarded(self.bot_status)),
            p("/_sandbox/migrate", _guarded(self.migrate)),
            p("/_sandbox/inline", _guarded(self.inline)),
            p("/_sandbox/inline/choose", _guarded(self.choose)),
            g("/_sandbox/inline/{inline_query_id}", _guarded(self.inline_answer)),
            g("/_sandbox/messages", _guarded(self.messages)),
            g("/_sandbox/events", self.events),
            g("/_sandbox/files/{file_id}", _guarded(self.file)),
            g("/_sandbox/counters", _guarded(self.counters)),
            p("/_sandbox/reset", _guarded(self.reset)),
            g("/_sandbox/config", _guarded(self.config)),
            p("/_sandbox/config", _guarded(self.configure)),
            g("/_sandbox/wait", _guarded(self.wait)),
        ]

    async def state(self, request: web.Request) -> web.StreamResponse:
        return _json(self.sb.state_json())

    async def add_user(self, request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        user = self.sb.add_user(
            str(body.get("first_name") or "User"),
            username=body.get("username"),
            language_code=body.get("language_code", "zh"),
        )
        return _json(user.to_json())

    async def add_chat(self, request: web.Request) -> web.StreamResponse:
        body, sb = await _body(request), self.sb
        kind = body.get("type")
        users = [sb.user_of(int(i)) for i in body.get("member_ids", [])]
        admins = [sb.user_of(int(i)) for i in body.get("admin_ids", [])]
        if kind == "private":
            chat = sb.private_chat(int(body["user_id"]))
        elif kind in ("group", "supergroup"):
            chat = sb.add_group(
                str(body.get("title") or "Group"),
                members=users,
                admins=admins,
                supergroup=kind == "supergroup",
                forum=bool(body.get("forum")),
                bot_admin=bool(body.get("bot_admin")),
                username=body.get("username"),
            )
        elif kind == "channel":
            chat = sb.add_channel(
                str(body.get("title") or "Channel"),
                admins=admins,
                username=body.get("username"),
                bot_admin=bool(body.get("bot_admin", True)),
            )
        else:
            raise ValueError(f"unknown chat type {kind!r}")
        return _json(chat.state_json())

    async def add_topic(self, request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        name = str(body["name"])
        return _json({"id": self.sb.add_topic(int(body["chat_id"]), name), "name": name})

    async def send(self, request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        user_id = body.get("user_id")
        thread_id = body.get("message_thread_id")
        message = self.sb.send(
            int(body["chat_id"]),
            None if user_id is None else int(user_id),
            str(body["text"]),
            thread_id=None if thread_id is None else int(thread_id),
            anonymous=bool(body.get("anonymous")),
        )
        return _json(self.sb.message_json(message))

    async def press(self, request: web.Request) -> web.StreamResponse:
        body, sb = await _body(request), self.sb
        message = sb.find_message(int(body["chat_id"]), int(body["message_id"]))
        if message is None:
            raise KeyError(f"no message {body['message_id']} in chat {body['chat_id']}")
        query_id = sb.press(message, int(body["user_id"]), body.get("data"), text=body.get("text"))
        return _json({"callback_query_id": query_id})

    async def react(self, request: web.Request) -> web.StreamResponse:
        """A user's reactions on a message: ``{chat_id, message_id, user_id, emojis}``."""
        body, sb = await _body(request), self.sb
        message = sb.find_message(int(body["chat_id"]), int(body["message_id"]))
        if message is None:
            raise KeyError(f"no message {body['message_id']} in chat {body['chat_id']}")
        emojis = body.get("emojis", [])
        if not isinstance(emojis, list) or not all(isinstance(e, str) for e in emojis):
            raise ValueError("emojis: expected a list of emoji")
        sb.react(message, int(body["user_id"]), emojis)
        return _json({"ok": True})

    async def block(self, request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        if body.get("blocked", True):
            self.sb.block(int(body["user_id"]))
        else:
            self.sb.unblock(int(body["user_id"]))
        return _json({"ok": True})

    async def bot_status(self, request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        by = body.get("by_user_id")
        self.sb.set_bot_status(
            int(body["chat_id"]), str(body["status"]), by=None if by is None else int(by)
        )
        return _json(self.sb.chat_of(int(body["chat_id"])).state_json())

    async def migrate(self, request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        return _json(self.sb.migrate(int(body["chat_id"])).state_json())

    async def inline(self, request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        chat_id = body.get("chat_id")
        query_id = self.sb.inline_query(
            int(body["user_id"]),
            str(body.get("query", "")),
            offset=str(body.get("offset") or ""),
            chat=None if chat_id is None else int(chat_id),
        )
        return _json({"inline_query_id": query_id})

    async def inline_answer(self, request: web.Request) -> web.StreamResponse:
        """The bot's answer; with ``?timeout=S`` it waits for one (408 when none came)."""
        query_id = request.match_info["inline_query_id"]
        sb = self.sb
        if query_id not in sb.inline_queries and query_id not in sb.inline_answers_by_id:
            raise KeyError(f"no inline query {query_id}")
        timeout = float(request.query.get("timeout", "0"))
        if query_id in sb.inline_answers_by_id or timeout <= 0:
            return _json(sb.inline_answer(query_id))
        try:
            return _json(await sb.wait_inline_answer(query_id, timeout=timeout))
        except TimeoutError as error:
            return _json({"error": str(error)}, 408)

    async def choose(self, request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        thread_id = body.get("message_thread_id")
        message = self.sb.choose_inline_result(
            int(body["user_id"]),
            int(body["chat_id"]),
            str(body["inline_query_id"]),
            str(body["result_id"]),
            thread_id=None if thread_id is None else int(thread_id),
            anonymous=bool(body.get("anonymous")),
        )
        return _json(self.sb.message_json(message))

    async def messages(self, request: web.Request) -> web.StreamResponse:
        chat = self.sb.chat_of(int(request.query["chat_id"]))
        found = self.sb.messages(chat, outgoing=None)
        return _json([self.sb.message_json(m) for m in found])

    async def events(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        queue = self.sb.subscribe()
        try:
            await response.write(b": connected\n\n")
            while not self.sb.updates.closed:
                try:
                    event = await asyncio.wait_for(queue.get(), KEEPALIVE)
                except TimeoutError:
                    await response.write(b": keep-alive\n\n")
                    continue
                if event is None:
                    break
                data = json.dumps(event, ensure_ascii=False)
                await response.write(f"data: {data}\n\n".encode())
        except ConnectionResetError:
            pass
        finally:
            self.sb.unsubscribe(queue)
        return response

    async def file(self, request: web.Request) -> web.StreamResponse:
        stored = self.sb.files.get(request.match_info["file_id"])
        if stored is None:
            raise KeyError(f"no file {request.match_info['file_id']}")
        return web.Response(body=stored.data, content_type=stored.content_type)

    async def counters(self, request: web.Request) -> web.StreamResponse:
        return _json(self.sb.counters.to_json())

    async def reset(self, request: web.Request) -> web.StreamResponse:
        self.sb.reset()
        return _json({"ok": True})

    async def config(self, request: web.Request) -> web.StreamResponse:
        return _json({"flood": asdict(self.sb.flood), "faults": asdict(self.sb.faults)})

    async def configure(self, request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        flood, faults = FloodConfig(**asdict(self.sb.flood)), FaultConfig(**asdict(self.sb.faults))
        _configure(flood, body.get("flood") or {})
        _configure(faults, body.get("faults") or {})
        self.sb.flood, self.sb.faults = flood, faults
        return await self.config(request)

    async def wait(self, request: web.Request) -> web.StreamResponse:
        chat = self.sb.chat_of(int(request.query["chat_id"]))
        count = int(request.query.get("count", "1"))
        timeout = float(request.query.get("timeout", "10"))
        try:
            found = await self.sb.wait_messages(chat, count, timeout=timeout)
        except TimeoutError as error:
            seen = [self.sb.message_json(m) for m in self.sb.messages(chat)]
            return _json({"error": str(error), "messages": seen}, 408)
        return _json([self.sb.message_json(m) for m in found])


def setup_control(app: web.Application, sb: Sandbox) -> None:
    """Add the control API's routes for ``sb`` to ``app``."""
    app.add_routes(Control(sb).routes())
