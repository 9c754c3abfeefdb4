"""Database faults: a locked database is waited for; locked, read-only, full or corrupt ones
end in one line naming the file and the fix; the running bot goes degraded, not down."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import aiohttp
import pytest

from bot.app import BotRunner
from bot.cli.main import main
from bot.cycle import guarded_tick
from bot.ingest.folder import scan_folder
from bot.store.database import Store
from bot.store.faults import describe
from tgsandbox import Sandbox


def hold_write_lock(db: Path, seconds: float) -> threading.Thread:
    """Another process's writer: holds the write lock for ``seconds``, then commits."""
    taken = threading.Event()

    def writer() -> None:
        conn = sqlite3.connect(db, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        taken.set()
        threading.Event().wait(seconds)
        conn.execute("COMMIT")
        conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    taken.wait()
    return thread


def test_a_scan_waits_for_another_writer(tmp_path: Path, digests: Path) -> None:
    """While another process writes, an ingest waits for the lock instead of failing at once."""
    store = Store(tmp_path / "bot.sqlite3")
    try:
        writer = hold_write_lock(store.path, 0.5)
        report = scan_folder(store, digests)
        writer.join()
    finally:
        store.close()
    assert report.ok
    assert len(report.new) == 1


def fault(make: str, tmp_path: Path) -> sqlite3.Error:
    """A real sqlite3 error of each kind a user can run into."""
    db = tmp_path / "x.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    try:
        if make == "locked":
            writer = hold_write_lock(db, 1.0)
            other = sqlite3.connect(db, timeout=0.05)
            try:
                other.execute("INSERT INTO t VALUES (1)")
            finally:
                other.close()
                writer.join()
        elif make == "read-only":
            sqlite3.connect(f"file:{db}?mode=ro", uri=True).execute("INSERT INTO t VALUES (1)")
        elif make == "full":
            conn.execute("PRAGMA max_page_count = 2")
            conn.execute("INSERT INTO t VALUES (?)", ["x" * 100_000])
        elif make == "corrupt":
            (tmp_path / "bad.sqlite3").write_bytes(b"not a database" * 100)
            sqlite3.connect(tmp_path / "bad.sqlite3").execute("SELECT * FROM t")
    except sqlite3.Error as exc:
        return exc
    finally:
        conn.close()
    raise AssertionError(f"no fault for {make}")


@pytest.mark.parametrize(
    ("make", "words"),
    [
        ("locked", "locked by another process"),
        ("read-only", "read-only: give the bot's user write access"),
        ("full", "the disk is full"),
        ("corrupt", "restore a backup"),
    ],
)
def test_each_fault_has_a_cause_and_a_fix(make: str, words: str, tmp_path: Path) -> None:
    """Each kind of fault reads as the file, what is wrong and what to do, on one line."""
    line = describe("data/digestbot.sqlite3", fault(make, tmp_path))
    assert line.startswith("data/digestbot.sqlite3: ")
    assert words in line
    assert "\n" not in line


def test_a_corrupt_database_is_one_line_for_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`digestbot editions` on a file that is not a database: one line, exit 1, no traceback."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "digestbot.sqlite3").write_bytes(b"garbage" * 1000)
    monkeypatch.setenv("DIGESTBOT_DATA", str(data))
    monkeypatch.delenv("DIGESTBOT_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["editions"]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [
        f"digestbot: {data / 'digestbot.sqlite3'}: this is not a digestbot database (not SQLite,"
        " or damaged): restore a backup, or point storage.path elsewhere"
    ]


@pytest.mark.sqlite_only
async def test_a_read_only_database_makes_the_running_bot_degraded_not_down(
    tg: Sandbox, app: BotRunner, caplog: pytest.LogCaptureFixture
) -> None:
    """The database turns read-only under a running bot: ticks and commands fail softly (an
    apology, one log line), /healthz names the database and the fix, and the bot recovers
    once it can write again."""
    assert app.db is not None
    assert app.services is not None
    db, services = app.db, app.services
    await db.write(lambda store: store.db.execute("PRAGMA query_only = ON"))  # as read-only
    items = "\n".join(f"{n}. 储能电站第 {n} 期并网。" * 20 for n in range(1, 101))
    (services.config.digests_dir / "2024-01-09.md").write_text(
        f"---\ntitle: 日报 2024-01-09\n---\n{items}\n", "utf-8"
    )
    assert await guarded_tick(services) is None
    reasons = (await app.health()).reasons
    assert any(r.startswith("database failing since") and "read-only" in r for r in reasons)
    users = [tg.add_user(f"U{n}", language_code="en") for n in range(3)]
    for user in users:
        tg.send(tg.private_chat(user), user, "/start")
    for user in users:
        [apology] = await tg.wait_messages(user.id, 1)
        assert "went wrong" in apology.text
    assert sum("read-only" in r.getMessage() for r in caplog.records) == 1
    await db.write(lambda store: store.db.execute("PRAGMA query_only = OFF"))
    assert await guarded_tick(services) is not None
    assert (await app.health()).ok
    tg.send(tg.private_chat(users[0]), users[0], "/start")
    await tg.wait_messages(users[0].id, 2)


@pytest.mark.sqlite_only
async def test_a_locked_database_keeps_no_one_waiting_for_help_or_healthz(
    tg: Sandbox, app: BotRunner
) -> None:
    """Another process holds the database's write lock: /alert waits for it, while another
    chat's /help and /healthz are answered at once; the /alert is saved when the lock goes."""
    assert app.web is not None
    assert app.db is not None
    alice = tg.add_user("Alice")
    alice_chat = tg.private_chat(alice)
    tg.send(alice_chat, alice, "/start")
    await tg.wait_messages(alice_chat, 1)
    release = threading.Event()
    taken = threading.Event()

    def other_process() -> None:
        conn = sqlite3.connect(app.config.db_path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        taken.set()
        release.wait(30)
        conn.execute("COMMIT")
        conn.close()

    holder = threading.Thread(target=other_process)
    holder.start()
    try:
        taken.wait()
        tg.send(alice_chat, alice, "/alert 储能")
        await tg.wait_for(lambda sb: app.db is not None and app.db.stalled() > 0, timeout=10)
        bob = tg.add_user("Bob", language_code="en")
        tg.send(tg.private_chat(bob), bob, "/help")
        [help_text] = await tg.wait_messages(bob.id, 1, timeout=5)
        async with aiohttp.ClientSession() as http, http.get(app.web.healthz_url) as answer:
            health = await answer.json()
        assert len(tg.messages(alice_chat)) == 1  # the /alert still waits for the lock
    finally:
        release.set()
        holder.join()
    assert help_text.text.startswith("Commands:")
    assert health["status"] in ("ok", "degraded")
    _, added = await tg.wait_messages(alice_chat, 2)
    assert added.text.startswith("🔔 已添加提醒：储能")


@pytest.mark.sqlite_only
async def test_a_database_corrupted_under_the_bot_is_one_line_not_a_traceback(
    app: BotRunner, caplog: pytest.LogCaptureFixture
) -> None:
    """The file is overwritten while the bot runs: /healthz is 503 naming the file and the
    fix, the log says it once, with no traceback, however often /healthz is asked."""
    assert app.web is not None
    other = sqlite3.connect(app.config.db_path)  # everything into the file, the WAL empty
    other.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    other.close()
    size = app.config.db_path.stat().st_size
    with app.config.db_path.open("r+b") as fh:  # then a disk scribbles over all of it
        fh.write(b"\x13garbage" * (size // 8 + 1))
    answers = []
    async with aiohttp.ClientSession() as http:
        for _ in range(3):
            async with http.get(app.web.healthz_url) as answer:
                answers.append((answer.status, await answer.json()))
    assert all(status == 503 for status, _ in answers)
    reasons = [r for _, doc in answers for r in doc["reasons"] if r.startswith("database")]
    assert reasons
    assert all(str(app.config.db_path) in r for r in reasons)
    assert all("restore a backup" in r for r in reasons)
    logged = [r for r in caplog.records if str(app.config.db_path) in r.getMessage()]
    assert len(logged) == 1
    assert not any(r.exc_info for r in caplog.records)
