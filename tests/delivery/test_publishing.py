"""The publisher's side, end to end through the emulator: drafts stay private, editions dated
after today wait for their day."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import Clock, at, days, digest, manual_bot, store_of
from push_world import add_readers, editions
from telegram.error import BadRequest

from bot.app import BotRunner
from bot.config import Config
from bot.cycle import scan
from bot.digest.models import EditionKey
from tgsandbox import Sandbox
from tgsandbox.model import Message

DAY = dt.date(2024, 3, 1)


def touch(path: Path) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))


@pytest.fixture
def digests(tmp_path: Path) -> Path:
    folder = tmp_path / "digests"
    folder.mkdir()
    (folder / f"{DAY}.md").write_text(digest(DAY, "全国碳市场配额成交量创新高。"), "utf-8")
    return folder


@pytest.fixture
async def app(config: Config, clock: Clock) -> AsyncIterator[BotRunner]:
    async with manual_bot(config, clock, at(DAY, 6)) as runner:
        yield runner


async def ask(tg: Sandbox, chat: int, user: int, text: str, count: int) -> list[str]:
    before = len(tg.messages(chat))
    tg.send(chat, user, text)
    return [m.text for m in (await tg.wait_messages(chat, before + count))[before:]]


async def test_a_draft_is_never_sent_searched_or_listed_until_its_flag_flips(
    tg: Sandbox, app: BotRunner, clock: Clock, digests: Path
) -> None:
    """`draft: true` (and Digital Garden's `dg-publish: false`): not pushed, not found, not the
    latest; once the flag flips it is published and pushed like any edition."""
    store = store_of(app)
    [reader] = add_readers(tg, store, 1)
    day = DAY + dt.timedelta(days=1)
    draft = digests / f"{day}.md"
    draft.write_text(digest(day, "绝密储能项目草稿。", front="draft: true\n"), "utf-8")
    clock.set(at(day, 9))
    report = await app.tick()
    assert days(report.scan.new) == []
    assert [e.reason for e in report.scan.skipped] == [
        "skipped: draft, not published (draft: true)"
    ]
    assert store.editions.get_edition(EditionKey(0, day)) is None
    assert [e.date for e in store.editions.list_editions()] == [DAY]
    user = tg.users[reader]
    assert "草稿" not in " ".join(await ask(tg, reader, user.id, "/search 绝密", 1))
    assert "2024年3月1日" in " ".join(await ask(tg, reader, user.id, "/today", 2))
    draft.write_text(digest(day, "绝密储能项目草稿。", front='"dg-publish": false\n'), "utf-8")
    touch(draft)
    assert (await app.tick()).scan.new == []
    draft.write_text(digest(day, "储能项目正式发布。", front="draft: false\n"), "utf-8")
    touch(draft)
    report = await app.tick()
    assert days(report.scan.new) == [day]
    [pushed] = await tg.wait_for(
        lambda sb: [m for m in sb.messages(reader) if "储能项目正式发布" in (m.text or "")]
    )
    assert "2024年3月2日" in pushed.text


async def test_a_published_edition_turned_back_into_a_draft_is_withdrawn(
    app: BotRunner, clock: Clock, digests: Path
) -> None:
    """Flipping a published edition back to `draft: true` takes it out of the archive."""
    store = store_of(app)
    assert store.editions.get_edition(EditionKey(0, DAY)) is not None
    path = digests / f"{DAY}.md"
    path.write_text(digest(DAY, "全国碳市场。", front="draft: true\n"), "utf-8")
    touch(path)
    report = await app.tick()
    assert days(report.scan.removed) == [DAY]
    assert store.editions.get_edition(EditionKey(0, DAY)) is None


async def test_next_weeks_edition_is_invisible_until_its_day_then_pushed_once(
    tg: Sandbox, app: BotRunner, clock: Clock, digests: Path
) -> None:
    """An edition dated next week: not /today, /day, search or alerts, and shown as scheduled;
    on its day it is published, pushed at the push time once, and its alerts go out."""
    store = store_of(app)
    [reader] = add_readers(tg, store, 1, alerts=["氢能"])
    assert app.services is not None
    await app.services.alerts_changed(reader)
    user = tg.users[reader]
    later = DAY + dt.timedelta(days=7)
    (digests / f"{later}.md").write_text(digest(later, "氢能重卡示范线开通。"), "utf-8")
    report = await app.tick()
    assert days(report.scan.scheduled) == [later]
    assert [h.date for h in store.scheduled.held()] == [later]
    assert store.editions.get_edition(EditionKey(0, later)) is None
    assert "氢能重卡" not in " ".join(await ask(tg, reader, user.id, "/search 氢能", 1))
    assert "没有一期" in " ".join(await ask(tg, reader, user.id, f"/day {later}", 1))
    assert "2024年3月1日" in " ".join(await ask(tg, reader, user.id, "/today", 1))
    clock.set(at(later - dt.timedelta(days=1), 23, 59))
    await app.tick()
    assert not any("氢能重卡" in (m.text or "") for m in tg.messages(reader))
    clock.set(at(later, 0, 1))
    report = await app.tick()
    assert report.alerts == 0  # it is in the chat's digest: the digest marks it
    assert store.scheduled.held() == []
    assert store.editions.get_edition(EditionKey(0, later)) is not None
    clock.set(at(later, 8))
    await app.tick()
    [pushed] = await tg.wait_for(
        lambda sb: [m for m in sb.messages(reader) if "氢能重卡" in (m.text or "")]
    )
    assert "🔔" in pushed.text
    await app.tick()
    assert editions(tg, reader)[-1] == pushed.text
    assert sum("氢能重卡" in (m.text or "") for m in tg.messages(reader)) == 1


# -- corrections ------------------------------------------------------------------------------

LONG = "核查后的数据显示新型储能累计装机规模持续增长，" * 40  # a long item: an edition of 2+ parts


def long_digest(day: dt.date, first: str, *, items: int = 12) -> str:
    body = "".join(
        f"{n}. {first if n == 1 else LONG}第{n}条。 https://example.org/{day}/{n}\n"
        for n in range(1, items + 1)
    )
    return f"---\ntitle: 每日碳新闻 {day}\n---\n{body}"


async def pushed(
    tg: Sandbox, app: BotRunner, clock: Clock, digests: Path, readers: list[int]
) -> int:
    """Push the long edition of DAY to ``readers``; the number of parts each got."""
    (digests / f"{DAY}.md").write_text(long_digest(DAY, "储能电站并网，容量 100MW。"), "utf-8")
    touch(digests / f"{DAY}.md")
    clock.set(at(DAY, 8))
    await app.tick()
    assert app.pusher is not None
    await app.pusher.idle()
    parts = len(tg.messages(readers[0]))
    assert parts >= 2
    assert all(len(tg.messages(r)) == parts for r in readers)
    # the tests move the bot's clock hours on before a correction: Telegram's send windows,
    # kept in real time by the emulator, have long emptied by then
    tg.flood_control.reset()
    return parts


async def test_an_edited_edition_edits_the_sent_parts_in_place(
    tg: Sandbox, app: BotRunner, clock: Clock, digests: Path
) -> None:
    """A typo fixed after the push: each reader's message with it is edited (same message,
    new text), the parts that did not change are not touched, no new message is sent."""
    tg.flood.strict = True  # edits are paced like sends: one a second per private chat
    readers = add_readers(tg, store_of(app), 3)
    parts = await pushed(tg, app, clock, digests, readers)
    ids = {r: [m.message_id for m in tg.messages(r)] for r in readers}
    clock.advance(dt.timedelta(hours=3))
    path = digests / f"{DAY}.md"
    path.write_text(long_digest(DAY, "储能电站并网，容量 200MW（更正）。"), "utf-8")
    touch(path)
    report = await app.tick()
    assert days(report.scan.changed) == [DAY]
    assert app.pusher is not None
    await app.pusher.idle()
    for reader in readers:
        messages = tg.messages(reader)
        assert [m.message_id for m in messages] == ids[reader]  # edited, none new
        assert "200MW（更正）" in messages[0].text
        assert messages[0].edit_date is not None
        assert all(m.edit_date is None for m in messages[1:])  # unchanged parts untouched
        votes = {str(m.buttons) for m in messages}  # under every part, the edited one too
        assert votes == {"[[('👍', 'fb:u'), ('👎', 'fb:d')]]"}
    assert tg.counters.edited_messages == len(readers)
    assert tg.flood_control.hits == []
    summary = store_of(app).outbox.deliveries_summary(EditionKey(0, DAY))["deliveries"]
    assert summary["correction"] == {"sent": len(readers)}
    assert parts == len(tg.messages(readers[0]))


async def test_an_edit_stored_by_a_bot_killed_before_it_planned_still_reaches_readers(
    tg: Sandbox, app: BotRunner, clock: Clock, digests: Path
) -> None:
    """The edit was read and stored, and the bot died before it planned the corrections: the
    next tick finds the file unchanged, and still edits every reader's message."""
    readers = add_readers(tg, store_of(app), 3)
    await pushed(tg, app, clock, digests, readers)
    clock.advance(dt.timedelta(hours=3))
    path = digests / f"{DAY}.md"
    path.write_text(long_digest(DAY, "储能电站并网，容量 200MW（更正）。"), "utf-8")
    touch(path)
    assert app.services is not None
    stored = await scan(app.services, today=DAY)  # the tick's first step, and then the kill
    assert days(stored.changed) == [DAY]
    report = await app.tick()
    assert report.scan.changed == []  # the file was read before: nothing new to this scan
    assert app.pusher is not None
    await app.pusher.idle()
    assert all("200MW（更正）" in tg.messages(r)[0].text for r in readers)
    summary = store_of(app).outbox.deliveries_summary(EditionKey(0, DAY))["deliveries"]
    assert summary["correction"] == {"sent": len(readers)}


