"""The sandbox on day one (`make run` without a token), through its emulator as the web chat's
user sees it: that user is the bot's admin, the sample archive in digests/ shows a morning
push, ◀ ▶ and a many-point /trend on the first run, and the chat's history outlives a restart."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import aiohttp
import pytest
from conftest import ROOT, Clock

from bot.cli.main import main
from bot.cli.sandbox import DEMO_ADMIN, LEAD, demo, demo_clock
from bot.config import Config, HttpConfig
from tgsandbox import Sandbox
from tgsandbox.model import Message

NOW = dt.datetime(2026, 12, 6, 9, 0, tzinfo=dt.UTC)  # any day long after the sample archive


def sandbox_config(tmp_path: Path) -> Config:
    """`make run` without a token in a fresh clone: the repository's digests/ folder."""
    shutil.copytree(ROOT / "digests", tmp_path / "digests")
    return Config(
        data_dir=tmp_path / "data", digests_dir=tmp_path / "digests", http=HttpConfig(port=0)
    )


async def say(tg: Sandbox, chat: int, text: str, count: int = 1) -> list[Message]:
    """The web chat's user sends ``text``; the bot's next ``count`` messages."""
    before = len(tg.messages(chat))
    tg.send(chat, chat, text)
    return (await tg.wait_messages(chat, before + count))[before:]


async def test_the_web_chat_user_is_the_sandbox_admin(tmp_path: Path) -> None:
    """In the sandbox "You" may /stats and /broadcast, and /whoami says the id and why."""
    async with demo(sandbox_config(tmp_path), auto_tick=False) as running:
        tg = running.sandbox
        you = tg.add_user("You", language_code="en")
        chat = tg.private_chat(you).id
        [who] = await say(tg, chat, "/whoami")
        assert f"Your user id: {you.id}" in (who.text or "")
        assert "You are an admin of this bot" in (who.text or "")
        [stats] = await say(tg, chat, "/stats")
        assert (stats.text or "").startswith("📊 Stats")
        assert "2024-01-14" in (stats.text or "")  # the sample archive's newest edition
        [preview] = await say(tg, chat, "/broadcast Tomorrow's push comes at 9:00")
        assert preview.text == "Tomorrow's push comes at 9:00"
        assert len(preview.buttons[0]) == 2  # send / cancel
    assert you.id == DEMO_ADMIN


async def test_first_run_shows_a_push_paging_and_a_trend(tmp_path: Path, clock: Clock) -> None:
    """Subscribing on the first run: the morning push of 14 January arrives, ◀ opens the day
    before, and /trend 储能 is a weekly line over the archive's weeks."""
    clock.set(NOW)
    async with demo(sandbox_config(tmp_path), auto_tick=False, real=clock) as running:
        tg = running.sandbox
        you = tg.add_user("You", language_code="zh")
        chat = tg.private_chat(you).id
        clock.advance(dt.timedelta(seconds=30))  # the reader opens the page, sends /start
        [welcome] = await say(tg, chat, "/start")
        before = len(tg.messages(chat))
        tg.press(welcome, you, text=welcome.buttons[0][0][0])  # Subscribe
        await tg.wait_messages(chat, before + 1)
        pushed = len(tg.messages(chat))
        clock.advance(LEAD)  # 08:00:30 on the sample's last day
        await running.runner.tick()
        await tg.wait_messages(chat, pushed + 2)  # the daily's and the weekly's
        editions = [m.text or "" for m in tg.messages(chat)[pushed:]]
        assert [t.split("\n")[0] for t in editions] == [
            "每日碳新闻 · 2024年1月14日",
            "储能与绿电周报 #2 · 2024年1月14日",
        ]
        today = (await say(tg, chat, "/today 每日碳新闻"))[-1]
        assert "虚拟电厂" in (today.text or "")
        older = next(t for row in today.buttons for t, _ in row if t.startswith("◀"))
        before = len(tg.messages(chat))
        tg.press(today, you, text=older)
        await tg.wait_for(
            lambda sb: any("2024年1月13日" in (m.text or "") for m in sb.messages(chat))
        )
        [chart] = await say(tg, chat, "/trend 储能")
        caption = chart.caption or ""
        assert caption.startswith("📈 每周提及条数")
        assert "2024年1月1日 – 2024年1月14日" in caption  # weekly: a point a week
        assert "储能：12 条" in caption


