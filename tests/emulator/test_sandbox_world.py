"""Every Bot API method the sandbox serves, through the real PTB ``telegram.Bot``: PTB objects
come back, and refusals raise the PTB exceptions Telegram's answers raise."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    ChatFullInfo,
    ChatMemberAdministrator,
    ChatMemberLeft,
    ChatMemberOwner,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    MessageEntity,
    Update,
    WebhookInfo,
)
from telegram.error import BadRequest, Conflict, InvalidToken

from tgsandbox import Sandbox, start_sandbox

TOKEN = "123456:TEST-token"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000c8000000640806000000b9eacde3"
)  # a 200×100 PNG header is all the sandbox reads


class FakeClock:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sb(clock: FakeClock) -> Sandbox:
    return Sandbox(token=TOKEN, bot_username="digest_test_bot", clock=clock)


@pytest.fixture
async def url(sb: Sandbox) -> AsyncIterator[str]:
    runner, base = await start_sandbox(sb, port=0)
    try:
        yield base
    finally:
        await runner.cleanup()


@pytest.fixture
async def bot(url: str) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=f"{url}/bot", base_file_url=f"{url}/file/bot") as client:
        yield client


async def updates(bot: Bot) -> list[Update]:
    """Every pending update, confirmed."""
    found = list(await bot.get_updates())
    if found:
        await bot.get_updates(offset=found[-1].update_id + 1)
    return found


KEYBOARD = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("Subscribe", callback_data="sub"),
            InlineKeyboardButton("Site", url="https://example.com"),
        ]
    ]
)


async def test_get_me_and_chat_info_are_ptb_objects(sb: Sandbox, bot: Bot) -> None:
    """getMe, getChat, getChatMember(Count) and getChatAdministrators de-serialise in PTB."""
    alice, bob = sb.add_user("Alice", username="alice"), sb.add_user("Bob")
    group = sb.add_group("Readers", members=[bob], admins=[alice], supergroup=True, bot_admin=True)
    assert (bot.id, bot.username, bot.can_join_groups) == (123456, "digest_test_bot", True)
    info = await bot.get_chat(group.id)
    assert isinstance(info, ChatFullInfo)
    assert (info.title, info.type) == ("Readers", "supergroup")
    private = await bot.get_chat(alice.id)
    assert (private.first_name, private.username) == ("Alice", "alice")
    assert isinstance(await bot.get_chat_member(group.id, alice.id), ChatMemberOwner)
    assert isinstance(await bot.get_chat_member(group.id, bot.id), ChatMemberAdministrator)
    assert isinstance(await bot.get_chat_member(group.id, sb.add_user("Eve").id), ChatMemberLeft)
    admins = await bot.get_chat_administrators(group.id)
    assert [a.user.id for a in admins] == [alice.id, bot.id]
    assert await bot.get_chat_member_count(group.id) == 3


async def test_send_edit_and_delete_round_trip(sb: Sandbox, bot: Bot) -> None:
    """sendMessage, editMessageText, editMessageReplyMarkup, deleteMessage answer as Telegram."""
    alice = sb.add_user("Alice")
    chat = sb.private_chat(alice)
    sent = await bot.send_message(
        chat.id, "<i>draft</i>", parse_mode="HTML", reply_markup=KEYBOARD
    )
    assert isinstance(sent, Message)
    assert sent.text == "draft"
    assert sent.reply_markup == KEYBOARD
    edited = await bot.edit_message_text(
        "<b>final</b>", chat.id, sent.message_id, parse_mode="HTML"
    )
    assert isinstance(edited, Message)
    assert edited.edit_date is not None
    assert edited.reply_markup is None  # an edit without reply_markup removes the keyboard
    [stored] = sb.messages(chat)
    assert (stored.text, stored.html, stored.buttons) == ("final", "<b>final</b>", [])
    marked = await bot.edit_message_reply_markup(chat.id, sent.message_id, reply_markup=KEYBOARD)
    assert isinstance(marked, Message)
    assert stored.buttons == [[("Subscribe", "sub"), ("Site", "https://example.com")]]
    assert await bot.delete_message(chat.id, sent.message_id) is True
    assert sb.messages(chat) == []


async def test_plain_text_keeps_given_entities_and_trims(sb: Sandbox, bot: Bot) -> None:
    """Without parse_mode the text is kept (trimmed, "<" literal) with the entities given."""
    chat = sb.private_chat(sb.add_user("Alice"))
    bold = MessageEntity("bold", 0, 3)
    sent = await bot.send_message(chat.id, "a<b> tail \n\n", entities=[bold], parse_mode=None)
    assert sent.text == "a<b> tail"
    assert list(sent.entities) == [bold]
    [stored] = sb.messages(chat)
    assert (stored.html, stored.parse_mode) == ("a<b> tail \n\n", None)


async def test_edits_and_deletes_are_refused_like_telegram(sb: Sandbox, bot: Bot) -> None:
    """Unchanged edits, missing messages and users' messages give Telegram's 400s."""
    alice = sb.add_user("Alice")
    chat = sb.private_chat(alice)
    sent = await bot.send_message(chat.id, "same")
    with pytest.raises(
        BadRequest, match=r"^Message is not modified: specified new message content"
    ):
        await bot.edit_message_text("same", chat.id, sent.message_id)
    with pytest.raises(BadRequest, match=r"^Message to edit not found$"):
        await bot.edit_message_text("x", chat.id, 999)
    incoming = sb.send(chat, alice, "mine")
    with pytest.raises(BadRequest, match=r"^Message can't be edited$"):
        await bot.edit_message_text("x", chat.id, incoming.message_id)
    assert await bot.delete_message(chat.id, sent.message_id)
    with pytest.raises(BadRequest, match=r"^Message to delete not found$"):
        await bot.delete_message(chat.id, sent.message_id)


async def test_photo_and_document_round_trip(sb: Sandbox, bot: Bot) -> None:
    """sendPhoto / sendDocument take uploads or file_ids; getFile downloads the bytes."""
    alice = sb.add_user("Alice")
    chat = sb.private_chat(alice)
    photo = await bot.send_photo(chat.id, PNG, caption="<b>chart</b>", parse_mode="HTML")
    assert [(p.width, p.height) for p in photo.photo] == [(90, 45), (200, 100)]
    assert photo.caption == "chart"
    assert photo.caption_entities[0].type == "bold"
    again = await bot.send_photo(chat.id, photo.photo[-1].file_id)
    assert again.photo[-1].file_id == photo.photo[-1].file_id
    document = await bot.send_document(chat.id, b"a,b\n1,2\n", filename="items.csv")
    assert document.document is not None
    assert (document.document.file_name, document.document.file_size) == ("items.csv", 8)
    file = await bot.get_file(document.document.file_id)
    assert bytes(await file.download_as_bytearray()) == b"a,b\n1,2\n"
    with pytest.raises(BadRequest, match=r"^Image_process_failed$"):  # PTB capitalises
        await bot.send_photo(chat.id, b"not an image")
    with pytest.raises(BadRequest, match=r"^Message caption is too long$"):
        await bot.send_photo(chat.id, PNG, caption="x" * 1025)
    assert sb.messages(chat)[0].photo == [size.to_dict() for size in photo.photo]


async def test_callback_query_round_trip(sb: Sandbox, bot: Bot, clock: FakeClock) -> None:
    """A press is a CallbackQuery with the message; answering records it once, then 400."""
    alice = sb.add_user("Alice")
    chat = sb.private_chat(alice)
    await bot.send_message(chat.id, "menu", reply_markup=KEYBOARD)
    [menu] = sb.messages(chat)
    query_id = sb.press(menu, alice, text="Subscribe")
    [update] = await updates(bot)
    query = update.callback_query
    assert query is not None
    assert (query.id, query.data) == (query_id, "sub")
    assert isinstance(query.message, Message)
    assert query.message.text == "menu"
    assert query.from_user.id == alice.id
    assert query.chat_instance
    assert await bot.answer_callback_query(query_id, text="Done", show_alert=True)
    assert sb.callback_answers[-1]["text"] == "Done"
    assert sb.callback_answers[-1]["show_alert"]
    too_old = "(?i)^query is too old and response timeout expired or query id is invalid$"
    with pytest.raises(BadRequest, match=too_old):
        await bot.answer_callback_query(query_id)
    forged = sb.press(menu, alice, "forged:1")
    assert (await updates(bot))[0].callback_query.data == "forged:1"  # type: ignore[union-attr]
    clock.now += sb.callback_timeout + 1
    with pytest.raises(BadRequest, match=too_old):
        await bot.answer_callback_query(forged)


async def test_inline_keyboards_are_validated(sb: Sandbox, bot: Bot) -> None:
    """callback_data over 64 bytes, empty data and bad URLs are refused with Telegram's texts."""
    chat = sb.private_chat(sb.add_user("Alice"))
    cases = {
        "Button_data_invalid": InlineKeyboardButton("x", callback_data="长" * 22),
        "Can't parse inline keyboard button: text buttons are unallowed in the inline keyboard": (
            InlineKeyboardButton("x", callback_data="")
        ),
        "Inline keyboard button url 'localhost' is invalid: wrong http url": InlineKeyboardButton(
            "x", url="localhost"
        ),
    }
    for expected, button in cases.items():
        with pytest.raises(BadRequest) as refused:
            await bot.send_message(chat.id, "x", reply_markup=InlineKeyboardMarkup([[button]]))
        assert refused.value.message == expected  # PTB capitalises the first letter
    await bot.send_message(
        chat.id,
        "x",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="长" * 21)]]),
    )


