"""The PostgreSQL test harness (tests/pgserver.py, the ``pg_url`` fixture): a real server on a
Unix socket only, a fresh empty database per test, byte-order collation like SQLite."""

from __future__ import annotations

from pathlib import Path

import pgserver
import psycopg
import pytest
from pgserver import PgCluster, PgUnavailable, find_binaries, running_cluster

SEEN: set[str] = set()  # the databases earlier runs of test_each_test_gets_an_empty_database got


def tables(conn: psycopg.Connection[tuple[object, ...]]) -> list[str]:
    rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
    return [str(name) for (name,) in rows]


@pytest.mark.parametrize("run", [1, 2])
def test_each_test_gets_an_empty_database(pg_url: str, run: int) -> None:
    """Each test gets a new, empty database: the table an earlier test made is not in it."""
    with psycopg.connect(pg_url) as conn:
        name = conn.execute("SELECT current_database()").fetchone()
        assert name is not None
        assert name[0] not in SEEN
        SEEN.add(name[0])
        assert tables(conn) == []
        conn.execute("CREATE TABLE chats (id bigint PRIMARY KEY)")
        conn.execute("INSERT INTO chats VALUES (%s)", (run,))
        assert tables(conn) == ["chats"]


def test_server_listens_on_no_tcp_port(pg_url: str) -> None:
    """The server has no TCP listener: clients reach it only through the socket in its folder."""
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SHOW listen_addresses").fetchone() == ("",)
        assert conn.execute("SELECT inet_server_addr()").fetchone() == (None,)
        (folder,) = conn.execute("SHOW unix_socket_directories").fetchone() or ("",)
    assert f"host={folder}&" in pg_url
    assert len(f"{folder}/.s.PGSQL.5432") < 100


def test_database_sorts_by_bytes_like_sqlite(pg_url: str) -> None:
    """The database is UTF8 with collation C: text sorts by code point, as in SQLite."""
    with psycopg.connect(pg_url) as conn:
        row = conn.execute(
            "SELECT datcollate, datctype, pg_encoding_to_char(encoding) FROM pg_database"
            " WHERE datname = current_database()"
        ).fetchone()
        assert row == ("C", "C", "UTF8")
        words = conn.execute(
            "SELECT w FROM (VALUES ('b'), ('碳'), ('B'), ('a'), ('é')) AS t(w) ORDER BY w"
        ).fetchall()
        assert [w for (w,) in words] == ["B", "a", "b", "é", "碳"]


def alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie nobody reaped yet does not)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def test_stopping_removes_the_server_and_its_folder(pg_cluster: PgCluster) -> None:
    """Stopping a cluster ends its server and removes its folder, socket included."""
    with running_cluster() as cluster:
        assert cluster.root != pg_cluster.root
        pid = int((cluster.data / "postmaster.pid").read_text().split()[0])
        assert alive(pid)
    assert not cluster.root.exists()
    assert not alive(pid)


def test_missing_binaries_name_the_package(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Without initdb and pg_ctl the reason names what to install."""
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(pgserver, "DEBIAN_BINARIES", tmp_path / "postgresql")
    with pytest.raises(PgUnavailable, match=r"\(apt-get install postgresql\)$"):
        find_binaries()
