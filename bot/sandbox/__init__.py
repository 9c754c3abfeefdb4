"""A local stand-in for the Telegram Bot API, for `digestbot demo` and the tests.

``telegram_html`` is the HTML parse mode (what ``parse_mode=HTML`` accepts and rejects);
the HTTP emulator built on it lives next to it.
"""
