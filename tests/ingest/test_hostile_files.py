"""Hostile or broken files dropped into a running bot: it keeps answering, its memory stays.

The real bot in a subprocess (``python -m bot run``) against the emulator: a digest of
600 000 items, a 3 GB sparse ``.md`` and a file whose name is not UTF-8 arrive while readers
talk to it; its memory is read from /proc.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import aiohttp
from conftest import SEED, TOKEN, BotProcess, Emulator, free_port

PEAK_RSS_MB = 300
ADMIN = 200_000_001  # the emulator's first user


def children(pid: int) -> list[int]:
    """The child processes of ``pid`` (Linux: /proc/<pid>/task/*/children)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def status_mb(pid: int, field: str) -> float:
    """A memory figure of /proc/<pid>/status, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no {field}")


def peak_rss_mb(pid: int) -> float:
    """The most memory the process ever held (VmHWM)."""
    return status_mb(pid, "VmHWM")


def rss_mb(pid: int) -> float:
    """The memory the process holds now (VmRSS)."""
    return status_mb(pid, "VmRSS")


def write_bytes(path: bytes, data: bytes) -> None:
    """A file at a path given as bytes (a name that is not UTF-8)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


async def health(url: str) -> dict[str, object]:
    async with aiohttp.ClientSession() as http, http.get(url) as answer:
        doc: dict[str, object] = await answer.json()
        return doc


async def test_huge_and_sparse_files_never_stop_the_answers(
    tmp_path: Path, emulator: Emulator
) -> None:
    """While the bot reads a 600 000-item digest (in a process of its own), another chat's
    /help is answered; a 3 GB sparse file is refused unread; a name that is not UTF-8 is one
    error; /healthz names all three; the bot never holds more than 300 MB."""
    tg = emulator.sandbox
    digests = tmp_path / "digests"
    digests.mkdir()
    shutil.copy(SEED, digests / SEED.name)
    data = tmp_path / "data"
    data.mkdir()
    port = free_port()
    config = tmp_path / "config.toml"
    config.write_text(
        f'[telegram]\ntoken = "{TOKEN}"\napi_base_url = "{emulator.url}/bot"\n'
        f"admins = [{ADMIN}]\n"
        f'[digests]\ndir = "{digests}"\n[push]\ntick = 1\n'
        f'[http]\nlisten = "127.0.0.1"\nport = {port}\n',
        "utf-8",
    )
    healthz = f"http://127.0.0.1:{port}/healthz"
    bot = BotProcess(config, data, tmp_path / "bot.log")
    try:
        async with asyncio.timeout(330):
            await bot.start()
            assert bot.proc is not None
            alice = tg.add_user("Alice", language_code="en")
            assert alice.id == ADMIN
            tg.send(tg.private_chat(alice), alice, "/help")
            await tg.wait_messages(alice.id, 1, timeout=30)
            items = "".join(f"- {n}\n" for n in range(600_000))
            (digests / "2024-01-09.md").write_text(f"# 日报 2024-01-09\n\n{items}", "utf-8")
            with (digests / "2024-01-10.md").open("wb") as sparse:
                sparse.truncate(3 * 1024**3)
            bad = os.fsencode(digests) + b"/caf\xe9-2024-01-11.md"
            write_bytes(bad, b"# 2024-01-11\n\n1. x https://example.org/x\n")
            pid = bot.proc.pid
            tg.send(tg.private_chat(alice), alice, "/reload")  # answered when the scan is done
            bob = tg.add_user("Bob", language_code="en")
            tg.send(tg.private_chat(bob), bob, "/help")
            [answer] = await tg.wait_messages(bob.id, 1, timeout=10)
            doc = await health(healthz)  # answered while the reading goes on
            assert len(tg.messages(alice.id)) == 1, "the scan ended before /help was answered"
            assert answer.text.startswith("Commands:")
            assert doc["status"] in ("ok", "degraded")
            # the whole file is parsed before its count refuses it: ~18 s of CPU alone, several
            # times that with the suite's other workers on both cores
            _, reloaded = await tg.wait_messages(alice.id, 2, timeout=270)
            assert "600000 items, more than digests.max_items (500)" in reloaded.text
            assert "file too large (3221225472 bytes" in reloaded.text
            assert "not valid UTF-8" in reloaded.text
            assert "the last scan did not load" in str((await health(healthz))["reasons"])
            assert peak_rss_mb(pid) < PEAK_RSS_MB, f"peak RSS {peak_rss_mb(pid):.0f} MB"
            left = sum(rss_mb(child) for child in children(pid))  # multiprocessing's tracker
            assert left < 50, f"{left:.0f} MB still held by the bot's children"
            assert await bot.stop(within=10) == 0
    finally:
        await bot.kill()
