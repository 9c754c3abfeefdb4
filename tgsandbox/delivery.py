"""Who sees a new message in the sandbox: the page always, the bot as Telegram would let it
(a bot in privacy mode sees in groups only commands for it, replies to it, mentions of it and
service messages; an admin bot, or one with privacy mode off, sees all; in a channel, only an
admin bot)."""

from __future__ import annotations

from .core import SandboxCore
from .model import CHANNEL, PRIVATE, Message
from .texts import COMMAND


class Delivery(SandboxCore):
    """The sandbox's delivery of its users' messages (``world.Sandbox`` builds on it)."""

    def _deliver(self, kind: str, message: Message) -> None:
        """Show a new message on the page and give it to the bot if the bot would see it."""
        self.emit_message("message", message)
        if self._bot_sees(message):
            self.enqueue(kind, message.to_json())

    def _bot_sees(self, message: Message) -> bool:
        chat, text = message.chat, message.text or ""
        if not chat.bot_is_member:
            return False
        if chat.type == CHANNEL:
            return chat.bot_status == "administrator"
        if chat.type == PRIVATE or not self.privacy_mode or chat.bot_status == "administrator":
            return True
        if message.service or (message.via_bot is not None and message.via_bot.id == self.bot.id):
            return True
        if command := COMMAND.match(text):
            return command[1] is None or command[1].lower() == (self.bot.username or "").lower()
        if message.reply_to is not None and message.reply_to.outgoing:
            return True
        return f"@{self.bot.username}".lower() in text.lower()
