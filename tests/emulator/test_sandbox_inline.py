"""Inline mode in the sandbox: inline queries reach the bot, answerInlineQuery is checked as
Telegram checks it, choosing a result posts the user's message via the bot and tells the bot,
over getUpdates, webhooks, the control API and the web chat page."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest
from aiohttp import web
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultPhoto,
    InputTextMessageContent,
    LinkPreviewOptions,
    Update,
)
from telegram.error import BadRequest

if TYPE_CHECKING:
    from tests.conftest import Emulator
    from tgsandbox import Sandbox

QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


class Api:
    """The bot's side as raw HTTP: a Bot API call and its JSON answer."""

    def __init__(self, session: aiohttp.ClientSession, emulator: Emulator) -> None:
        self.session, self.url, self.token = session, emulator.url, emulator.sandbox.token

    async def call(self, method: str, **params: Any) -> tuple[int, Any]:
        async with self.session.post(f"{self.url}/bot{self.token}/{method}", json=params) as r:
            return r.status, await r.json()

    async def answer(self, query_id: str, results: Any, **params: Any) -> str | None:
        """answerInlineQuery: None when accepted, else Telegram's description."""
        status, body = await self.call(
            "answerInlineQuery", inline_query_id=query_id, results=results, **params
        )
        assert (status == 200) == body["ok"], body
        return None if body["ok"] else str(body["description"])

    async def control(self, verb: str, path: str, body: Any = None) -> tuple[int, Any]:
        async with self.session.request(verb, f"{self.url}/_sandbox/{path}", json=body) as r:
            return r.status, await r.json()


@pytest.fixture
async def api(emulator: Emulator) -> AsyncIterator[Api]:
    async with aiohttp.ClientSession() as session:
        yield Api(session, emulator)


@pytest.fixture
async def bot(emulator: Emulator) -> AsyncIterator[Bot]:
    token, url = emulator.sandbox.token, emulator.url
    async with Bot(token, base_url=f"{url}/bot", base_file_url=f"{url}/file/bot") as client:
        yield client


async def updates(bot: Bot) -> list[Update]:
    """Every pending update, confirmed."""
    found = list(await bot.get_updates())
    if found:
        await bot.get_updates(offset=found[-1].update_id + 1)
    return found


def article(result_id: str, text: str = "text", **fields: Any) -> dict[str, Any]:
    content = {"message_text": text} | fields.pop("content", {})
    return (
        {"type": "article", "id": result_id, "title": f"T{result_id}"}
        | {"input_message_content": content}
        | fields
    )


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_inline_query_reaches_get_updates(tg: Sandbox, bot: Bot) -> None:
    """An inline query is an inline_query update with id, from, query, offset and chat_type."""
    alice = tg.add_user("Alice", username="alice", language_code="en")
    group = tg.add_group("Readers", members=[alice], supergroup=True)
    await updates(bot)
    private_id = tg.inline_query(alice, "储能 电池")
    group_id = tg.inline_query(alice, "", offset="20", chat=group)
    first, second = (u.inline_query for u in await updates(bot))
    assert first is not None
    assert second is not None
    assert (first.id, first.query, first.offset, first.chat_type) == (
        private_id,
        "储能 电池",
        "",
        "sender",
    )
    assert (first.from_user.id, first.from_user.username) == (alice.id, "alice")
    assert (second.id, second.query, second.offset, second.chat_type) == (
        group_id,
        "",
        "20",
        "supergroup",
    )
    assert (await bot.get_me()).supports_inline_queries is True
    with pytest.raises(ValueError, match="at most 256 characters"):
        tg.inline_query(alice, "x" * 257)
    tg.inline_mode = False
    assert (await bot.get_me()).supports_inline_queries is False
    with pytest.raises(ValueError, match="does not support inline mode"):
        tg.inline_query(alice, "q")


