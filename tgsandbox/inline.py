"""Inline mode: answerInlineQuery checked as Telegram checks it, and a user choosing a result.

A result is read as telegram-bot-api's ``get_inline_query_result`` reads it: what cannot be
read is "can't parse inline query result: …" (``Can't find field "title"``, ``Can't parse
entities: …`` for HTML that does not parse). Then what tdlib and Telegram's servers refuse:
the query id (unknown, answered already or older than 30 s: "query is too old and response
timeout expired or query ID is invalid"), RESULTS_TOO_MUCH (over 50), RESULT_ID_EMPTY,
RESULT_ID_INVALID (over 64 bytes), RESULT_ID_DUPLICATE, ARTICLE_TITLE_EMPTY, a text as
sendMessage refuses it ("message is too long", "text must be non-empty"), a caption over 1024,
button checks, NEXT_OFFSET_INVALID (over 64 bytes). A refused answer leaves the query open.

Results of type ``article`` and ``photo`` (by URL, or ``photo_file_id`` of a file the sandbox
knows) are emulated; another type is refused with a message that says so. Choosing a result
(``Sandbox.choose_inline_result``) posts its content as the user's message ``via_bot`` the bot;
one with buttons gets an ``inline_message_id`` the bot edits it through.
"""

from __future__ import annotations

import base64
import html
import json
import re
import struct
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from .errors import QUERY_TOO_OLD, ApiError, bad_request
from .files import photo_sizes
from .markup import check_buttons, parse_reply_markup
from .model import JSON, PRIVATE, Chat, Message, User
from .params import Args
from .registry import method
from .telegram_html import EntityParseError, MessageRejected, check_message, utf16_len

if TYPE_CHECKING:
    from .core import SandboxCore

INLINE_QUERY_TIMEOUT = 30.0  # seconds an inline query can be answered
MAX_RESULTS = 50
MAX_RESULT_ID_BYTES = 64
MAX_NEXT_OFFSET_BYTES = 64
MAX_QUERY_CHARS = 256  # InlineQuery.query: "up to 256 characters"
MAX_CAPTION_UTF16 = 1024
MAX_CACHE_TIME = 24 * 60 * 60
OTHER_TYPES = frozenset(
    {"audio", "contact", "document", "game", "gif", "location", "mpeg4_gif", "sticker"}
    | {"venue", "video", "voice"}
)
START_PARAMETER = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass(frozen=True, slots=True)
class Content:
    """What choosing a result posts: a text, or a photo with a caption; and its buttons."""

    text: str | None = None
    entities: list[JSON] = field(default_factory=list)
    html: str | None = None
    parse_mode: str | None = None
    link_preview_disabled: bool = False
    photo_url: str | None = None
    photo_file_id: str | None = None
    photo_size: tuple[int, int] = (0, 0)
    caption: str | None = None
    caption_entities: list[JSON] = field(default_factory=list)
    reply_markup: JSON | None = None


@dataclass(frozen=True, slots=True)
class Parsed:
    """One result as the Bot API read it, with what the servers will refuse in it (``later``)."""

    id: str
    type: str
    title: str
    content: Content
    later: tuple[ApiError, ...] = ()


def _unreadable(problem: str) -> ApiError:
    return bad_request(f"Can't parse inline query result: {problem}")


def _capitalized(error: ApiError) -> str:
    text = error.description.removeprefix("Bad Request: ")
    return text[:1].upper() + text[1:]


def _string(obj: JSON, name: str, *, required: bool = False) -> str:
    """``get_json_object_string_field``: a string (a number is taken as its text)."""
    value = obj.get(name)
    if value is None:
        if required:
            raise _unreadable(f'Can\'t find field "{name}"')
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _unreadable(f'Field "{name}" must be of type String')
    return value if isinstance(value, str) else json.dumps(value)


def _formatted(text: str, mode: str, given: Any, later: list[ApiError]) -> tuple[str, list[JSON]]:
    """A text and its entities; a refusal of the servers (too long, empty) goes to ``later``."""
    mode = mode.lower()
    if mode not in ("", "html", "markdown", "markdownv2"):
        raise _unreadable("Unsupported parse_mode")
    try:
        parsed = check_message(text if mode == "html" else html.escape(text, quote=False))
    except EntityParseError as error:
        raise _unreadable(f"Can't parse entities: {error}") from None
    except MessageRejected as error:
        later.append(ApiError(400, error.description))
        return "", []
    entities = [e.to_dict() for e in parsed.entities]
    if not mode and isinstance(given, list):
        entities = [e for e in given if isinstance(e, dict)]
    return parsed.text, entities


def _message_text(obj: JSON, later: list[ApiError]) -> Content:
    """An InputTextMessageContent (or a legacy result's own ``message_text``)."""
    raw = _string(obj, "message_text", required=True)
    mode = _string(obj, "parse_mode")
    text, entities = _formatted(raw, mode, obj.get("entities"), later)
    options = obj.get("link_preview_options")
    if isinstance(options, dict):
        disabled = bool(options.get("is_disabled"))
    else:
        disabled = obj.get("disable_web_page_preview") is True
    return Content(
        text=text,
        entities=entities,
        html=raw,
        parse_mode=mode or None,
        link_preview_disabled=disabled,
    )


