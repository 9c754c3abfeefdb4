"""Approval (``push.approve = true``): each new edition waits for a bot admin's "send".

The tick asks (``plan.ask_approval``): every admin who has started the bot gets the edition as
readers will see it, through the outbox, with "send" and "hold" under its last part — the
preview /broadcast gives. "send" marks it owed again what a new edition is and runs the
cycle's planning (no scan), which plans its alerts and every subscriber whose push time has
come; "hold" keeps it back, and the preview keeps its "send". The first admin to decide
decides; the others' buttons then say who did.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from dataclasses import dataclass

from telegram import Update
from telegram.error import BadRequest

from bot import cycle
from bot.delivery.content import approval_markup
from bot.digest.models import EditionKey
from bot.render.buttons import BadCallback, Press
from bot.services import BotContext
from bot.store.approvals import Approval
from bot.store.database import Store
from bot.store.readers import Chat

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
    lang = chat.language
    if not decided.won:
        text = say("approve_decided", lang, status=say(f"approval_{decided.status}", lang))
        with contextlib.suppress(BadRequest):
            await query.answer(text[:200])
        return
    if status is Approval.APPROVED:  # owed again what a new edition is: the cycle plans it
        report = await cycle.plan(services)
        context.bot_data.planned()
        log.info("admin %s approved edition %s: %d deliveries, %d alerts planned",
                 user.id, key.ref, report.planned, report.alerts)  # fmt: skip
        text, markup = say("approve_sent", lang, planned=report.planned), None
    else:
        log.info("admin %s held edition %s back", user.id, key.ref)
        text = say("approve_held", lang)
        markup = approval_markup(key, lang, chats=decided.audience, held=True)
    with contextlib.suppress(BadRequest):  # a stale query: the confirmation still comes
        await query.answer(text[:200])
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(markup)
    await reply(update, context, text)


@dataclass(frozen=True, slots=True)
class _Decided:
    won: bool  # this press decided (the first admin's)
    status: str  # the status the edition has now
    audience: int  # the chats a push would reach


def _decide(
    store: Store, key: EditionKey, status: Approval, by: int, now: dt.datetime
) -> _Decided | None:
    """Record the decision (an approved edition is owed again what a new one is); None when
    nothing waits for it."""
    if store.approvals.approval(key) is None or store.editions.get_edition(key) is None:
        return None
    won = store.approvals.decide(key, status, by=by, now=now)
    if won and status is Approval.APPROVED:
        store.changes.owe_again(key)
    decided = store.approvals.approval(key)
    now_status = str(decided.status) if decided else str(status)
    return _Decided(won, now_status, store.broadcasts.audience())
