"""digestbot: a Telegram bot that turns a folder of daily news digests into a subscription."""

__version__ = "0.1.0"

import os

# Opt in to python-telegram-bot's coming behaviour now: time periods such as
# RetryAfter.retry_after are timedeltas (ints are deprecated and warn on every 429).
os.environ.setdefault("PTB_TIMEDELTA", "1")
