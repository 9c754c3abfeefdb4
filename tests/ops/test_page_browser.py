"""The publisher's page in a real browser (Debian's Chromium, headless, through Playwright):
the bot's admin sends /page in the web chat, opens the link, and sees the editions and the
chart; a stranger's browser and an expired link get 403.

Without Chromium (or Playwright) the test skips, and fails under CI (``CI=true``), as the
other browser tests do. It photographs the page to ``SCREENSHOT`` (the README shows it).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import ROOT, Clock, LiveBot, Processed, manual_bot, store_of
from test_browser import (  # it skips (fails under CI) without Playwright: import it from there
    CHROMIUM,
    CHROMIUM_ARGS,
    WAIT_MS,
    Browser,
    Page,
    _open_chat,
    _say,
    _unavailable,
    async_playwright,
    expect,
)

from bot.app import BotRunner
from bot.config import Config, HttpConfig
from bot.store.page_logins import LINK_TTL

ADMIN_ID = 200_000_001  # the web chat's own user ("You") is the emulator's first
READER_ID = 300_000_001
LINK = re.compile(r"http://\S+/page/login/[A-Za-z0-9_-]{43}")
T0 = dt.datetime(2024, 1, 8, 9, 0, tzinfo=dt.UTC)
SCREENSHOT = ROOT / "tests" / "screenshots" / "publisher_page.png"
BOT_MESSAGE = '[data-testid="message"][data-sender="bot"]'


@pytest.fixture
async def app(config: Config, processed: Processed, clock: Clock) -> AsyncIterator[BotRunner]:
    """The bot with the page on and the web chat's user as its admin, on a stopped clock."""
    config = replace(
        config,
        telegram=replace(config.telegram, admins=(ADMIN_ID,)),
        http=HttpConfig(port=0, page=True),
    )
    async with manual_bot(config, clock, T0, processed=processed) as runner:
        yield runner


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Chromium, headless, through Playwright (skipped without it, failed under CI)."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            await browser.close()


async def ask_for_link(page: Page) -> str:
    """/page in the web chat; the link in the bot's newest answer."""
    answers = page.locator(BOT_MESSAGE).filter(has_text="/page/login/")
    before = await answers.count()
    await _say(page, "/page")
    await expect(answers).to_have_count(before + 1, timeout=WAIT_MS)
    found = LINK.search(await answers.last.inner_text())
    assert found
    return found.group(0)


async def test_the_admin_opens_the_page_and_strangers_are_refused(
    browser: Browser, live_bot: LiveBot, clock: Clock, tmp_path: Path
) -> None:
    """The admin's /page link opens the page in Chromium: the edition with its delivery and
    a chart that loads; a stranger's browser gets 403, and so does a link opened too late."""
    admin = await browser.new_context(locale="en-US", viewport={"width": 1200, "height": 800})
    chat = await admin.new_page()
    await _open_chat(chat, live_bot)  # the web chat's user is the first: the admin
    store = store_of(live_bot.runner)
    reader = live_bot.sandbox.private_chat(live_bot.sandbox.add_user("Reader", user_id=READER_ID))
    store.chats.ensure_chat(reader.id, type="private")
    store.chats.subscribe(reader.id)
    await _say(chat, "/push")
    await live_bot.sandbox.wait_messages(reader, 1)
    link = await ask_for_link(chat)

    page = await admin.new_page()  # the link opened in a tab of its own
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    async with page.expect_response(re.compile(r"/page/chart\.png$")) as drawn:
        await page.goto(link)
    assert (await drawn.value).status == 200
    await expect(page).to_have_url(re.compile(r"/page$"), timeout=WAIT_MS)
    await expect(page.locator("h1")).to_contain_text("publisher's page")
    row = page.locator("#editions tbody tr").filter(has_text="2024-01-08")
    await expect(row.locator("td")).to_have_text(
        ["2024-01-08", "每日碳新闻", "", "10", "1", "0", "0", "0", "-"]
    )
    chart = page.locator("#chart img")
    await expect(chart).to_be_visible()
    # the PNG loaded (a 403 is no image: its natural width would stay 0)
    await expect(chart).to_have_js_property("naturalWidth", 1200, timeout=WAIT_MS)
    await expect(page.locator("#feedback")).to_contain_text("not built yet")
    png = await page.screenshot(path=tmp_path / "page.png", full_page=True)
    assert png.startswith(b"\x89PNG")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    if not SCREENSHOT.exists() or SCREENSHOT.read_bytes() != png:
        SCREENSHOT.write_bytes(png)
    assert errors == [], f"the page logged errors (a CSP violation?): {errors}"

    late = await ask_for_link(chat)
    web_url = page.url.removesuffix("/page")
    stranger = await browser.new_context()
    try:
        other = await stranger.new_page()
        for url in (f"{web_url}/page", f"{web_url}/page/chart.png"):
            refused = await other.goto(url)
            assert refused is not None
            assert refused.status == 403
            assert (await refused.text()).count("\n") == 1
        clock.advance(LINK_TTL)
        expired = await other.goto(late)
        assert expired is not None
        assert expired.status == 403
        await expect(other.locator("body")).to_contain_text("expired")
    finally:
        await stranger.close()
        await admin.close()
