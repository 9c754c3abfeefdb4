"""The sandbox's HTTP server: the Bot API, file downloads, the control API and the web page.

- ``/bot<token>/<method>``: GET or POST, method names case-insensitive; arguments from the
  query string, a form, a multipart form (files) or a JSON body, all read as Telegram reads
  them. A token that is not the sandbox's answers 401 "Unauthorized" (404 "Not Found" if it is
  not even shaped like a token), an unknown method 404 "Not Found", an argument that is not
  UTF-8 (a lone surrogate such as a JSON ``"\\ud83d"``, or bytes that do not decode) 400
  "Bad Request: strings must be encoded in UTF-8", with no effect.
- ``/file/bot<token>/<file_path>``: what getFile points at.
- ``/_sandbox/…``: the control API (``control.py``); ``/`` and ``/static/…``: the web page.

Faults (``faults.py``) wrap the Bot API: a drawn 5xx, drop or throttle (429 with
``retry_after``) answers before the method runs, a slow answer after it, a late request runs
(and is counted by the flood limits) only after its delay; while
``sb.faults.partition`` is true every request (file downloads too) is held without effect or
answer, and its connection is closed when the partition ends or the server stops.

Requests are logged with the token redacted (``bot<redacted>``); so is the access log.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import re
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.web_request import FileField

from . import commands, inline, methods, queries
from .control import setup_control
from .counters import RequestRecord
from .errors import NOT_FOUND, NOT_UTF8, UNAUTHORIZED, ApiError, bad_request, too_many_requests
from .params import Args, Upload, check_json_body, check_utf8, from_form, from_json_body
from .registry import METHODS, Reply
from .world import Sandbox

log = logging.getLogger(__name__)

SANDBOX = web.AppKey("sandbox", Sandbox)
STATIC = Path(__file__).with_name("static")
TOKEN_SHAPE = re.compile(r"[0-9]+:[A-Za-z0-9_-]+")
MAX_UPLOAD = 50 * 1024 * 1024
MAX_LOGGED = 10_000  # requests kept in sb.requests
ESCAPE = "surrogateescape"  # bytes that are not UTF-8 → lone surrogates, refused by check_utf8
PLACEHOLDER = (
    "<!doctype html><meta charset=utf-8><title>digestbot sandbox</title>"
    "<p>The digestbot sandbox is running. The web chat page is not installed; "
    "the control API is under <code>/_sandbox/</code>.</p>"
)
_REGISTERED = (commands, inline, methods, queries)  # importing them fills METHODS


def redact(path: str) -> str:
    """A request path with any bot token replaced by ``<redacted>``."""
    return re.sub(r"/(file/)?bot[^/]+", lambda m: f"/{m[1] or ''}bot<redacted>", path)


class RedactingAccessLogger(AbstractAccessLogger):
    """aiohttp's access log without the token in the path."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.debug(
            "%s %s -> %s (%.3f s)", request.method, redact(request.path), response.status, time
        )


def json_response(body: Any, status: int = 200) -> web.Response:
    return web.Response(
        text=json.dumps(body, ensure_ascii=False),
        status=status,
        content_type="application/json",
    )


async def read_args(request: web.Request) -> Args:
    """The request's arguments: the query string first, then the body.

    Like a body that cannot be parsed, one that is not UTF-8 (bytes that do not decode become
    surrogate escapes) or holds a lone surrogate is refused before anything is counted.
    """
    values: dict[str, str] = {}
    for key, value in from_form(request.rel_url.raw_query_string):
        values.setdefault(key, value)
    files: dict[str, Upload] = {}
    if request.method == "POST" and request.can_read_body:
        body: dict[str, str] = {}
        if request.content_type == "application/json":
            text = (await request.read()).decode(errors=ESCAPE)
            body = from_json_body(check_json_body(text))
        elif request.content_type == "application/x-www-form-urlencoded":
            body = dict(from_form((await request.read()).rstrip()))
        elif request.content_type == "multipart/form-data":
            try:
                parts = await request.post()
            except UnicodeDecodeError:  # aiohttp decodes text parts strictly
                raise bad_request(NOT_UTF8) from None
            for key, part in parts.items():
                if isinstance(part, FileField):
                    content_type = part.content_type or "application/octet-stream"
                    files[key] = Upload(
                        part.filename, content_type=content_type, data=part.file.read()
                    )
                else:
                    text = part if isinstance(part, str) else bytes(part).decode(errors=ESCAPE)
                    body[key] = text
        for key, value in body.items():
            values.setdefault(key, value)
    args = Args(values, files)
    check_utf8(args)
    return args


