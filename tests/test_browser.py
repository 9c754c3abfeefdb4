"""The web chat page in a real browser: Debian's Chromium, headless, driven by Playwright.

The page is served by the emulator (``live_bot``: the emulator plus the real bot in this event
loop), so Playwright's async API is used. Without Chromium (or Playwright) the tests skip, and
fail under CI (``CI=true``), where ``.ci/run`` installs Chromium.
"""

from __future__ import annotations

import html
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import aiohttp
import pytest
from conftest import ROOT

try:
    from playwright.async_api import Browser, Page, async_playwright, expect
except ImportError:  # pragma: no cover - depends on the machine
    if os.environ.get("CI") == "true":
        raise
    pytest.skip("playwright is not installed", allow_module_level=True)

from bot.cli.sandbox import demo
from bot.config import Config, HttpConfig

if TYPE_CHECKING:
    from tests.conftest import LiveBot

CHROMIUM = Path("/usr/bin/chromium")
# The machine has no network: without the background-networking flags Chromium keeps
# retrying refused connections and the first page load hangs.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_MS = 15_000  # the bot answers through getUpdates long polling; a slow CI box needs room

BOT_MESSAGE = '[data-testid="message"][data-sender="bot"]'
USER_MESSAGE = '[data-testid="message"][data-sender="user"]'


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: .ci/run installs it)")
    pytest.skip(reason)


@pytest.fixture
def chromium() -> Path:
    """Debian's Chromium (skipped without it, except under CI)."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    """Chromium, headless, through Playwright."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(chromium), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
async def page(browser: Browser, live_bot: LiveBot) -> AsyncIterator[Page]:
    """A fresh page in Chinese (the default user's language comes from it), 1200×800.

    It closes before ``live_bot`` stops, so its live event stream never outlives the server.
    """
    context = await browser.new_context(locale="zh-CN", viewport={"width": 1200, "height": 800})
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: errors.append(message.text) if message.type == "error" else None,
    )
    try:
        yield page
        assert errors == [], f"the page logged errors: {errors}"
    finally:
        await context.close()


async def _open_chat(page: Page, live_bot: LiveBot) -> None:
    await page.goto(f"{live_bot.url}/")
    await expect(page).to_have_title("You — digestbot sandbox")
    await expect(page.get_by_test_id("composer")).to_be_enabled()


async def _say(page: Page, text: str) -> None:
    composer = page.get_by_test_id("composer")
    await composer.fill(text)
    await composer.press("Enter")
    await expect(page.locator(USER_MESSAGE).filter(has_text=text).last).to_be_visible()


async def test_start_subscribe_and_today_in_the_browser(page: Page, live_bot: LiveBot) -> None:
    """In the web chat a new reader sends /start, presses Subscribe and reads /today's edition."""
    await _open_chat(page, live_bot)
    world = await (await page.request.get(f"{live_bot.url}/_sandbox/state")).json()
    assert [(u["first_name"], u.get("language_code")) for u in world["users"]] == [("You", "zh")]
    await expect(page.get_by_test_id("chat-list-item")).to_have_count(1)
    await expect(page.get_by_test_id("chat-list-item")).to_contain_text("You")
    await expect(page.get_by_test_id("chat-title")).to_have_text("You")

    await _say(page, "/start")
    welcome = page.locator(BOT_MESSAGE).filter(has_text="你好，You！")
    await expect(welcome).to_be_visible(timeout=WAIT_MS)
    await expect(welcome).to_contain_text("08:00（Asia/Shanghai）")
    await welcome.get_by_test_id("inline-button").filter(has_text="📬 订阅每日推送").click()
    confirmation = "✅ 已订阅：每天 08:00（Asia/Shanghai）推送新一期。"
    await expect(page.get_by_test_id("toast")).to_have_text(confirmation, timeout=WAIT_MS)
    await expect(page.locator(BOT_MESSAGE).filter(has_text=confirmation)).to_be_visible()

    await page.get_by_test_id("composer").fill("/today")
    await page.get_by_test_id("send").click()
    note = page.locator(BOT_MESSAGE).filter(has_text="今天还没有新一期")
    await expect(note).to_contain_text("2024年1月8日", timeout=WAIT_MS)
    edition = page.locator(BOT_MESSAGE).filter(has_text="每日碳新闻")
    await expect(edition).to_contain_text("每日碳新闻 · 2024年1月8日", timeout=WAIT_MS)
    await expect(edition).to_contain_text("工业和信息化部办公厅")
    first_link = edition.get_by_test_id("message-text").locator("a").first
    await expect(first_link).to_have_attribute(
        "href", "https://mp.weixin.qq.com/s/CNXXGYu7FeE_mmXg389mwQ"
    )
    await expect(first_link).to_have_attribute("target", "_blank")
    await expect(first_link).to_have_attribute("rel", "noopener noreferrer")

    # the reader's two commands are on their side, the bot's four answers on the other
    await expect(page.locator(USER_MESSAGE)).to_have_count(2)
    await expect(page.locator(f"{USER_MESSAGE}[data-mine=true]")).to_have_count(2)
    await expect(page.locator(BOT_MESSAGE)).to_have_count(4)
    mine = await page.locator(USER_MESSAGE).last.bounding_box()
    theirs = await edition.bounding_box()
    assert mine is not None
    assert theirs is not None
    assert mine["x"] > theirs["x"]  # the reader's bubbles on the right, the bot's on the left
    assert mine["x"] + mine["width"] > theirs["x"] + theirs["width"]


