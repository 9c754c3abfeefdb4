"""The catalogue's entries for finding the ids an operator configures (part of ``i18n``'s
one catalogue; pure)."""

from __future__ import annotations

ADMIN: dict[str, dict[str, str]] = {
    "cmd_whoami": {
        "zh": "你的用户 ID（用于 telegram.admins）",
        "en": "Your user id (for telegram.admins)",
    },
    "whoami": {
        "zh": "你的用户 ID：<code>{user}</code>\n这个聊天的 ID：<code>{chat}</code>",
        "en": "Your user id: <code>{user}</code>\nThis chat's id: <code>{chat}</code>",
    },
    "whoami_admin": {
        "zh": "你是这个机器人的管理员（telegram.admins）。",
        "en": "You are an admin of this bot (telegram.admins).",
    },
    "whoami_howto": {
        "zh": "要让这个账号管理机器人，在 config.toml 的 [telegram] 中写 "
        "admins = [{user}]，然后重启。",
        "en": "To make this account the bot's admin, put admins = [{user}] under [telegram] "
        "in config.toml and restart the bot.",
    },
}
