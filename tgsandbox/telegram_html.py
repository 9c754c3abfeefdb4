"""Telegram's HTML parse mode (``parse_mode=HTML``), emulated after tdlib byte for byte.

Sources, github.com/tdlib: telegram-bot-api ``Client::get_input_message_text`` (empty text);
td ``parse_html``, ``decode_html_entity`` (MessageEntity.cpp: text, entities, error texts),
its hrefs checked as ``telegram_links`` does (a refused href dropped silently);
``fix_formatted_text``, ``clean_input_string``, ``is_empty_string`` (misc.cpp) for cleaning,
trimming and refusing an invisible text; a bot's text over ``message_text_length_max`` (4096)
is "Message is too long". Not emulated (neither refuses a
message): tdlib's repair of badly nested entities and the entities Telegram finds by itself.
Standard library only: this module is the HTML validation of the sandbox Bot API.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, replace
from itertools import accumulate

from .telegram_links import canonical_int, checked_link, link_user_id

MAX_TEXT_UTF16 = 4096  # visible UTF-16 units once parsed, cleaned and trimmed
MAX_RAW_BYTES = 32 * 1024  # UTF-8 bytes of the HTML as sent


class MessageRejected(ValueError):
    """Telegram's 400 Bad Request for a message text; ``description`` is the Bot API wording."""

    @property
    def description(self) -> str:
        message = str(self)
        return f"Bad Request: {message[:1].lower()}{message[1:]}"


class EntityParseError(MessageRejected):
    """Malformed HTML; ``str(e)`` is Telegram's text after "can't parse entities: "."""

    @property
    def description(self) -> str:
        return f"Bad Request: can't parse entities: {self}"


class MessageTooLong(MessageRejected):
    """Over MAX_TEXT_UTF16 visible units or over MAX_RAW_BYTES of HTML: "message is too long"."""


class MessageEmpty(MessageRejected):
    """``text`` was "" ("message text is empty") or shows nothing ("text must be non-empty")."""


@dataclass(frozen=True, slots=True)
class MessageEntity:
    """One Bot API MessageEntity; offsets and lengths count UTF-16 code units."""

    type: str
    offset: int
    length: int
    url: str | None = None
    language: str | None = None
    custom_emoji_id: str | None = None
    user_id: int | None = None

    def to_dict(self) -> dict[str, object]:
        """The entity as the Bot API serialises it (a text_mention carries only the user id)."""
        result: dict[str, object] = {"type": self.type, "offset": self.offset}
        for key in ("length", "url", "language", "custom_emoji_id"):
            result |= {key: getattr(self, key)} if getattr(self, key) is not None else {}
        return result | ({"user": {"id": self.user_id}} if self.user_id is not None else {})


@dataclass(frozen=True, slots=True)
class ParsedText:
    """The visible text of a message and its entities, sorted as tdlib sorts them."""

    text: str
    entities: tuple[MessageEntity, ...] = ()


def utf16_len(s: str) -> int:
    """How many UTF-16 code units Telegram counts for ``s`` (a character outside the BMP is 2)."""
    return len(s.encode("utf-16-le", "surrogatepass")) // 2


# --- parse_html (td/telegram/MessageEntity.cpp) ---------------------------------------------

