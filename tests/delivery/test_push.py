"""The push engine end to end: due times, late and stale editions, topics, alerts, errors."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest
from conftest import Clock, days, manual_bot, metric_samples, store_of
from push_world import DAY, at, edition_of, editions

from bot.app import BotRunner
from bot.config import Config, PushConfig
from bot.digest.models import EditionKey
from tgsandbox import FaultConfig, Sandbox

EDITION = edition_of(DAY)


@pytest.fixture
def digests(tmp_path: Path) -> Path:
    folder = tmp_path / "digests"
    folder.mkdir()
    (folder / "2024-03-01.md").write_text(EDITION, "utf-8")
    return folder


@pytest.fixture
def config(config: Config) -> Config:
    """Fast ticks are driven by the tests; pace as Telegram allows."""
    return replace(config, push=PushConfig(rate=28.0))


@pytest.fixture
async def app(config: Config, clock: Clock) -> AsyncIterator[BotRunner]:
    """The bot with a clock the test moves; no repeating tick (the test calls ``tick``)."""
    async with manual_bot(config, clock, at(6, 0)) as runner:
        yield runner


def reader(tg: Sandbox, app: BotRunner, name: str = "Alice", **settings: object) -> int:
    """A subscribed private chat (settings as Chat fields)."""
    user = tg.add_user(name)
    chat = tg.private_chat(user)
    store = store_of(app)
    store.chats.ensure_chat(chat.id, type="private", title=name)
    if settings:
        store.chats.update_chat(chat.id, **settings)
    store.chats.subscribe(chat.id)
    return chat.id


async def test_due_at_push_time_in_the_chats_zone(
    tg: Sandbox, app: BotRunner, clock: Clock
) -> None:
    """08:00 Shanghai and 07:30 Berlin readers get the edition at their own times, once."""
    shanghai = reader(tg, app, "Li")
    berlin = reader(tg, app, "Hans", timezone="Europe/Berlin", push_time=dt.time(7, 30))
    clock.set(at(7, 59))
    assert (await app.tick()).planned == 0
    clock.set(at(8, 0))
    assert (await app.tick()).planned == 1
    [message] = await tg.wait_messages(shanghai, 1)
    assert message.text.startswith("每日碳新闻 · 2024年3月1日")
    # 07:30 in Berlin (UTC+1 in March) is 14:30 in Shanghai
    clock.set(at(14, 29))
    assert (await app.tick()).planned == 0
    clock.set(at(14, 30))
    assert (await app.tick()).planned == 1
    await tg.wait_messages(berlin, 1)
    clock.set(at(20, 0))
    assert (await app.tick()).planned == 0
    assert len(tg.messages(shanghai)) == 1


async def test_late_edition_goes_out_at_once(
    tg: Sandbox, app: BotRunner, clock: Clock, digests: Path
) -> None:
    """An edition ingested after the push time is sent on the next tick."""
    chat = reader(tg, app)
    (digests / "2024-03-02.md").write_text(EDITION.replace("2024-03-01", "2024-03-02"), "utf-8")
    clock.set(at(11, 0, day=dt.date(2024, 3, 2)))
    report = await app.tick()
    assert days(report.scan.new) == [dt.date(2024, 3, 2)]
    messages = await tg.wait_messages(chat, 2)
    assert {m.text.split("\n")[0] for m in messages} == {
        "每日碳新闻 · 2024年3月1日",
        "每日碳新闻 · 2024年3月2日",
    }


async def test_stale_edition_is_never_pushed(tg: Sandbox, app: BotRunner, clock: Clock) -> None:
    """An edition older than push.max_age (2 days) is not pushed."""
    reader(tg, app)
    clock.set(at(8, 1, day=DAY + dt.timedelta(days=2)))
    assert (await app.tick()).planned == 0
    assert store_of(app).outbox.deliveries_summary()["deliveries"] == {}


async def test_late_subscriber_waits_for_the_next_edition(
    tg: Sandbox, app: BotRunner, clock: Clock
) -> None:
    """Subscribing after today's edition went out does not push it; /today still shows it."""
    clock.set(at(10, 0))
    reader(tg, app)
    assert (await app.tick()).planned == 0


