"""Errors a user can cause at start end in one line naming the thing and the fix: a taken port
([http], webhook or the sandbox's), a digests folder that cannot be read, a Bot API that does
not answer — never a traceback, never an unclosed session."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SEED, TOKEN, Emulator


@pytest.fixture
def taken() -> Iterator[int]:
    """A port some other program listens on (the OS chose it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


@pytest.fixture
def refusing() -> Iterator[int]:
    """A port nothing listens on (bound, so no one else gets it, but not listening)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


async def digestbot(tmp_path: Path, config: str, *argv: str, **env: str) -> tuple[int, str]:
    """``python -m bot ARGV`` with this config; its exit status and everything it printed."""
    (tmp_path / "config.toml").write_text(config, "utf-8")
    (tmp_path / "digests").mkdir(exist_ok=True)
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DIGESTBOT_")}
    environ |= {"DIGESTBOT_CONFIG": "config.toml", "DIGESTBOT_DATA": "data", **env}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *argv,
        cwd=tmp_path, env=environ,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(proc.communicate(), timeout=60)
    return await proc.wait(), output.decode()


def one_line_error(output: str) -> str:
    """The error line, checked to be the only thing wrong in the output."""
    assert "Traceback" not in output, output
    assert "Unclosed" not in output, output
    errors = [line for line in output.splitlines() if line.startswith("digestbot: ")]
    assert len(errors) == 1, output
    return errors[0]


async def test_a_taken_http_port_names_the_key(tmp_path: Path, taken: int) -> None:
    """[http] port taken: one line naming the port and http.port."""
    code, output = await digestbot(tmp_path, f"[http]\nport = {taken}\n", "demo", "--port", "0")
    assert code == 1
    assert one_line_error(output) == (
        f"digestbot: port {taken} on 127.0.0.1 is taken: stop what listens there, or set "
        "http.port to another port (0: any free one)"
    )


async def test_a_taken_webhook_port_names_the_key(
    tmp_path: Path, taken: int, emulator: Emulator
) -> None:
    """The webhook's port taken: one line naming webhook.port; no webhook is left set."""
    config = (
        f'[webhook]\nurl = "https://bot.example.org/telegram"\nport = {taken}\n[http]\nport = 0\n'
    )
    code, output = await digestbot(
        tmp_path, config, "run",
        DIGESTBOT_TOKEN=TOKEN, DIGESTBOT_API_BASE_URL=f"{emulator.url}/bot",
    )  # fmt: skip
    assert code == 1
    assert one_line_error(output) == (
        f"digestbot: port {taken} on 127.0.0.1 is taken: stop what listens there, or set "
        "webhook.port to another port (0: any free one)"
    )
    assert emulator.sandbox.webhook.url == ""


async def test_a_taken_sandbox_port_says_how_to_choose_another(tmp_path: Path, taken: int) -> None:
    """`make run` without a token on a taken web chat port: one line with --port."""
    code, output = await digestbot(tmp_path, "[http]\nport = 0\n", "run", "--or-demo",
                                   "--port", str(taken))  # fmt: skip
    assert code == 1
    assert one_line_error(output) == (
        f"digestbot: port {taken} on 127.0.0.1 is taken: stop what listens there, or set "
        '--port (make run ARGS="--port 8081") to another port (0: any free one)'
    )


async def test_a_digests_path_that_is_no_folder_stops_the_start(tmp_path: Path) -> None:
    """digests.dir naming a file: one line naming the folder and digests.dir."""
    (tmp_path / "notes.md").write_text("# not a folder\n", "utf-8")
    code, output = await digestbot(
        tmp_path, '[digests]\ndir = "notes.md"\n[http]\nport = 0\n', "demo", "--port", "0"
    )
    assert code == 1
    assert one_line_error(output) == (
        "digestbot: digests folder notes.md is not a folder: fix it, or set digests.dir to "
        "another folder"
    )


async def test_a_bot_api_that_does_not_answer_names_the_setting(
    tmp_path: Path, refusing: int
) -> None:
    """DIGESTBOT_API_BASE_URL pointing nowhere: one line naming it, the token never shown."""
    code, output = await digestbot(
        tmp_path, "[http]\nport = 0\n", "run",
        DIGESTBOT_TOKEN=TOKEN, DIGESTBOT_API_BASE_URL=f"http://127.0.0.1:{refusing}/bot",
    )  # fmt: skip
    assert code == 1
    line = one_line_error(output)
    assert line.startswith(f"digestbot: the Bot API at http://127.0.0.1:{refusing}/bot does not")
    assert line.endswith("check DIGESTBOT_API_BASE_URL (or telegram.api_base_url) and the network")
    assert TOKEN not in output
    assert TOKEN.split(":")[0] not in output


async def test_a_bot_api_url_that_is_not_a_url_is_refused(tmp_path: Path) -> None:
    """DIGESTBOT_API_BASE_URL that is not an http(s) URL: one line, before anything starts."""
    code, output = await digestbot(
        tmp_path, "", "run", DIGESTBOT_TOKEN=TOKEN, DIGESTBOT_API_BASE_URL="127.0.0.1:8081/bot"
    )
    assert code == 2
    assert one_line_error(output).startswith(
        "digestbot: DIGESTBOT_API_BASE_URL: expected an http(s) URL"
    )


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A small file system of its own (tmpfs) for the data folder; ``fill`` it to the brim
    (``(path / "filler").write_bytes``) when the test wants it full."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        why = f"cannot mount a tmpfs here: {done.stderr.decode().strip()}"
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path) -> None:
    """Use every byte left on ``disk``."""
    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (65536, 4096, 512, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                continue
    finally:
        os.close(fd)


async def test_a_full_disk_is_one_line(
    tmp_path: Path, full_disk: Path, emulator: Emulator
) -> None:
    """The data folder's disk fills up: ingest, editions and run each end in one line naming
    the file and the fix (free some space), never a traceback."""
    (tmp_path / "digests").mkdir()
    shutil.copy(SEED, tmp_path / "digests" / SEED.name)
    config = (
        f'[telegram]\ntoken = "{TOKEN}"\napi_base_url = "{emulator.url}/bot"\n[http]\nport = 0\n'
    )
    data = {"DIGESTBOT_DATA": str(full_disk / "data")}
    code, output = await digestbot(tmp_path, config, "ingest", **data)
    assert code == 0, output
    items = "".join(f"{n}. 储能项目第 {n} 期并网。\n" for n in range(300))
    (tmp_path / "digests" / "2024-01-09.md").write_text(f"# 每日碳新闻 2024-01-09\n\n{items}")
    fill(full_disk)
    for argv in (("ingest",), ("editions",), ("run",)):
        code, output = await digestbot(tmp_path, config, *argv, **data)
        if argv == ("editions",) and code == 0:  # reading needs no room: fine as well
            continue
        assert code == 1, (argv, output)
        line = one_line_error(output)
        assert "full" in line, (argv, line)
        assert "free some space" in line, (argv, line)
        assert str(full_disk / "data") in line, (argv, line)
