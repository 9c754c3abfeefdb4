"""Sending a correction: the parts a chat got of an edition, edited to what it says now.

The outbox row (kind ``correction``) is planned when a pushed edition's file changes. The
sender renders the chat's edition again, exactly as for the push, and for each part whose
hash differs from the one sent it calls ``editMessageText`` on that part's message — paced
like sends, each edit recorded at once (so a crash repeats at most the edit in flight, which
Telegram answers "message is not modified": done). Parts that did not change are not
touched. When the edition now has more or fewer parts, what matches is edited and one short
"updated" note is sent. Messages older than Telegram's 48 h editing window are left alone.

No reader keeps an old text: a delivery that was on its way when the edition changed (in
flight, or between its parts) arms its chat's correction when its last part goes out
(``_part_sent`` in the sender), and a correction that finds the edition changed again while
it edited starts over instead of ending.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from functools import partial
from typing import Any, Protocol

from telegram import LinkPreviewOptions
from telegram.error import BadRequest
from telegram.ext import ExtBot

from bot.render.fragments import escape
from bot.render.i18n import t
from bot.services import Services
from bot.store.corrections import Sent
from bot.store.database import Store
from bot.store.outbox import Delivery, Status

from .content import Parts
from .limiter import BROADCAST, Send

log = logging.getLogger(__name__)

EDIT_WINDOW = dt.timedelta(hours=48)
EDIT_MARGIN = dt.timedelta(minutes=10)  # no edit started this close to the window's end
GONE = ("message to edit not found", "message can't be edited", "message_id_invalid")


class Pusher(Protocol):
    """What a correction needs of the sender: its bot, its renderer and its row outcomes."""

    services: Services
    bot: ExtBot[Any]
    content: Parts

    def now(self) -> dt.datetime: ...
    async def give_up(self, row: Delivery, status: Status, error: str) -> None: ...
    async def bad_request(self, row: Delivery, chat_id: int, exc: BadRequest) -> None: ...
    async def failed(self, row: Delivery, chat_id: int, exc: Exception) -> None: ...


def part_hash(html: str) -> str:
    """What a part said, in a few bytes (to tell a changed part from one left as it was)."""
    return hashlib.blake2b(html.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


def editable(sent: Sent, now: dt.datetime) -> bool:
    return now - sent.at < EDIT_WINDOW - EDIT_MARGIN


async def correct(pusher: Pusher, row: Delivery) -> None:
    """Deliver one correction row (see the module doc)."""
    db = pusher.services.db
    now = pusher.now()
    key = row.target.edition
    chat_id = row.chat.id
    sent = (
        await db.read(lambda store: store.corrections.edition_sent(chat_id, key))
        if key is not None
        else None
    )
    if sent is None or key is None:
        await pusher.give_up(row, Status.SKIPPED, "nothing was sent to correct")
        return
    if not editable(sent, now):
        await pusher.give_up(row, Status.SKIPPED, "older than 48 h: not edited")
        return
    rendered = await pusher.content.edition_parts(row.chat, row.scopes, key)
    parts = rendered.parts
    common = min(len(parts), len(sent.message_ids))
    steps = common + (len(parts) != len(sent.message_ids))
    previews = LinkPreviewOptions(is_disabled=not row.chat.previews)
    step = row.part
    while step < steps:
        if step < common:
            digest = part_hash(parts[step])
            if step >= len(sent.part_hashes) or sent.part_hashes[step] != digest:
                if not await _edit(pusher, row, sent, step, parts[step], previews):
                    return
                await db.write(partial(_edited, sent=sent, step=step, digest=digest))
                pusher.services.metrics.message_sent(row.kind)
        elif not await _note(pusher, row, key.date, previews):
            return
        step += 1
        if step < steps:
            await db.write(partial(_step, row_id=row.id, step=step, now=pusher.now()))
    at, version = pusher.now(), rendered.version
    await db.write(
        lambda store: store.corrections.correction_done(
            row.id, key, version=version, steps=steps, now=at
        )
    )


def _edited(store: Store, *, sent: Sent, step: int, digest: str) -> None:
    store.corrections.part_edited(sent.delivery_id, step, digest)


def _step(store: Store, *, row_id: int, step: int, now: dt.datetime) -> None:
    store.corrections.correction_step(row_id, step, last=False, now=now)


async def _edit(
    pusher: Pusher, row: Delivery, sent: Sent, step: int, html: str, previews: LinkPreviewOptions
) -> bool:
    """Edit one part; False when the row ended (given up, or to be tried again later)."""
    try:
        await pusher.bot.edit_message_text(
            html,
            chat_id=row.chat.id,
            message_id=sent.message_ids[step],
            link_preview_options=previews,
            rate_limit_args=Send(BROADCAST),
        )
    except BadRequest as exc:
        text = exc.message.lower()
        if "not modified" in text:
            return True  # already says this (an edit repeated after a crash)
        if any(why in text for why in GONE):
            await pusher.give_up(row, Status.SKIPPED, f"cannot edit: {exc.message}")
            return False
        await pusher.bad_request(row, row.chat.id, exc)
        return False
    except Exception as exc:
        await pusher.failed(row, row.chat.id, exc)
        return False
    return True


async def _note(pusher: Pusher, row: Delivery, day: dt.date, previews: LinkPreviewOptions) -> bool:
    """The one short "this edition was updated" message, when its parts no longer match."""
    text = t("edition_updated", row.chat.language, date=escape(day.isoformat()))
    try:
        await pusher.bot.send_message(
            row.chat.id, text, link_preview_options=previews, rate_limit_args=Send(BROADCAST)
        )
    except Exception as exc:
        await pusher.failed(row, row.chat.id, exc)
        return False
    pusher.services.metrics.message_sent(row.kind)
    return True