async def test_a_correction_that_changes_the_part_count_edits_and_adds_a_note(
    tg: Sandbox, app: BotRunner, clock: Clock, digests: Path
) -> None:
    """When the corrected edition has fewer parts, the parts that remain are edited and one
    short "updated" note is sent."""
    [reader] = add_readers(tg, store_of(app), 1)
    parts = await pushed(tg, app, clock, digests, [reader])
    path = digests / f"{DAY}.md"
    path.write_text(long_digest(DAY, "储能电站并网（更正）。", items=2), "utf-8")
    touch(path)
    await app.tick()
    assert app.pusher is not None
    await app.pusher.idle()
    messages = tg.messages(reader)
    assert len(messages) == parts + 1
    assert messages[-1].text.startswith("✏️ 本期（2024-03-01）已更新")
    assert "储能电站并网（更正）" in messages[0].text


async def test_messages_older_than_48_hours_are_not_edited(
    tg: Sandbox, app: BotRunner, clock: Clock, digests: Path
) -> None:
    """A correction two days after the push: Telegram would refuse the edit, so none is
    tried; the emulator refuses an edit past 48 h too."""
    [reader] = add_readers(tg, store_of(app), 1)
    await pushed(tg, app, clock, digests, [reader])
    clock.advance(dt.timedelta(hours=49))
    path = digests / f"{DAY}.md"
    path.write_text(long_digest(DAY, "储能电站并网（迟到的更正）。"), "utf-8")
    touch(path)
    await app.tick()
    assert app.pusher is not None
    await app.pusher.idle()
    assert tg.counters.edited_messages == 0
    assert all(m.edit_date is None for m in tg.messages(reader))
    assert (
        store_of(app).outbox.deliveries_summary(EditionKey(0, DAY))["reasons"]
        == {"older than 48 h: not edited": 0}
        or "correction"
        not in store_of(app).outbox.deliveries_summary(EditionKey(0, DAY))["deliveries"]
    )
    tg.wall_clock = lambda: time.time() + 49 * 3600
    assert app.app is not None
    first = tg.messages(reader)[0]
    with pytest.raises(BadRequest, match="can't be edited"):
        await app.app.bot.edit_message_text("x", chat_id=reader, message_id=first.message_id)


