"""One bot per database: a second bot, ingest or push on a running bot's data is refused."""

from __future__ import annotations

import asyncio
import os
import stat
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from bot.app import BotRunner
from bot.cli.main import main
from bot.config import Config
from bot.ops.lockfile import DataLock, LockHeld, lock_path
from tgsandbox import Sandbox


async def test_a_second_bot_on_the_same_database_is_refused(config: Config) -> None:
    """While one bot runs, another on its data folder stops at start, naming the first's pid;
    once the first stops, a new one starts."""
    first = BotRunner(config, poll_timeout=1)
    await first.start()
    try:
        second = BotRunner(config, poll_timeout=1)
        with pytest.raises(LockHeld, match=rf"in use by digestbot run \(pid {os.getpid()}\)"):
            await second.start()
        assert second.store is None
        assert second.app is None
    finally:
        await first.stop()
    third = BotRunner(config, poll_timeout=1)
    await third.start()
    await third.stop()


async def test_a_database_path_through_a_symlink_is_the_same_database(
    config: Config, tmp_path: Path
) -> None:
    """A second bot whose storage.path is a symlink to the first one's database (or lies in a
    symlinked folder) is refused like one on the same path."""
    first = BotRunner(config, poll_timeout=1)
    await first.start()
    try:
        linked = tmp_path / "elsewhere"
        linked.mkdir()
        (linked / "bot.sqlite3").symlink_to(config.db_path)
        (tmp_path / "linked-data").symlink_to(config.db_path.parent)
        for path in (linked / "bot.sqlite3", tmp_path / "linked-data" / config.db_path.name):
            second = BotRunner(replace(config, db_path=path, data_dir=path.parent))
            with pytest.raises(LockHeld, match=rf"\(pid {os.getpid()}\)"):
                await second.start()
            assert second.db is None
    finally:
        await first.stop()


async def test_ingest_and_push_refuse_while_the_bot_runs(
    app: BotRunner,
    config: Config,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`digestbot ingest` and `push` on a running bot's database answer one line each: who
    holds it and what to do instead; `push --dry-run` (read only) still works."""
    monkeypatch.setenv("DIGESTBOT_DATA", str(config.data_dir))
    monkeypatch.delenv("DIGESTBOT_CONFIG", raising=False)
    monkeypatch.chdir(config.digests_dir.parent)
    for command, hint in (("ingest", "/reload"), ("push", "/push")):
        args = [command, str(config.digests_dir)] if command == "ingest" else [command]
        assert await asyncio.to_thread(main, args) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1, err
        assert f"in use by digestbot run (pid {os.getpid()})" in err
        assert hint in err
    assert await asyncio.to_thread(main, ["push", "--dry-run"]) == 0


async def test_a_second_run_process_exits_with_one_line(
    tg: Sandbox, app: BotRunner, config: Config, tmp_path: Path
) -> None:
    """`digestbot run` on a folder a bot already uses: exit status 2, one line, no traceback."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DIGESTBOT_")},
        "DIGESTBOT_TOKEN": config.telegram.token,
        "DIGESTBOT_API_BASE_URL": config.telegram.api_base_url,
        "DIGESTBOT_DATA": str(config.data_dir),
    }
    (tmp_path / "config.toml").write_text(
        f'[digests]\ndir = "{config.digests_dir}"\n[http]\nport = 0\n', "utf-8"
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == 2
    lines = err.decode().strip().splitlines()
    assert lines == [
        f"digestbot: {config.db_path}: in use by digestbot run (pid {os.getpid()}): "
        "stop it first, or give this one another data folder (DIGESTBOT_DATA)"
    ]


def test_a_writer_waits_for_another_writer(tmp_path: Path) -> None:
    """A writer that finds another writer (not a bot) waits for it, up to its deadline."""
    db = tmp_path / "data" / "digestbot.sqlite3"
    with (
        DataLock.acquire(db, role="ingest"),
        pytest.raises(LockHeld, match=r"digestbot ingest \(pid \d+\): wait for it"),
    ):
        DataLock.acquire(db, role="push", wait=0.2)
    with DataLock.acquire(db, role="push") as lock:
        assert lock.held
    assert not lock.held


def test_the_lock_file_is_private(tmp_path: Path) -> None:
    """The lock (and the folder made for it) are readable by the bot's user only."""
    db = tmp_path / "data" / "digestbot.sqlite3"
    with DataLock.acquire(db, role="run"):
        assert stat.S_IMODE(lock_path(db).stat().st_mode) == 0o600
        assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700


def test_the_database_is_created_private(tmp_path: Path) -> None:
    """A new database and its data folder are readable by the bot's user only (0600/0700)."""
    from bot.store.database import Store

    db = tmp_path / "data" / "digestbot.sqlite3"
    store = Store(db)
    try:
        store.chats.ensure_chat(1, type="private")
        assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700
        for path in (db, db.with_name(db.name + "-wal")):
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    finally:
        store.close()
