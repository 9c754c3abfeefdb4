"""What the bot shows, pure: editions as Telegram HTML, the message catalogue, buttons, snippets.

Owns the reader-facing text: an edition cut into message parts (``edition``), every catalogue
string in Chinese and English (``i18n``), callback data for buttons (``buttons``: the one
table of button actions) and search hits as snippets (``snippets``). May import:
``bot.digest``. Never Telegram, aiohttp or SQLite.
"""