async def test_answer_is_stored_by_query_id_and_announced(tg: Sandbox, bot: Bot) -> None:
    """An accepted answer keeps results, next_offset, cache_time, is_personal, and is an event."""
    alice = tg.add_user("Alice")
    query_id = tg.inline_query(alice, "碳")
    events = tg.subscribe()
    results = [
        InlineQueryResultArticle("a1", "碳市场", InputTextMessageContent("x"), description="d")
    ]
    assert await bot.answer_inline_query(
        query_id, results, cache_time=5, is_personal=True, next_offset="10"
    )
    answer = tg.inline_answer(query_id)
    assert answer["results"] == [r.to_dict() for r in results]
    assert (answer["next_offset"], answer["cache_time"], answer["is_personal"]) == ("10", 5, True)
    assert (answer["query"], answer["from"]["id"]) == ("碳", alice.id)
    assert tg.inline_answers[-1] is answer
    event = events.get_nowait()
    assert event["type"] == "inline_answer"
    assert event["inline_query_id"] == query_id
    assert event["results"][0]["title"] == "碳市场"
    tg.unsubscribe(events)
    assert await tg.wait_inline_answer(query_id) is answer
    with pytest.raises(KeyError):
        tg.inline_answer("404")


async def test_too_many_results_are_refused_and_the_query_stays_open(
    tg: Sandbox, api: Api
) -> None:
    """51 results are RESULTS_TOO_MUCH; the same query can then be answered with 50."""
    query_id = tg.inline_query(tg.add_user("Alice"), "q")
    many = [article(str(i)) for i in range(51)]
    assert await api.answer(query_id, many) == "Bad Request: RESULTS_TOO_MUCH"
    assert await api.answer(query_id, many[:50]) is None
    assert len(tg.inline_answer(query_id)["results"]) == 50


@pytest.mark.parametrize(
    ("ids", "error"),
    [
        (["a", "b", "a"], "Bad Request: RESULT_ID_DUPLICATE"),
        (["储" * 22], "Bad Request: RESULT_ID_INVALID"),  # 66 bytes
        ([""], "Bad Request: RESULT_ID_EMPTY"),
        (["x" * 64, "储" * 21], None),  # 64 and 63 bytes
    ],
)
async def test_result_ids_are_unique_and_at_most_64_bytes(
    tg: Sandbox, api: Api, ids: list[str], error: str | None
) -> None:
    """Result ids must be 1-64 bytes and unique within an answer."""
    query_id = tg.inline_query(tg.add_user("Alice"), "q")
    assert await api.answer(query_id, [article(i) for i in ids]) == error


@pytest.mark.parametrize(
    ("result", "error"),
    [
        (
            article("1", "<b>bold", content={"parse_mode": "HTML"}),
            "Bad Request: can't parse inline query result: Can't parse entities: "
            'Can\'t find end tag corresponding to start tag "b"',
        ),
        (
            article("1", "<i>" + "长" * 4097 + "</i>", content={"parse_mode": "HTML"}),
            "Bad Request: message is too long",
        ),
        (
            article("1", "<b> </b>", content={"parse_mode": "HTML"}),
            "Bad Request: text must be non-empty",
        ),
        (
            {"type": "article", "id": "1", "input_message_content": {"message_text": "x"}},
            "Bad Request: can't parse inline query result: Can't find field \"title\"",
        ),
        (article("1", title=""), "Bad Request: ARTICLE_TITLE_EMPTY"),
        (
            {"type": "article", "id": "1", "title": "t"},
            "Bad Request: can't parse inline query result: Can't find field \"message_text\"",
        ),
        (
            article("1") | {"input_message_content": {"parse_mode": "HTML"}},
            "Bad Request: can't parse inline query result: Input message content is not specified",
        ),
        (
            article("1", content={"parse_mode": "Klingon"}),
            "Bad Request: can't parse inline query result: Unsupported parse_mode",
        ),
        (
            {"type": "meme", "id": "1"},
            "Bad Request: can't parse inline query result: Unsupported inline query result type",
        ),
        (
            article("1", reply_markup={"inline_keyboard": [[{"text": "b", "data": "x"}]]}),
            "Bad Request: can't parse inline query result: Can't parse inline keyboard button: "
            "Text buttons are unallowed in the inline keyboard",
        ),
        (
            article(
                "1", reply_markup={"inline_keyboard": [[{"text": "b", "callback_data": "d" * 65}]]}
            ),
            "Bad Request: BUTTON_DATA_INVALID",
        ),
        (
            {"type": "photo", "id": "1", "photo_url": "https://example.com/p.jpg"},
            "Bad Request: can't parse inline query result: Can't find field \"thumbnail_url\"",
        ),
        (
            {"type": "photo", "id": "1", "photo_file_id": "AgACnope"},
            "Bad Request: wrong file identifier/HTTP URL specified",
        ),
        (
            {"type": "gif", "id": "1", "gif_url": "https://example.com/a.gif"},
            "Bad Request: can't parse inline query result: the sandbox does not emulate inline "
            'results of type "gif"',
        ),
    ],
)
async def test_results_are_checked_like_telegram(
    tg: Sandbox, api: Api, result: dict[str, Any], error: str
) -> None:
    """Titles, message texts (HTML, length, emptiness), buttons and result types are checked."""
    query_id = tg.inline_query(tg.add_user("Alice"), "q")
    assert await api.answer(query_id, [result]) == error