_NAMED = {b"lt": 0x3C, b"gt": 0x3E, b"amp": 0x26, b"quot": 0x22}
_TAGS = frozenset(
    b"a b strong i em s strike del u ins tg-spoiler tg-emoji span pre code blockquote".split()
)
_SIMPLE = {b"i": "italic", b"em": "italic", b"b": "bold", b"strong": "bold"}
_SIMPLE |= {b"s": "strikethrough", b"strike": "strikethrough", b"del": "strikethrough"}
_SIMPLE |= {b"u": "underline", b"ins": "underline", b"tg-spoiler": "spoiler", b"span": "spoiler"}
_PRIORITY = {"bold": 90, "italic": 91, "code": 20, "pre": 11, "pre_code": 10, "text_link": 49}
_PRIORITY |= {"text_mention": 49, "underline": 92, "strikethrough": 93, "blockquote": 0}
_PRIORITY |= {"spoiler": 94, "custom_emoji": 99, "expandable_blockquote": 0}
# the scanning loops of tdlib's parse_html; td::is_space is " \t\r\n\0\v"
_TEXT_RUN_END = re.compile(rb"[<&]")
_WORD = re.compile(rb"[^ \t\r\n\x00\v>]*")  # a tag name: up to a space or '>'
_BLANKS = re.compile(rb"[ \t\r\n\v]*")
_ATTRIBUTE = re.compile(rb"[^ \t\r\n\x00\v=>/\"']*")
_NAME_TOKEN = re.compile(rb"[A-Za-z0-9.-]*")
_LETTERS, _DECIMAL = re.compile(rb"[A-Za-z]*"), re.compile(rb"[0-9]*")
_HEXADECIMAL = re.compile(rb"[0-9A-Fa-f]*")
_SPACE = frozenset(b" \t\r\n\0\v")
_ARGUMENTS = {(b"a", b"href"): b"", (b"tg-emoji", b"emoji-id"): b""}  # argument: value after
_ARGUMENTS |= {(b"code", b"class"): b"language-", (b"span", b"class"): b"tg-"}
_ARGUMENTS |= {(b"blockquote", b"expandable"): b""}
_LT, _GT, _AMP, _SLASH, _EQ = (ord(c) for c in "<>&/=")


def _skip(pattern: re.Pattern[bytes], data: bytes, i: int) -> int:
    match = pattern.match(data, i)
    return match.end() if match else i


def _encode(html: str) -> bytes:
    try:
        return html.encode("utf-8")
    except UnicodeEncodeError:
        raise MessageRejected("Strings must be encoded in UTF-8") from None


def _decode_entity(data: bytes, pos: int) -> tuple[int, int]:
    """tdlib's decode_html_entity at ``data[pos] == '&'``: (code point or 0, position after)."""
    if data[pos + 1] == ord("#"):
        base = 16 if data[pos + 2] == ord("x") else 10  # "&#X41;" is not an entity
        start = pos + 2 + (base == 16)
        end = _skip(_HEXADECIMAL if base == 16 else _DECIMAL, data, start)
        code = int(data[start:end], base) if end > start else 0
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return 0, pos
    else:
        end = _skip(_LETTERS, data, pos + 1)
        code = _NAMED.get(data[pos + 1 : end], 0)
        if code == 0:
            return 0, pos
    return code, end + (data[end] == ord(";"))


def _attribute_value(data: bytes, i: int) -> tuple[bytes, int]:
    """A quoted attribute value with entities decoded; ``data[i]`` is the opening quote."""
    quote = data[i]
    i += 1
    value = bytearray()
    while data[i] != quote and data[i] != 0:
        code, after = _decode_entity(data, i) if data[i] == _AMP else (0, i)
        value += chr(code).encode("utf-8", "surrogatepass") if code else data[i : i + 1]
        i = after if code else i + 1
    return bytes(value), i + (data[i] == quote)


def _start_tag(data: bytes, begin: int) -> tuple[bytes, bytes, int]:
    """Parse ``<tag attr=...>`` at ``begin``: (tag name, argument, index after the '>')."""
    i = _skip(_WORD, data, begin + 1)
    if data[i] == 0:
        raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
    tag = data[begin + 1 : i].lower()
    name = tag.decode("utf-8", "replace")
    if tag not in _TAGS:
        raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {begin}')
    argument = b""
    while data[i] != _GT:
        i = _skip(_BLANKS, data, i)
        if data[i] == _GT:
            break
        attribute_begin, i = i, _skip(_ATTRIBUTE, data, i)
        attribute = data[attribute_begin:i]
        if not attribute:
            raise EntityParseError(
                f'Empty attribute name in the tag "{name}" at byte offset {begin}'
            )
        i = _skip(_BLANKS, data, i)
        if data[i] != _EQ:
            if data[i] == 0:
                raise EntityParseError(f'Unclosed start tag "{name}" at byte offset {begin}')
            if tag == b"blockquote" and attribute == b"expandable":
                argument = b"1"
            continue
        i = _skip(_BLANKS, data, i + 1)
        if data[i] == 0:
            raise EntityParseError(f'Unclosed start tag "{name}" at byte offset {begin}')
        if data[i] in b"\"'":
            value, i = _attribute_value(data, i)
        else:  # a name token: letters, digits, periods, hyphens; not case-sensitive
            token_begin, i = i, _skip(_NAME_TOKEN, data, i)
            value = data[token_begin:i].lower()
            if data[i] not in _SPACE and data[i] != _GT:
                raise EntityParseError(
                    f"Unexpected end of name token at byte offset {token_begin}"
                )
        if data[i] == 0:
            raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
        prefix = _ARGUMENTS.get((tag, attribute))
        if prefix is not None and value.startswith(prefix):
            argument = b"1" if tag == b"blockquote" else value[len(prefix) :]
    if tag == b"span" and argument != b"spoiler":
        raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
    return tag, argument, i + 1


