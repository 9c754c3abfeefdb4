"""Sending a correction: the parts a chat got of an edition, edited to what it says now.

The outbox row (kind ``correction``) is planned when a pushed edition's file changes. The
sender renders the chat's edition again, exactly as for the push and with the settings the
push was sent with (its language, topics and format, recorded with it), and for each part whose
hash differs from the one sent it calls ``editMessageText`` on that part's message — paced
like sends, each edit recorded at once (so a crash repeats at most the edit in flight, which
Telegram answers "message is not modified": done). Parts that did not change are not
touched. When the edition now has more or fewer parts, what matches is edited and one short
"updated" note is sent. Messages older than Telegram's 48 h editing window are left alone.

No reader keeps an old text: a delivery that was on its way when the edition changed (in
flight, or between its parts) arms its chat's correction when its last part goes out
(``part_sent``, recording.py), and a correction that finds the edition changed again while
it edited starts over instead of ending. Telegram's errors are classified (outcomes.py) and
handed back to the sender, which applies them as for any row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from telegram import LinkPreviewOptions
from telegram.ext import ExtBot

from bot.render.fragments import escape
from bot.render.i18n import t
from bot.services import Services
from bot.store.corrections import Sent
from bot.store.database import Store
from bot.store.lease import Fence
from bot.store.outbox import Delivery
from bot.store.sent_as import SentAs

from .content import Parts, feedback_markup
from .limiter import BROADCAST, Send, Withheld
from .outcomes import Do, Outcome, classify
from .quiet import send_options

log = logging.getLogger(__name__)

EDIT_WINDOW = dt.timedelta(hours=48)
EDIT_MARGIN = dt.timedelta(minutes=10)  # no edit started this close to the window's end


def part_hash(html: str) -> str:
    """What a part said, in a few bytes (to tell a changed part from one left as it was)."""
    return hashlib.blake2b(html.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


def editable(sent: Sent, now: dt.datetime) -> bool:
    return now - sent.at < EDIT_WINDOW - EDIT_MARGIN


async def correct(
    row: Delivery,
    *,
    bot: ExtBot[Any],
    services: Services,
    content: Parts,
    now: Callable[[], dt.datetime],
    fence: Fence | None = None,
    go: Callable[[], bool] | None = None,
) -> Outcome | None:
    """Deliver one correction row (see the module doc); what the sender is to do with the
    row when it did not end well (None: it is done). ``fence``: the sender's lease, carried
    by every write back as by the outbox's (``Fenced`` once another instance leads); ``go``:
    asked when an edit's turn comes (False: the sender halted, nothing more is sent and the
    row stays as it is)."""
    db = services.db
    key = row.target.edition
    chat_id = row.chat.id
    sent = (
        await db.read(lambda store: store.corrections.edition_sent(chat_id, key))
        if key is not None
        else None
    )
    if sent is None or key is None:
        return Outcome(Do.SKIPPED, "nothing was sent to correct")
    if not editable(sent, now()):
        return Outcome(Do.SKIPPED, "older than 48 h: not edited")
    settings = sent.sent_as or SentAs.of(row.chat, row.scopes)  # as it was sent
    rendered = await content.edition_parts(chat_id, settings, key)
    parts = rendered.parts
    common = min(len(parts), len(sent.message_ids))
    steps = common + (len(parts) != len(sent.message_ids))
    previews = LinkPreviewOptions(is_disabled=not settings.previews)
    step = row.part
    while step < steps:
        if step < common:
            digest = part_hash(parts[step])
            if step >= len(sent.part_hashes) or sent.part_hashes[step] != digest:
                edit = bot.edit_message_text(
                    parts[step],
                    chat_id=chat_id,
                    message_id=sent.message_ids[step],
                    link_preview_options=previews,
                    reply_markup=feedback_markup(),  # an edit without it would drop the votes
                    rate_limit_args=Send(BROADCAST, go=go),
                )
                if (outcome := await _tried(edit, editing=True)) is not None:
                    return outcome
                await db.write(partial(_edited, sent=sent, step=step, digest=digest, fence=fence))
                services.metrics.message_sent(row.kind)
        else:
            text = t("edition_updated", settings.language, date=escape(key.date.isoformat()))
            note = bot.send_message(
                chat_id,
                text,
                link_preview_options=previews,
                rate_limit_args=Send(BROADCAST, go=go),
                **send_options(row),
            )
            if (outcome := await _tried(note)) is not None:
                return outcome
            services.metrics.message_sent(row.kind)
        step += 1
        if step < steps:
            await db.write(partial(_step, row_id=row.id, step=step, now=now(), fence=fence))
    at, version = now(), rendered.version
    await db.write(
        lambda store: store.corrections.correction_done(
            row.id, key, version=version, steps=steps, now=at, fence=fence
        )
    )
    return None


async def _tried(call: Awaitable[object], *, editing: bool = False) -> Outcome | None:
    """None when Telegram did it (or an edit already said it), else what its error means."""
    try:
        await call
    except Withheld:  # the sender halted while it waited: the row is left as it is
        return Outcome(Do.DONE, "withheld")
    except Exception as exc:
        outcome = classify(exc, editing=editing)
        return None if outcome.do is Do.DONE else outcome
    return None


def _edited(store: Store, *, sent: Sent, step: int, digest: str, fence: Fence | None) -> None:
    store.corrections.part_edited(sent.delivery_id, step, digest, fence=fence)


def _step(store: Store, *, row_id: int, step: int, now: dt.datetime, fence: Fence | None) -> None:
    store.corrections.correction_step(row_id, step, last=False, now=now, fence=fence)