def _input_content(result: JSON, *, required: bool, later: list[ApiError]) -> Content | None:
    content = result.get("input_message_content")
    if content is None:
        if required or _string(result, "message_text"):  # the pre-2016 form
            return _message_text(result, later)
        return None
    if not isinstance(content, dict):
        raise _unreadable('Field "input_message_content" must be of type Object')
    if _string(content, "message_text"):
        return _message_text(content, later)
    if any(key in content for key in ("latitude", "phone_number", "payload")):
        raise _unreadable("the sandbox emulates only text input_message_content")
    if required:
        raise _unreadable("Input message content is not specified")
    return None


def _reply_markup(result: JSON, later: list[ApiError]) -> JSON | None:
    raw = result.get("reply_markup")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise _unreadable('Field "reply_markup" must be of type Object')
    try:
        markup = parse_reply_markup(Args({"reply_markup": json.dumps(raw)}))
    except ApiError as error:
        raise _unreadable(_capitalized(error)) from None
    if markup is None or "inline_keyboard" not in markup:
        later.append(bad_request("inline keyboard expected"))
        return None
    try:
        check_buttons(markup)
    except ApiError as error:
        later.append(error)
    return markup


def parse_result(sb: SandboxCore, result: Any) -> Parsed:
    """One InlineQueryResult, read and checked (ApiError for what the Bot API cannot read)."""
    if not isinstance(result, dict):
        raise _unreadable("Inline query result must be an object")
    kind = _string(result, "type", required=True).lower()
    result_id = _string(result, "id", required=True)
    later: list[ApiError] = []
    message = _input_content(result, required=kind == "article", later=later)
    caption, caption_entities = _caption(result, later)
    markup = _reply_markup(result, later)
    if kind == "article":
        title = _string(result, "title", required=True)
        if not title:
            later.append(bad_request("ARTICLE_TITLE_EMPTY"))
        assert message is not None  # noqa: S101 - required above
        content = message
    elif kind == "photo":
        title = _string(result, "title")
        content = message or _photo(sb, result, caption, caption_entities, later)
    elif kind in OTHER_TYPES:
        raise _unreadable(f'the sandbox does not emulate inline results of type "{kind}"')
    else:
        raise _unreadable("Unsupported inline query result type")
    if markup is not None:
        content = replace(content, reply_markup=markup)
    return Parsed(result_id, kind, title, content, tuple(later))


def _caption(result: JSON, later: list[ApiError]) -> tuple[str | None, list[JSON]]:
    raw = _string(result, "caption")
    if not raw:
        return None, []
    problems: list[ApiError] = []
    text, entities = _formatted(
        raw, _string(result, "parse_mode"), result.get("caption_entities"), problems
    )
    too_long = any(p.description.endswith("too long") for p in problems)
    if too_long or utf16_len(text) > MAX_CAPTION_UTF16:
        later.append(bad_request("message caption is too long"))
    if not text:  # a caption that shows nothing is no caption
        return None, []
    return text, entities


def _photo(
    sb: SandboxCore,
    result: JSON,
    caption: str | None,
    caption_entities: list[JSON],
    later: list[ApiError],
) -> Content:
    url = _string(result, "photo_url")
    file_id = ""
    if url:
        if not (_string(result, "thumbnail_url") or _string(result, "thumb_url")):
            raise _unreadable('Can\'t find field "thumbnail_url"')
        if not url.startswith(("http://", "https://")):
            later.append(bad_request("WEBDOCUMENT_URL_INVALID"))
    else:
        file_id = _string(result, "photo_file_id", required=True)
        known = sb.files.get(file_id)
        if known is None or not known.file_id.startswith("AgAC"):
            later.append(bad_request("wrong file identifier/HTTP URL specified"))
    size = (_int(result.get("photo_width")), _int(result.get("photo_height")))
    return Content(
        photo_url=url or None,
        photo_file_id=file_id or None,
        photo_size=(size[0] or 1, size[1] or 1),
        caption=caption,
        caption_entities=caption_entities,
    )


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _button(args: Args) -> JSON | None:
    """The InlineQueryResultsButton (or the old switch_pm_text / switch_pm_parameter)."""
    if args.has("button"):
        button = args.decoded("button", "inline query results button")
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise bad_request("can't parse inline query results button JSON object")
    elif args.has("switch_pm_text"):
        button = {"text": args.get("switch_pm_text")}
        button["start_parameter"] = args.get("switch_pm_parameter")
    else:
        return None
    if "web_app" not in button and not START_PARAMETER.fullmatch(
        str(button.get("start_parameter", ""))
    ):
        raise bad_request("START_PARAM_INVALID")
    return button


