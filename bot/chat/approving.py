"""Approval (``push.approve = true``): each new edition waits for a bot admin's "send".

The tick asks (``plan.ask_approval``): every admin who has started the bot gets the edition as
readers will see it, through the outbox, with "send" and "hold" under its last part — the
preview /broadcast gives. "send" plans it for every subscriber whose push time has come (and
its alerts); "hold" keeps it back, and the preview keeps its "send". The first admin to decide
decides; the others' buttons then say who did.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging

from telegram import Update
from telegram.error import BadRequest

from bot.delivery import plan
from bot.delivery.content import approval_markup
from bot.digest.models import Chat, Edition, EditionKey
from bot.render.buttons import BadCallback, Press
from bot.services import BotContext
from bot.store.approvals import Approval
from bot.store.database import Store

from .admin import is_admin_user
from .context import reply, say

log = logging.getLogger(__name__)


async def on_approval_button(
    update: Update, context: BotContext, press: Press, chat: Chat
) -> None:
    """Send or hold an edition waiting for approval; for anyone but an admin the button does
    not exist."""
    query, user = update.callback_query, update.effective_user
    key = EditionKey.from_ref(press.args[0])
    if query is None or user is None or not is_admin_user(update, context):
        raise BadCallback("not an admin's approval button")
    services = context.bot_data.services
    now, status = services.now(), Approval.APPROVED if press.args[1] == "go" else Approval.HELD
    if key is None or press.args[1] not in ("go", "no"):
        raise BadCallback("no edition waits for this")
    decided = await services.db.write(lambda store: _decide(store, key, status, user.id, now))
    if decided is None:
        raise BadCallback("no edition waits for this")
    edition, won, now_status, audience = decided
    lang = chat.language
    if not won:
        text = say("approve_decided", lang, status=say(f"approval_{now_status}", lang))
        with contextlib.suppress(BadRequest):
            await query.answer(text[:200])
        return
    if status is Approval.APPROVED:
        fresh = plan.is_fresh(key.date, services.config, now)
        alerts = await plan.plan_alerts(services, edition, now) if fresh else 0
        planned = await services.db.write(lambda store: plan.plan_due(store, services.config, now))
        if context.bot_data.pusher is not None:
            context.bot_data.pusher.wake()
        log.info("admin %s approved edition %s: %d deliveries, %d alerts planned",
                 user.id, key.ref, planned, alerts)  # fmt: skip
        text, markup = say("approve_sent", lang, planned=planned), None
    else:
        log.info("admin %s held edition %s back", user.id, key.ref)
        text = say("approve_held", lang)
        markup = approval_markup(key, lang, chats=audience, held=True)
    with contextlib.suppress(BadRequest):  # a stale query: the confirmation still comes
        await query.answer(text[:200])
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(markup)
    await reply(update, context, text)


def _decide(
    store: Store, key: EditionKey, status: Approval, by: int, now: dt.datetime
) -> tuple[Edition, bool, str, int] | None:
    """Record the decision: (the edition, whether this press decided, the status it has, the
    audience); None when nothing waits for it."""
    state = store.approvals.approval(key)
    edition = store.editions.get_edition(key)
    if state is None or edition is None:
        return None
    won = store.approvals.decide(key, status, by=by, now=now)
    decided = store.approvals.approval(key)
    now_status = str(decided.status) if decided else str(status)
    return edition, won, now_status, store.broadcasts.audience()