async def bot_api(request: web.Request) -> web.StreamResponse:
    """One Bot API request, with the faults and logs the sandbox adds around it."""
    sb = request.app[SANDBOX]
    if sb.faults.partition:
        return await _partitioned(request, sb)
    token, name = request.match_info["token"], request.match_info["method"]
    if token != sb.token:
        error = UNAUTHORIZED if TOKEN_SHAPE.fullmatch(token) else NOT_FOUND
        return json_response(error.to_json(), error.code)
    entry = METHODS.get(name.lower())
    if entry is None:
        return json_response(NOT_FOUND.to_json(), NOT_FOUND.code)
    method_name, handler = entry
    try:
        args = await read_args(request)
    except ApiError as error:
        return json_response(error.to_json(), error.code)
    sb.counters.requests[method_name] += 1
    fault = sb.fault_injector.draw(method_name)
    if fault == "drop":
        sb.counters.faults_dropped += 1
        _record(sb, method_name, args, 0)
        log.info("dropping the connection of bot<redacted>/%s", method_name)
        return _drop(request)
    if fault == "error":
        sb.counters.faults_5xx += 1
        body = sb.fault_injector.server_error()
        _record(sb, method_name, args, body["error_code"])
        return json_response(body, body["error_code"])
    if fault == "throttle":
        sb.counters.faults_throttled += 1
        throttled = too_many_requests(sb.faults.throttle_retry_after)
        _record(sb, method_name, args, throttled.code)
        return json_response(throttled.to_json(), throttled.code)
    if fault == "late":
        sb.counters.faults_late += 1
        sb.changed()  # a test may wait for the request to be on its way
        await asyncio.sleep(sb.faults.late_seconds)
    try:
        result = handler(sb, args)
        if inspect.isawaitable(result):
            result = await result
    except ApiError as error:
        body, status = error.to_json(), error.code
        sb.counters.errors[status] += 1
    except Exception:  # a sandbox bug: answer like Telegram's own 500, keep the traceback
        log.exception("bot<redacted>/%s failed in the sandbox", method_name)
        body = {"ok": False, "error_code": 500, "description": "Internal Server Error"}
        status = 500
    else:
        status = 200
        if isinstance(result, Reply):
            body = {"ok": True, "result": result.result, "description": result.description}
        else:
            body = {"ok": True, "result": result}
    _record(sb, method_name, args, status)
    if status != 200:
        log.debug("bot<redacted>/%s -> %d %s", method_name, status, body["description"])
    if fault == "slow":
        sb.counters.faults_slow += 1
        await asyncio.sleep(sb.faults.slow_seconds)
    return json_response(body, status)


def _record(sb: Sandbox, method_name: str, args: Args, status: int) -> None:
    sb.requests.append(RequestRecord(method_name, args.redacted(), status))
    if len(sb.requests) > 2 * MAX_LOGGED:  # a long demo keeps the recent half
        del sb.requests[:-MAX_LOGGED]
    sb.changed()


async def _partitioned(request: web.Request, sb: Sandbox) -> web.StreamResponse:
    """Hold a request a partition keeps from Telegram; close its connection when it ends."""
    sb.counters.faults_partitioned += 1
    name = request.match_info.get("method")
    if name is not None:  # a Bot API call (a file download is not logged)
        args = Args()
        with contextlib.suppress(ApiError):
            args = await read_args(request)
        entry = METHODS.get(name.lower())
        _record(sb, entry[0] if entry else name, args, 0)
    else:
        sb.changed()
    log.info("a partition holds %s", redact(request.path))
    await sb.fault_injector.partitioned(lambda: sb.updates.closed)
    return _drop(request)


def _drop(request: web.Request) -> web.StreamResponse:
    """Close the connection without an answer (the client sees a disconnect)."""
    transport = request.transport
    if transport is not None:
        transport.abort()
    raise asyncio.CancelledError  # aiohttp ends the handler quietly on a lost connection


async def download(request: web.Request) -> web.StreamResponse:
    """``/file/bot<token>/<file_path>``: the bytes of a file getFile described."""
    sb = request.app[SANDBOX]
    if sb.faults.partition:
        return await _partitioned(request, sb)
    if request.match_info["token"] != sb.token:
        return json_response(UNAUTHORIZED.to_json(), UNAUTHORIZED.code)
    stored = sb.files.by_path(request.match_info["path"])
    if stored is None:
        return json_response(NOT_FOUND.to_json(), NOT_FOUND.code)
    return web.Response(body=stored.data, content_type=stored.content_type)


async def index(request: web.Request) -> web.StreamResponse:
    """The web chat page, or a placeholder while it is not installed."""
    page = STATIC / "index.html"
    if page.is_file():
        return web.FileResponse(page)
    return web.Response(text=PLACEHOLDER, content_type="text/html")


async def static(request: web.Request) -> web.StreamResponse:
    """A file of ``tgsandbox/static/`` (nothing outside it)."""
    root = STATIC.resolve()
    target = (root / request.match_info["path"]).resolve()
    if not target.is_relative_to(root) or not target.is_file():
        raise web.HTTPNotFound
    return web.FileResponse(target)


def make_app(sb: Sandbox) -> web.Application:
    """The aiohttp application serving ``sb``."""
    app = web.Application(client_max_size=MAX_UPLOAD)
    app[SANDBOX] = sb
    app.router.add_route("*", "/bot{token}/{method}", bot_api)
    app.router.add_get("/file/bot{token}/{path:.+}", download)
    app.router.add_get("/", index)
    app.router.add_get("/static/{path:.+}", static)
    setup_control(app, sb)

    async def open_sandbox(app: web.Application) -> None:
        sb.open()

    async def close_sandbox(app: web.Application) -> None:
        await sb.close()

    app.on_startup.append(open_sandbox)
    app.on_shutdown.append(close_sandbox)
    return app


async def start_sandbox(
    sb: Sandbox, host: str = "127.0.0.1", *, port: int = 0
) -> tuple[web.AppRunner, str]:
    """Serve ``sb`` on ``host:port`` (0: a free port); the runner and the base URL.

    Stop it with ``await runner.cleanup()``: long polls, SSE streams and webhook delivery end
    at once.
    """
    runner = web.AppRunner(
        make_app(sb), access_log_class=RedactingAccessLogger, shutdown_timeout=1.0
    )
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except BaseException:  # the port is taken: nothing left open behind the error
        await runner.cleanup()
        raise
    bound_host, bound_port = runner.addresses[0][:2]
    shown = f"[{bound_host}]" if ":" in str(bound_host) else bound_host
    url = f"http://{shown}:{bound_port}"
    log.info("sandbox Bot API at %s/bot<redacted>/", url)
    return runner, url