def _close(entities: list[MessageEntity], tag: bytes, argument: str, start: int, end: int) -> None:
    """Append the entity a closing tag ends (tdlib's chain of ``tag_name ==`` cases)."""
    length, last = end - start, entities[-1] if entities else None
    same_span = last is not None and (last.offset, last.length) == (start, length)
    if tag in _SIMPLE:
        entities.append(MessageEntity(_SIMPLE[tag], start, length))
    elif tag == b"tg-emoji":
        if not canonical_int(argument):  # None or 0
            raise EntityParseError("Invalid custom emoji identifier specified")
        entities.append(MessageEntity("custom_emoji", start, length, custom_emoji_id=argument))
    elif tag == b"a":
        user_id, url = link_user_id(argument), checked_link(argument)
        if user_id is not None:
            entities.append(MessageEntity("text_mention", start, length, user_id=user_id))
        elif url is not None:
            entities.append(MessageEntity("text_link", start, length, url=url))
    elif tag == b"pre" and last and same_span and last.type == "code" and last.language:
        entities[-1] = replace(last, type="pre")  # <pre><code class="language-x">
    elif tag == b"code" and last and same_span and last.type == "pre" and argument:
        entities[-1] = replace(last, language=argument)  # <code class="language-x"><pre>
    elif tag in (b"pre", b"code"):  # a code's language only lives to meet its <pre>
        entities.append(MessageEntity(tag.decode(), start, length, language=argument or None))
    else:
        kind = "expandable_blockquote" if argument else "blockquote"
        entities.append(MessageEntity(kind, start, length))


def _parse(raw: bytes) -> ParsedText:
    data = raw + b"\0"  # tdlib reads the C string's terminating NUL
    size, out, units, surrogates, i = len(raw), bytearray(), 0, False, 0
    entities: list[MessageEntity] = []
    stack: list[tuple[bytes, bytes, int, int]] = []  # (tag, argument, utf16 offset, out pos)
    while i < size:
        c = data[i]
        if c == _AMP:
            code, after = _decode_entity(data, i)
            if code:
                units += 1 + (code > 0xFFFF)
                surrogates |= 0xD800 <= code <= 0xDFFF
                out += chr(code).encode("utf-8", "surrogatepass")
                i = after
                continue
        if c != _LT:
            end = match.start() if (match := _TEXT_RUN_END.search(data, i + 1, size)) else size
            units += utf16_len(data[i:end].decode("utf-8"))
            out += data[i:end]
            i = end
            continue
        if data[i + 1] != _SLASH:
            tag, argument, i = _start_tag(data, i)
            stack.append((tag, argument, units, len(out)))
            continue
        begin = i
        if not stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {begin}")
        i = _skip(_WORD, data, begin + 1)
        end_tag = data[begin + 2 : i].lower()
        i = _skip(_BLANKS, data, i)
        if data[i] != _GT:
            raise EntityParseError(f"Unclosed end tag at byte offset {begin}")
        tag, argument, offset, out_pos = stack.pop()
        if end_tag and end_tag != tag:
            found = f'found "</{end_tag.decode("utf-8", "replace")}>"'
            message = f'Unmatched end tag at byte offset {begin}, expected "</{tag.decode()}>"'
            raise EntityParseError(f"{message}, {found}")
        if units > offset:  # an <a> without href links its own text
            argument = argument or (bytes(out[out_pos:]) if tag == b"a" else b"")
            _close(entities, tag, argument.decode("utf-8", "surrogatepass"), offset, units)
        i += 1
    if stack:
        name = stack[-1][0].decode()
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{name}"')
    text = out.decode("utf-8", "surrogatepass")
    if surrogates and re.search("[\ud800-\udfff]", text):  # td::check_utf8 refuses them
        message = "Text contains invalid Unicode characters after decoding HTML entities"
        raise EntityParseError(f"{message}, check for unmatched surrogate code units")
    entities = [replace(e, language=None) if e.type == "code" else e for e in entities]
    return ParsedText(text, tuple(sorted(entities, key=_sort_key)))


