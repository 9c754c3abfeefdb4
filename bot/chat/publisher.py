"""/page (bot admins, private chats): a login link to the publisher's page.

The link holds a new random token (``store.page_logins``), good for one opening within 15
minutes; it is sent without a link preview, so no preview fetcher spends it first. With
``[http] page`` off the admin is told which key turns it on.
"""

from __future__ import annotations

import html
import logging

from telegram import Update

from bot.ops.feeds import feed_base
from bot.services import BotContext

from .context import chat_of, reply, say

log = logging.getLogger(__name__)


async def cmd_page(update: Update, context: BotContext) -> None:
    chat = await chat_of(update, context)
    services = context.bot_data.services
    user = update.effective_user
    if user is None:  # pragma: no cover - an operator's command has a user
        return
    if not services.config.http.page:
        await reply(update, context, say("page_off", chat.language))
        return
    bot_id = context.bot.id
    issued = await services.db.write(
        lambda store: store.page_logins.issue_link(user.id, bot_id=bot_id)
    )
    base = feed_base(services.config, context.bot_data.web_url)
    link = html.escape(f"{base}/page/login/{issued.token}", quote=True)
    minutes = int((issued.expires_at - services.now()).total_seconds() + 59) // 60
    log.info("admin %s asked for a login link to the page", user.id)
    await reply(update, context, say("page_link", chat.language, link=link, minutes=minutes))
