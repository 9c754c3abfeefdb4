"""The search language and matching, pure: queries, normalisation, topics, alerts, trend charts.

Owns what a reader types and how text is matched: the query language (``query``), text
normalisation and the FTS5 expression (``textnorm``, with OpenCC), reader-typed dates
(``dates``), topics (``taxonomy``), the alert automaton (``matching``, pyahocorasick), the
trend chart (``chart``, matplotlib) and whether two items tell one story (``stories``, over
article URL keys from ``urlnorm`` and MinHash of the search tokens). May import:
``bot.digest``, ``bot.render``. Never Telegram, aiohttp or SQLite; running a query against the
archive is ``bot.store.lookup``'s.
"""