async def test_malformed_answers_are_refused(tg: Sandbox, api: Api) -> None:
    """Results that are not JSON or not an array, and an over-long next_offset, are refused."""
    query_id = tg.inline_query(tg.add_user("Alice"), "q")
    status, body = await api.call("answerInlineQuery", inline_query_id=query_id, results="[{")
    assert (status, body["description"]) == (
        400,
        "Bad Request: can't parse JSON encoded inline query results",
    )
    assert await api.answer(query_id, {"id": 1}) == (
        "Bad Request: expected an Array of inline query results"
    )
    assert await api.answer(query_id, [article("1")], next_offset="9" * 65) == (
        "Bad Request: NEXT_OFFSET_INVALID"
    )
    assert await api.answer(query_id, [article("1")], button={"text": "Log in"}) == (
        "Bad Request: START_PARAM_INVALID"
    )
    assert await api.answer(query_id, [article("1")], next_offset="9" * 64) is None


async def test_stale_unknown_and_answered_queries_are_refused(tg: Sandbox, api: Api) -> None:
    """A query older than 30 s, an unknown id and a second answer are "query is too old"."""
    clock = FakeClock()
    tg.clock = clock
    alice = tg.add_user("Alice")
    old = tg.inline_query(alice, "q")
    clock.now += 30.5
    fresh = tg.inline_query(alice, "q")
    assert await api.answer(old, [article("1")]) == QUERY_TOO_OLD
    assert await api.answer("4000000000000999999", [article("1")]) == QUERY_TOO_OLD
    assert await api.answer(fresh, [article("1")]) is None
    assert await api.answer(fresh, [article("1")]) == QUERY_TOO_OLD


async def test_choosing_posts_the_users_message_via_the_bot(tg: Sandbox, bot: Bot) -> None:
    """The chosen article is the user's message via_bot, with entities and preview options."""
    alice = tg.add_user("Alice")
    chat = tg.private_chat(alice)
    query_id = tg.inline_query(alice, "绿证")
    await updates(bot)
    text = '<b>绿证</b> 新规 <a href="https://example.com/a">原文</a>'
    content = InputTextMessageContent(
        text, parse_mode="HTML", link_preview_options=LinkPreviewOptions(is_disabled=True)
    )
    results = [InlineQueryResultArticle(f"r{i}", f"第{i}条", content) for i in range(3)]
    await bot.answer_inline_query(query_id, results)
    events = tg.subscribe()
    posted = tg.choose_inline_result(alice, chat, query_id, "r2")
    [mine] = tg.messages(chat, outgoing=False)
    assert mine is posted
    assert (mine.text, mine.sender, mine.via_bot) == ("绿证 新规 原文", alice, tg.bot)
    assert mine.entities == [
        {"type": "bold", "offset": 0, "length": 2},
        {"type": "text_link", "offset": 6, "length": 2, "url": "https://example.com/a"},
    ]
    assert mine.inline_message_id is None
    event = events.get_nowait()
    assert event["type"] == "message"
    assert event["message"]["via_bot"]["username"] == "digest_test_bot"
    tg.unsubscribe(events)
    chosen, message = await updates(bot)
    assert chosen.chosen_inline_result is not None
    assert chosen.chosen_inline_result.to_dict() == {
        "result_id": "r2",
        "from": alice.to_json(),
        "query": "绿证",
    }
    assert message.message is not None
    assert message.message.via_bot is not None
    assert message.message.via_bot.id == tg.bot.id
    assert message.message.link_preview_options == LinkPreviewOptions(is_disabled=True)
    assert message.message.text_html == text


