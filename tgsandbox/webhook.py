"""Webhooks: setWebhook / deleteWebhook / getWebhookInfo and the delivery task.

Delivery follows telegram-bot-api's ``WebhookActor``: updates are POSTed as JSON one at a time,
in order, with ``X-Telegram-Bot-Api-Secret-Token`` when a secret is set; a 2xx answer confirms
the update, anything else is recorded as ``last_error_date`` / ``last_error_message`` ("Wrong
response from the webhook: 500 Internal Server Error") and the update is sent again: at once
after its first failure, then after a delay that doubles up to a minute, or after the
receiver's Retry-After.

Unlike Telegram, the sandbox accepts plain-http URLs and any port on loopback hosts, so tests
and the demo can receive webhooks locally; other hosts must be HTTPS on 80, 88, 443 or 8443.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import aiohttp

from .errors import bad_request
from .params import Args
from .registry import Reply
from .updates import DEFAULT_ALLOWED, allowed_json, parse_allowed

if TYPE_CHECKING:
    from .core import SandboxCore

log = logging.getLogger(__name__)

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
SECRET_CHARACTERS = re.compile(r"[A-Za-z0-9_-]*")
MAX_RESEND_DELAY = 60.0
DEFAULT_MAX_CONNECTIONS = 40


class Webhook:
    """The bot's webhook settings and, while a URL is set, the task that delivers updates."""

    def __init__(self, sb: SandboxCore) -> None:
        self._sb = sb
        self.url = ""
        self.secret_token = ""
        self.max_connections = 0
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None
        self.first_delay = 1.0  # the delay after an update's second failure; doubles after
        self.timeout = 10.0  # seconds the receiver has to answer
        self._task: asyncio.Task[None] | None = None
        self.delivered: list[int] = []  # update_ids the receiver accepted, in order

    async def stop(self) -> None:
        """Stop delivering (the settings stay)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def resume(self) -> None:
        """Start delivering again after a restart of the server, if a URL is set."""
        if self.url and self._task is None:
            self._task = asyncio.create_task(
                self._deliver(self.url, self.secret_token), name="sandbox-webhook"
            )

    def info(self) -> dict[str, Any]:
        """getWebhookInfo's WebhookInfo."""
        result: dict[str, Any] = {
            "url": self.url,
            "has_custom_certificate": False,
            "pending_update_count": self._sb.updates.pending_count,
        }
        if self.last_error_date is not None:
            result["last_error_date"] = self.last_error_date
            result["last_error_message"] = self.last_error_message
        if self.url:
            result["max_connections"] = self.max_connections
        allowed = self._sb.updates.allowed
        if allowed != DEFAULT_ALLOWED:
            result["allowed_updates"] = allowed_json(allowed)
        return result

    async def set(self, args: Args, *, delete: bool) -> Reply:
        """setWebhook (``delete=False``) and deleteWebhook."""
        url = "" if delete else args.get("url")
        secret = args.get("secret_token") if url else ""
        max_connections = args.integer("max_connections", DEFAULT_MAX_CONNECTIONS, low=1, high=100)
        drop = args.flag("drop_pending_updates")
        queue = self._sb.updates
        if url == self.url and secret == self.secret_token and not drop:
            allowed = parse_allowed(args.get("allowed_updates")) if url else None
            if allowed is not None:
                queue.allowed = allowed
            return Reply(True, "Webhook is already set" if url else "Webhook is already deleted")
        if url:
            _check_url(url, secret)
            queue.abort_long_poll("webhook")
        had_url = bool(self.url)
        await self.stop()
        if drop:
            queue.clear()
        self.url, self.secret_token = url, secret
        self.max_connections = max_connections if url else 0
        self.last_error_date = self.last_error_message = None
        if not url:
            return Reply(True, "Webhook was deleted" if had_url else "Webhook is already deleted")
        allowed = parse_allowed(args.get("allowed_updates"))
        if allowed is not None:
            queue.allowed = allowed
        log.info("webhook set to %s", url)
        self.resume()
        return Reply(True, "Webhook was set")

    async def _deliver(self, url: str, secret: str) -> None:
        queue = self._sb.updates
        headers = {"Content-Type": "application/json"}
        if secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            failures, delay = 0, self.first_delay
            while not queue.closed:
                pending = queue.first(1)
                if not pending:
                    await queue.waiter()
                    continue
                update = pending[0]
                error, retry_after = await self._post(
                    session, url, headers=headers, body=update.to_json()
                )
                if error is None:
                    queue.confirm(update.update_id + 1)
                    self.delivered.append(update.update_id)
                    self._sb.changed()
                    failures, delay = 0, self.first_delay
                    continue
                self.last_error_date = int(self._sb.wall_clock())
                self.last_error_message = error
                log.info("webhook delivery of update %d failed: %s", update.update_id, error)
                self._sb.changed()
                wait = retry_after if retry_after is not None else (delay if failures else 0.0)
                if failures and retry_after is None:
                    delay = min(delay * 2, MAX_RESEND_DELAY)
                failures += 1
                if wait > 0:
                    await asyncio.sleep(wait)

    @staticmethod
    async def _post(
        session: aiohttp.ClientSession,
        url: str,
        *,
        headers: dict[str, str],
        body: dict[str, Any],
    ) -> tuple[str | None, float | None]:
        """POST one update: (None, None) if accepted, else (error message, Retry-After)."""
        try:
            async with session.post(url, json=body, headers=headers) as response:
                await response.read()
                if 200 <= response.status <= 299:
                    return None, None
                retry = response.headers.get("Retry-After", "")
                retry_after = min(float(retry), 3600.0) if retry.isdigit() else None
                reason = response.reason or ""
                return f"Wrong response from the webhook: {response.status} {reason}", retry_after
        except aiohttp.ClientConnectorError:
            return "Connection refused", None
        except TimeoutError:
            return "Read timeout expired", None
        except aiohttp.ClientError:
            return "Webhook connection closed", None


def _check_url(url: str, secret: str) -> None:
    """The checks of ``do_set_webhook`` and ``WebhookActor::start_up``, in that order."""
    try:
        parts = urlsplit(url if "://" in url else f"https://{url}")
        port = parts.port
    except ValueError:
        raise bad_request("invalid webhook URL specified") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise bad_request("invalid webhook URL specified")
    if len(secret) > 256:
        raise bad_request("secret token is too long")
    if not SECRET_CHARACTERS.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    if parts.hostname in LOOPBACK:
        return
    if parts.scheme.lower() != "https":
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    if port not in (None, 80, 88, 443, 8443):
        raise bad_request("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
