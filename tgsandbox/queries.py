"""Bot API methods that read or answer: getMe, chats and members, callback query answers,
files, and the update methods (getUpdates, webhooks) wired to their modules (answerInlineQuery
is in ``inline.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .access import READ, READ_MEMBERS, resolve_chat
from .errors import QUERY_TOO_OLD, bad_request
from .members import member_json, user_status
from .model import ANONYMOUS_ADMIN, JSON, PRIVATE
from .params import Args
from .registry import Reply, method
from .updates import get_updates as _get_updates

if TYPE_CHECKING:
    from .world import Sandbox

MAX_DOWNLOAD = 20 * 1024 * 1024  # getFile's limit on the public Bot API


@method("getMe")
def get_me(sb: Sandbox, args: Args) -> JSON:
    return sb.bot.to_json() | {
        "can_join_groups": True,
        "can_read_all_group_messages": not sb.privacy_mode,
        "supports_inline_queries": sb.inline_mode,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


@method("getChat")
def get_chat(sb: Sandbox, args: Args) -> JSON:
    return resolve_chat(sb, args.get("chat_id"), access=READ).to_full_json()


@method("getChatMember")
def get_chat_member(sb: Sandbox, args: Args) -> JSON:
    chat = resolve_chat(sb, args.get("chat_id"), access=READ_MEMBERS)
    user_id = args.integer("user_id")
    if user_id == sb.bot.id:
        return member_json(chat, sb.bot, status=chat.bot_status)
    user = sb.users.get(user_id) or (ANONYMOUS_ADMIN if user_id == ANONYMOUS_ADMIN.id else None)
    if user is None:
        raise bad_request("user not found")
    return member_json(chat, user, status=user_status(chat, user_id))


@method("getChatAdministrators")
def get_chat_administrators(sb: Sandbox, args: Args) -> list[JSON]:
    chat = resolve_chat(sb, args.get("chat_id"), access=READ_MEMBERS)
    if chat.type == PRIVATE:
        raise bad_request("there are no administrators in the private chat")
    result = [
        member_json(chat, sb.users[i], status=user_status(chat, i))
        for i in chat.admin_ids
        if i in sb.users
    ]
    if chat.bot_status == "administrator":
        result.append(member_json(chat, sb.bot, status="administrator"))
    return result


@method("getChatMemberCount")
def get_chat_member_count(sb: Sandbox, args: Args) -> int:
    chat = resolve_chat(sb, args.get("chat_id"), access=READ_MEMBERS)
    if chat.type == PRIVATE:
        return 2
    return len(chat.member_ids) + chat.bot_is_member


@method("answerCallbackQuery")
def answer_callback_query(sb: Sandbox, args: Args) -> bool:
    query_id = args.get("callback_query_id")
    created = sb.callback_queries.pop(query_id, None)
    if created is None or sb.clock() - created[0] > sb.callback_timeout:
        raise bad_request(QUERY_TOO_OLD)
    answer: JSON = {
        "callback_query_id": query_id,
        "text": args.get("text") or None,
        "show_alert": args.flag("show_alert"),
        "url": args.get("url") or None,
        "cache_time": args.integer("cache_time"),
    }
    sb.callback_answers.append(answer)
    sb.emit(
        {
            "type": "callback_answer",
            "callback_query_id": query_id,
            "text": answer["text"],
            "show_alert": answer["show_alert"],
        }
    )
    return True


@method("getFile")
def get_file(sb: Sandbox, args: Args) -> JSON:
    file_id = args.get("file_id")
    if not file_id:
        raise bad_request("file_id not specified")
    stored = sb.files.get(file_id)
    if stored is None:
        raise bad_request("invalid file_id")
    if len(stored.data) > MAX_DOWNLOAD:
        raise bad_request("file is too big")
    return stored.file_json()


@method("close")
def close(sb: Sandbox, args: Args) -> bool:
    return True


@method("logOut")
def log_out(sb: Sandbox, args: Args) -> bool:
    return True


@method("getUpdates")
async def get_updates(sb: Sandbox, args: Args) -> list[dict[str, Any]]:
    return await _get_updates(sb, args)


@method("setWebhook")
async def set_webhook(sb: Sandbox, args: Args) -> Reply:
    return await sb.webhook.set(args, delete=False)


@method("deleteWebhook")
async def delete_webhook(sb: Sandbox, args: Args) -> Reply:
    return await sb.webhook.set(args, delete=True)


@method("getWebhookInfo")
def get_webhook_info(sb: Sandbox, args: Args) -> JSON:
    return sb.webhook.info()
