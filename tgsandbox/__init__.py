"""A local stand-in for the Telegram Bot API, for `digestbot demo` and the tests.

``Sandbox`` is the emulated Telegram (users, chats, what the bot sent, flood limits, faults);
``start_sandbox`` serves it over HTTP: the Bot API at ``/bot<token>/``, files at
``/file/bot<token>/``, the control API at ``/_sandbox/`` and the web chat page at ``/``.
``telegram_html`` is the HTML parse mode (what ``parse_mode=HTML`` accepts and rejects).

The names below are imported on first use, so ``tgsandbox.telegram_html`` stays light (the
CLI imports it without the server).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .core import FIRST_USER_ID, CommandTable
    from .counters import Counters, RequestRecord
    from .errors import ApiError
    from .faults import FaultConfig
    from .files import StoredFile
    from .flood import FloodConfig, FloodHit
    from .model import ANONYMOUS_ADMIN_ID, Chat, Message, Topic, User
    from .server import make_app, start_sandbox
    from .updates import Update
    from .world import DEFAULT_TOKEN, Sandbox

_EXPORTS = {
    "ANONYMOUS_ADMIN_ID": "model",
    "ApiError": "errors",
    "Chat": "model",
    "CommandTable": "core",
    "Counters": "counters",
    "DEFAULT_TOKEN": "world",
    "FIRST_USER_ID": "core",
    "FaultConfig": "faults",
    "FloodConfig": "flood",
    "FloodHit": "flood",
    "Message": "model",
    "RequestRecord": "counters",
    "Sandbox": "world",
    "StoredFile": "files",
    "Topic": "model",
    "Update": "updates",
    "User": "model",
    "make_app": "server",
    "start_sandbox": "server",
}
__all__ = [
    "ANONYMOUS_ADMIN_ID",
    "DEFAULT_TOKEN",
    "FIRST_USER_ID",
    "ApiError",
    "Chat",
    "CommandTable",
    "Counters",
    "FaultConfig",
    "FloodConfig",
    "FloodHit",
    "Message",
    "RequestRecord",
    "Sandbox",
    "StoredFile",
    "Topic",
    "Update",
    "User",
    "make_app",
    "start_sandbox",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
