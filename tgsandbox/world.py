"""The Python API of the sandbox: build a world, act as its users, watch what the bot does.

Every user action enqueues the update Telegram would send the bot and returns what it made;
text that is not UTF-8 (a lone surrogate) is refused with a ValueError before anything changes.
Groups have ids -1001, -1002, …; supergroups and channels -1001000000001, …; the bot sees group
messages as a bot in privacy mode does unless ``sb.privacy_mode = False`` (or it is an admin):
commands (for it), replies to it, mentions of it and service messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from . import inline
from .core import DEFAULT_TOKEN
from .delivery import Delivery
from .members import member_json
from .model import (
    ANONYMOUS_ADMIN,
    CHANNEL,
    GROUP,
    JSON,
    PRIVATE,
    SUPERGROUP,
    Chat,
    Message,
    Topic,
    User,
)
from .reactions import Reactions
from .texts import check_text, user_entities

__all__ = ["DEFAULT_TOKEN", "Sandbox"]

BOT_STATUSES = ("member", "administrator", "left", "kicked")
GROUP_ID_BASE, SUPERGROUP_ID_BASE = 1000, 1_001_000_000_000
TOPIC_ICON_COLOR = 0x6FB9F0


class Sandbox(Reactions, Delivery):
    """An emulated Telegram for one bot (its token, its users and chats)."""

    # -- world building --------------------------------------------------------------------

    def add_user(
        self,
        first_name: str = "Alice",
        *,
        username: str | None = None,
        language_code: str | None = "zh",
        user_id: int | None = None,
        last_name: str | None = None,
    ) -> User:
        """A new Telegram user."""
        check_text(first_name=first_name, username=username, last_name=last_name)
        if user_id is None:
            user_id = next(self._user_ids)
            while user_id in self.users:
                user_id = next(self._user_ids)
        user = User(
            user_id,
            first_name,
            username=username,
            language_code=language_code,
            last_name=last_name,
        )
        self.users[user_id] = user
        self.changed()
        return user

    def private_chat(self, user: User | int) -> Chat:
        """The user's private chat with the bot (id == user id), created on first use."""
        user = self.user_of(user)
        chat = self.chats.get(user.id)
        if chat is None:
            chat = self.chats[user.id] = Chat(user.id, PRIVATE, user=user)
            self.emit({"type": "chat", "chat": chat.state_json()})
        return chat

    def add_group(
        self,
        title: str,
        *,
        members: Iterable[User] = (),
        admins: Sequence[User] = (),
        supergroup: bool = False,
        forum: bool = False,
        bot_admin: bool = False,
        added_by: User | None = None,
        username: str | None = None,
    ) -> Chat:
        """A group (or supergroup, maybe a forum) the bot is added to by ``added_by``."""
        check_text(title=title, username=username)
        members = list(members)
        supergroup = supergroup or forum
        n = next(self._chat_numbers)
        chat_id = -(SUPERGROUP_ID_BASE + n) if supergroup else -(GROUP_ID_BASE + n)
        member_ids = list(dict.fromkeys([u.id for u in admins] + [u.id for u in members]))
        chat = Chat(
            chat_id,
            SUPERGROUP if supergroup else GROUP,
            title=title,
            username=username,
            is_forum=forum,
            bot_status="left",
            member_ids=member_ids,
            admin_ids=[u.id for u in admins],
        )
        self.chats[chat_id] = chat
        adder = added_by or (admins[0] if admins else members[0] if members else None)
        self._set_status(chat, "administrator" if bot_admin else "member", by=adder)
        return chat

    def add_channel(
        self,
        title: str,
        *,
        admins: Sequence[User],
        username: str | None = None,
        bot_admin: bool = True,
    ) -> Chat:
        """A channel with the bot in it (an admin by default: only then it sees posts)."""
        check_text(title=title, username=username)
        chat_id = -(SUPERGROUP_ID_BASE + next(self._chat_numbers))
        admin_ids = [u.id for u in admins]
        chat = Chat(chat_id, CHANNEL, title=title, username=username, bot_status="left")
        chat.admin_ids, chat.member_ids = admin_ids, list(admin_ids)
        self.chats[chat_id] = chat
        adder = admins[0] if admins else None
        self._set_status(chat, "administrator" if bot_admin else "member", by=adder)
        return chat

    def add_topic(self, chat: Chat | int, name: str) -> int:
        """A forum topic; its id (the message_thread_id of its messages) is returned."""
        check_text(name=name)
        chat = self.chat_of(chat)
        if not chat.is_forum:
            raise ValueError(f"chat {chat.id} is not a forum")
        creator = self.users.get(chat.creator_id or 0)
        service = {"forum_topic_created": {"name": name, "icon_color": TOPIC_ICON_COLOR}}
        message = self.new_message(chat, sender=creator or self.bot, service=service)
        message.thread_id = message.message_id
        chat.topics[message.message_id] = Topic(
            message.message_id, name, icon_color=TOPIC_ICON_COLOR
        )
        self._deliver("message", message)
        self.emit({"type": "chat", "chat": chat.state_json()})
        return message.message_id

    # -- user actions ----------------------------------------------------------------------

    def send(
        self,
        chat: Chat | int,
        user: User | int | None,
        text: str,
        *,
        thread_id: int | None = None,
        anonymous: bool = False,
        reply_to: Message | None = None,
    ) -> Message:
        """A user's text message (in a channel: a post, ``user`` ignored), as its update.

        A user who is not a member of the group joins it first; one who blocked the bot
        restarts it (unblocks) first, as Telegram's apps do. ``anonymous``: an administrator
        posting as the group (from GroupAnonymousBot, sender_chat the group); ValueError for
        anyone else, as only administrators can remain anonymous in Telegram.
        """
        check_text(text=text)
        chat = self.chat_of(chat)
        kind, sender, sender_chat = self._author(chat, user, thread_id, anonymous=anonymous)
        message = self.new_message(
            chat,
            sender=sender,
            sender_chat=sender_chat,
            text=text,
            entities=user_entities(text),
            thread_id=None if kind == "channel_post" else thread_id,
            reply_to=None if kind == "channel_post" else reply_to,
        )
        self._deliver(kind, message)
        return message

    def press(
        self,
        message: Message,
        user: User | int,
        data: str | None = None,
        *,
        text: str | None = None,
    ) -> str:
        """Press a button of a bot message (by callback_data or by text; data may be forged)."""
        check_text(data=data, text=text)
        if message.deleted:
            raise ValueError(f"message {message.message_id} was deleted")
        user = self.user_of(user)
        rows = (message.reply_markup or {}).get("inline_keyboard", [])
        buttons = [b for row in rows for b in row]
        if text is not None:
            button = next((b for b in buttons if b.get("text") == text), None)
            if button is None or "callback_data" not in button:
                raise ValueError(f"no callback button {text!r} in {message.buttons}")
            data = str(button["callback_data"])
        elif data is None:
            callbacks = [b for b in buttons if "callback_data" in b]
            if len(callbacks) != 1:
                raise ValueError(f"which button? {message.buttons}")
            data = str(callbacks[0]["callback_data"])
        query_id = self.next_query_id()
        payload: JSON = {"id": query_id, "from": user.to_json()}
        if message.inline_message_id:  # a button of a message sent via the bot
            payload["inline_message_id"] = message.inline_message_id
        else:
            payload["message"] = message.to_json()
        payload |= {
            "chat_instance": str(-(abs(message.chat.id) * 2654435761 % 2**62)),
            "data": data,
        }
        self.callback_queries[query_id] = (self.clock(), payload)
        self.enqueue("callback_query", payload)
        return query_id

    def inline_query(
        self,
        user: User | int,
        query: str,
        *,
        offset: str = "",
        chat: Chat | int | None = None,
    ) -> str:
        """``user`` types ``@bot query`` in ``chat`` (default: their private chat with the bot).

        The bot gets an inline_query update; its id is returned. ``offset`` is the answer's
        next_offset when the user scrolls for more. See ``inline_answer`` and
        ``choose_inline_result``.
        """
        check_text(query=query, offset=offset)
        user = self.user_of(user)
        if not self.inline_mode:
            raise ValueError(f"@{self.bot.username} does not support inline mode")
        if len(query) > inline.MAX_QUERY_CHARS:
            raise ValueError(f"an inline query has at most {inline.MAX_QUERY_CHARS} characters")
        where = "sender" if chat is None else inline.chat_type(self.chat_of(chat), user)
        query_id = self.next_query_id()
        payload: JSON = {"id": query_id, "from": user.to_json(), "query": query}
        payload |= {"offset": offset, "chat_type": where}
        self.inline_queries[query_id] = (self.clock(), payload)
        self.enqueue("inline_query", payload)
        return query_id

    def choose_inline_result(
        self,
        user: User | int,
        chat: Chat | int,
        inline_query_id: str,
        result_id: str,
        *,
        thread_id: int | None = None,
        anonymous: bool = False,
    ) -> Message:
        """``user`` picks a result of the bot's answer: it is posted in ``chat`` as their message
        ``via_bot`` the bot, and the bot gets chosen_inline_result (with an inline_message_id
        when the result has buttons). ValueError for a result that is not in the answer.
        """
        user = self.user_of(user)
        answer, content = inline.chosen(self, user, inline_query_id, result_id)
        chat = self.chat_of(chat)
        kind, sender, sender_chat = self._author(chat, user, thread_id, anonymous=anonymous)
        message = self.new_message(
            chat,
            sender=sender,
            sender_chat=sender_chat,
            thread_id=None if kind == "channel_post" else thread_id,
            **inline.message_fields(self, content),
        )
        inline.feedback(self, answer, result_id, message)
        self._deliver(kind, message)
        return message

    def block(self, user: User | int) -> None:
        """The user blocks the bot: sends to them answer 403 "bot was blocked by the user"."""
        user = self.user_of(user)
        self._set_status(self.private_chat(user), "kicked", by=user)

    def unblock(self, user: User | int) -> None:
        """The user unblocks (restarts) the bot."""
        user = self.user_of(user)
        self._set_status(self.private_chat(user), "member", by=user)

    def set_bot_status(
        self, chat: Chat | int, status: str, *, by: User | int | None = None
    ) -> None:
        """Add, promote, demote or remove the bot ("member", "administrator", "left", "kicked")."""
        chat = self.chat_of(chat)
        private_only = ("member", "kicked")
        if status not in BOT_STATUSES or (chat.type == PRIVATE and status not in private_only):
            raise ValueError(f"the bot cannot become {status!r} in a {chat.type} chat")
        self._set_status(chat, status, by=self.user_of(by) if by is not None else None)

    def deactivate(self, user: User | int) -> None:
        """The user deletes their account: sends to them answer 403 "user is deactivated"."""
        self.user_of(user).deactivated = True
        self.changed()

    def migrate(self, group: Chat | int) -> Chat:
        """Upgrade a group to a supergroup; sends to the old id then answer 400 (migrate)."""
        old = self.chat_of(group)
        if old.type != GROUP or old.migrated_to is not None:
            raise ValueError(f"chat {old.id} is not a group that can be upgraded")
        new = Chat(
            -(SUPERGROUP_ID_BASE + next(self._chat_numbers)),
            SUPERGROUP,
            title=old.title,
            bot_status=old.bot_status,
            member_ids=list(old.member_ids),
            admin_ids=list(old.admin_ids),
            migrated_from=old.id,
        )
        self.chats[new.id] = new
        old.migrated_to = new.id
        upgrader = self.users.get(old.creator_id or 0) or ANONYMOUS_ADMIN
        to_new = {"migrate_to_chat_id": new.id}
        self._deliver("message", self.new_message(old, sender=upgrader, service=to_new))
        from_old = {"migrate_from_chat_id": old.id}
        self._deliver(
            "message",
            self.new_message(new, sender=ANONYMOUS_ADMIN, sender_chat=new, service=from_old),
        )
        for chat in (old, new):
            self.emit({"type": "chat", "chat": chat.state_json()})
        return new

    # -- internals -------------------------------------------------------------------------

    def _author(
        self, chat: Chat, user: User | int | None, thread_id: int | None, *, anonymous: bool
    ) -> tuple[str, User | None, Chat | None]:
        """Who a user's new message in ``chat`` is from: (update kind, from, sender_chat)."""
        if chat.migrated_to is not None:
            raise ValueError(f"chat {chat.id} was upgraded to supergroup {chat.migrated_to}")
        if thread_id is not None and chat.is_forum and thread_id not in chat.topics:
            raise ValueError(f"chat {chat.id} has no topic {thread_id}")
        if chat.type == CHANNEL:
            return "channel_post", None, chat
        if user is None:
            if chat.user is None:
                raise ValueError("who sends it? pass a user")
            user = chat.user
        user = self.user_of(user)
        if chat.type == PRIVATE and chat.user is not user:
            raise ValueError(f"{user.first_name} is not in the private chat {chat.id}")
        if anonymous and chat.type != PRIVATE and user.id not in chat.admin_ids:
            # Telegram: only an administrator with "remain anonymous" posts as the group
            raise ValueError(
                f"{user.first_name} is not an administrator of chat {chat.id}: "
                "only administrators can post anonymously (as the group)"
            )
        if chat.type == PRIVATE and chat.bot_status == "kicked":
            self.unblock(user)  # a user who writes to a bot they blocked restarts it first
        elif chat.type != PRIVATE and user.id not in chat.member_ids:
            chat.member_ids.append(user.id)
        if anonymous and chat.type != PRIVATE:
            return "message", ANONYMOUS_ADMIN, chat
        return "message", user, None

    def _set_status(self, chat: Chat, status: str, *, by: User | None) -> None:
        """Change the bot's status: a my_chat_member update (and new_chat_members on joining)."""
        old = chat.bot_status
        if old == status:
            return
        if by is None:
            by = self.users.get(chat.creator_id or 0) or next(
                (self.users[i] for i in chat.member_ids if i in self.users), chat.user or self.bot
            )
        chat.bot_status = status
        payload: JSON = {
            "chat": chat.to_json(),
            "from": by.to_json(),
            "date": self.now(),
            "old_chat_member": member_json(chat, self.bot, status=old),
            "new_chat_member": member_json(chat, self.bot, status=status),
        }
        self.enqueue("my_chat_member", payload)
        joined = old in ("left", "kicked") and status in ("member", "administrator")
        if chat.type in (GROUP, SUPERGROUP) and joined:
            service = {"new_chat_members": [self.bot.to_json()]}
            self._deliver("message", self.new_message(chat, sender=by, service=service))
        self.emit({"type": "chat", "chat": chat.state_json()})
