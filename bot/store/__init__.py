"""The database: the only SQL in the bot, on SQLite (the default) or PostgreSQL.

Owns the connection over either engine (``engines``: placeholders, transactions, the few
spellings that differ), the schema and its migrations (``schema``, ``schema_pg``,
``migrate``), transactions (``tx``) and faults (``faults``), and the repositories
``database.Store`` is made of: editions and files, chats and subscriptions (their values:
``readers``), series, the search index (``index``; what it stores of an item: ``indexing``;
how each engine keeps it: ``textindex``) and the query run against it (``lookup``), the outbox,
remote sources, scheduled editions, approvals, broadcasts, corrections and readers' feedback
(``feedback``); moving a bot from
one database to another (``copying``). May import: ``bot.digest``, ``bot.search``,
``bot.render``, ``bot.config``. Never Telegram or aiohttp.
"""
