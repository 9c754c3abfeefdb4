"""Which chat a ``chat_id`` names and whether the bot may use it (``Client::check_chat_access``).

Access levels as in telegram-bot-api: READ (getChat), READ_MEMBERS (getChatMember, command
scopes), EDIT (edit or delete messages), WRITE (send). The refusals and their wording:

- private: a deactivated user → 403 "user is deactivated" (EDIT/WRITE); a user who never opened
  the chat → 403 "bot can't initiate conversation with a user" (WRITE);
- group: upgraded to a supergroup → 400 with ``migrate_to_chat_id`` (WRITE, READ_MEMBERS);
  kicked → 403 "bot was kicked from the group chat", left → 403 "bot is not a member of the
  group chat" (EDIT/WRITE, READ_MEMBERS);
- supergroup or channel: kicked → 403 "bot was kicked from the supergroup/channel chat" (any
  access); not a member → 403 "bot is not a member of the supergroup/channel chat" (any access,
  or only EDIT/WRITE for a public one);
- unknown → 400 "chat not found".

Sending adds the checks Telegram's servers make: a blocked bot → 403 "bot was blocked by the
user", a channel member that is no admin → 400 "need administrator rights in the channel chat".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import CHAT_NOT_FOUND, ApiError, bad_request, forbidden
from .model import CHANNEL, GROUP, PRIVATE, Chat
from .params import to_integer

if TYPE_CHECKING:
    from .core import SandboxCore

READ, READ_MEMBERS, EDIT, WRITE = "read", "read_members", "edit", "write"


def resolve_chat(sb: SandboxCore, chat_id: str, *, access: str) -> Chat:
    """The chat ``chat_id`` names (an id or "@username"), if the bot has ``access`` to it."""
    if not chat_id:
        raise bad_request("chat_id is empty")
    if chat_id.startswith("@"):
        name = chat_id[1:].lower()
        found = [c for c in sb.chats.values() if c.username and c.username.lower() == name]
        chat = next((c for c in found if c.type != PRIVATE), None)
    else:
        number = to_integer(chat_id)
        chat = sb.chats.get(number)
        if chat is None and number in sb.users:
            if access == WRITE:
                raise forbidden("bot can't initiate conversation with a user")
            chat = Chat(number, PRIVATE, user=sb.users[number])  # known, but no chat yet
    if chat is None:
        raise bad_request(CHAT_NOT_FOUND)
    _check_access(chat, access)
    return chat


def _check_access(chat: Chat, access: str) -> None:
    need_write = access == WRITE
    need_edit = access in (EDIT, WRITE)
    if chat.type == PRIVATE:
        user = chat.user
        if user is not None and user.deactivated and need_edit:
            raise forbidden("user is deactivated")
        if user is not None and user.is_bot and need_write:
            raise forbidden("bot can't send messages to bots")
        return
    if chat.type == GROUP:
        if access == READ_MEMBERS:  # the member list of a deactivated group is inaccessible
            need_write = need_edit = True
        if chat.migrated_to is not None and need_write:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                parameters={"migrate_to_chat_id": chat.migrated_to},
            )
        if chat.bot_status == "kicked" and need_edit:
            raise forbidden("bot was kicked from the group chat")
        if chat.bot_status == "left" and need_edit:
            raise forbidden("bot is not a member of the group chat")
        return
    kind = "channel" if chat.type == CHANNEL else "supergroup"
    if chat.bot_status == "kicked":
        raise forbidden(f"bot was kicked from the {kind} chat")
    needs_membership = need_edit if chat.username else True
    if not chat.bot_is_member and needs_membership:
        raise forbidden(f"bot is not a member of the {kind} chat")


def check_can_send(chat: Chat) -> None:
    """The refusals Telegram's servers add when a message is actually sent."""
    if chat.type == PRIVATE and chat.bot_status == "kicked":
        raise forbidden("bot was blocked by the user")
    if chat.type == CHANNEL and chat.bot_status != "administrator":
        raise bad_request("need administrator rights in the channel chat")
