"""``digestbot demo`` (and ``run --or-demo``): the sandbox emulator with its web chat, and the
bot running against it.

In the sandbox the web chat's own user (the first one, "You") is the bot's admin, so /stats,
/push, /reload and /broadcast can be tried there. Its clock: while the newest edition in the
digests folder is too old to be pushed (``push.max_age``), the bot's day is that edition's day
and its clock starts a few minutes before the morning push, so a reader who subscribes sees the
push arrive. The web chat (users, chats, messages) is kept in ``chats.json`` beside the
sandbox's database, so a restart keeps its history as the bot keeps its chats.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import re
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from pathlib import Path

from bot.app import JOURNAL, BotRunner
from bot.config import Config, TelegramConfig, port_taken
from bot.services import utcnow
from tgsandbox import FIRST_USER_ID, Sandbox, start_sandbox
from tgsandbox.persist import keep_world

log = logging.getLogger(__name__)

DEMO_TOKEN = "1000001:sandbox-demo-token"  # noqa: S105 - the local emulator's, not a secret
DEMO_BOT = "digestbot_demo_bot"  # the sandbox bot's username: `@digestbot_demo_bot 储能`
DEMO_ADMIN = FIRST_USER_ID  # the web chat's own user ("You"): the sandbox's operator
WORLD_FILE = "chats.json"  # the web chat's users, chats and messages, beside the database
LEAD = dt.timedelta(minutes=3)  # the sandbox's clock starts this long before the morning push
DATED_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def demo_config(config: Config, url: str, token: str) -> Config:
    """The config for the bot in demo mode: the sandbox's API, its own data folder (the
    sandbox's chats never mix with a real bot's), the digests folder itself, read live, and
    the web chat's user as the bot's admin."""
    data = Path(config.data_dir) / "demo"
    return replace(
        config,
        data_dir=data,
        db_path=data / "digestbot.sqlite3",
        telegram=TelegramConfig(token=token, api_base_url=f"{url}/bot", admins=(DEMO_ADMIN,)),
        push=replace(config.push, tick=min(config.push.tick, 10.0)),
    )


def newest_named_day(folder: Path) -> dt.date | None:
    """The latest date a digest's file name carries (``2024-01-14.md``, ``…/2024-01-14-x.md``)."""
    days = []
    for path in folder.rglob("*.md"):
        if found := DATED_NAME.search(path.name):
            with contextlib.suppress(ValueError):
                days.append(dt.date(*(int(g) for g in found.groups())))
    return max(days, default=None)


def demo_clock(
    config: Config, *, lead: dt.timedelta = LEAD, real: Callable[[], dt.datetime] = utcnow
) -> Callable[[], dt.datetime]:
    """The sandbox bot's clock: the real one, unless the folder's newest edition is too old to
    be pushed; then it starts ``lead`` before that day's push time and runs at real speed."""
    newest = newest_named_day(config.digests_dir)
    push = config.push
    if newest is None:
        return real
    due = dt.datetime.combine(newest, push.time, tzinfo=config.zone)
    if real() - due <= push.max_age:
        return real
    offset = (due - lead) - real()
    log.info("sandbox clock: %s (the sample archive's last day)", (due - lead).isoformat())
    return lambda: real() + offset


@dataclass(frozen=True, slots=True)
class Demo:
    sandbox: Sandbox
    url: str
    runner: BotRunner


@contextlib.asynccontextmanager
async def demo(
    config: Config,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    lead: dt.timedelta = LEAD,
    auto_tick: bool = True,
    real: Callable[[], dt.datetime] = utcnow,
) -> AsyncIterator[Demo]:
    """The sandbox served on ``host:port`` with the bot running against it (its world read
    from and kept in ``chats.json`` in the sandbox's data folder)."""
    sandbox = Sandbox(token=DEMO_TOKEN, bot_username=DEMO_BOT)
    data = Path(config.data_dir) / "demo"
    async with keep_world(sandbox, data / WORLD_FILE):
        if sandbox.updates.last_update_id == 0 and (data / JOURNAL).exists():
            # no world kept (an older sandbox's data): the bot skips update ids it has seen,
            # so these start past any it can have seen
            sandbox.updates.continue_after(int(time.time() * 1000))
        try:
            web, url = await start_sandbox(sandbox, host=host, port=port)
        except OSError as exc:
            key = '--port (make run ARGS="--port 8081")'
            raise port_taken(host, port, exc, key=key) from None
        settings = demo_config(config, url, sandbox.token)
        runner = BotRunner(
            settings,
            poll_timeout=10,
            role="demo",
            now=demo_clock(settings, lead=lead, real=real),
            auto_tick=auto_tick,
        )
        try:
            await runner.start()
            yield Demo(sandbox, url, runner)
        finally:
            await runner.stop()
            await web.cleanup()


async def run_demo(
    config: Config,
    stop: asyncio.Event,
    *,
    host: str,
    port: int,
    announce: Callable[[str], None] = lambda url: None,
) -> None:
    """The sandbox emulator with its web chat, and the bot running against it, until ``stop``."""
    async with demo(config, host=host, port=port) as running:
        announce(running.url)
        await stop.wait()
