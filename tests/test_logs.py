"""Logs: readable text or JSON lines, and the bot token never in any line, even at DEBUG."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.app import BotRunner
from bot.config import Config, LogConfig, TelegramConfig
from bot.logs import HANDLER_NAME, NOISY, REDACTED, setup_logging
from bot.sandbox import Sandbox, start_sandbox

TOKEN = "7312345678:AAH5k3JqZ1mM0nB9xYt2vR8sQw4eL6pC0dF"
SECRET_PART = TOKEN.split(":")[1]
OTHER_TOKEN = "5550001234:BBZ9y8x7w6v5u4t3s2r1q0p9o8n7m6l5k4j"

log = logging.getLogger("digestbot.test")


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """Each test's setup_logging is undone afterwards (handlers and levels)."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    noisy = {name: logging.getLogger(name).level for name in NOISY}
    yield
    for handler in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level)
    assert root.handlers == handlers
    for name, old in noisy.items():
        logging.getLogger(name).setLevel(old)


@pytest.fixture
async def world(tmp_path: Path, digests: Path) -> AsyncIterator[tuple[Sandbox, Config]]:
    """The emulator serving a bot with a real-looking token, and the config to run it."""
    sandbox = Sandbox(token=TOKEN, bot_username="digest_log_bot")
    web, url = await start_sandbox(sandbox, host="127.0.0.1", port=0)
    data = tmp_path / "data"
    config = Config(
        data_dir=data,
        digests_dir=digests,
        db_path=data / "digestbot.sqlite3",
        telegram=TelegramConfig(token=TOKEN, api_base_url=f"{url}/bot"),
    )
    try:
        yield sandbox, config
    finally:
        await web.cleanup()


@pytest.mark.parametrize("fmt", ["text", "json"])
async def test_token_never_logged_at_debug(world: tuple[Sandbox, Config], fmt: str) -> None:
    """A whole bot session at DEBUG (PTB, httpx, errors) never prints the token."""
    tg, config = world
    out = io.StringIO()
    setup_logging(LogConfig(level="DEBUG", format=fmt), token=TOKEN, stream=out)
    runner = BotRunner(config, poll_timeout=1)
    await runner.start()
    try:
        alice = tg.add_user("Alice", language_code="en")
        chat = tg.private_chat(alice)
        tg.send(chat, alice, "/start")
        await tg.wait_messages(chat, 1)
        assert runner.app is not None
        await runner.app.bot.get_me()
        try:
            raise ConnectionError(f"cannot reach {config.telegram.api_base_url}{TOKEN}/getMe")
        except ConnectionError:
            log.exception("request to %s failed", f"/bot{TOKEN}/sendMessage")
        log.warning("a token from elsewhere: bot%s/getMe", OTHER_TOKEN)
        log.info("url-encoded: %s", TOKEN.replace(":", "%3A"))
    finally:
        await runner.stop()
    text = out.getvalue()
    assert TOKEN not in text
    assert SECRET_PART not in text
    assert OTHER_TOKEN.split(":")[1] not in text
    # the logs were really there, redacted: PTB's base URL, httpx's request lines, our errors
    assert "Set Bot API URL" in text
    assert "HTTP Request: POST" in text
    assert "/sendMessage " in text
    assert f"bot7312345678:{REDACTED}/getMe" in text
    assert "ConnectionError: cannot reach" in text
    assert "url-encoded: [REDACTED]" in text


def test_text_lines_are_readable() -> None:
    """By default a line reads: time, level, logger, message."""
    out = io.StringIO()
    setup_logging(LogConfig(level="INFO"), token=TOKEN, stream=out)
    log.info("edition %s planned for %d chats", "2024-01-08", 12)
    log.debug("not shown at INFO")
    [line] = out.getvalue().splitlines()
    assert line.endswith(" INFO    digestbot.test: edition 2024-01-08 planned for 12 chats")


def test_json_lines_are_one_object_each() -> None:
    """With format = "json" every line is one JSON object: time, level, logger, message."""
    out = io.StringIO()
    setup_logging(LogConfig(level="INFO", format="json"), token=TOKEN, stream=out)
    log.info("推送 %s", "2024-01-08")
    try:
        raise ValueError(f"bad URL https://api.telegram.org/bot{TOKEN}/getMe\nsecond line")
    except ValueError:
        log.exception("multi\nline")
    docs = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(docs) == 2
    first, second = docs
    assert set(first) == {"time", "level", "logger", "message"}
    assert first["level"] == "INFO"
    assert first["logger"] == "digestbot.test"
    assert first["message"] == "推送 2024-01-08"
    assert first["time"].endswith("+00:00")
    assert second["level"] == "ERROR"
    assert second["message"] == "multi\nline"
    assert (
        "ValueError: bad URL https://api.telegram.org/bot7312345678:[REDACTED]"
        in (second["exc_info"])
    )
    assert SECRET_PART not in out.getvalue()


def test_setup_twice_keeps_one_handler() -> None:
    """Configuring logging again replaces the bot's handler instead of doubling every line."""
    first, second = io.StringIO(), io.StringIO()
    setup_logging(LogConfig(), token=TOKEN, stream=first)
    setup_logging(LogConfig(), token=TOKEN, stream=second)
    log.warning("once")
    assert first.getvalue() == ""
    assert second.getvalue().count("once") == 1


def test_httpx_request_lines_only_at_debug() -> None:
    """At INFO the per-request httpx lines are hidden; at DEBUG they show (redacted)."""
    setup_logging(LogConfig(level="INFO"), token=TOKEN, stream=io.StringIO())
    assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
    setup_logging(LogConfig(level="DEBUG"), token=TOKEN, stream=io.StringIO())
    assert logging.getLogger("httpx").isEnabledFor(logging.DEBUG)


def test_later_secrets_are_redacted_too() -> None:
    """A secret learnt after start-up (the webhook secret) can be added to the redaction."""
    out = io.StringIO()
    redactor = setup_logging(LogConfig(), token=TOKEN, stream=out)
    redactor.add("hook-secret_0123456789")
    log.warning("setWebhook with %s", {"secret_token": "hook-secret_0123456789"})
    assert "hook-secret_0123456789" not in out.getvalue()
    assert "'secret_token': '[REDACTED]'" in out.getvalue()


def test_bad_format_arguments_are_still_redacted() -> None:
    """A log call whose arguments do not fit its format still never shows the token."""
    redactor = setup_logging(LogConfig(), token=TOKEN, stream=io.StringIO())
    record = logging.LogRecord(
        "digestbot.test", logging.WARNING, __file__, 1, "one %s", (TOKEN, "extra"), None
    )
    assert redactor.filter(record)
    assert SECRET_PART not in record.getMessage()
    assert record.getMessage().startswith("one ")
