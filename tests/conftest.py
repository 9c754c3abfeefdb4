"""Fixtures: the Bot API emulator (``tg``) and the real PTB bot running against it (``app``)."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import itertools
import logging
import os
import random
import shutil
import signal
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest
from hypothesis import settings
from pgserver import PgCluster, PgUnavailable, start_cluster
from prometheus_client.parser import text_string_to_metric_families

import bot.app
from bot.app import BotRunner
from bot.config import Config, HttpConfig, TelegramConfig
from bot.delivery.limiter import MARGIN, Limiter
from bot.digest import Reading
from bot.digest.models import EditionKey
from bot.ops.logs import NOISY, reset_logging
from bot.store.database import Store
from bot.store.engines.postgres import PostgresSql
from bot.store.migrate import apply

if TYPE_CHECKING:
    from tgsandbox import Sandbox

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "digests" / "2024-01-08.md"
TOKEN = "123456:TEST-token-for-the-emulator"


@pytest.fixture(autouse=True)
def own_logging() -> Iterator[None]:
    """What a test's logging set-up changed (``digestbot`` commands run in-process install the
    bot's handler, its redaction and levels) is undone after it."""
    levels = {name: logging.getLogger(name).level for name in ("", *NOISY)}
    yield
    reset_logging()
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


# Deadlines are timings: the first example of a test may warm OpenCC, matplotlib or the
# automaton, and a busy machine is slow. Properties are checked, not speed (tests/bench is).
settings.register_profile("digestbot", deadline=None, print_blob=True)
settings.load_profile("digestbot")


def _own_ports() -> range:
    """This test process's ports to hand out: below the range the OS picks from for port 0
    and for outgoing connections (so no other test's client or server takes one between
    ``free_port`` and the bind), a slice of its own per xdist worker."""
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768  # Linux's default
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    span = max(0, low - 10_000) // 32
    start = 10_000 + worker % 32 * span
    return range(start, start + span)


OWN_PORTS = _own_ports()
_next_port = itertools.count(random.randrange(max(1, len(OWN_PORTS))))  # two runs side by side


def free_port() -> int:
    """A free port for a process that must be told its port before it starts: one of this
    worker's own (``_own_ports``) that binds now, else one the OS picks (port 0)."""
    for _ in OWN_PORTS:
        port = OWN_PORTS[next(_next_port) % len(OWN_PORTS)]
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def unavailable(reason: str) -> NoReturn:
    """Skip a test for want of something this machine lacks; under CI (``CI=true``), where
    ``.ci/run`` installs it, fail instead."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: .ci/run installs it)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """A throwaway PostgreSQL server on a Unix socket, one per test process (xdist worker),
    started when a test first asks for it (skipped if it cannot start, failed under CI)."""
    try:
        cluster = start_cluster()
    except PgUnavailable as exc:
        unavailable(f"PostgreSQL cannot start: {exc}")
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_url(pg_cluster: PgCluster) -> Iterator[str]:
    """A fresh, empty database of the test's own: its URL (what ``storage.url`` holds)."""
    name = pg_cluster.create_database()
    yield pg_cluster.url(name)
    pg_cluster.drop_database(name)


@pytest.fixture(scope="session")
def pg_migrated(pg_cluster: PgCluster) -> str:
    """A database of the cluster holding the bot's migrated schema and nothing else, made once
    per test process: the template of each test's bot database (copying it is faster than
    migrating every one). The migrations themselves are tested on ``pg_url``'s empty ones."""
    name = pg_cluster.create_database()
    db = PostgresSql(pg_cluster.url(name))
    try:
        apply(db)
    finally:
        db.close()  # a template is copied only while no one is connected to it
    return name


ENGINES = ["sqlite", "postgresql"]


def database_of(request: pytest.FixtureRequest, engine: str, folder: Path) -> str:
    """A new database of ``engine``: a SQLite file in ``folder``, or a database of the test's
    own in the test process's PostgreSQL cluster, as the bot leaves an empty one after its
    migrations (a copy of ``pg_migrated``), dropped when the fixture asking for it ends."""
    if engine == "sqlite":
        return str(folder / "db" / "bot.sqlite3")
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    name = cluster.create_database(template=request.getfixturevalue("pg_migrated"))
    request.addfinalizer(lambda: cluster.drop_database(name))
    return cluster.url(name)


