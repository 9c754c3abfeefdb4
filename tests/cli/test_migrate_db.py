"""``digestbot migrate-db --to URL``: a SQLite bot moves into PostgreSQL, table by table, each
one checked; and what a user can get wrong about a database ends in one line — a server that
refuses the connection, a wrong password (never printed), a server older than 14, a schema
from a newer bot — through migrate-db and through ``digestbot run``."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import TOKEN, unavailable
from migrate_world import CONFIG, Week, build_week
from pgserver import PgCluster, PgUnavailable, start_cluster

from bot.cli.main import main
from bot.ops.lockfile import DataLock
from bot.store.copying import copied_tables
from bot.store.database import Store
from bot.store.engines import postgres
from bot.store.engines.postgres import PostgresSql, shown

PASSWORD = "s3cret-Pa55word"  # the throwaway cluster's
FUTURE = "0999_from_a_newer_bot"


@pytest.fixture
def week(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Week:
    """The bot's folder (the working directory): its config's SQLite database after a week."""
    monkeypatch.chdir(tmp_path)
    for var in [v for v in os.environ if v.startswith("DIGESTBOT_")]:
        monkeypatch.delenv(var)
    return build_week(tmp_path / "data" / "digestbot.sqlite3", tmp_path / "digests")


@pytest.fixture(scope="module")
def locked_cluster() -> Iterator[PgCluster]:
    """A second throwaway server that asks for the superuser's password."""
    try:
        cluster = start_cluster(password=PASSWORD)
    except PgUnavailable as exc:
        unavailable(f"PostgreSQL cannot start: {exc}")
    yield cluster
    cluster.stop()


def migrate(capsys: pytest.CaptureFixture[str], url: str) -> tuple[int, str, str]:
    code = main(["migrate-db", "--to", url])
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> str:
    """The error, checked to be one line and no traceback."""
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("digestbot: "), err
    return lines[0]


def run_bot(folder: Path, **env: str) -> tuple[int, str]:
    """``digestbot run`` in ``folder`` (its config's database), as a process; its exit status
    and everything it printed. It stops at the database: the Bot API is never reached."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DIGESTBOT_")}
    environ |= {"DIGESTBOT_TOKEN": TOKEN, "DIGESTBOT_API_BASE_URL": "http://127.0.0.1:9/bot"}
    (folder / "digests").mkdir(exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=folder, env=environ | env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    return done.returncode, done.stdout + done.stderr


def test_migrate_db_prints_each_table_checked(
    week: Week, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each table gets a line with its rows and 'hash ok', then where it went and what next."""
    code, out, err = migrate(capsys, pg_url)
    assert (code, err) == (0, "")
    source = Store(week.path, topics=CONFIG.topic_spec)
    expected = [
        f"{t}: {source.db.execute(f'SELECT count(*) FROM {t}').fetchone()[0]} rows, hash ok"  # noqa: S608
        for t in copied_tables(source.db)
    ]
    source.close()
    lines = out.splitlines()
    assert sorted(lines[:-1]) == sorted(expected)
    assert "deliveries: 43 rows, hash ok" in lines
    assert lines[-1] == (
        f"moved {len(expected)} tables, {sum(int(x.split()[1]) for x in expected)} rows to "
        f"{shown(pg_url)}: set storage.url (or DIGESTBOT_DATABASE_URL) to it, then start the bot"
    )


