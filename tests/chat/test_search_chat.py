"""/search in chats, end to end: highlights, links, pages, groups, refusals."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from conftest import SEED

from bot.app import BotRunner
from bot.chat.searching import page_html
from bot.ingest.folder import scan_folder
from bot.store.database import Store
from bot.store.hits import COUNT_CAP
from bot.store.lookup import search
from tgsandbox import Sandbox


@pytest.fixture
def digests(tmp_path: Path) -> Path:
    """The sample edition plus twelve days with one 储能 item each (13 hits in all; each
    station its own, by its capacity)."""
    folder = tmp_path / "digests"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    for n in range(12):
        day = dt.date(2024, 2, 1) + dt.timedelta(days=n)
        text = (
            f"---\ntitle: 每日碳新闻 {day}\n---\n"
            f"1. 第{n}个新型储能电站在{day.day}日并网，容量{n + 1}00MW。 https://example.org/{n}\n"
            "2. 光伏组件价格继续下降。 https://example.org/pv\n"
        )
        (folder / f"{day}.md").write_text(text, "utf-8")
    return folder


async def test_search_shows_highlighted_snippets_and_links(tg: Sandbox, app: BotRunner) -> None:
    """/search 储能 lists newest hits first with the term in bold, its date and link."""
    alice = tg.add_user("Alice")
    chat = tg.private_chat(alice)
    tg.send(chat, alice, "/search 储能")
    [page] = await tg.wait_messages(chat, 1)
    assert page.text.startswith("🔍 储能：共 13 条")
    assert "2024年2月12日 · 第 1 条" in page.text
    units = page.text.encode("utf-16-le")
    bold = [
        units[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
        for e in page.entities
        if e["type"] == "bold"
    ]
    assert bold.count("储能") >= 5
    links = [e["url"] for e in page.entities if e["type"] == "text_link"]
    assert links[0] == "https://example.org/11"
    labels = [b for row in page.buttons for b, _ in row]
    assert labels[0] == "下一页 ▶"
    assert "📰 2024年2月12日" in labels


async def test_search_pages_forward_and_back(tg: Sandbox, app: BotRunner) -> None:
    """▶ shows the next five hits in place, ◀ returns to the first page."""
    alice = tg.add_user("Alice")
    chat = tg.private_chat(alice)
    tg.send(chat, alice, "/search 储能")
    [page] = await tg.wait_messages(chat, 1)
    first_text = page.text
    tg.press(page, alice, text="下一页 ▶")
    await tg.wait_for(lambda sb: "2024年2月7日" in sb.messages(chat)[0].text)
    second = tg.messages(chat)[0]
    assert "2024年2月12日" not in second.text
    assert [b for b, _ in second.buttons[0]] == ["◀ 上一页", "下一页 ▶"]
    tg.press(second, alice, text="◀ 上一页")
    await tg.wait_for(lambda sb: sb.messages(chat)[0].text == first_text)


async def test_open_edition_button(tg: Sandbox, app: BotRunner) -> None:
    """A hit's 📰 button sends that whole edition."""
    alice = tg.add_user("Alice")
    chat = tg.private_chat(alice)
    tg.send(chat, alice, "/search 5G基站")
    [page] = await tg.wait_messages(chat, 1)
    assert page.text.startswith("🔍 5G基站：共 1 条")
    tg.press(page, alice, text="📰 2024年1月8日")
    _, edition = await tg.wait_messages(chat, 2)
    assert edition.text.startswith("每日碳新闻 · 2024年1月8日")


async def test_search_in_group_for_everyone(tg: Sandbox, app: BotRunner) -> None:
    """Any member of a group can search; the answer goes to the group."""
    admin, member = tg.add_user("Ada"), tg.add_user("Bob")
    group = tg.add_group("碳圈", members=[member], admins=[admin])
    await tg.wait_messages(group, 1)
    tg.send(group, member, "/search 绿证 -煤炭")
    _, page = await tg.wait_messages(group, 2)
    assert page.text.startswith("🔍 绿证 -煤炭：共 1 条")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/search", "用法：/search 关键词"),
        ("/search " + "长" * 201, "搜索内容太长了"),
        ("/search * ( )", "这个搜索里没有可以查找的文字"),
        ("/search 不存在的词语", "🔍 没有找到：不存在的词语"),
        ("/search #nope", "没有这个话题"),
    ],
)
async def test_search_refusals(tg: Sandbox, app: BotRunner, text: str, expected: str) -> None:
    """Empty, too long, unsearchable and hopeless queries get a clear answer."""
    alice = tg.add_user("Alice")
    chat = tg.private_chat(alice)
    tg.send(chat, alice, text)
    [answer] = await tg.wait_messages(chat, 1)
    assert expected in answer.text


