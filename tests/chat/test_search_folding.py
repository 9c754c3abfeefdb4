"""/search folds a story retold by another series under the hit shown first; dup:all shows
every hit."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.app import BotRunner
from tgsandbox import Sandbox

TOLD = (
    "1. 全国碳市场配额成交量创新高，生态环境部称2024年度配额分配方案即将发布。"
    " https://news.example.org/carbon/123\n"
)
RETOLD = (
    "1. 生态环境部：年度配额分配方案将于近期发布，碳市场成交活跃。"
    " https://m.news.example.org/carbon/123?utm_source=wechat&utm_medium=share\n"
    "2. 广东启动地方碳市场配额拍卖，首批成交50万吨。 https://news.example.org/carbon/456\n"
)


@pytest.fixture
def digests(tmp_path: Path) -> Path:
    """Two series: one story in both (reworded, its link decorated), and another story."""
    folder = tmp_path / "digests"
    folder.mkdir()
    for series, day, items in (
        ("碳日报", dt.date(2024, 3, 2), TOLD),
        ("能源周刊", dt.date(2024, 3, 3), RETOLD),
    ):
        text = f"---\ntitle: {series} {day}\nseries: {series}\n---\n{items}"
        (folder / f"{series}-{day}.md").write_text(text, "utf-8")
    return folder


async def search(tg: Sandbox, text: str) -> str:
    user = tg.add_user("Reader")
    chat = tg.private_chat(user)
    tg.send(chat, user, text)
    [page] = await tg.wait_messages(chat, 1)
    return page.text


async def test_a_retold_story_is_folded_under_the_first_hit(tg: Sandbox, app: BotRunner) -> None:
    """/search 配额: three hits, the retelling folded as "+1 similar" naming its edition."""
    page = await search(tg, "/search 配额")
    assert page.startswith("🔍 配额：共 3 条")
    assert page.count("配额分配方案") == 1
    assert "↳ 另有 1 条相似：碳日报 2024年3月2日" in page
    assert "广东启动地方碳市场配额拍卖" in page
    assert page.endswith("相似报道已合并；搜索时加上 dup:all 显示全部。")


async def test_dup_all_shows_every_hit(tg: Sandbox, app: BotRunner) -> None:
    """/search 配额 dup:all lists the retelling as a hit of its own, nothing folded."""
    page = await search(tg, "/search 配额 dup:all")
    assert page.count("配额分配方案") == 2
    assert "相似" not in page


async def test_help_tells_how_to_see_every_hit(tg: Sandbox, app: BotRunner) -> None:
    """/help's search text names dup:all (in English too)."""
    user = tg.add_user("Reader", language_code="en")
    chat = tg.private_chat(user)
    tg.send(chat, user, "/help")
    replies = await tg.wait_messages(chat, 1)
    assert "dup:all shows them all" in "\n".join(m.text for m in replies)
