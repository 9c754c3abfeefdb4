"""Bot API errors as the Telegram Bot API server words them (telegram-bot-api ``Client.cpp``).

An ``ApiError`` carries the HTTP status, the ``description`` exactly as Telegram sends it and the
optional ``parameters`` object (``migrate_to_chat_id``, ``retry_after``).
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """One Bot API failure: ``{"ok": false, "error_code": code, "description": ...}``."""

    def __init__(
        self, code: int, description: str, *, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def to_json(self) -> dict[str, Any]:
        """The response body Telegram sends for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(message: str) -> ApiError:
    """400, worded as ``fail_query_with_error`` does: "Bad Request: " and a lower-cased start.

    An upper-case server error name (``BUTTON_DATA_INVALID``) keeps its case, as in tdlib.
    """
    if len(message) >= 2 and (message[1] == "_" or message[1].isupper()):
        return ApiError(400, f"Bad Request: {message}")
    return ApiError(400, f"Bad Request: {message[:1].lower()}{message[1:]}")


def forbidden(message: str) -> ApiError:
    """403 "Forbidden: ..."."""
    return ApiError(403, f"Forbidden: {message}")


def too_many_requests(retry_after: int) -> ApiError:
    """429 with ``parameters.retry_after`` (``Query::set_retry_after_error``)."""
    description = f"Too Many Requests: retry after {retry_after}"
    return ApiError(429, description, parameters={"retry_after": retry_after})


UNAUTHORIZED = ApiError(401, "Unauthorized")
NOT_FOUND = ApiError(404, "Not Found")
CHAT_NOT_FOUND = "chat not found"
NOT_UTF8 = "strings must be encoded in UTF-8"
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
    "delete the webhook first"
)
POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)
SET_WEBHOOK_CONFLICT = "Conflict: terminated by setWebhook request"
