"""Bot API methods that send, edit and delete messages.

The order of checks is telegram-bot-api's: the text (or caption) first, then the chat and its
access, the thread and the replied message, the buttons, what the servers refuse (blocked bot,
channel rights), and last the flood limits (a 429 costs nothing).
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from .access import EDIT, WRITE, check_can_send, resolve_chat
from .errors import NOT_MODIFIED, ApiError, bad_request, too_many_requests
from .files import StoredFile, image_size, photo_sizes
from .markup import check_buttons, parse_reply_markup, same_markup
from .model import CHANNEL, GROUP, JSON, PRIVATE, SUPERGROUP, Chat, Message
from .params import Args, Upload
from .registry import method
from .telegram_html import MessageRejected, check_message, utf16_len

if TYPE_CHECKING:
    from .world import Sandbox

MAX_CAPTION_UTF16 = 1024
CHAT_ACTIONS = frozenset(
    {
        "cancel",
        "typing",
        "record_video",
        "upload_video",
        "record_audio",
        "record_voice",
        "upload_audio",
        "upload_voice",
        "upload_photo",
        "upload_document",
        "choose_sticker",
        "pick_up_location",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


def formatted(args: Args, field: str, *, entities_field: str) -> tuple[str, list[JSON]]:
    """Text and entities as Telegram stores them (parse_mode HTML, or plain with entities)."""
    raw = args.get(field)
    mode = args.get("parse_mode").lower()
    try:
        if mode == "html":
            parsed = check_message(raw)
            return parsed.text, [e.to_dict() for e in parsed.entities]
        if mode not in ("", "markdown", "markdownv2"):
            raise bad_request("unsupported parse_mode")
        parsed = check_message(html.escape(raw, quote=False))  # Markdown is kept as plain text
    except MessageRejected as error:
        raise ApiError(400, error.description) from None
    if mode or not args.has(entities_field):
        return parsed.text, []
    try:  # get_input_entities: entities that are not JSON are ignored
        given = args.decoded(entities_field, "entities")
    except ApiError:
        given = []
    return parsed.text, given if isinstance(given, list) else []


def caption_of(args: Args) -> tuple[str | None, list[JSON]]:
    """A media message's caption (none if empty), at most 1024 UTF-16 units."""
    if not args.get("caption"):
        return None, []
    try:
        text, entities = formatted(args, "caption", entities_field="caption_entities")
    except ApiError as error:
        if error.description.endswith(("text must be non-empty", "text is empty")):
            return None, []
        raise
    if utf16_len(text) > MAX_CAPTION_UTF16:
        raise bad_request("message caption is too long")
    return text, entities


def _thread(sb: Sandbox, args: Args, *, chat: Chat) -> int | None:
    thread_id = args.integer("message_thread_id")
    if thread_id <= 0:
        return None
    known = thread_id in chat.topics if chat.is_forum else sb.find_message(chat.id, thread_id)
    if not known:
        raise bad_request("message thread not found")
    return thread_id


def _replied(sb: Sandbox, args: Args, *, chat: Chat) -> Message | None:
    if args.has("reply_parameters"):
        parameters = args.decoded("reply_parameters", "reply parameters")
        parameters = parameters if isinstance(parameters, dict) else {}
        reply_id = int(parameters.get("message_id") or 0)
        allow = bool(parameters.get("allow_sending_without_reply"))
    else:
        reply_id = args.integer("reply_to_message_id")
        allow = args.flag("allow_sending_without_reply")
    if reply_id <= 0:
        return None
    replied = sb.find_message(chat.id, reply_id)
    if replied is None and not allow:
        raise bad_request("message to be replied not found")
    return replied


def _link_preview_disabled(args: Args) -> bool:
    if args.has("link_preview_options"):
        options = args.decoded("link_preview_options", "link preview options")
        return isinstance(options, dict) and bool(options.get("is_disabled"))
    return args.flag("disable_web_page_preview")


