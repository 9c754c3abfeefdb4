"""The emulated world's things: users, chats, forum topics, messages, and their Bot API JSON.

Users, chats and messages are mutable (the world changes them); ``to_json`` gives the object as
the Bot API serialises it, which is what ``telegram.Message.de_json`` and the web page read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ANONYMOUS_ADMIN_ID = 1087968824  # @GroupAnonymousBot, the "from" of an anonymous admin's message
PRIVATE, GROUP, SUPERGROUP, CHANNEL = "private", "group", "supergroup", "channel"
MEMBER_STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")

JSON = dict[str, Any]


@dataclass(eq=False)
class User:
    """A Telegram account; ``deactivated`` makes sends answer 403 "user is deactivated"."""

    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = None
    last_name: str | None = None
    is_bot: bool = False
    deactivated: bool = False

    def to_json(self) -> JSON:
        """The Bot API User (``JsonUser``: optional fields only when set)."""
        result: JSON = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            value = getattr(self, key)
            if value:
                result[key] = value
        return result


ANONYMOUS_ADMIN = User(ANONYMOUS_ADMIN_ID, "Group", username="GroupAnonymousBot", is_bot=True)


@dataclass(frozen=True, slots=True)
class Topic:
    """A forum topic: its ``id`` is the message_thread_id of messages in it."""

    id: int
    name: str
    icon_color: int = 0x6FB9F0

    def to_json(self) -> JSON:
        return {"id": self.id, "name": self.name}


@dataclass(eq=False)
class Chat:
    """A private chat, group, supergroup (maybe a forum) or channel, and the bot's place in it.

    ``bot_status`` is the bot's ChatMember status there: "member", "administrator", "left" or
    "kicked" (in a private chat "kicked" means the user blocked the bot).
    """

    id: int
    type: str
    title: str | None = None
    username: str | None = None
    user: User | None = None  # the other side of a private chat
    is_forum: bool = False
    bot_status: str = "member"
    member_ids: list[int] = field(default_factory=list)
    admin_ids: list[int] = field(default_factory=list)  # the first one is the creator
    topics: dict[int, Topic] = field(default_factory=dict)
    migrated_to: int | None = None
    migrated_from: int | None = None

    @property
    def creator_id(self) -> int | None:
        return self.admin_ids[0] if self.admin_ids else None

    @property
    def bot_is_member(self) -> bool:
        return self.bot_status in ("creator", "administrator", "member")

    def to_json(self) -> JSON:
        """The Bot API Chat as it appears inside a Message or an update."""
        result: JSON = {"id": self.id, "type": self.type}
        if self.type == PRIVATE and self.user is not None:
            result["first_name"] = self.user.first_name
            if self.user.last_name:
                result["last_name"] = self.user.last_name
            if self.user.username:
                result["username"] = self.user.username
            return result
        result["title"] = self.title or ""
        if self.username:
            result["username"] = self.username
        if self.is_forum:
            result["is_forum"] = True
        return result

    def to_full_json(self) -> JSON:
        """getChat's ChatFullInfo: the Chat plus the fields a full info always has."""
        gifts = ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription")
        accepted = dict.fromkeys(gifts, False) | {"gifts_from_channels": False}
        return self.to_json() | {
            "accent_color_id": abs(self.id) % 7,
            "max_reaction_count": 11,
            "accepted_gift_types": accepted,
        }

    def state_json(self) -> JSON:
        """The control API's Chat: the Bot API Chat plus the sandbox's view of membership."""
        return self.to_json() | {
            "bot_status": self.bot_status,
            "member_ids": list(self.member_ids),
            "admin_ids": list(self.admin_ids),
            "topics": [topic.to_json() for topic in self.topics.values()],
            "migrated_to": self.migrated_to,
        }


@dataclass(eq=False)
class Message:
    """A message in a chat, sent by a user (incoming) or by the bot (``outgoing``).

    ``html`` is the text exactly as the bot sent it, ``text``/``entities`` what Telegram made of
    it (entities are Bot API MessageEntity dicts with UTF-16 offsets). A user's message posted
    from an inline result has ``via_bot``, and an ``inline_message_id`` if it has buttons.
    """

    message_id: int
    chat: Chat
    date: int
    sender: User | None = None
    sender_chat: Chat | None = None
    text: str | None = None
    html: str | None = None
    parse_mode: str | None = None
    entities: list[JSON] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[JSON] = field(default_factory=list)
    reply_markup: JSON | None = None
    thread_id: int | None = None
    photo: list[JSON] | None = None
    document: JSON | None = None
    edit_date: int | None = None
    link_preview_disabled: bool = False
    silent: bool = False  # sent with disable_notification: it arrives without a sound
    outgoing: bool = False
    deleted: bool = False
    reply_to: Message | None = None
    via_bot: User | None = None
    inline_message_id: str | None = None
    service: JSON = field(default_factory=dict)  # new_chat_members, migrate_to_chat_id, ...
    reactions: dict[int, tuple[str, ...]] = field(default_factory=dict)  # user id → emoji

    @property
    def chat_id(self) -> int:
        return self.chat.id

    @property
    def buttons(self) -> list[list[tuple[str, str | None]]]:
        """The inline keyboard as rows of (text, callback_data or url)."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [
            [(str(b.get("text", "")), b.get("callback_data") or b.get("url")) for b in row]
            for row in rows
            if isinstance(row, list)
        ]

    def to_json(self, *, with_reply: bool = True) -> JSON:
        """The Bot API Message."""
        result: JSON = {"message_id": self.message_id}
        if self.sender is not None:
            result["from"] = self.sender.to_json()
        if self.sender_chat is not None:
            result["sender_chat"] = self.sender_chat.to_json()
        result["chat"] = self.chat.to_json()
        result["date"] = self.date
        if self.thread_id is not None:
            result["message_thread_id"] = self.thread_id
            if self.chat.is_forum:
                result["is_topic_message"] = True
        if self.reply_to is not None and with_reply:
            result["reply_to_message"] = self.reply_to.to_json(with_reply=False)
        if self.via_bot is not None:
            result["via_bot"] = self.via_bot.to_json()
        if self.edit_date is not None:
            result["edit_date"] = self.edit_date
        if self.text is not None:
            result["text"] = self.text
            if self.entities:
                result["entities"] = self.entities
            if self.link_preview_disabled:
                result["link_preview_options"] = {"is_disabled": True}
        if self.photo is not None:
            result["photo"] = self.photo
        if self.document is not None:
            result["document"] = self.document
        if self.caption is not None:
            result["caption"] = self.caption
            if self.caption_entities:
                result["caption_entities"] = self.caption_entities
        result |= self.service
        if self.reply_markup is not None and "inline_keyboard" in self.reply_markup:
            result["reply_markup"] = {"inline_keyboard": self.reply_markup["inline_keyboard"]}
        return result
