"""The Bot API method table: a canonical name and a handler for each lower-cased method name."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .params import Args

if TYPE_CHECKING:
    from .world import Sandbox

Handler = Callable[["Sandbox", Args], Any | Awaitable[Any]]
METHODS: dict[str, tuple[str, Handler]] = {}


@dataclass(frozen=True, slots=True)
class Reply:
    """A successful answer that also carries a ``description`` ("Webhook was set")."""

    result: Any
    description: str


def method(name: str) -> Callable[[Handler], Handler]:
    """Register a handler for the Bot API method ``name`` (matched case-insensitively)."""

    def register(handler: Handler) -> Handler:
        METHODS[name.lower()] = (name, handler)
        return handler

    return register