async def test_a_result_with_buttons_is_an_inline_message_the_bot_edits(
    tg: Sandbox, bot: Bot
) -> None:
    """A chosen result with buttons has an inline_message_id: edits and presses go through it."""
    alice = tg.add_user("Alice")
    group = tg.add_group("Readers", members=[alice])
    query_id = tg.inline_query(alice, "q", chat=group)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("▶", callback_data="next")]])
    result = InlineQueryResultArticle(
        "1", "Page 1", InputTextMessageContent("page 1"), reply_markup=keyboard
    )
    await updates(bot)
    await bot.answer_inline_query(query_id, [result])
    posted = tg.choose_inline_result(alice, group, query_id, "1")
    chosen, message = await updates(bot)  # privacy mode: a message via the bot reaches it
    assert chosen.chosen_inline_result is not None
    inline_id = chosen.chosen_inline_result.inline_message_id
    assert inline_id is not None
    assert inline_id == posted.inline_message_id
    assert message.message is not None
    assert message.message.reply_markup == keyboard
    assert await bot.edit_message_text("page 2", inline_message_id=inline_id) is True
    assert (posted.text, posted.reply_markup) == ("page 2", None)  # no reply_markup: none
    assert posted.edit_date is not None
    edited = await bot.edit_message_reply_markup(
        inline_message_id=inline_id, reply_markup=keyboard
    )
    assert edited is True
    assert posted.buttons == [[("▶", "next")]]
    with pytest.raises(BadRequest, match=r"^Message_id_invalid$"):
        await bot.edit_message_text("x", inline_message_id="AgAAAnope")
    with pytest.raises(BadRequest, match=r"^Message can't be edited$"):
        await bot.edit_message_text("x", group.id, posted.message_id)
    tg.press(posted, alice, "next")
    [press] = await updates(bot)
    assert press.callback_query is not None
    assert press.callback_query.inline_message_id == inline_id
    assert press.callback_query.message is None


async def test_choosing_what_is_not_in_the_answer_is_refused(tg: Sandbox, bot: Bot) -> None:
    """Unknown results, unanswered queries and another user's query raise ValueError."""
    alice, bob = tg.add_user("Alice"), tg.add_user("Bob")
    chat = tg.private_chat(alice)
    unanswered = tg.inline_query(alice, "q")
    with pytest.raises(ValueError, match="has not answered"):
        tg.choose_inline_result(alice, chat, unanswered, "1")
    await bot.answer_inline_query(
        unanswered, [InlineQueryResultArticle("1", "t", InputTextMessageContent("x"))]
    )
    with pytest.raises(ValueError, match=r"no result '2' .*\['1'\]"):
        tg.choose_inline_result(alice, chat, unanswered, "2")
    with pytest.raises(ValueError, match="another user"):
        tg.choose_inline_result(bob, chat, unanswered, "1")
    with pytest.raises(ValueError, match="not in the private chat"):
        tg.choose_inline_result(alice, tg.private_chat(bob), unanswered, "1")
    assert tg.messages(chat, outgoing=None) == []


