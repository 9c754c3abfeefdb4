"""Ways to break the connections to the test's PostgreSQL server, as networks and servers do.

A TCP way to the server (its Unix socket) that a test can cut or drop:
``Cable.cut`` is a network that drops every packet: what either side sends is held and nothing
is closed, until ``mend``. ``Cable.drop`` is a server that goes away (a restart, a failover):
every connection through the cable is closed, and a new one is closed as soon as it comes,
until ``mend``. ``terminate_all`` ends the server processes of a database's connections, as a
restart of the server would.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path

import psycopg
from pgserver import PORT, PgCluster


class Cable:
    """A TCP proxy to a Unix socket, served by the test's event loop (``start``: its port)."""

    def __init__(self, socket: Path) -> None:
        self.socket = socket
        self.open = asyncio.Event()
        self.open.set()
        self.down = False
        self.writers: list[asyncio.StreamWriter] = []
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    def cut(self) -> None:
        self.open.clear()

    async def drop(self) -> None:
        self.down = True
        writers, self.writers = self.writers, []
        for writer in writers:
            writer.close()
        for writer in writers:
            with suppress(ConnectionError):
                await writer.wait_closed()

    def mend(self) -> None:
        self.down = False
        self.open.set()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.down:
            writer.close()
            return
        upstream, up = await asyncio.open_unix_connection(str(self.socket))
        self.writers += [writer, up]
        await asyncio.gather(self._pump(reader, up), self._pump(upstream, writer))

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                await self.open.wait()
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def close(self) -> None:
        self.mend()
        for writer in self.writers:
            writer.close()
        if self.server is not None:
            self.server.close()


@asynccontextmanager
async def cabled(cluster: PgCluster) -> AsyncIterator[tuple[Cable, str, str]]:
    """A fresh database of ``cluster``, and a cable to it: (the cable, its URL through the
    cable, its URL straight to the server)."""
    name = cluster.create_database()
    cable = Cable(cluster.root / f".s.PGSQL.{PORT}")
    port = await cable.start()
    try:
        yield cable, f"postgresql://postgres@127.0.0.1:{port}/{name}", cluster.url(name)
    finally:
        await cable.close()
        cluster.drop_database(name)


def terminate_all(url: str) -> int:
    """End every server process of ``url``'s database but the asker's, and wait until they
    are gone; how many there were."""
    with psycopg.connect(url, autocommit=True) as admin:
        row = admin.execute(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 10000)) FROM"
            " pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
    assert row is not None
    return int(row[0])