def send(sb: Sandbox, args: Args, *, method: str, **content: Any) -> JSON:
    """The shared tail of every send method: checks, flood limits, the stored message."""
    chat = resolve_chat(sb, args.get("chat_id"), access=WRITE)
    thread_id = _thread(sb, args, chat=chat)
    reply_to = _replied(sb, args, chat=chat)
    markup = parse_reply_markup(args)
    check_buttons(markup)
    check_can_send(chat)
    paid = args.flag("allow_paid_broadcast")
    retry_after = sb.flood_control.check(method, chat.id, private=chat.type == PRIVATE, paid=paid)
    if retry_after is not None:
        sb.counters.count_429(retry_after)
        raise too_many_requests(retry_after)
    message = sb.new_message(
        chat,
        sender=None if chat.type == CHANNEL else sb.bot,
        sender_chat=chat if chat.type == CHANNEL else None,
        outgoing=True,
        thread_id=thread_id,
        reply_to=reply_to,
        reply_markup=markup,
        silent=args.flag("disable_notification"),
        **content,
    )
    sb.counters.sent_messages += 1
    sb.counters.per_chat[chat.id] += 1
    sb.counters.paid_messages += paid
    sb.emit_message("message", message)
    return message.to_json()


@method("sendMessage")
def send_message(sb: Sandbox, args: Args) -> JSON:
    text, entities = formatted(args, "text", entities_field="entities")
    return send(
        sb,
        args,
        method="sendMessage",
        text=text,
        html=args.get("text"),
        parse_mode=args.get("parse_mode") or None,
        entities=entities,
        link_preview_disabled=_link_preview_disabled(args),
    )


def _stored(sb: Sandbox, value: Upload | str, *, kind: str) -> StoredFile:
    """The file a send method names: an upload, a file_id the sandbox knows, or a URL."""
    if isinstance(value, Upload):
        if kind == "photo":
            sniffed = image_size(value.data)
            if sniffed is None:
                raise bad_request("IMAGE_PROCESS_FAILED")
            content_type, width, height = sniffed
            return sb.files.add(
                value.data, kind=kind, content_type=content_type, size=(width, height)
            )
        return sb.files.add(
            value.data, kind=kind, content_type=value.content_type, file_name=value.filename
        )
    known = sb.files.get(value)
    if known is not None:
        if known.file_id.startswith("AgAC") != (kind == "photo"):
            have, want = ("Photo", "Document") if kind != "photo" else ("Document", "Photo")
            raise bad_request(f"can't use file of type {have} as {want}")
        return known
    if value.startswith(("http://", "https://")):
        name = value.rsplit("/", 1)[-1] or None
        return sb.files.add(b"", kind=kind, file_name=name, url=value, size=(1, 1))
    raise bad_request("wrong file identifier/HTTP URL specified")


@method("sendPhoto")
def send_photo(sb: Sandbox, args: Args) -> JSON:
    photo = args.file("photo")
    if photo is None:
        raise bad_request("there is no photo in the request")
    caption, caption_entities = caption_of(args)
    stored = _stored(sb, photo, kind="photo")
    return send(
        sb,
        args,
        method="sendPhoto",
        photo=photo_sizes(stored),
        caption=caption,
        caption_entities=caption_entities,
        parse_mode=args.get("parse_mode") or None,
    )


@method("sendDocument")
def send_document(sb: Sandbox, args: Args) -> JSON:
    document = args.file("document")
    if document is None:
        raise bad_request("there is no document in the request")
    caption, caption_entities = caption_of(args)
    stored = _stored(sb, document, kind="document")
    return send(
        sb,
        args,
        method="sendDocument",
        document=stored.document_json(),
        caption=caption,
        caption_entities=caption_entities,
        parse_mode=args.get("parse_mode") or None,
    )


def _own_message(sb: Sandbox, args: Args, *, what: str) -> Message:
    chat = resolve_chat(sb, args.get("chat_id"), access=EDIT)
    message = sb.find_message(chat.id, args.integer("message_id"))
    if message is None:
        raise bad_request(f"message to {what} not found")
    return message


