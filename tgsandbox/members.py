"""ChatMember objects (Bot API JSON) for the bot and the users of a chat."""

from __future__ import annotations

from .model import CHANNEL, GROUP, JSON, PRIVATE, SUPERGROUP, Chat, User

_ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_change_info",
    "can_delete_messages",
    "can_invite_users",
    "can_restrict_members",
    "can_manage_video_chats",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
)


def member_json(chat: Chat, user: User, *, status: str) -> JSON:
    """A ChatMember of ``status`` with the fields Telegram sends for that status."""
    result: JSON = {"user": user.to_json(), "status": status}
    if status == "creator":
        result["is_anonymous"] = False
    elif status == "administrator":
        result |= {"can_be_edited": False, "is_anonymous": False}
        result |= dict.fromkeys(_ADMIN_RIGHTS, True)
        result["can_promote_members"] = False
        if chat.type == CHANNEL:
            result |= {"can_post_messages": True, "can_edit_messages": True}
        if chat.type in (GROUP, SUPERGROUP):
            result["can_pin_messages"] = True
        if chat.type == SUPERGROUP:
            result["can_manage_topics"] = chat.is_forum
    elif status == "kicked":
        result["until_date"] = 0
    return result


def user_status(chat: Chat, user_id: int) -> str:
    """A user's status in ``chat``: creator, administrator, member or left."""
    if chat.type == PRIVATE:
        return "member" if chat.user is not None and chat.user.id == user_id else "left"
    if user_id == chat.creator_id:
        return "creator"
    if user_id in chat.admin_ids:
        return "administrator"
    return "member" if user_id in chat.member_ids else "left"
