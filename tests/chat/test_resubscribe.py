"""/unsubscribe then /subscribe, end to end through the emulator: the chat keeps the topics
it followed, so its next push is filtered as before."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from conftest import Clock, manual_bot
from push_world import at, edition_folder

from bot.app import BotRunner
from bot.config import Config
from tgsandbox import Sandbox


@pytest.fixture
def digests(tmp_path: Path) -> Path:
    return edition_folder(tmp_path)


@pytest.fixture
async def app(config: Config, clock: Clock) -> AsyncIterator[BotRunner]:
    async with manual_bot(config, clock, at(6)) as runner:
        yield runner


async def test_unsubscribe_then_subscribe_keeps_the_topics(
    tg: Sandbox, app: BotRunner, clock: Clock
) -> None:
    """A reader who follows 储能, unsubscribes and subscribes again gets only 储能 items."""
    alice = tg.add_user("Alice")
    chat = tg.private_chat(alice).id
    for count, command in enumerate(
        ("/start topic-storage", "/unsubscribe", "/subscribe"), start=1
    ):
        tg.send(chat, alice.id, command)
        await tg.wait_messages(chat, count)
    tg.send(chat, alice.id, "/topics")
    [*_, topics] = await tg.wait_messages(chat, 4)
    marks = [b["text"] for row in topics.reply_markup["inline_keyboard"] for b in row]
    assert [m for m in marks if m.startswith("✅")] == ["✅ 储能"]
    clock.set(at(8))
    await app.tick()
    [*_, push] = await tg.wait_messages(chat, 5)
    assert "新型储能电站并网" in push.text
    assert "碳市场配额" not in push.text
    assert "光伏" not in push.text
