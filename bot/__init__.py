"""digestbot: a Telegram bot that turns a folder of daily news digests into a subscription."""

__version__ = "0.1.0"