async def _bot_api(live_bot: LiveBot, method: str, payload: dict[str, Any]) -> dict[str, Any]:
    """What the bot's own HTTP client does: a Bot API call against the emulator."""
    url = f"{live_bot.url}/bot{live_bot.sandbox.token}/{method}"
    async with aiohttp.ClientSession() as http, http.post(url, json=payload) as response:
        answer: dict[str, Any] = await response.json()
    return answer


async def test_hostile_bot_text_stays_inert_text(page: Page, live_bot: LiveBot) -> None:
    """Markup, scripts and javascript: links in a bot message show as plain text and never run."""
    await _open_chat(page, live_bot)
    world = await (await page.request.get(f"{live_bot.url}/_sandbox/state")).json()
    [chat] = world["chats"]

    hostile = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
    sent = await _bot_api(
        live_bot,
        "sendMessage",
        {
            "chat_id": chat["id"],
            "parse_mode": "HTML",
            "text": f'{html.escape(hostile)} <a href="javascript:window.__pwned=3">click me</a>'
            ' <a href="https://example.com/fine">a fine link</a>',
        },
    )
    assert sent["ok"], sent
    raw = '<b>not bold</b> <svg onload="window.__pwned = 4"></svg>'
    sent = await _bot_api(
        live_bot,
        "sendMessage",
        {
            "chat_id": chat["id"],
            "text": f"{raw} tap here",
            # a javascript: text_link as a given entity: refused by the page whatever the API does
            "entities": [
                {
                    "type": "text_link",
                    "offset": len(raw) + 1,
                    "length": 8,
                    "url": "javascript:window.__pwned=5",
                }
            ],
        },
    )
    assert sent["ok"], sent

    first = page.locator(BOT_MESSAGE).filter(has_text="click me")
    await expect(first.get_by_test_id("message-text")).to_contain_text(hostile, timeout=WAIT_MS)
    second = page.locator(BOT_MESSAGE).filter(has_text="tap here")
    await expect(second.get_by_test_id("message-text")).to_have_text(f"{raw} tap here")
    await first.get_by_text("click me").click()
    await second.get_by_text("tap here").click()

    messages = page.get_by_test_id("messages")
    await expect(messages.locator("script, img, svg, b")).to_have_count(0)
    await expect(messages.locator('a[href^="javascript" i]')).to_have_count(0)
    await expect(first.locator("a")).to_have_attribute("href", "https://example.com/fine")
    assert await page.evaluate("typeof window.__pwned") == "undefined"


async def test_inline_search_from_the_composer(page: Page, live_bot: LiveBot) -> None:
    """Typing ``@bot 储能`` lists the bot's matches; clicking one posts the item via the bot."""
    await _open_chat(page, live_bot)
    username = live_bot.sandbox.bot.username
    await page.get_by_test_id("composer").fill(f"@{username} 储能")
    items = page.get_by_test_id("inline-results").get_by_test_id("inline-result")
    await expect(items.first).to_be_visible(timeout=WAIT_MS)
    await expect(items.first.get_by_test_id("inline-result-description")).to_contain_text(
        "2024年1月8日"
    )
    title = await items.first.get_by_test_id("inline-result-title").inner_text()
    assert "储能" in title
    await items.first.click()
    posted = page.locator(USER_MESSAGE).filter(has=page.get_by_test_id("message-via"))
    await expect(posted).to_have_count(1, timeout=WAIT_MS)
    await expect(posted.get_by_test_id("message-via")).to_have_text(f"via @{username}")
    await expect(posted).to_contain_text("2024年1月8日 · 第")
    await expect(posted.locator("strong").filter(has_text="储能").first).to_be_visible()
    await expect(page.get_by_test_id("composer")).to_have_value("")


