"""Alerts are shared only by their owner's choice, by a link nobody can guess."""

from __future__ import annotations

import pytest
from conftest import store_of

from bot.app import BotRunner
from bot.store.chats import SHARE_BYTES
from tgsandbox import Sandbox
from tgsandbox.model import Message


def share_links(message: Message) -> list[str]:
    return [e["url"] for e in message.entities if e["type"] == "text_link"]


async def alerts_listing(tg: Sandbox, chat: object, user: object, count: int) -> Message:
    tg.send(chat, user, "/alerts")  # type: ignore[arg-type]
    *_, listing = await tg.wait_messages(chat, count)  # type: ignore[arg-type]
    return listing


async def test_a_stranger_cannot_copy_alerts_by_counting(tg: Sandbox, app: BotRunner) -> None:
    """/start alert-<n> for every small number copies nothing: the ids are not links."""
    alice = tg.add_user("Alice")
    chat = tg.private_chat(alice)
    tg.send(chat, alice, "/alert 某公司 收购")
    await tg.wait_messages(chat, 1)
    [alert] = store_of(app).chats.alerts(chat.id)
    mallory = tg.add_user("Mallory")
    spy = tg.private_chat(mallory)
    for n in range(1, alert.id + 3):
        tg.send(spy, mallory, f"/start alert-{n}")
    answers = await tg.wait_messages(spy, alert.id + 2)
    assert {m.text for m in answers} == {"这个分享链接已失效：提醒已删除或不再分享。"}
    assert store_of(app).chats.alerts(spy.id) == []
    assert not any("收购" in m.text for m in tg.messages(spy))


async def test_shared_by_choice_with_an_unguessable_link(tg: Sandbox, app: BotRunner) -> None:
    """🔗 makes a link of 96 random bits that copies that alert only; stopping kills it."""
    alice = tg.add_user("Alice")
    chat = tg.private_chat(alice)
    tg.send(chat, alice, "/alert 储能")
    tg.send(chat, alice, "/alert 私人 关注")
    listing = await alerts_listing(tg, chat, alice, 3)
    assert share_links(listing) == []  # nothing is shared until the owner says so
    tg.press(listing, alice, text="🔗 分享 1")
    await tg.wait_for(lambda sb: bool(share_links(sb.messages(chat)[2])))
    [link] = share_links(tg.messages(chat)[2])
    token = link.rpartition("start=alert-")[2]
    assert len(token) >= SHARE_BYTES * 4 // 3
    assert not token.isdigit()
    first = store_of(app).chats.alerts(chat.id)[0]
    assert str(first.id) != token
    bob = tg.add_user("Bob")
    bob_chat = tg.private_chat(bob)
    tg.send(bob_chat, bob, f"/start alert-{token}")
    [copied] = await tg.wait_messages(bob_chat, 1)
    assert copied.text.startswith("🔔 已添加提醒：储能")
    assert [a.terms for a in store_of(app).chats.alerts(bob_chat.id)] == [("储能",)]
    tg.press(tg.messages(chat)[2], alice, text="🔗✖ 停止分享 1")
    await tg.wait_for(lambda sb: not share_links(sb.messages(chat)[2]))
    carol = tg.add_user("Carol")
    carol_chat = tg.private_chat(carol)
    tg.send(carol_chat, carol, f"/start alert-{token}")
    [refused] = await tg.wait_messages(carol_chat, 1)
    assert refused.text == "这个分享链接已失效：提醒已删除或不再分享。"
    assert store_of(app).chats.alerts(carol_chat.id) == []


@pytest.mark.parametrize("action", ["on", "off"])
async def test_only_the_owner_shares(tg: Sandbox, app: BotRunner, action: str) -> None:
    """A share button with another chat's alert id changes nothing (it is "expired")."""
    alice = tg.add_user("Alice")
    chat = tg.private_chat(alice)
    tg.send(chat, alice, "/alert 储能")
    listing = await alerts_listing(tg, chat, alice, 2)
    [alert] = store_of(app).chats.alerts(chat.id)
    mallory = tg.add_user("Mallory")
    spy = tg.private_chat(mallory)
    tg.send(spy, mallory, "/alert 煤炭")
    own = await alerts_listing(tg, spy, mallory, 2)
    tg.press(own, mallory, data=f"alsh:{alert.id}:{action}")
    await tg.wait_for(lambda sb: len(sb.callback_answers) == 1)
    assert tg.callback_answers[-1]["text"] == "这个按钮已失效。"
    assert store_of(app).chats.alert_shares(chat.id) == {}
    assert share_links(listing) == []
