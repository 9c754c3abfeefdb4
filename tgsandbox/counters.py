"""What the sandbox counts and logs about the bot's requests, for assertions and the web page."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One Bot API request: the method, its arguments as Telegram read them, the HTTP status.

    ``status`` is 0 for a connection the sandbox dropped on purpose (a drop, a partition).
    """

    method: str
    params: dict[str, str]
    status: int


@dataclass
class Counters:
    """Running totals; ``counters["http_429"]`` works as well as ``counters.http_429``.

    ``requests`` counts requests per method (also readable as ``counters["sendMessage"]``),
    ``per_chat`` the messages delivered to each chat, ``retry_afters`` every flood-limit 429's
    retry_after. The injected faults are counted apart, one counter each (``faults_5xx``,
    ``faults_slow``, ``faults_dropped``, ``faults_throttled``: 429s of the throttle fault, not
    in ``http_429``, ``faults_late``); ``faults_partitioned`` counts the requests a partition
    held, which Telegram never saw (not in ``requests``).
    """

    requests: Counter[str] = field(default_factory=Counter)
    http_429: int = 0
    retry_after_total: int = 0
    retry_afters: list[int] = field(default_factory=list)
    faults_5xx: int = 0
    faults_slow: int = 0
    faults_dropped: int = 0
    faults_throttled: int = 0
    faults_partitioned: int = 0
    faults_late: int = 0
    sent_messages: int = 0
    paid_messages: int = 0  # of sent_messages, those sent with allow_paid_broadcast
    edited_messages: int = 0  # editMessageText calls that changed a message
    per_chat: Counter[int] = field(default_factory=Counter)
    errors: Counter[int] = field(default_factory=Counter)  # answers by HTTP error status

    def __getitem__(self, key: str) -> Any:
        if key in self.__dataclass_fields__:
            return getattr(self, key)
        return self.requests[key]

    def count_429(self, retry_after: int) -> None:
        self.http_429 += 1
        self.retry_after_total += retry_after
        self.retry_afters.append(retry_after)

    def reset(self) -> None:
        fresh = Counters()
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(fresh, name))

    def to_json(self) -> dict[str, Any]:
        """The counters as the control API serves them (chat ids as string keys)."""
        return {
            "requests": dict(self.requests),
            "http_429": self.http_429,
            "retry_after_total": self.retry_after_total,
            "retry_afters": list(self.retry_afters),
            "faults_5xx": self.faults_5xx,
            "faults_slow": self.faults_slow,
            "faults_dropped": self.faults_dropped,
            "faults_throttled": self.faults_throttled,
            "faults_partitioned": self.faults_partitioned,
            "faults_late": self.faults_late,
            "sent_messages": self.sent_messages,
            "paid_messages": self.paid_messages,
            "per_chat": {str(k): v for k, v in self.per_chat.items()},
            "errors": {str(k): v for k, v in self.errors.items()},
        }