def _editable(sb: Sandbox, args: Args) -> tuple[Message, bool]:
    """The message an edit names: by ``inline_message_id`` (True), or chat_id and message_id."""
    inline_message_id = args.get("inline_message_id")
    if inline_message_id:
        message = sb.inline_messages.get(inline_message_id)
        if message is None or message.deleted:
            raise bad_request("MESSAGE_ID_INVALID")
        return message, True
    message = _own_message(sb, args, what="edit")
    if not message.outgoing:
        raise bad_request("message can't be edited")
    return message, False


EDIT_WINDOW = 48 * 3600  # s: a message the bot sent can be edited this long


def _may_edit(sb: Sandbox, message: Message, *, inline: bool, method: str) -> None:
    """A chat message older than EDIT_WINDOW cannot be edited; an edit counts against the
    chat's flood limits like a message sent (a 429 costs nothing)."""
    if inline:
        return
    if sb.now() - message.date > EDIT_WINDOW:
        raise bad_request("message can't be edited")
    chat = message.chat
    retry_after = sb.flood_control.check(method, chat.id, private=chat.type == PRIVATE)
    if retry_after is not None:
        sb.counters.count_429(retry_after)
        raise too_many_requests(retry_after)


@method("editMessageText")
def edit_message_text(sb: Sandbox, args: Args) -> JSON | bool:
    """An edit by inline_message_id (a chosen inline result's message) answers True."""
    text, entities = formatted(args, "text", entities_field="entities")
    message, inline = _editable(sb, args)
    if message.text is None:
        raise bad_request("there is no text in the message to edit")
    markup = parse_reply_markup(args)
    check_buttons(markup)
    same_text = (message.text, message.entities) == (text, entities)
    if same_text and same_markup(message.reply_markup, markup):
        raise bad_request(NOT_MODIFIED)
    _may_edit(sb, message, inline=inline, method="editMessageText")
    sb.counters.edited_messages += 1
    message.text, message.entities, message.reply_markup = text, entities, markup
    message.html, message.parse_mode = args.get("text"), args.get("parse_mode") or None
    message.link_preview_disabled = _link_preview_disabled(args)
    message.edit_date = sb.now()
    sb.emit_message("edit", message)
    return True if inline else message.to_json()


@method("editMessageReplyMarkup")
def edit_message_reply_markup(sb: Sandbox, args: Args) -> JSON | bool:
    message, inline = _editable(sb, args)
    markup = parse_reply_markup(args)
    check_buttons(markup)
    if same_markup(message.reply_markup, markup):
        raise bad_request(NOT_MODIFIED)
    _may_edit(sb, message, inline=inline, method="editMessageReplyMarkup")
    message.reply_markup = markup
    message.edit_date = sb.now()
    sb.emit_message("edit", message)
    return True if inline else message.to_json()


@method("deleteMessage")
def delete_message(sb: Sandbox, args: Args) -> bool:
    chat = resolve_chat(sb, args.get("chat_id"), access=WRITE)
    message = sb.find_message(chat.id, args.integer("message_id"))
    if message is None:
        raise bad_request("message to delete not found")
    bot_is_admin = chat.bot_status in ("administrator", "creator")
    if not message.outgoing and chat.type in (GROUP, SUPERGROUP, CHANNEL) and not bot_is_admin:
        raise bad_request("message can't be deleted")
    message.deleted = True
    sb.emit({"type": "delete", "chat_id": chat.id, "message_id": message.message_id})
    return True


@method("sendChatAction")
def send_chat_action(sb: Sandbox, args: Args) -> bool:
    action = args.get("action").lower()
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    chat = resolve_chat(sb, args.get("chat_id"), access=WRITE)
    check_can_send(chat)
    sb.chat_actions.append((chat.id, action))
    sb.emit({"type": "action", "chat_id": chat.id, "action": action})
    return True
