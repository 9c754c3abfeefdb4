"""`digestbot run` as a real process: SIGTERM mid-push exits cleanly, losing nothing."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from zoneinfo import ZoneInfo

import conftest
import pytest
from conftest import Emulator

from bot.store.database import Store
from tgsandbox import Sandbox, start_sandbox

TOKEN = "123456:TEST-token-for-run"
TOKEN_DEMO = conftest.TOKEN  # the test emulator's
CHATS = 40


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[tuple[Sandbox, str]]:
    sandbox = Sandbox(token=TOKEN)
    web, url = await start_sandbox(sandbox, host="127.0.0.1", port=0)
    try:
        yield sandbox, url
    finally:
        await web.cleanup()


def write_config(tmp_path: Path, url: str, *, rate: float) -> Path:
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    digests = tmp_path / "digests"
    digests.mkdir()
    (digests / f"{today}.md").write_text(
        f"---\ntitle: 每日碳新闻 {today}\n---\n1. 储能电站并网。 https://example.org/1\n", "utf-8"
    )
    config = tmp_path / "config.toml"
    config.write_text(
        f'[telegram]\ntoken = "{TOKEN}"\napi_base_url = "{url}/bot"\n'
        f'[digests]\ndir = "{digests}"\n[storage]\npath = "{tmp_path / "bot.sqlite3"}"\n'
        f'[push]\ntime = "00:00"\nrate = {rate}\ntick = 1\nconcurrency = 4\n'
        "[http]\nport = 0\n",
        "utf-8",
    )
    return config


def seed(sandbox: Sandbox, db: Path, count: int) -> list[int]:
    store = Store(db)
    ids = []
    for n in range(count):
        chat = sandbox.private_chat(sandbox.add_user(f"R{n}"))
        store.chats.ensure_chat(chat.id, type="private")
        store.chats.subscribe(chat.id)
        ids.append(chat.id)
    store.close()
    return ids


async def test_sigterm_mid_push_exits_zero_quickly(
    world: tuple[Sandbox, str], tmp_path: Path
) -> None:
    """SIGTERM during a push: exit 0 within 10 s, every sent message recorded, rest pending."""
    sandbox, url = world
    config = write_config(tmp_path, url, rate=8)
    ids = seed(sandbox, tmp_path / "bot.sqlite3", CHATS)
    env = {**os.environ, "DIGESTBOT_DATA": str(tmp_path / "data")}
    env.pop("DIGESTBOT_TOKEN", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--config", str(config), "run",
        env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        await sandbox.wait_for(lambda sb: sum(len(sb.messages(i)) for i in ids) >= 5, timeout=30)
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(proc.wait(), timeout=15)
        took = time.monotonic() - started
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert code == 0
    assert took < 10
    received = {i for i in ids if sandbox.messages(i)}
    store = Store(tmp_path / "bot.sqlite3")
    rows = store.db.execute("SELECT chat_id, status FROM deliveries").fetchall()
    store.close()
    sent = {chat for chat, status in rows if status == "sent"}
    assert sent == received
    assert len(rows) == CHATS
    assert {status for _, status in rows} <= {"sent", "pending"}
    assert len(sent) < CHATS


def test_demo_reads_the_digests_folder_itself(tmp_path: Path) -> None:
    """The sandbox bot reads the configured digests folder live (an edition added there is
    the sandbox's too, with its own date) and keeps its data in data/demo."""
    from bot.cli.sandbox import demo_config
    from bot.config import Config

    config = Config(data_dir=tmp_path / "data", digests_dir=tmp_path / "digests")
    demo = demo_config(config, "http://127.0.0.1:1", "1:x")
    assert demo.digests_dir == config.digests_dir
    assert demo.db_path == tmp_path / "data" / "demo" / "digestbot.sqlite3"
    assert demo.telegram.api_base_url == "http://127.0.0.1:1/bot"
    assert demo.push.tick <= 10


async def test_a_file_added_to_digests_appears_in_the_sandbox(
    emulator: Emulator, tmp_path: Path
) -> None:
    """`make run` without a token: a digest saved into digests/ is the sandbox's /today after
    the next tick, dated as it is written (no copy, no re-dating)."""
    from bot.app import BotRunner
    from bot.cli.sandbox import demo_config
    from bot.config import Config, HttpConfig

    digests = tmp_path / "digests"
    digests.mkdir()
    (digests / "2024-01-08.md").write_text(
        "# 碳日报 2024-01-08\n\n1. 光伏装机 https://example.org/1\n", "utf-8"
    )
    config = demo_config(
        Config(data_dir=tmp_path / "data", digests_dir=digests, http=HttpConfig(port=0)),
        emulator.url,
        TOKEN_DEMO,
    )
    runner = BotRunner(config, poll_timeout=1, auto_tick=False, role="demo")
    await runner.start()
    try:
        (digests / "2024-03-01.md").write_text(
            "# 碳日报 2024-03-01\n\n1. 新型储能电站并网 https://example.org/2\n", "utf-8"
        )
        await runner.tick()
        tg = emulator.sandbox
        user = tg.add_user("Vis")
        chat = tg.private_chat(user)
        tg.send(chat, user, "/today")
        note, edition = await tg.wait_messages(chat, 2)
        assert "2024年3月1日" in note.text
        assert "新型储能电站并网" in edition.text
    finally:
        await runner.stop()
    assert (tmp_path / "data" / "demo" / "digestbot.sqlite3").exists()