def _sort_key(e: MessageEntity) -> tuple[int, int, int]:
    """tdlib's MessageEntity order: offset, then longer first, then type priority."""
    kind = "pre_code" if e.type == "pre" and e.language else e.type
    return e.offset, -e.length, _PRIORITY[kind]


def parse_html(html: str) -> ParsedText:
    """Parse ``html`` as Telegram does, before cleaning and trimming; EntityParseError if bad."""
    return _parse(_encode(html))


# --- hrefs (td/telegram/LinkManager.cpp, tdutils/td/utils/HttpUrl.cpp) ----------------------

_CLEAN = {c: " " for c in range(32) if c not in (10, 13)} | {13: None, 0x333: None}
_CLEAN |= {0x33F: None, 0x30A: None} | dict.fromkeys(range(0x2028, 0x202F))
_REMOVED = re.compile("[\r\u0333\u033f\u030a\u2028-\u202e]")
_DIRECTION_MARKS = re.compile("[\u200e\u200f]{2,}")
_EMPTY = frozenset(" \t\r\n\0\v\u00a0\u1680\u180e\u200b\u200c\u200d\u200e\u200f\u202e\u202f")
_EMPTY |= frozenset("\u205f\u2800\u3000\ufeff\ufffc") | {chr(c) for c in range(0x2000, 0x200B)}


def _clean(parsed: ParsedText) -> ParsedText:
    """clean_input_string: control characters become spaces, \\r and a few marks go."""
    text, entities = parsed.text, parsed.entities
    if _REMOVED.search(text):  # entities lose the removed characters they cover
        units = list(accumulate((1 + (c > "\uffff") for c in text), initial=0))
        removed = [units[match.start()] for match in _REMOVED.finditer(text)]
        spans = [(e, e.offset, e.offset + e.length) for e in entities]
        spans = [
            (e, o - bisect_left(removed, o), n - bisect_left(removed, n)) for e, o, n in spans
        ]
        entities = tuple(replace(e, offset=o, length=n - o) for e, o, n in spans if n > o)
    text = text.translate(_CLEAN)
    return ParsedText(
        _DIRECTION_MARKS.sub(lambda m: "\u200c" * (len(m[0]) - 1) + m[0][-1], text), entities
    )


def _trim(parsed: ParsedText) -> ParsedText:
    """Trailing spaces and newlines go; leading ones too, but only before the first entity."""
    text = parsed.text.rstrip(" \n")
    if not text:
        raise MessageEmpty("Text must be non-empty")
    end = utf16_len(text)
    entities = [
        replace(e, length=min(e.length, end - e.offset)) for e in parsed.entities if e.offset < end
    ]
    first = entities[0].offset if entities else len(text)
    lead = len(text[:first]) - len(text[:first].lstrip(" \n"))
    entities = [replace(e, offset=e.offset - lead) for e in entities]
    entities.sort(key=_sort_key)
    return ParsedText(text[lead:], tuple(entities))


def _is_empty(text: str) -> bool:
    """tdlib is_empty_string: only spaces, newlines, invisible and blank characters."""
    return all(c in _EMPTY or "\U000e0000" <= c <= "\U000e007f" for c in text)


def check_message(html: str) -> ParsedText:
    """What Telegram stores for sendMessage(text=html, parse_mode=HTML), or why it refuses.

    Raises MessageEmpty, MessageTooLong, EntityParseError (all MessageRejected, a ValueError);
    ``e.description`` is the Bot API's "Bad Request: ..." text.
    """
    if html == "":
        raise MessageEmpty("Message text is empty")
    raw = _encode(html)
    if len(raw) > MAX_RAW_BYTES:
        raise MessageTooLong("Message is too long")
    parsed = _trim(_clean(_parse(raw)))
    if _is_empty(parsed.text):
        raise MessageEmpty("Text must be non-empty")
    if utf16_len(parsed.text) > MAX_TEXT_UTF16:
        raise MessageTooLong("Message is too long")
    return parsed
