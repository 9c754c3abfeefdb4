"""setMyCommands / getMyCommands / deleteMyCommands, per scope and language.

Validation as Telegram does it, in its order: telegram-bot-api parses the JSON, tdlib
``set_commands`` trims each command (and a leading "/") and description and refuses an empty
or too long one ("command must be non-empty", "command length must not exceed 32", "command
description must be non-empty", "command description length must not exceed 256"); then
Telegram's servers refuse more than 100 commands ("BOT_COMMANDS_TOO_MUCH") and a command that is
not 1-32 of a-z, 0-9 and _ ("BOT_COMMAND_INVALID"). getMyCommands answers exactly what was set
for that scope and language (no fallback), [] if nothing was.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from .access import READ_MEMBERS, resolve_chat
from .errors import bad_request
from .params import Args
from .registry import method

if TYPE_CHECKING:
    from .world import Sandbox

SIMPLE_SCOPES = ("default", "all_private_chats", "all_group_chats", "all_chat_administrators")
CHAT_SCOPES = ("chat", "chat_administrators", "chat_member")
COMMAND = re.compile(r"[a-z0-9_]{1,32}")
LANGUAGE = re.compile(r"[a-z]{2}")
MAX_COMMANDS, MAX_COMMAND, MAX_DESCRIPTION = 100, 32, 256


def scope_key(scope: str) -> str | None:
    """The ``sb.commands`` key of a scope given as a key or as its JSON text."""
    if scope in SIMPLE_SCOPES or scope.split(":")[0] in CHAT_SCOPES:
        return scope
    try:
        value = json.loads(scope)
    except ValueError:
        return None
    if not isinstance(value, dict) or value.get("type") not in (*SIMPLE_SCOPES, *CHAT_SCOPES):
        return None
    kind = str(value["type"])
    if kind in SIMPLE_SCOPES:
        return kind
    if kind == "chat_member":
        return f"{kind}:{value.get('chat_id')}:{value.get('user_id')}"
    return f"{kind}:{value.get('chat_id')}"


def _scope(sb: Sandbox, args: Args) -> str:
    if not args.has("scope"):
        return "default"
    value = args.decoded("scope", "BotCommandScope")
    if not isinstance(value, dict):
        raise bad_request("can't parse BotCommandScope: BotCommandScope must be an Object")
    kind = value.get("type")
    if kind in SIMPLE_SCOPES:
        return str(kind)
    if kind not in CHAT_SCOPES:
        raise bad_request("can't parse BotCommandScope: Unsupported type specified")
    chat = resolve_chat(sb, str(value.get("chat_id") or ""), access=READ_MEMBERS)
    if kind == "chat_member":
        return f"{kind}:{chat.id}:{int(value.get('user_id') or 0)}"
    return f"{kind}:{chat.id}"


def _language(args: Args) -> str:
    language = args.get("language_code")
    if language and not LANGUAGE.fullmatch(language):
        raise bad_request("invalid language code specified")
    return language


def _commands(args: Args) -> list[dict[str, str]]:
    if not args.get("commands"):
        return []
    value = args.decoded("commands", "commands")
    if not isinstance(value, list):
        raise bad_request("expected an Array of BotCommand")
    parsed: list[tuple[Any, Any]] = []
    for item in value:
        if not isinstance(item, dict):
            raise bad_request("can't parse BotCommand: expected an Object")
        for field in ("command", "description"):
            if not isinstance(item.get(field), str):
                raise bad_request(f"can't parse BotCommand: Can't find field \"{field}\"")
        parsed.append((item["command"], item["description"]))
    return [{"command": c, "description": d} for c, d in parsed]


def _validated(commands: list[dict[str, str]]) -> list[dict[str, str]]:
    result = []
    for item in commands:
        command = item["command"].strip()
        command = command.removeprefix("/")
        if not command:
            raise bad_request("command must be non-empty")
        if len(command) > MAX_COMMAND:
            raise bad_request(f"command length must not exceed {MAX_COMMAND}")
        description = item["description"].strip()
        if not description:
            raise bad_request("command description must be non-empty")
        if len(description) > MAX_DESCRIPTION:
            raise bad_request(f"command description length must not exceed {MAX_DESCRIPTION}")
        result.append({"command": command, "description": description})
    if len(result) > MAX_COMMANDS:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    if any(not COMMAND.fullmatch(item["command"]) for item in result):
        raise bad_request("BOT_COMMAND_INVALID")
    return result


@method("setMyCommands")
def set_my_commands(sb: Sandbox, args: Args) -> bool:
    commands = _commands(args)
    key = (_scope(sb, args), _language(args))
    commands = _validated(commands)
    if commands:
        sb.commands[key] = commands
    else:
        sb.commands.pop(key, None)
    sb.emit({"type": "commands"})
    return True


@method("getMyCommands")
def get_my_commands(sb: Sandbox, args: Args) -> list[dict[str, str]]:
    key = (_scope(sb, args), _language(args))
    return list(sb.commands.get(key, []))


@method("deleteMyCommands")
def delete_my_commands(sb: Sandbox, args: Args) -> bool:
    sb.commands.pop((_scope(sb, args), _language(args)), None)
    sb.emit({"type": "commands"})
    return True
