"""PostgreSQL drops the bot's connections (a restart, a failover, a reset): the next read or
write connects again by itself; nothing written is lost, nothing is written twice."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import AsyncIterator, Callable

import pytest
from pgcable import Cable, cabled, terminate_all
from pgserver import PgCluster

from bot.store.database import Store
from bot.store.engines.postgres import PostgresSql
from bot.store.faults import DatabaseError, describe
from bot.store.gateway import Db

ENGINE_LOG = "bot.store.engines.postgres"


def subscribe(chats: range) -> Callable[[Store], None]:
    """A write subscribing ``chats``, in one transaction."""

    def write(store: Store) -> None:
        with store.transaction():
            for chat in chats:
                store.chats.ensure_chat(chat, type="private")
                store.chats.subscribe(chat)

    return write


def subscribed(store: Store) -> list[int]:
    """The chats subscribed (of the first hundred ids)."""
    return sorted(store.chats.scopes_of(list(range(100))))


def outage_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    """What the engine logged about its connections."""
    return [r.getMessage() for r in caplog.records if r.name == ENGINE_LOG]


@pytest.fixture
async def db(pg_url: str) -> AsyncIterator[Db]:
    """The bot's database gateway on a fresh PostgreSQL database (a writer, two readers)."""
    db = await Db.open(pg_url)
    try:
        yield db
    finally:
        await db.close()


async def test_reads_and_writes_work_again_after_the_server_drops_every_connection(
    db: Db, pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The server ends the writer's and the readers' connections: the next read and write
    work, what was written before is all there, and the loss and its end are logged once."""
    caplog.set_level(logging.INFO, logger=ENGINE_LOG)
    await db.write(subscribe(range(1, 4)))
    assert await db.read(subscribed) == [1, 2, 3]
    assert terminate_all(pg_url) >= 2  # the writer's and a reader's
    assert await db.read(subscribed) == [1, 2, 3]
    await db.write(subscribe(range(4, 6)))
    assert await db.read(subscribed) == [1, 2, 3, 4, 5]
    assert await db.read(subscribed) == [1, 2, 3, 4, 5]  # whichever reader answers
    where = db.path
    assert outage_lines(caplog) == [
        f"the connection to {where} was lost: connecting again",
        f"connected to {where} again",
    ]


async def test_a_transaction_whose_connection_breaks_fails_and_is_not_run_again(
    db: Db, pg_url: str
) -> None:
    """The server ends the connection in the middle of a write's transaction: that write
    fails (one line), what it had written is rolled back and not written again, and the next
    write works."""
    runs = 0

    def broken(store: Store) -> None:
        nonlocal runs
        runs += 1
        with store.transaction():
            store.chats.ensure_chat(7, type="private")
            terminate_all(pg_url)
            store.chats.subscribe(7)

    await db.write(subscribe(range(1, 3)))
    with pytest.raises(DatabaseError) as failed:
        await db.write(broken)
    assert runs == 1
    assert "\n" not in describe(db.path, failed.value)
    await db.write(subscribe(range(3, 4)))
    assert await db.read(subscribed) == [1, 2, 3]
    assert await db.read(lambda store: store.chats.get_chat(7)) is None


@pytest.fixture
async def cable(pg_cluster: PgCluster) -> AsyncIterator[tuple[Cable, str]]:
    """A fresh database reached through a cable the test can drop: (the cable, its URL)."""
    async with cabled(pg_cluster) as (cable, through, _):
        yield cable, through


async def test_while_the_server_is_away_each_call_fails_at_once_then_works_again(
    cable: tuple[Cable, str], caplog: pytest.LogCaptureFixture
) -> None:
    """The server goes away (its connections closed, new ones refused): every read and write
    fails at once with one line saying the server cannot be reached; once it is back the
    next ones work with everything written before, and the outage is logged once."""
    wire, url = cable
    caplog.set_level(logging.INFO, logger=ENGINE_LOG)
    db = await Db.open(url)
    try:
        await db.write(subscribe(range(1, 4)))
        assert await db.read(subscribed) == [1, 2, 3]
        await wire.drop()
        failures: list[str] = []
        async with asyncio.timeout(10):
            for call in (db.read, db.write, db.read, db.write):
                with pytest.raises(DatabaseError) as failed:
                    await call(subscribed)
                failures.append(describe(db.path, failed.value))
        assert set(failures) == {
            f"{db.path}: cannot reach the PostgreSQL server (refused, unknown host or no "
            "answer): check storage.url's host and port, and that the server runs"
        }
        wire.mend()
        assert await db.read(subscribed) == [1, 2, 3]
        await db.write(subscribe(range(4, 5)))
        assert await db.read(subscribed) == [1, 2, 3, 4]
        assert await db.read(subscribed) == [1, 2, 3, 4]
    finally:
        await db.close()
    assert outage_lines(caplog) == [
        f"the connection to {db.path} was lost: connecting again",
        f"connected to {db.path} again",
    ]


def test_a_store_of_its_own_connects_again(pg_url: str) -> None:
    """A store used without the gateway (a command of the CLI) connects again as well."""
    store = Store(pg_url)
    try:
        subscribe(range(1, 3))(store)
        terminate_all(pg_url)
        assert subscribed(store) == [1, 2]
    finally:
        store.close()


def tcp_options(sql: PostgresSql) -> tuple[int, int, int]:
    """(SO_KEEPALIVE, TCP_KEEPIDLE, TCP_USER_TIMEOUT) of the connection's socket."""
    with socket.socket(fileno=os.dup(sql.conn.fileno())) as sock:
        return (
            sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE),
            sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE),
            sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT),
        )


async def test_a_connection_over_a_network_notices_when_it_goes_dead(
    cable: tuple[Cable, str],
) -> None:
    """A connection over TCP probes an idle network and gives up on what stays
    unacknowledged (a dead network fails a statement in seconds, not a quarter of an hour);
    settings in the URL win."""
    _, url = cable
    default = await asyncio.to_thread(PostgresSql, url)
    own = await asyncio.to_thread(PostgresSql, f"{url}?keepalives_idle=60&tcp_user_timeout=5000")
    try:
        assert tcp_options(default) == (1, 10, 20000)
        assert tcp_options(own) == (1, 60, 5000)
    finally:
        default.close()
        own.close()