def _server_checks(parsed: list[Parsed], next_offset: str) -> None:
    if len(parsed) > MAX_RESULTS:
        raise bad_request("RESULTS_TOO_MUCH")
    seen: set[str] = set()
    for result in parsed:
        if not result.id:
            raise bad_request("RESULT_ID_EMPTY")
        if len(result.id.encode()) > MAX_RESULT_ID_BYTES:
            raise bad_request("RESULT_ID_INVALID")
        if result.id in seen:
            raise bad_request("RESULT_ID_DUPLICATE")
        seen.add(result.id)
        if result.later:
            raise result.later[0]
    if len(next_offset.encode()) > MAX_NEXT_OFFSET_BYTES:
        raise bad_request("NEXT_OFFSET_INVALID")


@method("answerInlineQuery")
def answer_inline_query(sb: SandboxCore, args: Args) -> bool:
    query_id = args.get("inline_query_id")
    cache_time = args.integer("cache_time", 300, low=0, high=MAX_CACHE_TIME)
    next_offset = args.get("next_offset")
    button = _button(args)
    raw: Any = []
    if args.has("results"):
        try:
            raw = json.loads(args.get("results"))
        except ValueError:
            raise bad_request("can't parse JSON encoded inline query results") from None
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        raise bad_request("expected an Array of inline query results")
    parsed = [parse_result(sb, result) for result in raw]
    pending = sb.inline_queries.get(query_id)
    if pending is None or sb.clock() - pending[0] > INLINE_QUERY_TIMEOUT:
        raise bad_request(QUERY_TOO_OLD)
    _server_checks(parsed, next_offset)
    del sb.inline_queries[query_id]
    query = pending[1]
    answer: JSON = {
        "inline_query_id": query_id,
        "from": query["from"],
        "query": query["query"],
        "offset": query["offset"],
        "chat_type": query.get("chat_type"),
        "results": raw,
        "next_offset": next_offset,
        "cache_time": cache_time,
        "is_personal": args.flag("is_personal"),
        "button": button,
    }
    sb.inline_answers.append(answer)
    sb.inline_answers_by_id[query_id] = answer
    sb.emit({"type": "inline_answer"} | answer)
    return True


# -- the user's side ----------------------------------------------------------------------


def chat_type(chat: Chat, user: User) -> str:
    """InlineQuery.chat_type of a query typed in ``chat`` ("sender": the chat with the bot)."""
    if chat.type == PRIVATE:
        return "sender" if chat.id == user.id else "private"
    return chat.type


def chosen(sb: SandboxCore, user: User, query_id: str, result_id: str) -> tuple[JSON, Content]:
    """The answer and the content of the result ``user`` picks (ValueError if they cannot)."""
    answer = sb.inline_answers_by_id.get(query_id)
    if answer is None:
        raise ValueError(f"the bot has not answered inline query {query_id}")
    if answer["from"]["id"] != user.id:
        raise ValueError(f"inline query {query_id} was typed by another user")
    for result in answer["results"]:
        if isinstance(result, dict) and _string(result, "id") == result_id:
            return answer, parse_result(sb, result).content
    ids = [r.get("id") for r in answer["results"] if isinstance(r, dict)]
    raise ValueError(f"no result {result_id!r} in the answer to inline query {query_id}: {ids}")


def message_fields(sb: SandboxCore, content: Content) -> dict[str, Any]:
    """``new_message`` keyword arguments for a chosen result's content."""
    fields: dict[str, Any] = {"via_bot": sb.bot, "reply_markup": content.reply_markup}
    if content.text is not None:
        return fields | {
            "text": content.text,
            "entities": content.entities,
            "html": content.html,
            "parse_mode": content.parse_mode,
            "link_preview_disabled": content.link_preview_disabled,
        }
    stored = sb.files.get(content.photo_file_id or "")
    if stored is None:
        url = content.photo_url or ""
        name = url.rsplit("/", 1)[-1] or None
        stored = sb.files.add(b"", kind="photo", file_name=name, url=url, size=content.photo_size)
    return fields | {
        "photo": photo_sizes(stored),
        "caption": content.caption,
        "caption_entities": content.caption_entities,
    }


def inline_message_id(chat: Chat, message: Message) -> str:
    """An opaque id shaped like Telegram's (dc, owner, message id, access hash; base64url)."""
    access_hash = (abs(chat.id) * 2654435761 + message.message_id) % 2**63
    packed = struct.pack("<iqiq", 2, chat.id, message.message_id, access_hash)
    return base64.urlsafe_b64encode(packed).decode().rstrip("=")


def feedback(sb: SandboxCore, answer: JSON, result_id: str, message: Message) -> None:
    """The chosen result's bookkeeping and its chosen_inline_result update."""
    if message.reply_markup is not None:
        message.inline_message_id = inline_message_id(message.chat, message)
        sb.inline_messages[message.inline_message_id] = message
    if not sb.inline_feedback:
        return
    payload: JSON = {"result_id": result_id, "from": answer["from"], "query": answer["query"]}
    if message.inline_message_id:
        payload["inline_message_id"] = message.inline_message_id
    sb.enqueue("chosen_inline_result", payload)