async def test_commands_round_trip_and_validation(sb: Sandbox, bot: Bot) -> None:
    """set/get/deleteMyCommands per scope and language, with Telegram's validation errors."""
    group = sb.add_group("Readers", members=[sb.add_user("Alice")])
    commands = [BotCommand("start", "Start"), BotCommand("help", "帮助")]
    assert await bot.set_my_commands(commands, language_code="zh")
    assert await bot.set_my_commands(commands[:1], scope=BotCommandScopeChat(group.id))
    assert list(await bot.get_my_commands(language_code="zh")) == commands
    assert list(await bot.get_my_commands()) == []  # no fallback from "zh" to ""
    assert list(await bot.get_my_commands(scope=BotCommandScopeChat(group.id))) == commands[:1]
    assert sb.commands[("default", "zh")] == [c.to_dict() for c in commands]
    assert sb.commands[('{"type": "chat", "chat_id": -1001}', "")] == [commands[0].to_dict()]
    assert await bot.delete_my_commands(scope=BotCommandScopeDefault(), language_code="zh")
    assert ("default", "zh") not in sb.commands
    refusals = {
        "Bot_command_invalid": [BotCommand("Start", "x")],
        "Command length must not exceed 32": [BotCommand("a" * 33, "x")],
        "Command description must be non-empty": [BotCommand("start", " ")],
        "Command description length must not exceed 256": [BotCommand("start", "x" * 257)],
        "Bot_commands_too_much": [BotCommand(f"c{n}", "x") for n in range(101)],
    }
    for expected, bad in refusals.items():
        with pytest.raises(BadRequest) as refused:
            await bot.set_my_commands(bad)
        assert refused.value.message == expected
    with pytest.raises(BadRequest, match=r"^Invalid language code specified$"):
        await bot.set_my_commands(commands, language_code="zh-hans")


