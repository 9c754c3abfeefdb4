"""The README's Deploy section, followed against the sandbox: it works as written."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from conftest import free_port

from tgsandbox import Sandbox, start_sandbox

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "7312345678:AAH5k3JqZ1mM0nB9xYt2vR8sQw4eL6pC0dF"


def readme_config() -> str:
    """The TOML block under the README's deploy-config marker."""
    text = (ROOT / "README.md").read_text("utf-8")
    match = re.search(r"<!-- deploy-config -->\s*```toml\n(.*?)```", text, re.S)
    assert match, "README has no deploy config block"
    return re.sub(r"^ {3}", "", match[1], flags=re.M)


@pytest.fixture
async def world() -> AsyncIterator[tuple[Sandbox, str]]:
    sandbox = Sandbox(token=TOKEN)
    web, url = await start_sandbox(sandbox, host="127.0.0.1", port=0)
    try:
        yield sandbox, url
    finally:
        await web.cleanup()


async def digestbot(env: dict[str, str], *args: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=60)
    return proc.returncode or 0, out.decode()


async def test_deploy_section_works_as_written(world: tuple[Sandbox, str], tmp_path: Path) -> None:
    """The README's config, env file and commands run the bot by webhook, logs hide the token."""
    sandbox, url = world
    admin = sandbox.add_user("Operator")
    hook, health = free_port(), free_port()
    config = readme_config()
    for old, new in (
        ('url = "https://bot.example.org/telegram"', f'url = "http://127.0.0.1:{hook}/telegram"'),
        ("port = 8443", f"port = {hook}"),
        ("port = 9180", f"port = {health}"),
        ('"/opt/digestbot/digests"', json.dumps(str(tmp_path / "digests"))),
        ("admins = [123456789]", f"admins = [{admin.id}]"),
    ):
        assert old in config
        config = config.replace(old, new)
    shutil.copytree(ROOT / "digests", tmp_path / "digests")
    (tmp_path / "config.toml").write_text(config, "utf-8")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DIGESTBOT_")},
        "DIGESTBOT_TOKEN": TOKEN,
        "DIGESTBOT_DATA": str(tmp_path / "data"),
        "DIGESTBOT_CONFIG": str(tmp_path / "config.toml"),
        "DIGESTBOT_API_BASE_URL": f"{url}/bot",  # the sandbox as a self-hosted Bot API
    }
    code, out = await digestbot(env, "check-config")
    assert code == 0, out
    assert "webhook" in out
    log = (tmp_path / "bot.log").open("wb")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, stdout=log, stderr=log
    )
    try:
        await sandbox.wait_for(lambda sb: bool(sb.webhook.url), timeout=30)
        assert sandbox.webhook.url == f"http://127.0.0.1:{hook}/telegram"
        chat = sandbox.private_chat(admin)
        sandbox.send(chat, admin, "/start")
        sandbox.send(chat, admin, "/stats")
        welcome, stats = await sandbox.wait_messages(chat, 2, timeout=20)
        assert welcome.text.startswith("你好，Operator！")
        assert stats.text.startswith("📊 统计")
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{health}/healthz") as answer,
        ):
            # the newest edition of the sample archive in digests/
            assert (await answer.json())["latest_edition"]["date"] == "2024-01-14"
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), timeout=15) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        log.close()
    lines = (tmp_path / "bot.log").read_text("utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.startswith("{")]
    assert records
    assert all(TOKEN not in line and TOKEN.split(":")[1] not in line for line in lines)
    secret = (tmp_path / "data" / "webhook_secret").read_text("utf-8").strip()
    assert all(secret not in line for line in lines)
    code, out = await digestbot(env, "backup", str(tmp_path))
    assert code == 0, out
    backups = await asyncio.to_thread(lambda: list(tmp_path.glob("digestbot-*.sqlite3")))
    assert backups
