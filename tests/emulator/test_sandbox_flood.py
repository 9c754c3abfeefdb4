"""Flood limits and faults, seen through the real PTB ``telegram.Bot``: 429 with a retry_after
that works when waited out (on an injected clock, so nothing sleeps), 5xx, timeouts, drops;
and over raw HTTP the throttle fault's exact 429 body and a network partition."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from tgsandbox import FaultConfig, Sandbox, make_app, start_sandbox

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


async def test_late_request_takes_effect_when_it_arrives(sb: Sandbox, bot: Bot) -> None:
    """A late request reaches Telegram late_seconds after it was sent: a message sent after it
    but on time is there first, and the flood limits count each one when it arrives."""
    alice = sb.add_user("Alice")
    sb.private_chat(alice)
    sb.faults = FaultConfig(late_rate=1.0, late_seconds=0.3, methods=("sendMessage",))
    late = asyncio.create_task(bot.send_message(alice.id, "sent first"))
    await sb.wait_for(lambda sb: sb.counters.faults_late == 1, timeout=5)
    sb.faults.late_rate = 0.0
    await bot.send_message(alice.id, "sent second")
    with pytest.raises(RetryAfter):  # strict: the second message to arrive within a second
        await late
    assert [m.text for m in sb.messages(alice.id)] == ["sent second"]
    assert [hit.limit for hit in sb.flood_control.hits] == ["private"]
    assert sb.counters.faults_late == 1


async def post(session: aiohttp.ClientSession, url: str, method: str, **params: Any) -> Any:
    """(status, body) of a raw Bot API call."""
    async with session.post(f"{url}/bot{TOKEN}/{method}", json=params) as response:
        return response.status, await response.json()


NEWER_FAULTS = [("throttle_rate", "throttle"), ("late_rate", "late")]


@pytest.mark.parametrize(("share", "fault"), NEWER_FAULTS)
def test_newer_faults_are_drawn_after_the_others(share: str, fault: str) -> None:
    """Adding a throttle (or late) share keeps every fault a seed gave before."""
    config = FaultConfig(error_rate=0.2, drop_rate=0.1, slow_rate=0.1, seed=11)
    if fault == "late":
        config.throttle_rate = 0.1
    draws = []
    for rate in (0.0, 0.3):
        sb = Sandbox(token=TOKEN)
        sb.faults = FaultConfig(**vars(config) | {share: rate})
        draws.append([sb.fault_injector.draw("sendMessage") for _ in range(60)])
    before, after = draws
    assert [a for b, a in zip(before, after, strict=True) if b is not None] == [
        b for b in before if b is not None
    ]
    assert {a for b, a in zip(before, after, strict=True) if b is None} == {fault, None}


async def test_throttle_fault_answers_telegrams_429_and_sends_nothing(
    sb: Sandbox, url: str, bot: Bot
) -> None:
    """A throttled request gets Telegram's 429 body with retry_after (PTB: RetryAfter) and has
    no effect; it is counted apart from flood-limit 429s."""
    alice = sb.add_user("Alice")
    sb.private_chat(alice)
    async with aiohttp.ClientSession() as session:
        throttle = {"faults": {"throttle_rate": 1, "throttle_retry_after": 7}}
        async with session.post(f"{url}/_sandbox/config", json=throttle) as response:
            assert response.status == 200
        assert (sb.faults.throttle_rate, sb.faults.throttle_retry_after) == (1.0, 7)
        assert await post(session, url, "sendMessage", chat_id=alice.id, text="no") == (
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 7",
                "parameters": {"retry_after": 7},
            },
        )
    with pytest.raises(RetryAfter) as refused:
        await bot.send_message(alice.id, "nor this")
    assert refused.value.retry_after == dt.timedelta(seconds=7)
    assert sb.messages(alice.id) == []
    assert (sb.counters.faults_throttled, sb.counters.http_429) == (2, 0)
    assert [r.status for r in sb.requests if r.method == "sendMessage"] == [429, 429]
    sb.faults.throttle_rate = 0.0
    await bot.send_message(alice.id, "now")
    assert [m.text for m in sb.messages(alice.id)] == ["now"]


async def _end_by_assignment(sb: Sandbox, session: aiohttp.ClientSession, url: str) -> None:
    sb.faults.partition = False


async def _end_by_new_config(sb: Sandbox, session: aiohttp.ClientSession, url: str) -> None:
    sb.faults = FaultConfig()


async def _end_over_http(sb: Sandbox, session: aiohttp.ClientSession, url: str) -> None:
    async with session.post(f"{url}/_sandbox/config", json={"faults": {"partition": False}}) as r:
        assert (await r.json())["faults"]["partition"] is False


ENDINGS: dict[str, Callable[[Sandbox, aiohttp.ClientSession, str], Awaitable[None]]] = {
    "assignment": _end_by_assignment,
    "new_config": _end_by_new_config,
    "control_api": _end_over_http,
}


@pytest.mark.parametrize("ending", ENDINGS)
async def test_partition_holds_requests_and_drops_them_when_it_ends(
    sb: Sandbox, url: str, ending: str
) -> None:
    """During a partition sendMessage and getUpdates get no answer and do nothing; when it ends
    they are disconnected, the message was never sent, and new requests work again."""
    alice = sb.add_user("Alice")
    chat = sb.private_chat(alice)
    sb.faults.partition = True
    async with aiohttp.ClientSession() as session:
        held = [
            asyncio.create_task(post(session, url, "sendMessage", chat_id=chat.id, text="lost")),
            asyncio.create_task(post(session, url, "getUpdates", timeout=0)),
        ]
        await sb.wait_for(lambda sb: sb.counters.faults_partitioned == 2, timeout=5)
        sb.send(chat, alice, "written during the partition")
        assert not any(task.done() for task in held)
        assert (sb.counters["sendMessage"], sb.counters["getUpdates"]) == (0, 0)
        assert sorted(r.method for r in sb.requests) == ["getUpdates", "sendMessage"]
        assert {r.status for r in sb.requests} == {0}
        await ENDINGS[ending](sb, session, url)
        for task in held:
            with pytest.raises(aiohttp.ClientError):
                await asyncio.wait_for(task, 5)
        status, body = await post(session, url, "getUpdates")
        assert (status, [u["message"]["text"] for u in body["result"]]) == (
            200,
            ["written during the partition"],
        )
        assert (await post(session, url, "sendMessage", chat_id=chat.id, text="after"))[0] == 200
    assert [m.text for m in sb.messages(chat)] == ["after"]
    assert sb.counters.faults_partitioned == 2


async def test_partition_does_not_hold_up_the_server_stopping(sb: Sandbox) -> None:
    """Stopping the server ends the requests a partition holds, without waiting for them."""
    runner = web.AppRunner(make_app(sb), shutdown_timeout=60)  # a held request would wait 60 s
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    sb.faults.partition = True
    async with aiohttp.ClientSession() as session:
        held = asyncio.create_task(post(session, f"http://{host}:{port}", "getMe"))
        await sb.wait_for(lambda sb: sb.counters.faults_partitioned == 1, timeout=5)
        await asyncio.wait_for(runner.cleanup(), 10)
        with pytest.raises(aiohttp.ClientError):
            await asyncio.wait_for(held, 5)
    assert sb.counters["getMe"] == 0