async def test_offsets_page_through_the_results(tg: Sandbox, bot: Bot) -> None:
    """The user scrolls: a new query with the answer's next_offset, until there is none."""
    alice = tg.add_user("Alice")
    chat = tg.private_chat(alice)
    catalogue = [
        InlineQueryResultArticle(str(i), f"第{i}期", InputTextMessageContent(f"edition {i}"))
        for i in range(120)
    ]
    seen: list[str] = []
    query_id = tg.inline_query(alice, "期")
    while True:
        [update] = await updates(bot)
        query = update.inline_query
        assert query is not None
        assert query.id == query_id
        assert (query.query, query.offset) == ("期", str(len(seen)) if seen else "")
        start = int(query.offset or 0)
        page = catalogue[start : start + 50]
        more = str(start + 50) if start + 50 < len(catalogue) else ""
        await bot.answer_inline_query(query.id, page, next_offset=more)
        answer = tg.inline_answer(query.id)
        seen += [r["id"] for r in answer["results"]]
        if not answer["next_offset"]:
            break
        query_id = tg.inline_query(alice, "期", offset=answer["next_offset"])
    assert seen == [str(i) for i in range(120)]
    message = tg.choose_inline_result(alice, chat, query_id, "119")
    assert message.text == "edition 119"


async def test_photo_results_post_a_photo_with_its_caption(tg: Sandbox, bot: Bot) -> None:
    """A photo result by URL posts the user's photo with the caption's entities, via the bot."""
    alice = tg.add_user("Alice")
    chat = tg.private_chat(alice)
    query_id = tg.inline_query(alice, "图")
    photo = InlineQueryResultPhoto(
        "p",
        "https://example.com/chart.png",
        "https://example.com/thumb.png",
        photo_width=800,
        photo_height=600,
        caption="<b>储能</b>装机",
        parse_mode="HTML",
    )
    await bot.answer_inline_query(query_id, [photo])
    message = tg.choose_inline_result(alice, chat, query_id, "p")
    assert message.photo is not None
    assert (message.photo[-1]["width"], message.photo[-1]["height"]) == (800, 600)
    assert message.caption == "储能装机"
    assert message.caption_entities == [{"type": "bold", "offset": 0, "length": 2}]
    assert tg.message_json(message)["photo_url"].startswith("/_sandbox/files/")


async def test_allowed_updates_filter_inline_updates(tg: Sandbox, api: Api) -> None:
    """allowed_updates without inline_query or chosen_inline_result drops those updates."""
    alice = tg.add_user("Alice")
    chat = tg.private_chat(alice)
    _, body = await api.call("getUpdates", allowed_updates=["message", "chosen_inline_result"])
    offset = body["result"][-1]["update_id"] + 1 if body["result"] else 0
    dropped = tg.inline_query(alice, "not delivered")
    assert await api.answer(dropped, [article("1")]) is None
    tg.choose_inline_result(alice, chat, dropped, "1")
    _, body = await api.call("getUpdates", offset=offset)
    assert [next(k for k in u if k != "update_id") for u in body["result"]] == [
        "chosen_inline_result",
        "message",
    ]
    offset = body["result"][-1]["update_id"] + 1
    await api.call("getUpdates", offset=offset, allowed_updates=["inline_query"])
    tg.inline_query(alice, "delivered")
    tg.choose_inline_result(alice, chat, dropped, "1")
    _, body = await api.call("getUpdates", offset=offset)
    assert [u["inline_query"]["query"] for u in body["result"]] == ["delivered"]


@pytest.fixture
async def hook() -> AsyncIterator[tuple[list[Any], str]]:
    posts: list[Any] = []

    async def handle(request: web.Request) -> web.Response:
        posts.append(await request.json())
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield posts, f"http://{host}:{port}/hook"
    finally:
        await runner.cleanup()


