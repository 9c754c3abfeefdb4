"""The ``digestbot`` command: argument parsing (``main``) and the publisher's commands.

``main`` imports only the standard library at start; each command imports what it uses when it
runs, so ``--help``, ``check``, ``editions``, ``preview`` and ``search`` never load
python-telegram-bot, aiohttp or matplotlib. ``check`` tells a publisher what the bot reads in
their files. May import everything (it is, with ``bot.app``, the top).
"""
