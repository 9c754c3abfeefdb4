"""The database: the only SQL in the bot (sqlite-utils, FTS5), one module per table family.

Owns the schema and its migrations (``schema``), transactions (``tx``) and faults
(``faults``), and the repositories ``database.Store`` is made of: editions and files, chats
and subscriptions (their values: ``readers``), series, the search index (``index``; what it
stores of an item: ``indexing``) and the query run against it (``lookup``), the outbox,
remote sources, scheduled editions, approvals, broadcasts and corrections. May import:
``bot.digest``, ``bot.search``, ``bot.render``. Never Telegram or aiohttp.
"""