@pytest.fixture(params=ENGINES)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where the test's database lives, once per engine: a SQLite file, or a PostgreSQL
    database of its own (what ``storage.path`` / ``storage.url`` would hold)."""
    return database_of(request, request.param, tmp_path)


@dataclass(frozen=True, slots=True)
class Emulator:
    sandbox: Sandbox
    url: str


@dataclass(frozen=True, slots=True)
class LiveBot:
    url: str
    sandbox: Sandbox
    runner: BotRunner


CHAT_PACE = 0.1  # s between two messages to one private chat in tests/chat (Telegram: 1 s)


@pytest.fixture
def private_interval(request: pytest.FixtureRequest) -> float:
    """Seconds between two messages to one private chat, as the emulator enforces it and the
    bot in the test process keeps it: Telegram's second, except in tests/chat, where what the
    bot says is checked, not its pace, and a conversation of ten replies would wait ten
    seconds; there both sides run at ``CHAT_PACE`` (a reply sent too early is still refused).
    A test marked ``real_pace`` keeps the second."""
    folder = Path(str(request.node.path)).parent.name
    real = request.node.get_closest_marker("real_pace") is not None
    return CHAT_PACE if folder == "chat" and not real else 1.0


@pytest.fixture
async def emulator(
    private_interval: float, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Emulator]:
    """The Bot API emulator on 127.0.0.1, a free port (its private chats paced at
    ``private_interval``, and so is the bot's limiter)."""
    from tgsandbox import Sandbox, start_sandbox

    sandbox = Sandbox(token=TOKEN, bot_username="digest_test_bot")
    if private_interval != 1.0:
        sandbox.flood.private_per_s = 1 / private_interval
        paced = functools.partial(Limiter, private_interval=private_interval * MARGIN)
        monkeypatch.setattr(bot.app, "Limiter", paced)
    web, url = await start_sandbox(sandbox, host="127.0.0.1", port=0)
    try:
        yield Emulator(sandbox, url)
    finally:
        await web.cleanup()


@pytest.fixture
def tg(emulator: Emulator) -> Sandbox:
    """The emulated Telegram: users, chats, what the bot sent."""
    return emulator.sandbox


@pytest.fixture
def digests(tmp_path: Path) -> Path:
    """A digests folder holding the sample edition."""
    folder = tmp_path / "digests"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    return folder


BOTH_ENGINES = ("store", "search", "delivery", "chat")  # test folders run on both engines


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test of a folder in ``BOTH_ENGINES`` whose bot has a database runs once per engine
    (unless $DIGESTBOT_TEST_ENGINE picks one)."""
    folder = Path(str(metafunc.definition.path)).parent.name
    sqlite_only = metafunc.definition.get_closest_marker("sqlite_only") is not None
    wanted = "engine" in metafunc.fixturenames and folder in BOTH_ENGINES and not sqlite_only
    if wanted and not os.environ.get("DIGESTBOT_TEST_ENGINE"):
        metafunc.parametrize("engine", ENGINES, indirect=True)


@pytest.fixture
def engine(request: pytest.FixtureRequest) -> str:
    """The engine of the bot's database: SQLite, unless the test runs on both (its folder is
    in ``BOTH_ENGINES``) or $DIGESTBOT_TEST_ENGINE names another."""
    return str(getattr(request, "param", os.environ.get("DIGESTBOT_TEST_ENGINE", "sqlite")))


@pytest.fixture
def config(
    request: pytest.FixtureRequest, tmp_path: Path, emulator: Emulator, digests: Path, engine: str
) -> Config:
    """The bot's config: the emulator as its Bot API, data in a temporary folder (the
    database there, or a PostgreSQL database of the test's own)."""
    data = tmp_path / "data"
    return Config(
        data_dir=data,
        digests_dir=digests,
        db_path=data / "digestbot.sqlite3",
        db_url="" if engine == "sqlite" else database_of(request, engine, tmp_path),
        telegram=TelegramConfig(token=TOKEN, api_base_url=f"{emulator.url}/bot"),
        http=HttpConfig(port=0),
    )


class Processed:
    """Which updates the bot has finished handling (so a test can wait for silent effects).

    Updates of different chats are handled side by side, so "done up to N" means: the bot
    has taken update N and every update it took up to N has finished.
    """

    def __init__(self) -> None:
        self.taken = 0
        self.pending: set[int] = set()
        self.changed = asyncio.Condition()

    def track(self, runner: BotRunner) -> None:
        assert runner.app is not None
        processor = runner.app.update_processor
        process = processor.process_update

        async def tracked(update: object, coroutine: Awaitable[object]) -> None:
            update_id = getattr(update, "update_id", 0)
            self.taken = max(self.taken, update_id)
            self.pending.add(update_id)

            async def run() -> None:
                try:
                    await coroutine
                finally:
                    async with self.changed:
                        self.pending.discard(update_id)
                        self.changed.notify_all()

            await process(update, run())

        processor.process_update = tracked  # type: ignore[method-assign]

    def done(self, update_id: int) -> bool:
        return self.taken >= update_id and not any(p <= update_id for p in self.pending)

    async def through(self, update_id: int) -> None:
        async with asyncio.timeout(10), self.changed:
            await self.changed.wait_for(lambda: self.done(update_id))