def test_a_running_bot_is_refused(
    week: Week, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """While the bot runs (it holds the data lock) migrate-db refuses at once: stop it first."""
    lock = DataLock.acquire(week.path, role="run")
    try:
        code, _, err = migrate(capsys, pg_url)
    finally:
        lock.release()
    assert code == 2
    assert f"in use by digestbot run (pid {os.getpid()}): stop it first" in one_line(err)
    target = Store(pg_url)
    assert target.db.execute("SELECT count(*) FROM chats").fetchone()[0] == 0
    target.close()


def test_a_value_postgresql_cannot_hold_fails_the_check_and_keeps_nothing(
    week: Week, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A row that would arrive changed (SQLite kept 1.5 in an integer column) fails its
    table's hash: one line naming the table, exit 1, the target left empty."""
    source = Store(week.path)
    source.db.execute("UPDATE chats SET previews = 1.5 WHERE id = (SELECT min(id) FROM chats)")
    source.close()
    code, out, err = migrate(capsys, pg_url)
    assert code == 1
    assert "chats: 6 rows, 6 in the target, hash differs" in out.splitlines()
    assert one_line(err) == (
        f"digestbot: {shown(pg_url)}: table chats differs after the copy (source 6 rows, "
        "target 6): nothing was kept in the target"
    )
    target = Store(pg_url)
    assert target.db.execute("SELECT count(*) FROM items").fetchone()[0] == 0
    target.close()


def test_only_a_postgresql_url_is_taken(week: Week, capsys: pytest.CaptureFixture[str]) -> None:
    """--to a file (or a mistyped scheme) is refused without echoing it."""
    code, _, err = migrate(capsys, f"postgress://bot:{PASSWORD}@db.example.org/bot")
    assert code == 2
    assert PASSWORD not in err
    assert one_line(err) == (
        "digestbot: --to: expected a postgresql:// URL of an empty database (a copy of the "
        "SQLite file is `digestbot backup PATH`)"
    )


# -- what a user can get wrong about the database: one line each --------------------------

REFUSED = (
    "cannot reach the PostgreSQL server (refused, unknown host or no answer): check "
    "storage.url's host and port, and that the server runs"
)


def test_a_server_that_is_not_there_is_one_line(
    week: Week, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A URL whose socket folder has no server: one line, through migrate-db and run."""
    (tmp_path / "nothing").mkdir()
    url = f"postgresql:///bot?host={tmp_path / 'nothing'}&user=bot"
    code, _, err = migrate(capsys, url)
    assert code == 1
    assert one_line(err) == f"digestbot: {shown(url)}: {REFUSED}"
    code, output = run_bot(tmp_path, DIGESTBOT_DATABASE_URL=url)
    assert code == 1
    assert one_line(output) == f"digestbot: {shown(url)}: {REFUSED}"


def test_a_wrong_password_is_one_line_that_never_shows_it(
    week: Week, tmp_path: Path, locked_cluster: PgCluster, capsys: pytest.CaptureFixture[str]
) -> None:
    """A password the server refuses: one line saying so; the password is nowhere."""
    wrong = "not-" + PASSWORD
    url = locked_cluster.url("postgres").replace(
        "postgresql://", f"postgresql://postgres:{wrong}@"
    )
    said = (
        f"digestbot: {shown(url)}: PostgreSQL refused the user name or password: check "
        "storage.url (or ~/.pgpass)"
    )
    code, out, err = migrate(capsys, url)
    assert code == 1
    assert one_line(err) == said
    assert wrong not in out + err
    code, output = run_bot(tmp_path, DIGESTBOT_DATABASE_URL=url)
    assert code == 1
    assert one_line(output) == said
    assert wrong not in output


def test_a_server_older_than_14_is_one_line(
    week: Week, pg_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A PostgreSQL 13 server: refused at connect by migrate-db and run, naming its version
    and the fix."""
    monkeypatch.setattr(postgres, "server_version", lambda conn: 130004)
    said = (
        f"digestbot: {shown(pg_url)}: the PostgreSQL server is version 13.4; digestbot needs "
        "14 or newer: upgrade it, or point storage.url at a newer server"
    )
    code, _, err = migrate(capsys, pg_url)
    assert (code, one_line(err)) == (1, said)
    monkeypatch.setenv("DIGESTBOT_TOKEN", TOKEN)
    monkeypatch.setenv("DIGESTBOT_DATABASE_URL", pg_url)
    (week.path.parents[1] / "digests").mkdir(exist_ok=True)
    code = main(["run"])  # in this process: the server's version is the patched one
    assert (code, one_line(capsys.readouterr().err)) == (1, said)


def test_a_target_made_by_a_newer_bot_is_one_line(
    week: Week, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A PostgreSQL database a newer bot migrated: migrate-db and run say so in one line and
    leave it untouched."""
    Store(pg_url).close()
    newer = PostgresSql(pg_url)
    newer.execute("INSERT INTO _migrations (name, applied_at) VALUES (?, 'later')", [FUTURE])
    newer.close()
    said = (
        f"digestbot: {shown(pg_url)}: the database was made by a newer digestbot (migration "
        f"{FUTURE}): run that version, or restore a backup made by this one"
    )
    code, _, err = migrate(capsys, pg_url)
    assert (code, one_line(err)) == (1, said)
    code, output = run_bot(week.path.parents[1], DIGESTBOT_DATABASE_URL=pg_url)
    assert (code, one_line(output)) == (1, said)


def test_a_sqlite_database_from_a_newer_bot_stops_run_in_one_line(week: Week) -> None:
    """The bot's own SQLite file, migrated by a newer bot: ``run`` names it and stops."""
    store = Store(week.path)
    store.db.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
        " VALUES ('digestbot', ?, 'later')",
        [FUTURE],
    )
    store.close()
    code, output = run_bot(week.path.parents[1])
    assert code == 1
    assert one_line(output) == (
        f"digestbot: data/digestbot.sqlite3: the database was made by a newer digestbot "
        f"(migration {FUTURE}): run that version, or restore a backup made by this one"
    )


def test_the_commands_work_on_the_database_the_config_names(
    tmp_path: Path,
    pg_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """With storage.url set (here through DIGESTBOT_DATABASE_URL), ingest, search and check-config
    use PostgreSQL, name it without a password, and no SQLite file appears; backup says to use
    pg_dump."""
    monkeypatch.chdir(tmp_path)
    for var in [v for v in os.environ if v.startswith("DIGESTBOT_")]:
        monkeypatch.delenv(var)
    monkeypatch.setenv("DIGESTBOT_DATABASE_URL", pg_url)
    (tmp_path / "digests").mkdir()
    seed = Path(__file__).resolve().parents[2] / "digests" / "2024-01-08.md"
    (tmp_path / "digests" / seed.name).write_bytes(seed.read_bytes())
    assert main(["ingest"]) == 0
    out = capsys.readouterr().out
    assert f"({shown(pg_url)})" in out
    assert main(["search", "碳市场"]) == 0
    assert "碳" in capsys.readouterr().out
    assert not (tmp_path / "data" / "digestbot.sqlite3").exists()
    store = Store(pg_url)
    assert store.editions.counts().editions == 1
    store.close()
    assert main(["backup", "backups/"]) != 0
    assert "pg_dump" in one_line(capsys.readouterr().err)
