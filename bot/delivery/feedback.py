"""Readers' feedback on pushed editions: the 👍 / 👎 buttons, what a vote or a reaction counts
for, and the figures the publisher sees.

**Where the buttons go.** One row, 👍 and 👎, under every message part of an edition the
outbox pushes (not under each item: an edition of 10-30 items would carry a wall of 20-60
buttons, and an item cut into pieces would have several). A vote is on the part it is under,
and counts for the items that part holds: this is also what a Telegram reaction, which is on a
message, can say. /today and /day replies carry ◀ / ▶ instead (◀ turns the message into
another edition, which a vote on it could not follow); the weekly roundup, alerts and
broadcasts carry no votes.

**One vote per reader per part.** Pressing 👍 votes 👍; pressing it again takes it back;
pressing 👎 then moves the vote. Members of a group vote each for themselves (the voter is the
user who pressed). The labels are the bare emoji: no count ever shows in a chat, and what a
press did is told to the presser alone (the callback's answer). The counts are the
publisher's: /stats and ``digestbot stats``.

**Reactions.** Telegram sends a reader's reactions in private chats and in groups where the
bot is an administrator (``message_reaction``: per reader, each change replaces the reader's
earlier reactions) and a channel's anonymous totals (``message_reaction_count``, where the bot
is an administrator). A reaction counts for the part it is on; 👎 and the few plainly negative
reactions (``liked.NEGATIVE``) count against it, every other reaction for it; what the
publisher sees of it all is liked.py's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.services import Services
from bot.store.feedback import SentPart, Vote
from bot.store.readers import Chat
from bot.store.sent_as import SentAs

from .content import VOTES, Parts


async def _part(services: Services, chat: Chat, message_id: int) -> tuple[SentPart, set[int]]:
    """The pushed edition part ``message_id`` is in ``chat``, and its items' positions;
    LookupError for a message that is none."""
    chat_id = chat.id
    found = await services.db.read(
        lambda store: (store.feedback.part_of(chat_id, message_id), store.chats.scopes(chat_id))
    )
    part, scopes = found
    if part is None:
        raise LookupError(f"message {message_id} of chat {chat_id} is no edition part")
    settings = part.sent_as or SentAs.of(chat, scopes)  # as it was sent
    held = await Parts(services).part_items(chat_id, settings, part.edition)
    return part, set(held[part.part]) if part.part < len(held) else set()


async def vote(services: Services, chat: Chat, message_id: int, *, voter: int, arg: str) -> Vote:
    """A reader presses a vote button (``arg``: "u" or "d") under ``message_id``; KeyError
    for another argument, LookupError for a message that is no pushed edition part."""
    emoji = VOTES[arg]
    part, items = await _part(services, chat, message_id)
    now = services.now()
    return await services.db.write(
        lambda store: store.feedback.vote(
            chat.id, part, voter=voter, emoji=emoji, items=items, now=now
        )
    )


async def react(
    services: Services, chat: Chat, message_id: int, *, voter: int, emojis: Sequence[str]
) -> bool:
    """A reader's reactions on ``message_id`` are now ``emojis``; False when the message is no
    pushed edition part (nothing is recorded)."""
    try:
        part, items = await _part(services, chat, message_id)
    except LookupError:
        return False
    now = services.now()
    await services.db.write(
        lambda store: store.feedback.react(
            chat.id, part, voter=voter, emojis=emojis, items=items, now=now
        )
    )
    return True


async def recount(
    services: Services, chat: Chat, message_id: int, *, totals: Mapping[str, int]
) -> bool:
    """A message's anonymous reactions now total ``totals``; False as for ``react``."""
    try:
        part, items = await _part(services, chat, message_id)
    except LookupError:
        return False
    now = services.now()
    await services.db.write(
        lambda store: store.feedback.counts(chat.id, part, totals=totals, items=items, now=now)
    )
    return True