async def test_the_web_chat_history_outlives_a_restart(tmp_path: Path) -> None:
    """After a restart the web chat shows the same user, chat and messages (a /trend chart
    too), and goes on."""
    config = sandbox_config(tmp_path)
    async with demo(config, auto_tick=False) as running:
        tg = running.sandbox
        you = tg.add_user("You", language_code="en")
        chat = tg.private_chat(you).id
        [answer] = await say(tg, chat, "/whoami")
        [chart] = await say(tg, chat, "/trend 储能")
        seen = [(m.message_id, m.text, m.caption) for m in tg.messages(chat, outgoing=None)]
        picture = tg.message_json(chart)["photo_url"]
        async with aiohttp.ClientSession() as http, http.get(running.url + picture) as got:
            png = await got.read()
    async with demo(config, auto_tick=False) as running:
        tg = running.sandbox
        assert [u.id for u in tg.users.values()] == [you.id]
        kept = tg.messages(chat, outgoing=None)
        assert [(m.message_id, m.text, m.caption) for m in kept] == seen
        assert tg.message_json(kept[-1])["photo_url"] == picture
        async with aiohttp.ClientSession() as http, http.get(running.url + picture) as got:
            assert got.status == 200
            assert await got.read() == png
        [again] = await say(tg, chat, "/whoami")
        assert again.message_id > chart.message_id
        assert again.text == answer.text


async def test_cli_push_beside_the_sandbox_says_what_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`push` on the sandbox's data while it runs refuses in one line that names the way that
    works there: /push in its web chat (where the user is the admin)."""
    config = sandbox_config(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DIGESTBOT_DATA", str(tmp_path / "data" / "demo"))
    async with demo(config, auto_tick=False):
        code = main(["push"])
    error = capsys.readouterr().err
    assert code == 2
    assert error.count("\n") == 1
    assert "send /push in the sandbox's web chat instead" in error


async def test_a_sandbox_without_its_kept_chats_still_answers(tmp_path: Path) -> None:
    """The bot's data from an earlier sandbox but no chats.json (deleted, or from before it was
    kept): the fresh web chat's messages are still answered, not skipped as seen before."""
    config = sandbox_config(tmp_path)
    async with demo(config, auto_tick=False) as running:
        tg = running.sandbox
        you = tg.add_user("You", language_code="en")
        await say(tg, tg.private_chat(you).id, "/whoami")
    (tmp_path / "data" / "demo" / "chats.json").unlink()
    async with demo(config, auto_tick=False) as running:
        tg = running.sandbox
        you = tg.add_user("You", language_code="en")
        [answer] = await say(tg, tg.private_chat(you).id, "/whoami")
        assert f"Your user id: {you.id}" in (answer.text or "")


def test_the_sandbox_clock_is_real_once_the_newest_edition_is_fresh(
    tmp_path: Path, clock: Clock
) -> None:
    """The clock is set back only while the folder's newest edition is too old to push: with
    today's file in digests/ the sandbox runs on the real clock."""
    clock.set(NOW)
    config = sandbox_config(tmp_path)
    shifted = demo_clock(config, real=clock)
    assert shifted().astimezone(config.zone).isoformat() == "2024-01-14T07:57:00+08:00"
    (config.digests_dir / f"{NOW.date()}.md").write_text("# 今天\n\n1. 储能\n", "utf-8")
    assert demo_clock(config, real=clock)() == NOW


async def test_the_readme_names_the_sandbox_bot_for_inline_mode(tmp_path: Path) -> None:
    """The README's inline examples for the sandbox name the bot the sandbox runs."""
    readme = (ROOT / "README.md").read_text("utf-8")
    async with demo(sandbox_config(tmp_path), auto_tick=False) as running:
        name = (await running.runner.app.bot.get_me()).username if running.runner.app else None
    assert f"`@{name} 储能` in the web chat's composer" in readme
    assert "@yourbot` stands for your bot's username" in readme