async def test_inline_query_and_chat_action_round_trip(sb: Sandbox, bot: Bot) -> None:
    """inline_query updates, answerInlineQuery and sendChatAction give PTB results."""
    alice = sb.add_user("Alice")
    chat = sb.private_chat(alice)
    query_id = sb.inline_query(alice, "碳市场")
    [update] = await updates(bot)
    assert update.inline_query is not None
    assert update.inline_query.query == "碳市场"
    article = InlineQueryResultArticle("1", "Title", InputTextMessageContent("text"))
    assert await bot.answer_inline_query(query_id, [article])
    assert sb.inline_answers[-1]["results"][0]["id"] == "1"
    assert await bot.send_chat_action(chat.id, "typing")
    assert sb.chat_actions == [(chat.id, "typing")]
    with pytest.raises(BadRequest, match=r"^Wrong parameter action in request$"):
        await bot.send_chat_action(chat.id, "dancing")


async def test_webhook_methods_and_session_methods(bot: Bot) -> None:
    """setWebhook, getWebhookInfo, deleteWebhook, close and logOut answer PTB objects."""
    assert await bot.set_webhook("http://127.0.0.1:9/hook", secret_token="abc")
    info = await bot.get_webhook_info()
    assert isinstance(info, WebhookInfo)
    assert info.url == "http://127.0.0.1:9/hook"
    with pytest.raises(Conflict, match=r"webhook is active"):
        await bot.get_updates()
    assert await bot.delete_webhook()
    assert (await bot.get_webhook_info()).url == ""
    assert await bot.close() is True
    assert await bot.log_out() is True


async def test_a_wrong_token_is_an_invalid_token(url: str) -> None:
    """A bot with a token the sandbox does not know fails to start with InvalidToken."""
    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG", base_url=f"{url}/bot"):
            pass


async def test_waits_are_driven_by_changes(sb: Sandbox, bot: Bot) -> None:
    """wait_messages returns when the bot sends; on timeout it says what it saw."""
    alice = sb.add_user("Alice")
    chat = sb.private_chat(alice)
    waiting = asyncio.create_task(sb.wait_messages(chat, 2, timeout=5))
    await bot.send_message(chat.id, "one")
    assert not waiting.done()
    await bot.send_message(chat.id, "two")
    assert [m.text for m in await waiting] == ["one", "two"]
    with pytest.raises(TimeoutError, match=r"2 of 3 messages .* \['one', 'two'\]"):
        await sb.wait_messages(chat, 3, timeout=0.05)
    assert await sb.wait_for(lambda sb: sb.counters.sent_messages, timeout=1) == 2
