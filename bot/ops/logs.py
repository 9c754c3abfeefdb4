"""Logging for operators: readable text or JSON lines, each line once, never a secret.

``setup_logging(config.log, token=...)`` is the process's one logging set-up: it installs one
handler on the root logger (stderr by default; a second call replaces it) and a ``Redactor``
that rewrites every record of every logger (PTB, aiohttp, ours) the moment it is created,
whatever its level: the token itself, the ``bot<token>`` URL form (every Bot API request URL
is logged at DEBUG, PTB logs its base URL too), anything shaped like a Bot API token
(``123456:AA…``, 30+ characters after the colon), and any extra secrets (the webhook secret,
``.add(secret)``) are replaced, in the message, its arguments, the exception text and the
stack. The redaction is a log-record factory, so a handler that some library (or pytest) adds
beside ours never sees a secret either; ``reset_logging`` undoes it all.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
from collections.abc import Iterable
from typing import Any, TextIO
from urllib.parse import quote

from bot.config import LogConfig

HANDLER_NAME = "digestbot"
TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
REDACTED = "[REDACTED]"
# what a Bot API token looks like: the bot's numeric id, a colon, 30+ url-safe characters
TOKEN_SHAPE = re.compile(r"(?<!\d)(\d{6,}):[A-Za-z0-9_-]{30,}")
# chatty at INFO (one line per HTTP request, every long poll); shown at DEBUG only
# chatter at INFO: every job run, every Application start and stop (warnings still show)
NOISY = ("httpx", "httpcore", "hpack", "apscheduler", "telegram.ext.Application")


class Redactor(logging.Filter):
    """A handler filter that removes the token (and other secrets) from every record."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets: list[str] = []
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str) -> None:
        """Redact ``secret`` too from now on (and its URL-encoded form)."""
        for form in (secret, quote(secret, safe="")):
            if form and form not in self._secrets:
                self._secrets.append(form)
        self._secrets.sort(key=len, reverse=True)  # longer forms first

    def redact(self, text: str) -> str:
        """``text`` without any secret or token-shaped string."""
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, _shown(secret))
        return TOKEN_SHAPE.sub(lambda m: f"{m[1]}:{REDACTED}", text)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite ``record`` in place without secrets (once: a redacted record is marked)."""
        if getattr(record, _SCRUBBED, False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what there is, redacted
            message = f"{record.msg} {record.args!r}"
        record.msg, record.args = self.redact(str(message)), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        setattr(record, _SCRUBBED, True)
        return True

    def factory(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        """A log-record factory: the standard record, redacted as it is made."""
        record = _BASE_FACTORY(*args, **kwargs)
        self.filter(record)
        return record


_SCRUBBED = "_digestbot_redacted"
_BASE_FACTORY = logging.getLogRecordFactory()


def _shown(secret: str) -> str:
    """What replaces a secret: a token keeps its bot id (public), anything else goes."""
    head, colon, _ = secret.partition(":")
    return f"{head}:{REDACTED}" if colon and head.isdigit() else REDACTED


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message (+ exc_info)."""

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            doc["exc_info"] = record.exc_text
        if record.stack_info:
            doc["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(doc, ensure_ascii=False)


def setup_logging(
    config: LogConfig,
    *,
    token: str = "",
    secrets: Iterable[str] = (),
    stream: TextIO | None = None,
) -> Redactor:
    """Log to ``stream`` (stderr) at ``config.level``, as text or JSON, without secrets.

    Idempotent: a second call replaces the handler and the redactor the first one installed
    (other handlers, e.g. pytest's, are left alone, and see redacted records too). Returns the
    redactor, so a secret learnt later (the generated webhook secret) can be added with
    ``.add(secret)``.
    """
    redactor = Redactor([token, *secrets])
    logging.setLogRecordFactory(redactor.factory)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(HANDLER_NAME)
    handler.addFilter(redactor)
    if config.format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    level = logging.getLevelName(config.level.upper())
    root.setLevel(level if isinstance(level, int) else logging.INFO)
    quiet = logging.NOTSET if root.level <= logging.DEBUG else logging.WARNING
    for name in NOISY:
        logging.getLogger(name).setLevel(quiet)
    return redactor


def reset_logging() -> None:
    """Undo ``setup_logging``: remove its handler and the redacting record factory."""
    logging.setLogRecordFactory(_BASE_FACTORY)
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(old)
        old.close()
