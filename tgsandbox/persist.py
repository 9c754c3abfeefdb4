"""The sandbox's world kept in a JSON file: its users, chats and messages survive a restart.

``keep_world(sandbox, path)`` reads the file (when there is one) into an empty sandbox, then
writes the world back a second after it changes and once more when the block ends, atomically
(a temporary file renamed over the old one). The bytes of the photos and documents the bot sent
(/trend charts) go in a folder beside it, ``<name>.files/``, each written once. What the bot
remembers lives in its own database; this is what the web chat shows.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from .core import SandboxCore
from .files import StoredFile
from .model import ANONYMOUS_ADMIN, JSON, PRIVATE, Chat, Message, Topic, User

log = logging.getLogger(__name__)

VERSION = 1
SAVE_AFTER = 1.0  # s after a change the world is written (changes in between wait for it)
USER_FIELDS = ("first_name", "username", "language_code", "last_name", "deactivated")
CHAT_FIELDS = ("type", "title", "username", "is_forum", "bot_status", "member_ids",
               "admin_ids", "migrated_to", "migrated_from")  # fmt: skip
MESSAGE_FIELDS = ("date", "text", "html", "parse_mode", "entities", "caption",
                  "caption_entities", "reply_markup", "thread_id", "edit_date",
                  "link_preview_disabled", "outgoing", "deleted", "inline_message_id",
                  "service", "photo", "document")  # fmt: skip
FILE_FIELDS = ("file_id", "file_unique_id", "file_path", "content_type", "file_name", "width",
               "height", "url")  # fmt: skip


def world_json(sb: SandboxCore) -> JSON:
    """The users, chats and messages as one JSON document."""
    users = [{"id": u.id} | {k: getattr(u, k) for k in USER_FIELDS} for u in sb.users.values()]
    chats = []
    for chat in sb.chats.values():
        doc: JSON = {"id": chat.id} | {k: getattr(chat, k) for k in CHAT_FIELDS}
        doc["user"] = chat.user.id if chat.user is not None else None
        doc["topics"] = [[t.id, t.name, t.icon_color] for t in chat.topics.values()]
        doc["messages"] = [_message_json(m) for m in sb._messages.get(chat.id, ())]
        chats.append(doc)
    # update ids go on from where they were, as Telegram's do (the bot skips ids it has seen)
    last = sb.updates.last_update_id
    files = [{k: getattr(f, k) for k in FILE_FIELDS} for f in sb.files.all()]
    return {"version": VERSION, "last_update_id": last, "users": users, "chats": chats,
            "files": files}  # fmt: skip


def _message_json(m: Message) -> JSON:
    doc: JSON = {"id": m.message_id} | {k: getattr(m, k) for k in MESSAGE_FIELDS}
    doc["sender"] = m.sender.id if m.sender is not None else None
    doc["sender_chat"] = m.sender_chat.id if m.sender_chat is not None else None
    doc["reply_to"] = m.reply_to.message_id if m.reply_to is not None else None
    doc["via_bot"] = m.via_bot.id if m.via_bot is not None else None
    return doc


def load_world(sb: SandboxCore, doc: JSON, files: Path | None = None) -> None:
    """Fill an empty sandbox from ``world_json``'s document (file bytes from ``files``)."""
    for f in doc.get("files", []):
        saved = files / f["file_id"] if files is not None else None
        data = saved.read_bytes() if saved is not None and saved.is_file() else b""
        sb.files.put(StoredFile(data=data, **{k: f[k] for k in FILE_FIELDS}))
    for u in doc.get("users", []):
        sb.users[int(u["id"])] = User(int(u["id"]), **{k: u.get(k) for k in USER_FIELDS})
    people = {**sb.users, sb.bot.id: sb.bot, ANONYMOUS_ADMIN.id: ANONYMOUS_ADMIN}
    for c in doc.get("chats", []):
        fields: dict[str, Any] = {k: c.get(k) for k in CHAT_FIELDS}
        chat = Chat(int(c["id"]), user=people.get(c.get("user") or 0), **fields)
        chat.topics = {int(i): Topic(int(i), str(n), int(color)) for i, n, color in c["topics"]}
        sb.chats[chat.id] = chat
    for c in doc.get("chats", []):
        chat = sb.chats[int(c["id"])]
        kept: dict[int, Message] = {}
        for m in c.get("messages", []):
            message = Message(
                message_id=int(m["id"]),
                chat=chat,
                sender=people.get(m.get("sender") or 0),
                sender_chat=sb.chats.get(m.get("sender_chat") or 0),
                reply_to=kept.get(m.get("reply_to") or 0),
                via_bot=people.get(m.get("via_bot") or 0),
                **{k: m[k] for k in MESSAGE_FIELDS if k in m},
            )
            kept[message.message_id] = message
        sb._messages[chat.id] = list(kept.values())
        sb._message_ids[chat.id] = itertools.count(max(kept, default=0) + 1)
    sb.updates.continue_after(int(doc.get("last_update_id", 0)))
    groups = sum(1 for chat in sb.chats.values() if chat.type != PRIVATE)
    sb._chat_numbers = itertools.count(groups + 1)  # past every group kept
    sb.changed()


def files_folder(path: Path) -> Path:
    return path.with_name(path.name + ".files")


def _write(path: Path, text: str, files: list[StoredFile]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    folder = files_folder(path)
    for stored in files:
        if stored.data and not (folder / stored.file_id).exists():
            folder.mkdir(exist_ok=True)
            (folder / stored.file_id).write_bytes(stored.data)
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    partial.replace(path)


def read_world(sb: SandboxCore, path: Path) -> None:
    """The world kept at ``path`` into ``sb`` (none there yet: nothing; unreadable: said once,
    and the sandbox starts empty)."""
    try:
        doc = json.loads(path.read_text("utf-8"))
        load_world(sb, doc, files_folder(path))
    except FileNotFoundError:
        return
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("%s: the web chat's history could not be read (%s); starting afresh", path,
                    exc)  # fmt: skip
        sb.users.clear()
        sb.chats.clear()
        sb._messages.clear()


@contextlib.asynccontextmanager
async def keep_world(sb: SandboxCore, path: Path) -> AsyncIterator[None]:
    """Read the world from ``path``, write it back after each change and at the end."""
    read_world(sb, path)
    saved = sb.version

    async def save() -> None:
        nonlocal saved
        if sb.version != saved:
            saved = sb.version
            text = json.dumps(world_json(sb), ensure_ascii=False)
            await asyncio.to_thread(_write, path, text, sb.files.all())

    async def keeper() -> None:
        while True:
            await asyncio.sleep(SAVE_AFTER)
            await save()

    task = asyncio.create_task(keeper())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await save()
