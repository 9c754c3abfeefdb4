"""A bot on PostgreSQL whose server drops its connections (a restart, a failover) answers from
its database again by itself, without a restart; while the server is away it keeps
answering what needs no database."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace

import aiohttp
import pytest
from conftest import Clock, Processed
from pgcable import Cable, cabled, terminate_all
from pgserver import PgCluster

from bot.app import BotRunner
from bot.config import Config
from bot.render.i18n import t
from tgsandbox import Sandbox


@pytest.fixture
def config(config: Config, pg_url: str) -> Config:
    """The bot on a PostgreSQL database of the test's own."""
    return replace(config, db_url=pg_url)


async def test_the_bot_answers_from_its_database_after_the_server_dropped_it(
    tg: Sandbox, app: BotRunner, pg_url: str, settle: Callable[[], Awaitable[None]]
) -> None:
    """The server ends every connection of the running bot: /today, read from the
    database, is answered again as before, not with an apology."""
    alice = tg.add_user("Alice")
    chat = tg.private_chat(alice)
    tg.send(chat, alice, "/today")
    await settle()
    before = [m.text for m in tg.messages(chat)]
    assert terminate_all(pg_url) >= 3  # the bot's writer, a reader, the lease
    tg.send(chat, alice, "/today")
    await settle()
    assert [m.text for m in tg.messages(chat)] == before * 2


@pytest.fixture
async def away(
    config: Config, pg_cluster: PgCluster, clock: Clock, processed: Processed
) -> AsyncIterator[tuple[Cable, BotRunner]]:
    """A bot reaching its database through a cable the test can drop (a lease long enough to
    outlast the test): (the cable, the running bot)."""
    async with cabled(pg_cluster) as (cable, through, _):
        runner = BotRunner(
            replace(config, db_url=through, lease_seconds=120.0), poll_timeout=1, now=clock
        )
        await runner.start()
        processed.track(runner)
        try:
            yield cable, runner
        finally:
            await runner.stop()


async def test_while_the_server_is_away_the_bot_answers_then_reads_again(
    tg: Sandbox,
    away: tuple[Cable, BotRunner],
    settle: Callable[[], Awaitable[None]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The server goes away: /help is answered at once with the help, /today with the
    apology, /healthz answers that the database cannot be reached; once the server is back
    /today is answered from the database again. What failed is logged in one line each."""
    cable, runner = away
    assert runner.web is not None
    alice = tg.add_user("Alice")
    chat = tg.private_chat(alice)

    async def answer(command: str) -> list[str]:
        seen = len(tg.messages(chat))
        tg.send(chat, alice, command)
        await settle()
        return [m.text for m in tg.messages(chat)[seen:]]

    edition = await answer("/today")
    await cable.drop()
    helped = await answer("/help")
    assert len(helped) == 1
    assert "/today" in helped[0]  # the help, in the asker's language
    assert await answer("/today") == [t("error", "zh")]
    async with aiohttp.ClientSession() as http, http.get(runner.web.healthz_url) as got:
        health = await got.json()
    assert got.status == 503
    assert "cannot reach the PostgreSQL server" in " ".join(health["reasons"])
    cable.mend()
    assert await answer("/today") == edition
    faults = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("cannot reach the PostgreSQL server" in fault for fault in faults)
    assert [fault for fault in faults if "\n" in fault] == []
