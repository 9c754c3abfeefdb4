"""Users' reactions on messages, and the updates Telegram sends a bot about them.

A user's reactions on a message replace the ones they had there (an empty list takes them
back). The bot hears of it only if its ``allowed_updates`` asks (both kinds are opt-in:
``updates.OPT_IN``), and then:

- ``message_reaction`` (MessageReactionUpdated: the user, their old and new reactions) for a
  message in its private chat with the user, or in a group or supergroup where it is an
  administrator;
- ``message_reaction_count`` (MessageReactionCountUpdated: every reaction's total) for a
  channel post, whose reactions are anonymous, when it is an administrator of the channel.
  Telegram groups these and may send them minutes later; the sandbox sends one per change.

Reactions are emoji of Telegram's list (ReactionTypeEmoji); a user without Premium sets at
most one on a message (Premium's three and custom emoji are not emulated). Reactions set by
bots are never reported.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from .core import SandboxCore
from .model import CHANNEL, JSON, PRIVATE, Message, User
from .texts import check_text

# ReactionTypeEmoji.emoji: the reactions the Bot API accepts
_OFFERED = (
    "👍 👎 ❤ 🔥 🥰 👏 😁 🤔 🤯 😱 🤬 😢 🎉 🤩 🤮 💩 🙏 👌 🕊 🤡 🥱 🥴 😍 🐳 "
    "❤\u200d🔥 🌚 🌭 💯 🤣 ⚡ 🍌 🏆 💔 🤨 😐 🍓 🍾 💋 🖕 😈 😴 😭 🤓 👻 "
    "👨\u200d💻 👀 🎃 🙈 😇 😨 🤝 ✍ 🤗 🫡 🎅 🎄 ☃ 💅 🤪 🗿 🆒 💘 🙉 🦄 😘 "
    "💊 🙊 😎 👾 🤷\u200d♂ 🤷 🤷\u200d♀ 😡"
)
EMOJI = frozenset(_OFFERED.split(" "))
MAX_REACTIONS = 1  # per user and message, without Premium


def _types(emojis: Sequence[str]) -> list[JSON]:
    return [{"type": "emoji", "emoji": emoji} for emoji in emojis]


class Reactions(SandboxCore):
    """Reacting to messages (``world.Sandbox`` builds on it)."""

    def react(self, message: Message, user: User | int, emojis: Sequence[str]) -> None:
        """``user`` sets their reactions on ``message`` to ``emojis`` (``[]``: none); ValueError
        for an emoji Telegram does not offer, too many, a deleted message, or a user who cannot
        see the message (not in the private chat, not a member of the group)."""
        check_text(emojis=" ".join(emojis))
        user = self.user_of(user)
        chat = message.chat
        unknown = [e for e in emojis if e not in EMOJI]
        if unknown:
            raise ValueError(f"{unknown[0]!r} is not a reaction Telegram offers")
        if len(set(emojis)) != len(emojis) or len(emojis) > MAX_REACTIONS:
            raise ValueError(f"a user sets at most {MAX_REACTIONS} reaction on a message")
        if message.deleted or message.service:
            raise ValueError(f"message {message.message_id} cannot get reactions")
        if chat.type == PRIVATE and chat.user is not user:
            raise ValueError(f"{user.first_name} is not in the private chat {chat.id}")
        if chat.type not in (PRIVATE, CHANNEL) and user.id not in chat.member_ids:
            raise ValueError(f"{user.first_name} is not a member of chat {chat.id}")
        old = message.reactions.get(user.id, ())
        if tuple(emojis) == old:
            return
        if emojis:
            message.reactions[user.id] = tuple(emojis)
        else:
            message.reactions.pop(user.id, None)
        self.changed()
        if user.is_bot or not chat.bot_is_member:
            return
        if chat.type == CHANNEL:
            if chat.bot_status == "administrator":
                self.enqueue("message_reaction_count", self._counts(message))
        elif chat.type == PRIVATE or chat.bot_status == "administrator":
            self.enqueue(
                "message_reaction",
                {
                    "chat": chat.to_json(),
                    "message_id": message.message_id,
                    "user": user.to_json(),
                    "date": self.now(),
                    "old_reaction": _types(old),
                    "new_reaction": _types(emojis),
                },
            )

    def _counts(self, message: Message) -> JSON:
        totals = Counter(e for emojis in message.reactions.values() for e in emojis)
        return {
            "chat": message.chat.to_json(),
            "message_id": message.message_id,
            "date": self.now(),
            "reactions": [
                {"type": {"type": "emoji", "emoji": emoji}, "total_count": count}
                for emoji, count in totals.most_common()
            ],
        }