async def test_today_full_and_compact_as_a_reader_sees_them(
    page: Page, live_bot: LiveBot, tmp_path: Path
) -> None:
    """/today in the web chat: bold linked titles or lead sentences and sources by name, no
    原文; after "/settings format compact" one linked headline per line. Both bubbles are
    photographed (to $DIGESTBOT_SCREENSHOTS when set: that is how the README's are refreshed)."""
    await _open_chat(page, live_bot)
    await page.set_viewport_size({"width": 560, "height": 2800})  # the whole edition in view
    await _say(page, "/today")
    edition = page.locator(BOT_MESSAGE).filter(has_text="每日碳新闻 · 2024年1月8日").last
    await expect(edition).to_contain_text("微信", timeout=WAIT_MS)
    await expect(edition).not_to_contain_text("原文")
    lead = edition.get_by_test_id("message-text").locator("b, strong").nth(2)
    await expect(lead).to_contain_text("1月5日，工业和信息化部办公厅")
    shots = {"today": await edition.screenshot(path=tmp_path / "today.png")}
    await _say(page, "/settings format compact")
    saved = page.locator(BOT_MESSAGE).filter(has_text="以后只推送标题")
    await expect(saved).to_be_visible(timeout=WAIT_MS)
    await _say(page, "/today")
    editions = page.locator(BOT_MESSAGE).filter(has_text="每日碳新闻 · 2024年1月8日")
    await expect(editions).to_have_count(2, timeout=WAIT_MS)
    compact = editions.last
    await expect(compact.get_by_test_id("message-text").locator("a")).to_have_count(
        10, timeout=WAIT_MS
    )
    text = await compact.get_by_test_id("message-text").inner_text()
    lines = [line for line in text.splitlines() if line[:1].isdigit()]
    assert [line.split(".")[0] for line in lines] == [str(n) for n in range(1, 11)]
    assert all(len(line) <= 66 for line in lines), lines  # "10. " + 60 characters at most
    shots["compact"] = await compact.screenshot(path=tmp_path / "compact.png")
    assert all(png.startswith(b"\x89PNG") and len(png) > 5000 for png in shots.values())
    target = os.environ.get("DIGESTBOT_SCREENSHOTS")
    if target:
        for name, png in shots.items():
            (Path(target) / f"{name}.png").write_bytes(png)


async def test_sandbox_admin_and_history_across_a_restart(
    browser: Browser, tmp_path: Path
) -> None:
    """`make run` without a token, in Chromium: "You" is the sandbox's admin (/whoami says so,
    /stats answers) and after a restart the page still shows the conversation."""
    shutil.copytree(ROOT / "digests", tmp_path / "digests")
    config = Config(
        data_dir=tmp_path / "data", digests_dir=tmp_path / "digests", http=HttpConfig(port=0)
    )
    admin = "你是这个机器人的管理员"
    async with demo(config, auto_tick=False) as running:
        context = await browser.new_context(locale="zh-CN")
        page = await context.new_page()
        await page.goto(f"{running.url}/")
        await expect(page.get_by_test_id("composer")).to_be_enabled()
        await _say(page, "/whoami")
        await expect(page.locator(BOT_MESSAGE).filter(has_text=admin)).to_be_visible(
            timeout=WAIT_MS
        )
        await _say(page, "/stats")
        stats = page.locator(BOT_MESSAGE).filter(has_text="📊 统计")
        await expect(stats).to_contain_text("2024-01-14", timeout=WAIT_MS)
        await context.close()
    async with demo(config, auto_tick=False) as running:
        context = await browser.new_context(locale="zh-CN")
        page = await context.new_page()
        await page.goto(f"{running.url}/")
        await expect(page.get_by_test_id("chat-title")).to_have_text("You")
        await expect(page.locator(USER_MESSAGE)).to_have_count(2)
        await expect(page.locator(BOT_MESSAGE).filter(has_text="📊 统计")).to_be_visible()
        await _say(page, "/whoami")
        await expect(page.locator(BOT_MESSAGE).filter(has_text=admin)).to_have_count(
            2, timeout=WAIT_MS
        )
        await context.close()
