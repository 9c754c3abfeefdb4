"""The settings a delivery was sent with: a correction renders the edition as it was sent.

Part of the store. Recorded (JSON, the delivery's ``sent_as`` column, migration 0021) with an
edition delivery's first part; a row sent before has none (its correction then uses the
chat's settings of the moment, as before).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .chats import ALL
from .readers import Chat


@dataclass(frozen=True, slots=True)
class SentAs:
    """A chat's settings at one moment, as far as they shape an edition's message parts."""

    language: str
    format: str
    scopes: frozenset[str]  # {"all"} or topic keys
    previews: bool = False

    @classmethod
    def of(cls, chat: Chat, scopes: frozenset[str] | set[str]) -> SentAs:
        """The chat's settings now (no scopes, as for a chat not subscribed: everything)."""
        return cls(chat.language, chat.format, frozenset(scopes or {ALL}), chat.previews)

    def dumps(self) -> str:
        return json.dumps(
            {
                "language": self.language,
                "format": self.format,
                "scopes": sorted(self.scopes),
                "previews": self.previews,
            },
            ensure_ascii=False,
        )

    @classmethod
    def loads(cls, text: str | None) -> SentAs | None:
        if not text:
            return None
        found = json.loads(text)
        return cls(
            str(found["language"]),
            str(found["format"]),
            frozenset(found["scopes"]) or frozenset({ALL}),
            bool(found.get("previews", False)),
        )
