"""Inline mode end to end: ``@bot 储能`` in any chat lists matching items; choosing posts one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from telegram import InputTextMessageContent

from bot.app import BotRunner
from bot.chat.inline import _article
from bot.search.query import parse_query
from bot.search.textnorm import normalize
from bot.store.hits import Hit
from bot.store.lookup import search
from tgsandbox import Sandbox

FIRST = dt.date(2024, 3, 1)


def digest(day: dt.date) -> str:
    lines = [f"---\ntitle: 每日碳新闻 {day}\n---\n==新闻=="]
    for n in range(1, 11):
        topic = "新型储能电站并网" if n % 2 else "全国碳市场配额成交"
        lines.append(f"{n}. {day.day}日第{n}条：{topic}。 https://example.org/{day}/{n}")
    return "\n".join(lines) + "\n"


@pytest.fixture
def digests(tmp_path: Path) -> Path:
    """Five editions of ten items, five of them about 储能 each: 25 matches."""
    folder = tmp_path / "digests"
    folder.mkdir()
    for n in range(5):
        day = FIRST + dt.timedelta(days=n)
        (folder / f"{day}.md").write_text(digest(day), "utf-8")
    return folder


def titles(answer: dict[str, object]) -> list[str]:
    results = answer["results"]
    assert isinstance(results, list)
    return [r["title"] for r in results]


async def test_query_lists_the_newest_matches_like_search(tg: Sandbox, app: BotRunner) -> None:
    """``@bot 储能`` answers the newest matching items, the same ones /search finds."""
    user = tg.add_user("Li")
    answer = await tg.wait_inline_answer(tg.inline_query(user, "储能"))
    assert app.store is not None
    expected = search(app.store, "储能", limit=20).page.hits
    assert [r["id"] for r in answer["results"]] == [str(h.id) for h in expected]
    assert titles(answer)[0] == "5日第9条：新型储能电站并网。"
    assert all("储能" in title for title in titles(answer))
    assert answer["cache_time"] == 30
    assert answer["next_offset"]


async def test_scrolling_pages_through_every_match_once(tg: Sandbox, app: BotRunner) -> None:
    """next_offset pages on: 20 + 5 results, no repeats, then no further offset."""
    user = tg.add_user("Li")
    first = await tg.wait_inline_answer(tg.inline_query(user, "储能"))
    second = await tg.wait_inline_answer(
        tg.inline_query(user, "储能", offset=str(first["next_offset"]))
    )
    ids = [r["id"] for r in first["results"]] + [r["id"] for r in second["results"]]
    assert len(first["results"]) == 20
    assert len(ids) == len(set(ids)) == 25
    assert not second["next_offset"]


async def test_empty_query_lists_the_latest_edition(tg: Sandbox, app: BotRunner) -> None:
    """``@bot`` alone shows the latest edition's items in their order."""
    user = tg.add_user("Li")
    answer = await tg.wait_inline_answer(tg.inline_query(user, ""))
    assert titles(answer) == [
        f"5日第{n}条：{'新型储能电站并网' if n % 2 else '全国碳市场配额成交'}。"
        for n in range(1, 11)
    ]
    assert not answer["next_offset"]


async def test_choosing_a_result_posts_the_item(tg: Sandbox, app: BotRunner) -> None:
    """Choosing a result posts its date, text and link into the chat, via the bot."""
    user = tg.add_user("Li")
    friend = tg.add_user("Wang")
    group = tg.add_group("碳圈", admins=[friend])
    query_id = tg.inline_query(user, "储能", chat=group)
    answer = await tg.wait_inline_answer(query_id)
    chosen = answer["results"][0]
    message = tg.choose_inline_result(user, group, query_id, chosen["id"])
    assert message.text.startswith(
        "2024年3月5日 · 第 9 条\n5日第9条：新型储能电站并网。 example.org"
    )
    assert message.via_bot is not None
    assert any(
        e["type"] == "text_link" and e["url"] == "https://example.org/2024-03-05/9"
        for e in message.entities
    )
    assert any(e["type"] == "bold" for e in message.entities)  # the query's term


@pytest.mark.parametrize(
    ("query", "offset"),
    [
        ("储能", "zzz"),
        ("储能", "a-5"),
        ("储能", "e99999999999999999"),
        ("储能", "a²"),
        ('"储能', ""),
        ("-", ""),
    ],
)
async def test_odd_queries_and_forged_offsets_answer_safely(
    tg: Sandbox, app: BotRunner, query: str, offset: str
) -> None:
    """A forged offset starts from the top; a query that cannot run answers no results."""
    user = tg.add_user("Li")
    answer = await tg.wait_inline_answer(tg.inline_query(user, query, offset=offset))
    results = answer["results"]
    assert isinstance(results, list)
    assert len(results) in (0, 20)
    if results:
        assert results[0]["title"] == "5日第9条：新型储能电站并网。"


def test_a_result_whose_text_repeats_its_title_names_it_once() -> None:
    """An inline result (its title in the list, the message it posts) is the item's body: the
    title once, then the rest of the text, the query's words in bold."""
    title = "OpenAI ships GPT-5"
    hit = Hit(
        7,
        FIRST,
        3,
        title,
        f"{title} {title}. The model tops the storage charts.",
        ("https://example.org/gpt5",),
    )
    spans = parse_query("storage").spans(normalize(" ".join(hit.body.split("\n"))))
    article = _article(hit, spans, "en")
    assert article.title == "OpenAI ships GPT-5 The model tops the storage charts."
    content = article.input_message_content
    assert isinstance(content, InputTextMessageContent)
    assert content.message_text.count(title) == 1
    assert f"{title} The model tops the <b>storage</b> charts." in content.message_text
