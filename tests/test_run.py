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

import pytest

from bot.sandbox import Sandbox, start_sandbox
from bot.store import Store

TOKEN = "123456:TEST-token-for-run"
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
        store.ensure_chat(chat.id, type="private")
        store.subscribe(chat.id)
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


def test_demo_offers_todays_edition(tmp_path: Path) -> None:
    """The demo copies the digests and adds the newest edition as today's, series kept."""
    from bot.app import demo_digests
    from bot.digest import parse_file

    source = Path(__file__).resolve().parents[1] / "digests"
    today = dt.date(2030, 5, 6)
    demo_digests(source, tmp_path / "d", today)
    edition = parse_file(tmp_path / "d" / "2030-05-06.md")
    assert (edition.date, edition.series, len(edition.items)) == (today, "每日碳新闻", 10)
    assert (tmp_path / "d" / "2024-01-08.md").exists()
