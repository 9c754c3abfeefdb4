"""PTB's Bot API requests over aiohttp (already the bot's web server and source fetcher).

PTB's default ``HTTPXRequest`` costs 1-2.5 ms of CPU per request on a small server (httpcore
scans its whole pool per request, and anyio tries to import the absent ``sniffio`` on every
call): at a push's pace that, not Telegram, was the limit (see tests/bench/bench_push.py).
aiohttp's client does the same job in a fraction of that.

Requests without files go as JSON bodies; with files (charts), as multipart form data. Errors
map onto PTB's: a timeout while connecting or waiting for a pooled connection means the
request never left (``NotSent``, a ``TimedOut`` safe to retry); a timeout while reading the
answer is ambiguous (``TimedOut``: Telegram may have acted on it); any other client error is
a ``NetworkError``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import aiohttp
from aiohttp.helpers import get_env_proxy_for_url
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from yarl import URL

log = logging.getLogger(__name__)

JSON_HEADERS = {"Content-Type": "application/json"}


class NotSent(TimedOut):
    """Timed out before the request was sent (connecting, or waiting for a free connection)."""


class AiohttpRequest(BaseRequest):
    """A PTB request backend on one aiohttp session with a bounded connection pool."""

    def __init__(
        self,
        *,
        pool_size: int = 256,
        read_timeout: float = 5.0,
        connect_timeout: float = 5.0,
        pool_timeout: float = 1.0,
        write_timeout: float = 5.0,
        media_write_timeout: float = 20.0,
    ) -> None:
        self._pool_size = pool_size
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._write_timeout = write_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        # HTTPS_PROXY / NO_PROXY from the environment, as PTB's httpx client honours them:
        # looked up once per host (aiohttp's trust_env looks them up on every request, which
        # cost a third of a push's CPU)
        self._proxies: dict[str, tuple[URL, aiohttp.BasicAuth | None] | None] = {}
        # told every call's outcome: None for an answer, else why it failed (5xx, network)
        self.on_outcome: Callable[[str | None], None] | None = None

    @property
    def read_timeout(self) -> float:
        """The default read timeout (PTB adds a long poll's ``timeout`` to it)."""
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=0)
            headers = {"User-Agent": self.USER_AGENT}
            self._session = aiohttp.ClientSession(connector=connector, headers=headers)
            self._proxies = {}

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _timeout(self, read: Any, write: Any, connect: Any, pool: Any, *, files: bool) -> Any:
        read = self._read_timeout if read is BaseRequest.DEFAULT_NONE else read
        connect = self._connect_timeout if connect is BaseRequest.DEFAULT_NONE else connect
        pool = self._pool_timeout if pool is BaseRequest.DEFAULT_NONE else pool
        if write is BaseRequest.DEFAULT_NONE:
            write = self._media_write_timeout if files else self._write_timeout
        waiting = None if connect is None or pool is None else connect + pool
        # aiohttp has no write timeout: sending a body is bounded by a total for the request
        parts = (waiting, write, read)
        total = None if None in parts else sum(p for p in parts if p is not None)
        return aiohttp.ClientTimeout(
            total=total, connect=waiting, sock_connect=connect, sock_read=read
        )

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None:
            raise RuntimeError("AiohttpRequest is not initialized")
        files = request_data is not None and request_data.contains_files
        timeout = self._timeout(
            read_timeout, write_timeout, connect_timeout, pool_timeout, files=files
        )
        body: Any = None
        headers = None
        if request_data is not None and files:
            body = _form(request_data)
        elif request_data is not None:
            body, headers = request_data.json_payload, JSON_HEADERS
        try:
            proxy, auth = self._proxy(url)
            async with self._session.request(
                method,
                url,
                data=body,
                headers=headers,
                timeout=timeout,
                proxy=proxy,
                proxy_auth=auth,
            ) as response:
                status, payload = response.status, await response.read()
        except aiohttp.ConnectionTimeoutError as exc:
            self._outcome("connect timeout")
            raise NotSent(f"not sent: {exc or 'connect or pool timeout'}") from exc
        except TimeoutError as exc:
            self._outcome("read timeout")
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            self._outcome(f"{type(exc).__name__}")
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc
        log.debug("HTTP Request: %s %s %s", method, url, status)
        self._outcome(f"HTTP {status}" if status >= 500 else None)
        return status, payload

    def _proxy(self, url: str) -> tuple[URL | None, aiohttp.BasicAuth | None]:
        """The proxy the environment names for ``url``'s host, or (None, None)."""
        target = URL(url)
        host = target.host or ""
        if host not in self._proxies:
            try:
                self._proxies[host] = get_env_proxy_for_url(target)
            except LookupError:
                self._proxies[host] = None
        found = self._proxies[host]
        return found if found is not None else (None, None)

    def _outcome(self, failure: str | None) -> None:
        if self.on_outcome is not None:
            self.on_outcome(failure)


def _form(request_data: RequestData) -> aiohttp.FormData:
    """Multipart form data: the parameters as fields, the files as file parts."""
    form = aiohttp.FormData(quote_fields=False)
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, upload in request_data.multipart_data.items():
        filename, content, mimetype = upload
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
