"""Alerts speak /search's query language: `OR` between terms and "phrases", end to end."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import Clock, manual_bot, store_of
from push_world import ALERT_HEADER, DAY, at, edition_folder

from bot.app import BotRunner
from bot.config import Config, PushConfig
from bot.store.lookup import search
from tgsandbox import Sandbox

NEXT = DAY + dt.timedelta(days=1)
ITEMS = {
    1: "新型储能电站并网。",
    2: "氢能重卡示范城市群扩容。",
    3: "光伏组件价格下降。",
    4: "专题：绿色 债券发行提速。",
    5: "绿色制造带动债券市场。",
}


@pytest.fixture
def digests(tmp_path: Path) -> Path:
    return edition_folder(tmp_path)


@pytest.fixture
def config(config: Config) -> Config:
    return replace(config, push=PushConfig(rate=28.0))


@pytest.fixture
async def app(config: Config, clock: Clock) -> AsyncIterator[BotRunner]:
    async with manual_bot(config, clock, at(6, 0)) as runner:
        yield runner


CASES = ["储能 OR 氢能", '"绿色 债券"', "绿色 债券", "储能 OR 绿色 -电站"]


@pytest.mark.parametrize("terms", CASES)
async def test_an_alert_matches_what_search_finds(
    tg: Sandbox, app: BotRunner, clock: Clock, digests: Path, terms: str
) -> None:
    """`/alert 储能 OR 氢能` and `/alert "绿色 债券"` alert exactly the items /search finds for
    the same words (either term; the phrase whole, not its words apart)."""
    user = tg.add_user("Query")
    chat = tg.private_chat(user)
    tg.send(chat, user, f"/alert {terms}")
    [added] = await tg.wait_messages(chat, 1)
    assert added.text.startswith("🔔 已添加提醒：")
    lines = "".join(f"{n}. {text} https://example.org/{n}\n" for n, text in ITEMS.items())
    (digests / f"{NEXT}.md").write_text(f"---\ntitle: 每日碳新闻 {NEXT}\n---\n{lines}", "utf-8")
    clock.set(at(9, 0, day=NEXT))
    await app.tick()
    found = search(store_of(app), f"{terms} {NEXT}", limit=50).page.hits
    wanted = {ITEMS[hit.position] for hit in found}
    assert wanted  # every case finds something
    [_, alert] = await tg.wait_messages(chat, 2)
    assert alert.text.startswith(ALERT_HEADER)
    alerted = {text for text in ITEMS.values() if text.rstrip("。") in alert.text}
    assert alerted == wanted


async def test_an_existing_alert_keeps_its_meaning(tg: Sandbox, app: BotRunner) -> None:
    """An alert stored before OR existed (its words all required) still needs every word, and
    /alerts shows an OR alert and a phrase as typed."""
    user = tg.add_user("Old")
    chat = tg.private_chat(user)
    store = store_of(app)
    store.chats.ensure_chat(chat.id, type="private")
    old = store.chats.add_alert(chat.id, ("储能", "氢能"), ())
    assert app.services is not None
    await app.services.alerts_changed(chat.id)
    index = app.services.alerts
    assert index is not None
    assert chat.id not in index.index.match("储能电站")
    assert index.index.match("储能与氢能") == {chat.id: [(old.id, ((0, 2), (3, 5)))]}
    tg.send(chat, user, '/alert 储能 OR 氢能 "绿色 债券"')
    await tg.wait_messages(chat, 1)
    tg.send(chat, user, "/alerts")
    [_, view] = await tg.wait_messages(chat, 2)
    assert "1. 储能 氢能" in view.text
    assert '2. "绿色 债券" 储能 OR 氢能' in view.text