async def test_webhook_delivers_inline_updates(
    tg: Sandbox, api: Api, hook: tuple[list[Any], str]
) -> None:
    """A webhook gets inline_query and chosen_inline_result as Telegram posts them."""
    posts, url = hook
    await api.call("setWebhook", url=url)
    alice = tg.add_user("Alice")
    chat = tg.private_chat(alice)
    query_id = tg.inline_query(alice, "q")
    await tg.wait_for(lambda sb: len(sb.webhook.delivered) == 1)
    assert await api.answer(query_id, [article("1")]) is None
    tg.choose_inline_result(alice, chat, query_id, "1")
    await tg.wait_for(lambda sb: len(sb.webhook.delivered) == 3)
    kinds = [next(k for k in post if k != "update_id") for post in posts]
    assert kinds == ["inline_query", "chosen_inline_result", "message"]
    assert posts[0]["inline_query"]["id"] == query_id
    assert posts[1]["chosen_inline_result"]["result_id"] == "1"
    assert posts[2]["message"]["via_bot"]["id"] == tg.bot.id


async def test_control_api_types_waits_and_chooses(tg: Sandbox, api: Api) -> None:
    """POST inline, GET inline/<id>?timeout= (waits for the answer), POST inline/choose."""
    alice = tg.add_user("Alice")
    group = tg.add_group("Readers", members=[alice])
    status, made = await api.control(
        "POST", "inline", {"user_id": alice.id, "query": "q", "offset": "5", "chat_id": group.id}
    )
    assert status == 200
    query_id = made["inline_query_id"]
    assert tg.inline_queries[query_id][1]["chat_type"] == "group"
    assert tg.inline_queries[query_id][1]["offset"] == "5"
    status, body = await api.control("GET", f"inline/{query_id}?timeout=0.05")
    assert status == 408
    assert "did not answer" in body["error"]
    assert (await api.control("GET", f"inline/{query_id}"))[0] == 404  # no answer yet

    task = asyncio.ensure_future(api.control("GET", f"inline/{query_id}?timeout=10"))
    await tg.wait_for(lambda sb: sb.waiters > 1)  # the GET and this wait
    assert (
        await api.answer(query_id, [article("a", "<i>hi</i>", content={"parse_mode": "HTML"})])
        is None
    )
    status, answer = await task
    assert status == 200
    assert answer["results"][0]["id"] == "a"
    choice = {"user_id": alice.id, "chat_id": group.id, "inline_query_id": query_id}
    status, message = await api.control("POST", "inline/choose", choice | {"result_id": "a"})
    assert status == 200
    assert (message["text"], message["outgoing"]) == ("hi", False)
    assert message["via_bot"]["username"] == "digest_test_bot"
    status, refused = await api.control("POST", "inline/choose", choice | {"result_id": "b"})
    assert status == 400
    assert "no result 'b'" in refused["error"]
    assert (await api.control("GET", "inline/123"))[0] == 404
    assert (await api.control("POST", "inline", {"user_id": 1, "query": "q"}))[0] == 404


# -- the web chat page ------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [  # as in test_browser: no network on the test machine
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
USER_MESSAGE = '[data-testid="message"][data-sender="user"]'


@pytest.fixture
def under_ci() -> bool:
    """Chromium and Playwright are a must under CI (``.ci/run`` installs them), else a skip."""
    under_ci = os.environ.get("CI") == "true"
    if not CHROMIUM.exists() and not under_ci:
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    return under_ci


@pytest.fixture
async def page(emulator: Emulator, under_ci: bool) -> AsyncIterator[Any]:
    """The web chat in headless Chromium (skipped without it, except under CI)."""
    try:
        from playwright.async_api import async_playwright
    except ImportError:  # pragma: no cover - depends on the machine
        if under_ci:
            raise
        pytest.skip("playwright is not installed")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        context = await browser.new_context(
            locale="zh-CN", viewport={"width": 1200, "height": 800}
        )
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        try:
            await page.goto(f"{emulator.url}/")
            await page.get_by_test_id("composer").wait_for()
            yield page
            assert errors == [], f"the page logged errors: {errors}"
        finally:
            await context.close()
            await browser.close()


async def typed(tg: Sandbox, query: str, offset: str = "") -> str:
    """The id of the inline query the page sends for ``query`` (and ``offset``)."""

    def find(sb: Sandbox) -> str | None:
        for query_id, (_, payload) in sb.inline_queries.items():
            if (payload["query"], payload["offset"]) == (query, offset):
                return query_id
        return None

    return await tg.wait_for(find)


