"""Readers' feedback in the chat: a press of 👍 / 👎 under a pushed edition, and the
reactions Telegram reports on the bot's messages (what they count for: delivery/feedback.py).

A press is answered to the presser alone (the callback's answer: noted, changed, withdrawn);
nothing in the chat changes, so a group never sees a count. A reaction is answered with
nothing.
"""

from __future__ import annotations

import logging

from telegram import ReactionType, ReactionTypeCustomEmoji, ReactionTypeEmoji, Update

from bot.delivery import feedback
from bot.render.buttons import BadCallback, Press
from bot.services import BotContext
from bot.store.readers import Chat

from .context import asker_language, chat_of, say

log = logging.getLogger(__name__)


def reaction_name(reaction: ReactionType) -> str:
    """How a reaction is counted: its emoji; a custom emoji or a paid ⭐ by its kind."""
    if isinstance(reaction, ReactionTypeEmoji):
        return reaction.emoji
    if isinstance(reaction, ReactionTypeCustomEmoji):
        return "custom"
    return "⭐"


async def on_vote_button(update: Update, context: BotContext, press: Press, chat: Chat) -> None:
    """👍 / 👎 under a pushed edition part: the presser's vote (a second press withdraws it)."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None or query.message is None:
        raise BadCallback("a vote needs a reader and a message")
    services = context.bot_data.services
    try:
        done = await feedback.vote(
            services, chat, query.message.message_id, voter=user.id, arg=press.args[0]
        )
    except LookupError as exc:  # KeyError too: an argument the bot never made
        raise BadCallback(str(exc)) from None
    lang = asker_language(update, chat)
    if done.after is None:
        text = say("feedback_withdrawn", lang, emoji=done.before or "")
    else:
        text = say("feedback_changed" if done.before else "feedback_noted", lang, emoji=done.after)
    await query.answer(text)


async def on_reaction(update: Update, context: BotContext) -> None:
    """A reader's reactions on a message (private chats, groups where the bot is an admin),
    or a channel post's anonymous totals: counted when the message is a pushed edition part."""
    chat = await chat_of(update, context, create=False)
    services = context.bot_data.services
    if (changed := update.message_reaction) is not None:
        voter = changed.user or changed.actor_chat
        if voter is None:  # pragma: no cover - Telegram names one of them
            return
        names = [reaction_name(r) for r in changed.new_reaction]
        counted = await feedback.react(
            services, chat, changed.message_id, voter=voter.id, emojis=names
        )
        message_id = changed.message_id
    elif (totals := update.message_reaction_count) is not None:
        counts = {reaction_name(r.type): r.total_count for r in totals.reactions}
        counted = await feedback.recount(services, chat, totals.message_id, totals=counts)
        message_id = totals.message_id
    else:  # pragma: no cover - the handler takes only these two
        return
    log.debug("reaction on %s/%s counted: %s", chat.id, message_id, counted)
