"""Several series per bot, end to end through the emulator: two series with the same date both
ingest, each chat gets the series it chose, search names the series; a one-series bot shows
none of it."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from conftest import Clock, at, digest, manual_bot, store_of

from bot.app import BotRunner
from bot.config import Config
from tgsandbox import Sandbox
from tgsandbox.model import Message

DAY = dt.date(2024, 3, 1)

WEEKLY = "---\ntitle: 碳周报 第9期\nseries: Carbon Weekly\n---\n1. 本周储能招标回顾。 https://example.org/w\n"


@pytest.fixture
def digests(tmp_path: Path) -> Path:
    """A daily (the folder's own digests) and a weekly (front matter) on the same date, and an
    iOS daily in its own folder."""
    folder = tmp_path / "digests"
    folder.mkdir()
    (folder / f"{DAY}.md").write_text(
        digest(DAY, "全国碳市场配额成交量创新高，储能项目签约。"), "utf-8"
    )
    (folder / f"weekly-{DAY}.md").write_text(WEEKLY, "utf-8")
    return folder


@pytest.fixture
async def app(config: Config, clock: Clock) -> AsyncIterator[BotRunner]:
    async with manual_bot(config, clock, at(DAY, 6)) as runner:
        yield runner


async def last_reply(tg: Sandbox, chat: int, user: int, text: str, count: int = 1) -> Message:
    before = len(tg.messages(chat))
    tg.send(chat, user, text)
    return (await tg.wait_messages(chat, before + count))[-1]


def labels(message: Message) -> list[str]:
    return [b["text"] for row in message.reply_markup["inline_keyboard"] for b in row]


async def test_two_series_with_the_same_date_both_ingest(app: BotRunner, digests: Path) -> None:
    """Front matter `series:` and a folder of its own make series: the same date is no clash,
    and each series is named as its digests name it."""
    store = store_of(app)
    ios = digests / "iOSDaily"
    ios.mkdir()
    (ios / f"{DAY}.md").write_text(
        f"---\ntitle: iOS 日报 {DAY}\n---\n1. 苹果发布储能新品。 https://example.org/i\n", "utf-8"
    )
    report = await app.tick()
    assert report.scan.errors == []
    assert [k.date for k in report.scan.new] == [DAY]  # the other two came at start-up
    series = store.series.all_series()
    assert [s.name for s in series] == ["每日碳新闻", "Carbon Weekly", "iOS 日报"]
    assert [s.key for s in series][1:] == ["carbon-weekly", "ios"]
    found = store.editions.editions_on(DAY)
    assert [e.series_id for e in found] == [s.id for s in series]
    assert [e.items[0].text[:4] for e in found] == ["全国碳市", "本周储能", "苹果发布"]


async def test_each_chat_gets_the_series_it_chose(
    tg: Sandbox, app: BotRunner, clock: Clock
) -> None:
    """/subscribe offers the series as buttons; a chat that takes one gets only that one at
    its push time, the deep link start=sub-<key> subscribes to one, "every series" gets both."""
    store = store_of(app)
    weekly = next(s for s in store.series.all_series() if s.name == "Carbon Weekly")
    daily = next(s for s in store.series.all_series() if s.id != weekly.id)
    alice, bob, carol = (tg.add_user(name) for name in ("Alice", "Bob", "Carol"))
    a, b, c = (tg.private_chat(u).id for u in (alice, bob, carol))
    offer = await last_reply(tg, a, alice.id, "/subscribe")
    assert labels(offer) == [daily.name, "Carbon Weekly", "全部系列"]
    assert not store.chats.scopes(a)  # nothing changes until a button is pressed
    tg.press(offer, alice, text="Carbon Weekly")
    await tg.wait_for(lambda sb: sb.callback_answers)
    assert "Carbon Weekly" in tg.callback_answers[-1]["text"]
    chosen = await tg.wait_for(lambda sb: "✓ Carbon Weekly" in labels(sb.messages(a)[-1]))
    assert chosen
    assert labels(tg.messages(a)[-1])[0] == daily.name  # not ✓
    linked = await last_reply(tg, b, bob.id, f"/start sub-{daily.key}")
    assert daily.name in linked.text
    offer = await last_reply(tg, c, carol.id, "/subscribe")
    tg.press(offer, carol, text="全部系列")
    await tg.wait_for(lambda sb: len(sb.callback_answers) == 2)
    assert store.series.chat_series(a) == {weekly.id}
    assert store.series.chat_series(b) == {daily.id}
    assert store.series.chat_series(c) == frozenset()  # every series
    before = {chat: len(tg.messages(chat)) for chat in (a, b, c)}
    clock.set(at(DAY, 8))
    await app.tick()
    assert app.pusher is not None
    await app.pusher.idle()
    got = {chat: [m.text for m in tg.messages(chat)[before[chat] :]] for chat in (a, b, c)}
    assert [t.split("\n")[0] for t in got[a]] == ["Carbon Weekly #9 · 2024年3月1日"]
    assert len(got[b]) == 1
    assert "全国碳市场配额" in got[b][0]
    assert len(got[c]) == 2
    assert {"本周储能招标回顾" in t for t in got[c]} == {True, False}


async def test_today_and_search_name_the_series(tg: Sandbox, app: BotRunner) -> None:
    """/today sends the latest of each series, /today NAME one; a hit names its series and
    series:NAME narrows the search to it."""
    user = tg.add_user("Dora")
    chat = tg.private_chat(user).id
    before = len(tg.messages(chat))
    tg.send(chat, user, "/today")
    both = [m.text for m in (await tg.wait_messages(chat, before + 2))[before:]]
    assert any(t.startswith("Carbon Weekly #9 · ") for t in both)  # 第9期: issue 9
    one = await last_reply(tg, chat, user.id, "/today carbon weekly")
    assert one.text.startswith("Carbon Weekly #9 · ")
    unknown = await last_reply(tg, chat, user.id, "/today monthly")
    assert "monthly" in unknown.text
    assert "Carbon Weekly" in unknown.text
    hits = await last_reply(tg, chat, user.id, "/search 储能")
    assert "共 2 条" in hits.text
    assert "Carbon Weekly · 2024年3月1日" in hits.text
    narrowed = await last_reply(tg, chat, user.id, "/search 储能 series:carbon-weekly")
    assert "共 1 条" in narrowed.text
    assert "本周储能招标回顾" in narrowed.text
    wrong = await last_reply(tg, chat, user.id, "/search 碳 series:nothing")
    assert "没有这个系列" in wrong.text


async def test_a_one_series_bot_shows_no_series_buttons_or_words(
    tg: Sandbox, app: BotRunner, digests: Path
) -> None:
    """With one series /subscribe subscribes at once (no chooser), and hits carry no name."""
    (digests / f"weekly-{DAY}.md").unlink()
    await app.tick()
    store = store_of(app)
    assert len(store.series.all_series()) == 1
    user = tg.add_user("Erin")
    chat = tg.private_chat(user).id
    answer = await last_reply(tg, chat, user.id, "/subscribe")
    assert answer.text.startswith("✅ 已订阅：每天 08:00")
    assert labels(answer) == ["↩️ 撤销"]
    hits = await last_reply(tg, chat, user.id, "/search 碳市场")
    assert "2024年3月1日" in hits.text
    assert "每日碳新闻 ·" not in hits.text
