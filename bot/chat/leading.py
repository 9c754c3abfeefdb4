"""What a follower does with the leader's work: the one rule for instances sharing a database.

Several instances of a bot on one PostgreSQL database all answer the updates their webhooks
are posted, but only the leader ingests, plans and sends (``ops.leader``): the pace and
Telegram's caps hold across instances, and no ingest or planning round runs twice at once. A
command (``Command.leader`` in the COMMANDS table) or button (``Action.leader`` in
``bot.render.buttons``) whose work is the leader's — /push (it plans the latest edition and
wakes the sender), /reload (an ingest and a planning round), a broadcast's "send" (it plans
and wakes the sender), an approval's "send" (a planning round) — is therefore handed to the
leader on a follower (``ops.handover``): the leader handles it as if Telegram had posted it
there, and the user gets the answer one instance alone would give, from the instance that did
the work, within a second (or once an instance leads again). Reading, searching, settings,
subscriptions and alerts are answered by whichever instance the update reaches.
"""

from __future__ import annotations

from telegram import Update

from bot.services import BotContext


async def handed_over(update: Update, context: BotContext, *, leader: bool) -> bool:
    """Whether ``update``, whose work is the leader's when ``leader``, went to the leader
    (this instance follows) instead of being handled here."""
    handover = context.bot_data.handover
    if not leader or handover is None or not handover.follows():
        return False
    await handover.forward(update)
    return True
