"""What a Telegram error means for a delivery: classified once, here, and applied by the sender.

Pure: an exception in, an ``Outcome`` out. The chat is gone (blocked, kicked, deactivated, not
found) → inactive; migrated → the row follows the chat; the forum topic is gone → the chat
itself; 429 → again after the time Telegram asks; 5xx and network errors → backoff; a read
timeout → maybe delivered, held; an edit of a message that already says it → done; of one
that is gone or too old → skipped; anything else → failed, loudly.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.ops.tgrequest import NotSent

from .limiter import retry_seconds

GONE = ("message to edit not found", "message can't be edited", "message_id_invalid")


class Do(StrEnum):
    """What the sender does with a row after an error."""

    MIGRATE = "migrate"  # the group became a supergroup: send there (``new_chat``)
    NO_THREAD = "no_thread"  # the forum topic is gone: send to the chat itself
    INACTIVE = "inactive"  # the chat is gone: it goes inactive, the row is skipped
    WAIT = "wait"  # 429: again after ``seconds``, not counted as an attempt
    TRANSIENT = "transient"  # 5xx, network: again after a backoff (until push.max_age)
    AMBIGUOUS = "ambiguous"  # a read timeout: maybe delivered, held (outage.py decides)
    DONE = "done"  # an edit Telegram says is already so: nothing to do
    SKIPPED = "skipped"  # an edit of a message that is gone or too old
    FAILED = "failed"  # a bad message or an unknown error: failed, with the reason


@dataclass(frozen=True, slots=True)
class Outcome:
    do: Do
    reason: str = ""
    new_chat: int = 0
    seconds: float = 0.0


def classify(exc: Exception, *, thread: bool = False, editing: bool = False) -> Outcome:
    """The outcome of ``exc`` for a send (``thread``: to a forum topic) or an edit."""
    if isinstance(exc, ChatMigrated):
        return Outcome(Do.MIGRATE, "migrated", new_chat=exc.new_chat_id)
    if isinstance(exc, BadRequest):  # a NetworkError too: first
        text = exc.message.lower()
        if editing and "not modified" in text:
            return Outcome(Do.DONE)  # already says this (an edit repeated after a crash)
        if editing and any(why in text for why in GONE):
            return Outcome(Do.SKIPPED, f"cannot edit: {exc.message}")
        if thread and "thread not found" in text:
            return Outcome(Do.NO_THREAD)
        if "chat not found" in text:
            return Outcome(Do.INACTIVE, "chat not found")
        return Outcome(Do.FAILED, f"bad request: {exc.message}")
    if isinstance(exc, Forbidden):
        return Outcome(Do.INACTIVE, _forbidden_reason(exc.message))
    if isinstance(exc, RetryAfter):
        return Outcome(Do.WAIT, f"retry after: {exc}", seconds=retry_seconds(exc))
    if isinstance(exc, TimedOut) and not isinstance(exc, NotSent):
        return Outcome(Do.AMBIGUOUS, "transient: read timeout, maybe delivered")
    if isinstance(exc, NetworkError):  # 5xx, network, a timeout before anything was sent
        return Outcome(Do.TRANSIENT, f"transient: {exc}")
    return Outcome(Do.FAILED, f"error: {exc}")


def _forbidden_reason(message: str) -> str:
    text = message.lower()
    for key, reason in (
        ("blocked", "blocked"),
        ("deactivated", "deactivated"),
        ("kicked", "kicked"),
        ("not a member", "left"),
    ):
        if key in text:
            return reason
    return "forbidden"