async def test_the_page_types_an_inline_query_and_posts_a_result(
    tg: Sandbox, api: Api, page: Any
) -> None:
    """In the web chat "@bot 储能" lists the bot's results, "More" pages, a click posts one."""
    from playwright.async_api import expect

    composer = page.get_by_test_id("composer")
    await expect(composer).to_be_enabled()
    await composer.fill("@digest_test_bot 储能")
    query_id = await typed(tg, "储能")
    assert tg.inline_queries[query_id][1]["chat_type"] == "sender"
    results = [
        article("a1", "<b>储能</b>周报", content={"parse_mode": "HTML"}, description="第1期"),
        article("a2", "电池", title="电池新闻"),
    ]
    start = {"text": "设置", "start_parameter": "inline"}
    assert await api.answer(query_id, results, next_offset="2", button=start) is None
    panel = page.get_by_test_id("inline-results")
    items = panel.get_by_test_id("inline-result")
    await expect(items).to_have_count(2)
    await expect(items.first.get_by_test_id("inline-result-title")).to_have_text("Ta1")
    await expect(items.first.get_by_test_id("inline-result-description")).to_have_text("第1期")
    await expect(panel.get_by_test_id("inline-switch")).to_have_text("设置")

    await panel.get_by_test_id("inline-more").click()
    more_id = await typed(tg, "储能", offset="2")
    assert (
        await api.answer(more_id, [article("a3", "<i>第三条</i>", content={"parse_mode": "HTML"})])
        is None
    )
    await expect(items).to_have_count(3)
    await expect(panel.get_by_test_id("inline-more")).to_have_count(0)

    await panel.locator('[data-result-id="a3"]').click()
    posted = page.locator(USER_MESSAGE).filter(has_text="第三条")
    await expect(posted.get_by_test_id("message-via")).to_have_text("via @digest_test_bot")
    await expect(posted.get_by_test_id("message-text").locator("em, i")).to_have_text("第三条")
    await expect(panel).to_be_hidden()
    await expect(composer).to_have_value("")
    [user] = tg.users.values()
    [message] = tg.messages(user.id, outgoing=False)
    assert (message.text, message.via_bot) == ("第三条", tg.bot)
    kinds = [u.kind for u in tg.updates.first(100)]
    assert kinds[-2:] == ["chosen_inline_result", "message"]


async def test_the_inline_results_work_from_the_keyboard(tg: Sandbox, api: Api, page: Any) -> None:
    """Arrow keys walk the results, Enter posts one, Escape closes; other @names ask nothing."""
    from playwright.async_api import expect

    composer = page.get_by_test_id("composer")
    await expect(composer).to_be_enabled()
    await composer.fill("@someone_else 储能")
    await composer.fill("@digest_test_bot")  # the bare username is an empty query
    query_id = await typed(tg, "")
    assert [p["query"] for _, p in tg.inline_queries.values()] == [""]
    assert await api.answer(query_id, [article("a"), article("b", "second")]) is None
    items = page.get_by_test_id("inline-result")
    await expect(items).to_have_count(2)
    await composer.press("ArrowDown")
    await expect(items.first).to_be_focused()
    await page.keyboard.press("ArrowDown")
    await expect(items.nth(1)).to_be_focused()
    await page.keyboard.press("Escape")
    await expect(page.get_by_test_id("inline-results")).to_be_hidden()
    await expect(composer).to_be_focused()
    await composer.fill("@digest_test_bot 再来")
    again = await typed(tg, "再来")
    assert await api.answer(again, [article("a"), article("b", "second")]) is None
    await expect(items).to_have_count(2)
    await composer.press("ArrowDown")
    await page.keyboard.press("ArrowDown")
    await page.keyboard.press("Enter")
    posted = page.locator(USER_MESSAGE).filter(has_text="second")
    await expect(posted.get_by_test_id("message-via")).to_have_text("via @digest_test_bot")
    assert [m.text for m in tg.messages(next(iter(tg.users)), outgoing=False)] == ["second"]
