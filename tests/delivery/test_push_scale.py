"""The push at scale, through the emulator in strict flood mode; and trouble in mid-push.

Chats are seeded through the Store API; the bot's clock is the test's (``clock``), planning is
driven by ``runner.tick()`` and the tests wait on the emulator or on ``pusher.idle()``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import Clock, manual_bot
from push_world import (
    PaceLog,
    add_channel,
    add_forum_topic,
    add_group,
    add_readers,
    alert_messages,
    bold_spans,
    editions,
)

from bot.app import BotRunner
from bot.config import Config, PushConfig
from bot.digest.models import EditionKey
from bot.services import Services
from bot.store.database import Store
from tgsandbox import FaultConfig, Sandbox

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
DAY = dt.date(2024, 3, 1)
EDITION = (
    "---\ntitle: 每日碳新闻 2024-03-01\n---\n==新闻==\n"
    "1. 全国碳市场配额成交量创新高。 https://example.org/1\n"
    "2. 新型储能电站并网，容量 100MW。 https://example.org/2\n"
    "3. 光伏组件价格下降，绿证交易活跃。 https://example.org/3\n"
    "4. 新能源汽车销量增长，公共充电桩超过 300 万台。 https://example.org/4\n"
    "5. 钢铁行业超低排放改造持续推进。 https://example.org/5\n"
)
# a phrase only item n has (each item is in exactly one topic of the default taxonomy)
ITEMS = {1: "全国碳市场配额", 2: "新型储能电站", 3: "光伏组件", 4: "新能源汽车销量", 5: "钢铁行业"}
EVERYTHING = set(ITEMS)
RATE = 28.0


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time(hour, minute), tzinfo=SHANGHAI)


def items_in(text: str) -> set[int]:
    return {n for n, phrase in ITEMS.items() if phrase in text}


@pytest.fixture
def digests(tmp_path: Path) -> Path:
    """An empty digests folder: each test drops the edition in when its world is ready."""
    folder = tmp_path / "digests"
    folder.mkdir()
    return folder


@pytest.fixture
def config(config: Config) -> Config:
    return replace(config, push=PushConfig(rate=RATE))


@pytest.fixture
async def app(config: Config, clock: Clock, tg: Sandbox) -> AsyncIterator[BotRunner]:
    """The bot against the strict emulator, its clock at 06:00; the test calls ``tick``."""
    tg.flood.strict = True
    async with manual_bot(config, clock, at(6, 0)) as runner:
        yield runner


def parts(app: BotRunner) -> tuple[Store, Services]:
    assert app.store is not None
    assert app.services is not None
    return app.store, app.services


async def idle(app: BotRunner, timeout: float = 60.0) -> None:  # noqa: ASYNC109
    assert app.pusher is not None
    async with asyncio.timeout(timeout):
        await app.pusher.idle()


async def test_every_chat_gets_its_edition_once_at_telegrams_pace(
    tg: Sandbox, app: BotRunner, clock: Clock, digests: Path
) -> None:
    """300 readers, 10 groups, 2 channels and a forum topic each get their edition once, no 429."""
    store, services = parts(app)
    pace = PaceLog(tg)
    admin = tg.add_user("Ada")
    everything = add_readers(tg, store, 180, name="all")
    marked = add_readers(tg, store, 20, name="marked", alerts=("100mw",))
    storage = add_readers(tg, store, 40, name="storage", scopes={"storage"}, alerts=("绿证",))
    two = add_readers(tg, store, 50, name="two", scopes={"carbon-market", "green-power"})
    late = add_readers(tg, store, 10, name="late", scopes=None, alerts=("配额",))
    finance = add_readers(tg, store, 10, name="finance", scopes={"finance"})
    strangers = add_readers(tg, store, 10, name="stranger", scopes=None, alerts=("钢铁",))
    groups = [add_group(tg, store, f"碳圈{n}", admin) for n in range(9)]
    groups.append(add_group(tg, store, "光伏群", admin, alerts=("光伏",)))
    channels = [add_channel(tg, store, f"碳频道{n}", admin) for n in range(2)]
    forum, thread = add_forum_topic(tg, store, "论坛", admin, "交通", scopes={"transport"})
    await services.alerts_changed(*marked, *storage, *late, *strangers, groups[-1].id)
    greeted = [*[g.id for g in groups], forum.id]
    await tg.wait_for(lambda sb: all(sb.messages(g) for g in greeted))

    # 06:00: the edition arrives; alerts for items outside a chat's digest go out at once
    (digests / f"{DAY}.md").write_text(EDITION, "utf-8")
    report = await app.tick()
    assert report.planned == 0
    assert report.alerts == len(storage) + len(late) + len(strangers)
    await idle(app)
    # 07:00: the late readers subscribe to everything, after their alert came
    clock.set(at(7, 0))
    for chat in late:
        store.chats.subscribe(chat)
    # 08:00: the edition is due everywhere
    clock.set(at(8, 0))
    report = await app.tick()
    digest_chats = [*everything, *marked, *storage, *two, *late, *finance]
    digest_chats += [g.id for g in [*groups, *channels]] + [forum.id]
    assert report.planned == len(digest_chats)
    await idle(app)

    # every chat its edition exactly once (none at all for a topic with no items today)
    got = {chat: editions(tg, chat) for chat in digest_chats if chat not in finance}
    assert {chat: len(found) for chat, found in got.items() if len(found) != 1} == {}
    assert all(not editions(tg, chat) and not tg.messages(chat) for chat in finance)
    assert all(not editions(tg, chat) for chat in strangers)
    assert editions(tg, forum, thread_id=thread) == editions(tg, forum)
    # topic followers get their items only; everyone else all five
    for chat in [*everything, *marked, *(g.id for g in groups), *(c.id for c in channels)]:
        assert items_in(got[chat][0]) == EVERYTHING
    assert all(items_in(got[chat][0]) == {2} for chat in storage)
    assert all(items_in(got[chat][0]) == {1, 3} for chat in two)
    assert items_in(got[forum.id][0]) == {4}
    # alert items are marked in the digest (🔔, the term in bold) ...
    for chat in [*marked, groups[-1].id]:
        [message] = [m for m in tg.messages(chat) if m.text and m.text in got[chat]]
        term = "100MW" if chat in marked else "光伏"
        assert "🔔 2. 新型储能" in message.text if chat in marked else "🔔 3. 光伏" in message.text
        assert term in bold_spans(message.text or "", message.entities)
        assert not alert_messages(tg, chat)
    # ... or come as one alert message, and then never again in the digest
    for chat, item in [*((c, 3) for c in storage), *((c, 1) for c in late)]:
        [alert] = alert_messages(tg, chat)
        assert items_in(alert) == {item}
        assert item not in items_in(got[chat][0])
    assert all(items_in(got[chat][0]) == EVERYTHING - {1} for chat in late)
    for chat in strangers:
        [alert] = alert_messages(tg, chat)
        assert items_in(alert) == {5}
    # no chat got any item twice
    for chat in [*digest_chats, *strangers]:
        seen = [n for m in tg.messages(chat) for n in items_in(m.text or "")]
        assert len(seen) == len(set(seen)), chat

    # Telegram's pace: no 429, <= 30/s overall, >= 1 s per private chat, <= 20/min per group
    assert tg.counters["http_429"] == 0
    assert PaceLog.most_in(pace.accepted, 1.0) <= 30
    for chat in [*storage, *late]:
        gap = pace.min_gap(chat)
        assert gap is not None
        assert gap >= 1.0
    for chat in [*groups, *channels, forum]:
        assert PaceLog.most_in(pace.by_chat[chat.id], 60.0) <= 20
    summary = store.outbox.deliveries_summary(EditionKey(0, DAY))["deliveries"]
    assert summary["edition"] == {
        "sent": len(digest_chats) - len(finance),
        "skipped": len(finance),
    }
    assert summary["alert"] == {"sent": len(storage) + len(late) + len(strangers)}


async def test_mid_push_trouble(tg: Sandbox, app: BotRunner, clock: Clock, digests: Path) -> None:
    """Blocked, upgraded groups, 5xx and slow answers mid-push: every active chat gets it once."""
    store, _ = parts(app)
    admin = tg.add_user("Ada")
    readers = add_readers(tg, store, 120, name="reader")
    groups = [add_group(tg, store, f"碳圈{n}", admin) for n in range(4)]
    # planned last (a later push time), so the trouble starts before their turn
    [leaving] = add_readers(tg, store, 1, name="Bob", push_time="08:30")
    seen = add_group(tg, store, "升级群", admin, push_time="08:30")
    unseen = add_group(tg, store, "悄悄升级群", admin, push_time="08:30")
    await tg.wait_for(lambda sb: all(sb.messages(g) for g in [*groups, seen, unseen]))
    (digests / f"{DAY}.md").write_text(EDITION, "utf-8")
    await app.tick()
    tg.faults = FaultConfig(
        error_rate=0.05, slow_rate=0.1, slow_seconds=1.0, methods=("sendMessage",), seed=6
    )

    clock.set(at(9, 0))
    report = await app.tick()
    assert report.planned == len(readers) + len(groups) + 3
    await tg.wait_for(lambda sb: sb.counters.sent_messages >= 40, timeout=20)
    tg.block(leaving)
    seen_new = tg.migrate(seen)
    allowed, tg.updates.allowed = tg.updates.allowed, frozenset()
    unseen_new = tg.migrate(unseen)  # the bot misses the update: Telegram's 400 tells it
    tg.updates.allowed = allowed
    # 5xx answers come back after a backoff (on the bot's clock): move it on until done
    active = [*readers, *(g.id for g in groups), seen_new.id, unseen_new.id]
    for _ in range(20):
        await idle(app)
        if all(editions(tg, chat) for chat in active):
            break
        clock.advance(dt.timedelta(minutes=5))
        await app.tick()
    await idle(app)

    assert {chat: len(editions(tg, chat)) for chat in active} == dict.fromkeys(active, 1)
    assert tg.counters["faults_5xx"] > 0
    assert tg.counters["faults_slow"] > 0
    assert tg.counters.errors[400] == 1  # the send to the old id of the unseen upgrade
    assert tg.counters["http_429"] == 0
    bob = store.chats.get_chat(leaving)
    assert bob is not None
    assert not bob.active
    assert bob.inactive_reason == "blocked"
    assert editions(tg, leaving) == []
    assert editions(tg, seen) == editions(tg, unseen) == []
    for old, new in ((seen, seen_new), (unseen, unseen_new)):
        moved = store.chats.get_chat(new.id)
        assert moved is not None
        assert moved.active
        assert store.chats.scopes(new.id) == {"all"}
        assert store.chats.scopes(old.id) == set()
    summary = store.outbox.deliveries_summary(EditionKey(0, DAY))
    assert summary["deliveries"]["edition"] == {"sent": len(active), "skipped": 1}
    assert summary["reasons"] == {"blocked": 1}


async def test_read_timeout_is_ambiguous_and_not_resent(
    tg: Sandbox, app: BotRunner, clock: Clock, digests: Path
) -> None:
    """An answer slower than the read timeout while the API works: the message may be there, so
    after a short hold it is given up as ambiguous, not resent."""
    store, _ = parts(app)
    readers = add_readers(tg, store, 3, name="reader")
    (digests / f"{DAY}.md").write_text(EDITION, "utf-8")
    await app.tick()
    # PTB's read timeout is 5 s; Telegram delivered the message but answered too late
    tg.faults = FaultConfig(slow_rate=1.0, slow_seconds=5.5, methods=("sendMessage",))
    clock.set(at(8, 0))
    await app.tick()
    await idle(app, timeout=30)
    assert store.outbox.deliveries_summary(EditionKey(0, DAY))["deliveries"] == {
        "edition": {"pending": len(readers)}  # held while the bot looks at the API
    }
    clock.advance(dt.timedelta(seconds=11))
    await app.tick()
    await idle(app)
    assert store.outbox.deliveries_summary(EditionKey(0, DAY))["deliveries"] == {
        "edition": {"ambiguous": len(readers)}
    }
    assert all(len(editions(tg, chat)) == 1 for chat in readers)
    tg.faults = FaultConfig()
    clock.set(at(9, 0))
    await app.tick()
    await idle(app)
    assert all(len(editions(tg, chat)) == 1 for chat in readers)
    assert tg.counters["sendMessage"] == len(readers)
