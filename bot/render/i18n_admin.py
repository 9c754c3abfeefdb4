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
    "cmd_page": {
        "zh": "发布者页面的登录链接（管理员）",
        "en": "A login link to the publisher's page (admins)",
    },
    "page_link": {
        "zh": "发布者页面（只读）：\n{link}\n链接 {minutes} 分钟内有效，只能打开一次；请勿转发。",
        "en": "The publisher's page (read-only):\n{link}\nThe link works once, within "
        "{minutes} minutes; do not forward it.",
    },
    "page_off": {
        "zh": "发布者页面未开启：在 config.toml 的 [http] 中写 page = true，然后重启。",
        "en": "The publisher's page is off: put page = true under [http] in config.toml and "
        "restart the bot.",
    },
}
