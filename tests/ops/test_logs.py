"""Logs: readable text or JSON lines, and the bot token never in any line, even at DEBUG."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import re
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from conftest import free_port

from bot.app import BotRunner
from bot.config import Config, HttpConfig, LogConfig, TelegramConfig
from bot.ops.logs import REDACTED, reset_logging, setup_logging
from tgsandbox import Sandbox, start_sandbox

TOKEN = "7312345678:AAH5k3JqZ1mM0nB9xYt2vR8sQw4eL6pC0dF"
SECRET_PART = TOKEN.split(":")[1]
OTHER_TOKEN = "5550001234:BBZ9y8x7w6v5u4t3s2r1q0p9o8n7m6l5k4j"

log = logging.getLogger("digestbot.test")


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """Each test's setup_logging is undone afterwards: the handlers are as they were."""
    handlers = list(logging.getLogger().handlers)
    yield
    reset_logging()
    assert logging.getLogger().handlers == handlers


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
        http=HttpConfig(port=0),  # any free port: suites run side by side
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


async def test_a_debug_run_by_webhook_logs_each_line_once_without_secrets(
    world: tuple[Sandbox, Config], tmp_path: Path
) -> None:
    """`digestbot run` by webhook at DEBUG, read line by line: no token, no webhook secret,
    and every line is the bot's one format, printed once."""
    tg, config = world
    hook = free_port()
    (tmp_path / "config.toml").write_text(
        f'[telegram]\napi_base_url = "{config.telegram.api_base_url}"\n'
        f'[digests]\ndir = "{config.digests_dir}"\n'
        f'[webhook]\nurl = "http://127.0.0.1:{hook}/telegram"\nport = {hook}\n'
        '[http]\nport = 0\n[log]\nlevel = "DEBUG"\n',
        "utf-8",
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DIGESTBOT_")},
        "DIGESTBOT_TOKEN": TOKEN,
        "DIGESTBOT_DATA": str(config.data_dir),
        "DIGESTBOT_CONFIG": str(tmp_path / "config.toml"),
    }
    log_path = tmp_path / "bot.log"
    with log_path.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=env, stdout=out, stderr=out
        )
        try:
            await tg.wait_for(lambda sb: bool(sb.webhook.url), timeout=30)
            alice = tg.add_user("Alice", language_code="en")
            chat = tg.private_chat(alice)
            tg.send(chat, alice, "/start")
            await tg.wait_messages(chat, 1, timeout=20)
            proc.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(proc.wait(), timeout=20) == 0
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    secret = (config.data_dir / "webhook_secret").read_text("ascii").strip()
    lines = log_path.read_text("utf-8").splitlines()
    assert len(lines) > 20
    for line in lines:
        assert SECRET_PART not in line, line
        assert secret not in line, line
    # the lines that carried them, there and redacted
    assert any("Set Bot API URL" in line and REDACTED in line for line in lines)
    assert any("setWebhook" in line and "secret_token" in line for line in lines)
    # one handler: each line in the bot's format (time, level, logger), none twice
    starts = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING) ")
    records = [line for line in lines if not line.startswith((" ", "Traceback"))]
    assert all(starts.match(line) for line in records), [
        line for line in records if not starts.match(line)
    ][:3]
    running = [line for line in records if "is running" in line]
    assert len(running) == 1
    messages = Counter(line.split(": ", 1)[-1] for line in records if "Set Bot API URL" in line)
    assert list(messages.values()) == [1]


def test_a_handler_beside_ours_sees_redacted_records_too() -> None:
    """A library's own handler (not ours, on a logger that does not propagate) never gets a
    secret either: records are redacted when they are made, at every level."""
    setup_logging(LogConfig(level="DEBUG"), token=TOKEN, stream=io.StringIO())
    theirs = io.StringIO()
    handler = logging.StreamHandler(theirs)
    library = logging.getLogger("some.library")
    library.addHandler(handler)
    library.propagate = False
    try:
        library.debug("GET https://api.telegram.org/bot%s/getMe", TOKEN)
    finally:
        library.removeHandler(handler)
        library.propagate = True
    assert SECRET_PART not in theirs.getvalue()
    assert f"bot7312345678:{REDACTED}/getMe" in theirs.getvalue()
