"""The update queue and getUpdates long polling, as telegram-bot-api's ``Client`` runs them.

- ``allowed_updates`` filters updates when they are created (``add_update_impl``): updates of a
  type not allowed at that moment are never queued; absent keeps the previous setting, and an
  empty list (or one with no known type) means every type but chat_member, message_reaction and
  message_reaction_count.
- An update stays until a later getUpdates confirms it with a higher ``offset``; a negative
  offset keeps only the last ``-offset`` updates.
- A long poll returns as soon as an update arrives, or with ``[]`` after ``timeout``; a newer
  long poll ends an older one with 409, and setWebhook ends it with 409 too.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import POLL_CONFLICT, SET_WEBHOOK_CONFLICT, WEBHOOK_CONFLICT, ApiError
from .params import Args

if TYPE_CHECKING:
    from .core import SandboxCore

UPDATE_TYPES = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
    "message_reaction",
    "message_reaction_count",
    "inline_query",
    "chosen_inline_result",
    "callback_query",
    "shipping_query",
    "pre_checkout_query",
    "purchased_paid_media",
    "poll",
    "poll_answer",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "chat_boost",
    "removed_chat_boost",
)
OPT_IN = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
DEFAULT_ALLOWED = frozenset(UPDATE_TYPES) - OPT_IN
LONG_POLL_MAX_TIMEOUT = 50.0


@dataclass(frozen=True, slots=True)
class Update:
    """One queued update: ``{"update_id": ..., kind: payload}`` on the wire."""

    update_id: int
    kind: str
    payload: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"update_id": self.update_id, self.kind: self.payload}


def parse_allowed(raw: str) -> frozenset[str] | None:
    """``get_allowed_update_types``: None keeps the previous setting."""
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return None
    names = frozenset(v.lower() for v in value) & frozenset(UPDATE_TYPES)
    return names or DEFAULT_ALLOWED


def allowed_json(allowed: frozenset[str]) -> list[str]:
    return [kind for kind in UPDATE_TYPES if kind in allowed]


class UpdateQueue:
    """Pending updates in order, with wake-ups for the long poll and the webhook sender."""

    def __init__(self) -> None:
        self._pending: deque[Update] = deque()
        self._next_id = 1
        self.allowed: frozenset[str] = DEFAULT_ALLOWED
        self._waiters: set[asyncio.Future[str]] = set()
        self._long_poll: asyncio.Future[str] | None = None
        self.closed = False

    def push(self, kind: str, payload: dict[str, Any]) -> Update | None:
        """Queue an update, or drop it if its type is not allowed now."""
        if kind not in self.allowed:
            return None
        update = Update(self._next_id, kind, payload)
        self._next_id += 1
        self._pending.append(update)
        self._wake("update")
        return update

    def confirm(self, offset: int) -> None:
        """Forget updates below ``offset``; a negative offset keeps the last ``-offset``.

        An offset past the next update id is "in the future" for Telegram's queue: it confirms
        nothing.
        """
        if offset > self._next_id:
            return
        if offset < 0:
            while len(self._pending) > -offset:
                self._pending.popleft()
        while self._pending and self._pending[0].update_id < offset:
            self._pending.popleft()

    def first(self, limit: int) -> list[Update]:
        return list(self._pending)[:limit]

    def continue_after(self, update_id: int) -> None:
        """Number the next updates after ``update_id`` (a sandbox restarted beside a bot that
        has seen its earlier updates: Telegram's ids only grow)."""
        self._next_id = max(self._next_id, update_id + 1)

    @property
    def last_update_id(self) -> int:
        """The id of the newest update made so far (0 before the first)."""
        return self._next_id - 1

    @property
    def pending_count(self) -> int:
        return len(self._pending)

    def clear(self) -> None:
        self._pending.clear()

    def reset(self) -> None:
        self.clear()
        self._next_id = 1
        self.allowed = DEFAULT_ALLOWED

    def waiter(self) -> asyncio.Future[str]:
        """A future that resolves ("update", "closed", ...) at the next wake-up."""
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        if self.closed:
            future.set_result("closed")
        else:
            self._waiters.add(future)
        return future

    def _wake(self, reason: str) -> None:
        waiters, self._waiters = self._waiters, set()
        for future in waiters:
            if not future.done():
                future.set_result(reason)

    def abort_long_poll(self, reason: str) -> None:
        """End a waiting getUpdates ("conflict" for a newer one, "webhook" for setWebhook)."""
        if self._long_poll is not None and not self._long_poll.done():
            self._long_poll.set_result(reason)
        self._long_poll = None

    def close(self) -> None:
        """The server is stopping: every wait ends now."""
        self.closed = True
        self._wake("closed")

    @property
    def polling(self) -> bool:
        """Whether a getUpdates is waiting for updates now."""
        return self._long_poll is not None and not self._long_poll.done()

    def start_long_poll(self) -> asyncio.Future[str]:
        """Become the waiting getUpdates (an older one ends with "conflict")."""
        self.abort_long_poll("conflict")
        self._long_poll = self.waiter()
        return self._long_poll

    async def wait_long_poll(self, future: asyncio.Future[str], seconds: float) -> str:
        """ "update", "timeout", "closed", or why it was aborted ("conflict", "webhook")."""
        try:
            return await asyncio.wait_for(future, seconds)
        except TimeoutError:
            return "timeout"
        finally:
            self._waiters.discard(future)
            if self._long_poll is future:
                self._long_poll = None


async def get_updates(sb: SandboxCore, args: Args) -> list[dict[str, Any]]:
    """getUpdates: confirm by offset, then answer at once or long-poll."""
    queue = sb.updates
    if sb.webhook.url:
        raise ApiError(409, WEBHOOK_CONFLICT)
    offset = args.integer("offset", 0)
    limit = args.integer("limit", 100, low=1, high=100)
    timeout = min(max(args.number("timeout"), 0.0), LONG_POLL_MAX_TIMEOUT)
    allowed = parse_allowed(args.get("allowed_updates"))
    if allowed is not None:
        queue.allowed = allowed
    queue.confirm(offset)
    if not queue.pending_count and timeout > 0 and not queue.closed:
        future = queue.start_long_poll()
        sb.changed()
        reason = await queue.wait_long_poll(future, timeout)
        if reason == "conflict":
            raise ApiError(409, POLL_CONFLICT)
        if reason == "webhook":
            raise ApiError(409, SET_WEBHOOK_CONFLICT)
    return [update.to_json() for update in queue.first(limit)]