async def test_topics_filter_and_alert_marks(tg: Sandbox, app: BotRunner, clock: Clock) -> None:
    """A topic follower gets only its items; an alert term is marked 🔔 and bold."""
    chat = reader(tg, app)
    store = store_of(app)
    store.chats.set_scopes(chat, {"storage"})
    store.chats.add_alert(chat, ("100mw",), ())
    assert app.services is not None
    await app.services.alerts_changed(chat)
    clock.set(at(8, 0))
    await app.tick()
    [message] = await tg.wait_messages(chat, 1)
    assert "2. " in message.text
    assert "🔔 2. 新型储能电站并网" in message.text
    assert "碳市场配额" not in message.text
    assert "光伏" not in message.text
    bold = message.text.encode("utf-16-le")
    marked = [
        bold[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
        for e in message.entities
        if e["type"] == "bold"
    ]
    assert "100MW" in marked


async def test_alert_outside_the_digest_is_sent_once(
    tg: Sandbox, app: BotRunner, clock: Clock, digests: Path
) -> None:
    """An alert item the chat will not get in its digest comes as an alert message, once."""
    follower = reader(tg, app, "Fan")
    store = store_of(app)
    store.chats.set_scopes(follower, {"storage"})
    store.chats.add_alert(follower, ("绿证",), ())
    stranger = tg.private_chat(tg.add_user("Stranger"))
    store.chats.ensure_chat(stranger.id, type="private")
    store.chats.add_alert(stranger.id, ("碳市场",), ())
    assert app.services is not None
    await app.services.alerts_changed(follower, stranger.id)
    clock.set(at(9, 0, day=dt.date(2024, 3, 2)))
    (digests / "2024-03-02.md").write_text(EDITION.replace("2024-03-01", "2024-03-02"), "utf-8")
    report = await app.tick()
    assert report.alerts == 2
    [alert] = await tg.wait_messages(stranger.id, 1)
    assert alert.text.startswith("🔔 提醒：碳市场")
    assert "全国碳市场配额" in alert.text
    fan = await tg.wait_messages(follower, 3)
    texts = [m.text for m in fan]
    alerts = [t for t in texts if t.startswith("🔔 提醒")]
    assert len(alerts) == 1
    assert "绿证交易活跃" in alerts[0]
    digests_texts = [t for t in texts if t.startswith("每日碳新闻")]
    assert all("绿证交易活跃" not in t for t in digests_texts)
    await app.tick()
    assert len(tg.messages(stranger.id)) == 1


async def test_a_one_character_alert_matches_its_words(
    tg: Sandbox, app: BotRunner, clock: Clock, digests: Path
) -> None:
    """`/alert 氢` is accepted (one Han character is a term) and matches 氢能 and 制氢 items."""
    user = tg.add_user("Hydrogen")
    chat = tg.private_chat(user)
    tg.send(chat, user, "/alert 氢")
    [confirmation] = await tg.wait_messages(chat, 1)
    assert "氢" in confirmation.text
    assert store_of(app).chats.alerts(chat.id)[0].terms == ("氢",)
    day = dt.date(2024, 3, 2)
    (digests / f"{day}.md").write_text(
        f"---\ntitle: 每日碳新闻 {day}\n---\n"
        "1. 氢能重卡示范城市群扩容。 https://example.org/h1\n"
        "2. 光伏组件价格下降。 https://example.org/p\n"
        "3. 绿电制氢项目开工。 https://example.org/h2\n",
        "utf-8",
    )
    clock.set(at(9, 0, day=day))
    assert (await app.tick()).alerts == 1
    [_, alert] = await tg.wait_messages(chat, 2)
    assert alert.text.startswith("🔔 提醒：氢")
    assert "氢能重卡" in alert.text
    assert "绿电制氢" in alert.text
    assert "光伏组件" not in alert.text


async def test_blocked_and_migrated_chats_mid_push(
    tg: Sandbox, app: BotRunner, clock: Clock
) -> None:
    """A reader who blocked the bot goes inactive; a migrated group gets it at its new id."""
    alice = reader(tg, app, "Alice")
    bob_user = tg.add_user("Bob")
    bob = tg.private_chat(bob_user)
    store = store_of(app)
    store.chats.ensure_chat(bob.id, type="private")
    store.chats.subscribe(bob.id)
    admin = tg.add_user("Ada")
    group = tg.add_group("碳圈", admins=[admin])
    store.chats.ensure_chat(group.id, type="group", title="碳圈")
    store.chats.subscribe(group.id)
    await tg.wait_messages(group, 1)
    supergroup = tg.migrate(group)
    clock.set(at(8, 0))
    assert (await app.tick()).planned == 3
    tg.block(bob_user)  # after planning, before the send (the 403); the bot is told as well
    await tg.wait_messages(alice, 1)
    await tg.wait_messages(supergroup, 1)
    assert app.pusher is not None
    await app.pusher.idle()
    row = store.chats.get_chat(bob.id)
    assert row is not None
    assert row.inactive_reason == "blocked"
    summary = store.outbox.deliveries_summary(EditionKey(0, DAY))
    assert summary["deliveries"]["edition"]["sent"] == 2
    assert summary["reasons"] == {"blocked": 1}


async def test_a_group_upgraded_while_its_edition_is_on_the_way_gets_it_once(
    tg: Sandbox, app: BotRunner, clock: Clock
) -> None:
    """The group becomes a supergroup while the send to its old id is still on its way: the
    bot moves the row to the new id, the send comes back 400, and the edition goes out there
    once (the moved row is not taken a second time while it is in flight)."""
    admin = tg.add_user("Ada")
    group = tg.add_group("碳圈", admins=[admin])
    store = store_of(app)
    store.chats.ensure_chat(group.id, type="group", title="碳圈")
    store.chats.subscribe(group.id)
    await tg.wait_messages(group, 1)
    tg.faults = FaultConfig(late_rate=1.0, late_seconds=3.0, methods=("sendMessage",))
    clock.set(at(8, 0))
    assert (await app.tick()).planned == 1
    await tg.wait_for(lambda sb: sb.counters.faults_late == 1)
    supergroup = tg.migrate(group)  # the bot is told at once; its send arrives after
    await tg.wait_for(lambda sb: store.chats.scopes(supergroup.id) == {"all"})
    assert app.pusher is not None
    await app.pusher.idle()
    sends = lambda sb: [r for r in sb.requests if r.method == "sendMessage"]  # noqa: E731
    await tg.wait_for(lambda sb: sb.counters.requests["sendMessage"] == len(sends(sb)))
    assert [r.params["chat_id"] for r in sends(tg)[1:]] == [str(group.id), str(supergroup.id)]
    assert len(editions(tg, supergroup)) == 1
    assert editions(tg, group) == []
    summary = store.outbox.deliveries_summary(EditionKey(0, DAY))
    assert summary["deliveries"]["edition"] == {"sent": 1}


async def test_push_time_set_in_the_chat_delivers_at_that_minute(
    tg: Sandbox, config: Config, clock: Clock
) -> None:
    """/subscribe, /settings time a minute ahead: the repeating tick sends it at that minute."""
    clock.set(at(6, 0))
    config = replace(config, push=replace(config.push, tick=0.05))
    runner = BotRunner(config, poll_timeout=1, now=clock)  # its own JobQueue tick
    await runner.start()
    try:
        clock.set(at(10, 0, day=dt.date(2024, 3, 2)))  # the 2024-03-02 edition is not out yet
        user = tg.add_user("Mei")
        chat = tg.private_chat(user)
        tg.send(chat, user, "/start")
        tg.send(chat, user, "/subscribe")
        await tg.wait_messages(chat, 2)
        tg.send(chat, user, "/settings time 10:01")
        await tg.wait_for(lambda sb: "10:01" in sb.messages(chat)[-1].text)
        assert (await runner.tick()).planned == 0  # what the repeating tick does at 10:00
        assert not any(m.text.startswith("每日碳新闻") for m in tg.messages(chat))
        clock.set(at(10, 1, day=dt.date(2024, 3, 2)))
        edition = EDITION.replace("2024-03-01", "2024-03-02")
        (config.digests_dir / "2024-03-02.md").write_text(edition, "utf-8")
        [pushed] = await tg.wait_for(
            lambda sb: [m for m in sb.messages(chat) if m.text.startswith("每日碳新闻")]
        )
        assert pushed.text.startswith("每日碳新闻 · 2024年3月2日")
    finally:
        await runner.stop()


async def test_a_push_shows_in_metrics_and_health(
    tg: Sandbox, app: BotRunner, clock: Clock
) -> None:
    """After a push /metrics counts sent, failed-by-reason and commands; /healthz the round."""
    alice = reader(tg, app, "Alice")
    store_of(app).chats.ensure_chat(404, type="private")  # a chat Telegram does not know
    store_of(app).chats.subscribe(404)
    alice_user = tg.chats[alice].user
    tg.send(tg.chats[alice], alice_user, "/today")
    await tg.wait_messages(alice, 1)
    clock.set(at(8, 0))
    await app.tick()
    await tg.wait_messages(alice, 2)
    assert app.pusher is not None
    await app.pusher.idle()
    assert app.web is not None
    async with aiohttp.ClientSession() as http:
        async with http.get(app.web.metrics_url) as response:
            text = await response.text()
        async with http.get(app.web.healthz_url) as response:
            health = await response.json()
    samples = metric_samples(text)
    assert samples[("digestbot_messages_sent_total", (("kind", "edition"),))] == 1
    assert samples[("digestbot_messages_failed_total", (("reason", "chat not found"),))] == 1
    assert samples[("digestbot_command_seconds_count", (("command", "today"),))] == 1
    assert health["last_push"]["sent"] == 1
    assert health["last_push"]["failed"] == 1


async def test_a_clock_set_back_mid_push_holds_nothing_back(
    tg: Sandbox, app: BotRunner, clock: Clock
) -> None:
    """The bot's clock goes back an hour in the middle of a push: the rest of the readers
    still get the edition now, not when the clock has caught up again."""
    tg.flood.global_per_s = 1000
    readers = [reader(tg, app, f"R{n}") for n in range(120)]
    clock.set(at(8, 0))
    assert (await app.tick()).planned == len(readers)
    await tg.wait_for(lambda sb: len(sb.counters.per_chat) >= 20, timeout=30)
    clock.set(at(7, 0))  # an hour back, and it stays there
    await tg.wait_for(lambda sb: len(sb.counters.per_chat) == len(readers), timeout=30)
    assert all(len(tg.messages(chat)) == 1 for chat in readers)