@pytest.fixture
def processed() -> Processed:
    return Processed()


class Clock:
    """The bot's wall clock: real time until a test sets it, then moved only by the test."""

    def __init__(self) -> None:
        self.frozen: dt.datetime | None = None

    def __call__(self) -> dt.datetime:
        return self.frozen or dt.datetime.now(dt.UTC)

    def set(self, when: dt.datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("naive datetime")
        self.frozen = when

    def advance(self, delta: dt.timedelta) -> None:
        self.frozen = self() + delta


@pytest.fixture
def clock() -> Clock:
    return Clock()


@asynccontextmanager
async def manual_bot(
    config: Config,
    clock: Clock,
    at: dt.datetime | None = None,
    *,
    processed: Processed | None = None,
) -> AsyncIterator[BotRunner]:
    """The bot on the test's clock (set to ``at``) with no repeating tick: the test calls
    ``runner.tick()`` when it wants a planning round."""
    if at is not None:
        clock.set(at)
    runner = BotRunner(config, poll_timeout=1, now=clock, auto_tick=False)
    await runner.start()
    if processed is not None:
        processed.track(runner)
    try:
        yield runner
    finally:
        await runner.stop()


@pytest.fixture
async def app(config: Config, processed: Processed, clock: Clock) -> AsyncIterator[BotRunner]:
    """The real PTB Application, polling the emulator, with the sample edition loaded."""
    runner = BotRunner(config, poll_timeout=1, now=clock)
    await runner.start()
    processed.track(runner)
    try:
        yield runner
    finally:
        await runner.stop()


@pytest.fixture
def settle(tg: Sandbox, processed: Processed) -> Callable[[], Awaitable[None]]:
    """``await settle()``: the bot has handled every update the emulator made so far."""

    async def wait() -> None:
        await processed.through(tg.updates.last_update_id)

    return wait


@pytest.fixture
async def live_bot(emulator: Emulator, app: BotRunner) -> LiveBot:
    """The emulator with its web chat and the bot answering in it."""
    return LiveBot(url=emulator.url, sandbox=emulator.sandbox, runner=app)


def metric_samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Prometheus exposition text as {(sample name, sorted labels): value}."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def three_editions(tmp_path: Path) -> Path:
    """A digests folder of three editions: 2024-01-05, the seed 2024-01-08 and 2024-01-10."""
    folder = tmp_path / "digests"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    for day in ("2024-01-05", "2024-01-10"):
        text = (
            f"---\ntitle: 每日碳新闻 {day}\n---\n1. {day} 储能项目并网 https://example.org/{day}\n"
        )
        (folder / f"{day}.md").write_text(text, "utf-8")
    return folder


async def talk(tg: Sandbox, text: str, *, user_name: str = "Alice", lang: str = "zh") -> list[str]:
    """A new user sends one command; the texts of the bot's replies."""
    user = tg.add_user(user_name, language_code=lang)
    chat = tg.private_chat(user)
    tg.send(chat, user, text)
    await tg.wait_for(lambda sb: bool(sb.messages(chat)))
    return [m.text for m in tg.messages(chat)]


def titles(reading: Reading) -> list[str]:
    """The titles of a reading's items, in order."""
    return [item.title for item in reading.items]


def days(keys: Iterable[EditionKey]) -> list[dt.date]:
    """The dates of these editions (a scan report lists edition keys)."""
    return [key.date for key in keys]


def store_of(app: BotRunner) -> Store:
    """The running bot's store (the app fixture has started it)."""
    assert app.store is not None
    return app.store


SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """That day's hour in the default push time zone (Asia/Shanghai)."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


def digest(day: dt.date, text: str, *, front: str = "") -> str:
    """A one-item digest file for ``day`` (``front``: more front matter lines)."""
    return f"---\ntitle: 每日碳新闻 {day}\n{front}---\n1. {text} https://example.org/{day}\n"


class BotProcess:
    """``python -m bot run`` as a subprocess: start, kill -9, stop (SIGTERM)."""

    def __init__(self, config: Path, data: Path, log: Path) -> None:
        self.config, self.data, self.log = config, data, log
        self.proc: asyncio.subprocess.Process | None = None
        self.starts = 0

    async def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DIGESTBOT_", "TELEGRAM"))}
        env |= {"DIGESTBOT_DATA": str(self.data), "PYTHONPATH": str(ROOT)}
        self.starts += 1
        with self.log.open("ab") as log:
            log.write(f"--- start {self.starts} ---\n".encode())
            log.flush()
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "--config",
                str(self.config),
                "run",
                cwd=self.data,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )

    async def kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()

    async def stop(self, *, within: float) -> int:
        """SIGTERM; the exit code (it must come within ``within`` seconds)."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        async with asyncio.timeout(within):
            return await self.proc.wait()