async def test_another_chats_search_page_is_expired(tg: Sandbox, app: BotRunner) -> None:
    """A page button naming another chat's saved search answers "expired"."""
    alice, mallory = tg.add_user("Alice"), tg.add_user("Mallory")
    alice_chat, mallory_chat = tg.private_chat(alice), tg.private_chat(mallory)
    tg.send(alice_chat, alice, "/search 储能")
    [page] = await tg.wait_messages(alice_chat, 1)
    data = page.buttons[0][0][1]
    tg.send(mallory_chat, mallory, "/search 光伏")
    [own] = await tg.wait_messages(mallory_chat, 1)
    tg.press(own, mallory, data=data)
    await tg.wait_for(lambda sb: bool(sb.callback_answers))
    assert tg.callback_answers[-1]["text"] == "这个按钮已失效。"


async def test_plain_text_in_a_private_chat_is_a_search(
    tg: Sandbox, app: BotRunner, settle: Callable[[], Awaitable[None]]
) -> None:
    """Typing 储能 gives the same page as /search 储能; a miss also says what the bot can do;
    an edition the reader shares back through inline mode gets no answer."""
    alice = tg.add_user("Alice")
    chat = tg.private_chat(alice)
    tg.send(chat, alice, "/search 储能")
    [by_command] = await tg.wait_messages(chat, 1)
    tg.send(chat, alice, "储能")
    _, typed = await tg.wait_messages(chat, 2)
    assert typed.text == by_command.text
    assert [[b for b, _ in row] for row in typed.buttons] == [
        [b for b, _ in row] for row in by_command.buttons
    ]
    tg.send(chat, alice, "氢气管道")
    *_, miss = await tg.wait_messages(chat, 3)
    assert miss.text.startswith("🔍 没有找到：氢气管道")
    assert "发一个词就是搜索" in miss.text
    query_id = tg.inline_query(alice, "储能", chat=chat)
    answer = await tg.wait_inline_answer(query_id)
    tg.choose_inline_result(alice, chat, query_id, answer["results"][0]["id"])
    await settle()
    assert len(tg.messages(chat)) == 3  # the bot answered nothing to the shared hit


REPEATED = (  # `- [title](url) title. summary`: the text repeats the title, as most layouts do
    "---\ntitle: Tech daily\ndate: 2024-03-01\n---\n"
    "- [OpenAI ships GPT-5](https://example.org/gpt5) OpenAI ships GPT-5. "
    "The model tops the storage charts.\n"
    "- [储能电站并网](https://example.org/cn) 储能电站并网：新型储能电站在江苏并网。\n"
)


@pytest.mark.parametrize(
    ("query", "title", "rest"),
    [
        ("storage", "OpenAI ships GPT-5", "The model tops the <b>storage</b> charts."),
        ("OpenAI", "<b>OpenAI</b> ships GPT-5", "The model tops"),
        ("江苏", "储能电站并网", "新型储能电站在<b>江苏</b>并网。"),
    ],
)
def test_a_hit_whose_text_repeats_its_title_names_it_once(
    tmp_path: Path, query: str, title: str, rest: str
) -> None:
    """The snippet is the hit's body: its title once, then the rest of its text, the query's
    words in bold wherever they are (the index holds the same body)."""
    folder = tmp_path / "digests"
    folder.mkdir()
    (folder / "2024-03-01.md").write_text(REPEATED, "utf-8")
    store = Store(tmp_path / "s.sqlite3")
    try:
        assert scan_folder(store, folder).ok
        result = search(store, query)
    finally:
        store.close()
    [hit] = result.page.hits
    html = page_html(query, result, "en")
    plain = re.sub(r"<[^>]+>", "", html)
    assert plain.count(re.sub(r"<[^>]+>", "", title)) == 1
    assert f"{title} {rest}" in html  # the snippet joins the body's lines with a space
    assert hit.body.startswith(hit.title + "\n")


def test_a_total_past_the_count_cap_reads_as_at_least(digests: Path, tmp_path: Path) -> None:
    """A search whose count stopped at the cap says "1000+" (zh "共 1000+ 条"), not 1000."""
    store = Store(tmp_path / "s.sqlite3")
    try:
        assert scan_folder(store, digests).ok
        result = search(store, "储能")
    finally:
        store.close()
    assert page_html("储能", result, "zh").startswith("🔍 <b>储能</b>：共 13 条")
    stopped = dataclasses.replace(
        result, page=dataclasses.replace(result.page, total=COUNT_CAP, at_least=True)
    )
    assert page_html("储能", stopped, "zh").startswith(f"🔍 <b>储能</b>：共 {COUNT_CAP}+ 条")
    assert page_html("储能", stopped, "en").startswith(f"🔍 <b>储能</b>: {COUNT_CAP}+ found")