# -- approval ---------------------------------------------------------------------------------

ADMIN_ID = 200_000_001  # the emulator's first user


def button_texts(message: Message) -> list[str]:
    return [text for row in message.buttons for text, _ in row]


async def test_approval_holds_a_new_edition_until_an_admin_presses_send(
    tg: Sandbox, config: Config, clock: Clock, digests: Path
) -> None:
    """push.approve: the admin gets the edition as readers will see it with send / hold; held,
    nothing goes out even past the push time; "send" pushes it to every reader once."""
    config = replace(
        config,
        telegram=replace(config.telegram, admins=(ADMIN_ID,)),
        push=replace(config.push, approve=True),
    )
    boss = tg.add_user("Boss")
    assert boss.id == ADMIN_ID
    admin_chat = tg.private_chat(boss).id
    day = DAY + dt.timedelta(days=1)
    async with manual_bot(config, clock, at(day, 6)) as app:
        store = store_of(app)
        readers = add_readers(tg, store, 2)
        await ask(tg, admin_chat, boss.id, "/start", 1)
        (digests / f"{day}.md").write_text(digest(day, "氢能重卡示范线开通。"), "utf-8")
        await app.tick()
        [preview] = await tg.wait_for(
            lambda sb: [m for m in sb.messages(admin_chat) if "氢能重卡" in m.text]
        )
        messages = tg.messages(admin_chat)
        note = messages[messages.index(preview) - 1]
        assert note.text.startswith("🕓 新一期等待你的批准")
        assert button_texts(preview) == ["✅ 发送给 2 个聊天", "⏸ 暂缓"]
        tg.press(preview, boss, text="⏸ 暂缓")
        await tg.wait_for(lambda sb: sb.callback_answers)
        assert tg.callback_answers[-1]["text"].startswith("⏸ 已暂缓")
        clock.set(at(day, 9))
        await app.tick()
        assert app.pusher is not None
        await app.pusher.idle()
        assert all(not any("氢能" in m.text for m in tg.messages(r)) for r in readers)
        [held] = await tg.wait_for(
            lambda sb: [
                m
                for m in sb.messages(admin_chat)
                if m.message_id == preview.message_id and len(button_texts(m)) == 1
            ]
        )
        assert button_texts(held) == ["✅ 发送给 2 个聊天"]
        tg.press(held, boss, text="✅ 发送给 2 个聊天")
        for reader in readers:
            [got] = await tg.wait_for(
                lambda sb, r=reader: [m for m in sb.messages(r) if "氢能重卡" in m.text]
            )
            assert got.text.startswith("每日碳新闻 · 2024年3月2日")
        tg.press(held, boss, data=f"ap:{day:%Y%m%d}:go")  # pressed again: nothing more
        await tg.wait_for(lambda sb: len(sb.callback_answers) == 3)
        assert tg.callback_answers[-1]["text"] == "这一期已经批准发送。"
        await app.tick()
        await app.pusher.idle()
        assert all(sum("氢能" in m.text for m in tg.messages(r)) == 1 for r in readers)
