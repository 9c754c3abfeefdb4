"""One part of a push over the Bot API, for its message id only.

PTB's ``send_message`` builds a ``Message`` from Telegram's answer (its chat, its sender, its
entities, its keyboard): ~0.4 ms of CPU, as much as the rest of a pushed message cost the bot
(tests/bench/bench_push.py). The sender needs the message id alone, so it posts
``sendMessage`` down the same path (``ExtBot._post``: the bot's Defaults, its rate limiter and
``rate_limit_args``, its request backend, PTB's mapping of errors onto exceptions) and reads
the id from the answer. The keyboard under every part of an edition is serialised once.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from telegram import InlineKeyboardMarkup
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram.ext import ExtBot

from .content import feedback_markup

PREVIEWS = {True: {"is_disabled": False}, False: {"is_disabled": True}}


@cache
def votes() -> dict[str, Any]:
    """The feedback keyboard (``feedback_markup``) as the request carries it."""
    return feedback_markup().to_dict()


async def send_part(
    bot: ExtBot[Any],
    chat_id: int,
    text: str,
    *,
    thread: int | None,
    previews: bool,
    markup: InlineKeyboardMarkup | dict[str, Any] | None,
    options: dict[str, Any],
) -> int:
    """``sendMessage`` as ``bot.send_message`` sends it (``options``: its other arguments,
    ``rate_limit_args`` among them); the id of the message Telegram made."""
    data: dict[str, Any] = {
        "chat_id": chat_id,
        "text": text,
        "parse_mode": DEFAULT_NONE,  # the bot's Defaults, as send_message leaves it
        "link_preview_options": PREVIEWS[previews],
        "message_thread_id": thread,
        "reply_markup": markup.to_dict() if isinstance(markup, InlineKeyboardMarkup) else markup,
    }
    rate_limit_args = options.pop("rate_limit_args", None)
    data.update(options)
    api_kwargs = bot._merge_api_rl_kwargs(None, rate_limit_args)
    answer = await bot._post("sendMessage", data, api_kwargs=api_kwargs)
    return int(answer["message_id"])
