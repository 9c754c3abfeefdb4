"""Flood limits and faults, seen through the real PTB ``telegram.Bot``: 429 with a retry_after
that works when waited out (on an injected clock, so nothing sleeps), 5xx, timeouts, drops."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from telegram import Bot
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from bot.sandbox import FaultConfig, Sandbox, start_sandbox

TOKEN = "123456:TEST-token"


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(autouse=True)
def _timedelta_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB 22 warns on int RetryAfter.retry_after unless PTB_TIMEDELTA opts into timedelta."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sb(clock: FakeClock) -> Sandbox:
    return Sandbox(token=TOKEN, bot_username="digest_test_bot", strict=True, clock=clock)


@pytest.fixture
async def url(sb: Sandbox) -> AsyncIterator[str]:
    runner, base = await start_sandbox(sb, port=0)
    try:
        yield base
    finally:
        await runner.cleanup()


def make_bot(url: str, **request: float) -> Bot:
    return Bot(
        TOKEN,
        base_url=f"{url}/bot",
        base_file_url=f"{url}/file/bot",
        request=HTTPXRequest(connection_pool_size=4, **request),  # type: ignore[arg-type]
    )


@pytest.fixture
async def bot(url: str) -> AsyncIterator[Bot]:
    async with make_bot(url) as client:
        yield client


async def test_strict_private_chat_refuses_a_second_message_within_a_second(
    sb: Sandbox, bot: Bot, clock: FakeClock
) -> None:
    """Strict: a 2nd message to a private chat within 1 s is 429; after retry_after it goes."""
    alice = sb.add_user("Alice")
    sb.private_chat(alice)
    await bot.send_message(alice.id, "one")
    clock.advance(0.3)
    with pytest.raises(RetryAfter) as refused:
        await bot.send_message(alice.id, "two")
    assert refused.value.retry_after == dt.timedelta(seconds=1)
    clock.advance(1)
    await bot.send_message(alice.id, "two")
    assert [m.text for m in sb.messages(alice.id)] == ["one", "two"]
    assert (sb.counters.http_429, sb.counters.retry_after_total) == (1, 1)
    assert [hit.limit for hit in sb.flood_control.hits] == ["private"]


async def test_relaxed_private_chat_allows_a_burst_of_three(
    sb: Sandbox, bot: Bot, clock: FakeClock
) -> None:
    """Without strict mode a private chat takes a burst of 3, then about one a second."""
    sb.flood.strict = False
    alice = sb.add_user("Alice")
    sb.private_chat(alice)
    for n in range(3):
        await bot.send_message(alice.id, f"part {n}")
    with pytest.raises(RetryAfter):
        await bot.send_message(alice.id, "part 3")
    clock.advance(1)
    await bot.send_message(alice.id, "part 3")
    assert sb.counters.per_chat[alice.id] == 4


async def test_group_refuses_the_21st_message_in_a_minute(
    sb: Sandbox, bot: Bot, clock: FakeClock
) -> None:
    """A group takes 20 messages in 60 s; the 21st waits until the first leaves the window."""
    alice = sb.add_user("Alice")
    group = sb.add_group("Readers", members=[alice])
    for n in range(20):
        await bot.send_message(group.id, f"item {n}")
        clock.advance(1)
    with pytest.raises(RetryAfter) as refused:
        await bot.send_message(group.id, "item 20")
    assert refused.value.retry_after == dt.timedelta(seconds=40)
    clock.advance(40)
    await bot.send_message(group.id, "item 20")
    assert sb.counters.http_429 == 1
    assert sb.counters.retry_afters == [40]


async def test_global_cap_refuses_the_31st_message_in_a_second(
    sb: Sandbox, bot: Bot, clock: FakeClock
) -> None:
    """30 messages a second in all; the 31st (to a fresh chat) is 429 for 1 s."""
    users = [sb.add_user(f"User {n}") for n in range(32)]
    for user in users:
        sb.private_chat(user)
    for user in users[:30]:
        await bot.send_message(user.id, "edition")
    with pytest.raises(RetryAfter) as refused:
        await bot.send_message(users[30].id, "edition")
    assert refused.value.retry_after == dt.timedelta(seconds=1)
    assert [hit.limit for hit in sb.flood_control.hits] == ["global"]
    clock.advance(1)
    await bot.send_message(users[30].id, "edition")


async def test_paid_broadcast_lifts_the_global_cap(sb: Sandbox, bot: Bot) -> None:
    """allow_paid_broadcast lets more than 30 messages a second through."""
    users = [sb.add_user(f"User {n}") for n in range(40)]
    for user in users:
        sb.private_chat(user)
        await bot.send_message(user.id, "edition", allow_paid_broadcast=True)
    assert sb.counters.sent_messages == 40
    assert sb.counters.http_429 == 0
    late = sb.private_chat(sb.add_user("Late"))
    with pytest.raises(RetryAfter):
        await bot.send_message(late.id, "edition")  # an ordinary message still meets the cap


async def test_flood_limits_can_be_switched_off(sb: Sandbox, bot: Bot) -> None:
    """With flood.enabled false, nothing is refused."""
    sb.flood.enabled = False
    alice = sb.add_user("Alice")
    sb.private_chat(alice)
    for n in range(5):
        await bot.send_message(alice.id, str(n))
    assert sb.counters.http_429 == 0


async def test_error_share_gives_5xx(sb: Sandbox, bot: Bot) -> None:
    """With error_rate 1 every request gets a Telegram-like 5xx: PTB raises NetworkError."""
    alice = sb.add_user("Alice")
    sb.private_chat(alice)
    sb.faults.error_rate = 1.0
    with pytest.raises(NetworkError, match=r"Internal Server Error|Bad Gateway"):
        await bot.send_message(alice.id, "lost")
    assert sb.counters.faults_5xx == 1
    assert sb.messages(alice.id) == []
    assert sb.requests[-1].status in (500, 502)


def test_faults_are_reproducible_from_the_seed() -> None:
    """The same seed draws the same faults; the methods filter spares other methods."""
    config = FaultConfig(error_rate=0.3, drop_rate=0.2, slow_rate=0.2, seed=7)
    draws = []
    for _ in range(2):
        sb = Sandbox(token=TOKEN)
        sb.faults = FaultConfig(**vars(config))
        draws.append([sb.fault_injector.draw("sendMessage") for _ in range(40)])
    assert draws[0] == draws[1]
    assert {"error", "drop", "slow", None} == set(draws[0])
    sb.faults.methods = ("getMe",)
    assert {sb.fault_injector.draw("sendMessage") for _ in range(20)} == {None}


async def test_slow_answer_makes_the_client_time_out(sb: Sandbox, url: str) -> None:
    """A slow answer trips a short read timeout (TimedOut), yet the message was sent."""
    alice = sb.add_user("Alice")
    sb.private_chat(alice)
    async with make_bot(url, read_timeout=0.1) as client:
        sb.faults.slow_rate, sb.faults.slow_seconds = 1.0, 0.4
        with pytest.raises(TimedOut):
            await client.send_message(alice.id, "ambiguous")
    assert [m.text for m in sb.messages(alice.id)] == ["ambiguous"]
    assert sb.counters.faults_slow == 1


async def test_dropped_connection_is_a_network_error(sb: Sandbox, bot: Bot) -> None:
    """A dropped connection surfaces as NetworkError (not a timeout) and sends nothing."""
    alice = sb.add_user("Alice")
    sb.private_chat(alice)
    sb.faults.drop_rate = 1.0
    with pytest.raises(NetworkError) as dropped:
        await bot.send_message(alice.id, "never")
    assert not isinstance(dropped.value, TimedOut)
    assert sb.counters.faults_dropped == 1
    assert sb.messages(alice.id) == []
