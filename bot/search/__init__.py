"""The search language and matching, pure: queries, normalisation, topics, alerts, trend charts.

Owns what a reader types and how text is matched: the query language (``query``), text
normalisation and the FTS5 expression (``textnorm``, with OpenCC), reader-typed dates
(``dates``), topics (``taxonomy``), the alert automaton (``matching``, pyahocorasick) and the
trend chart (``chart``, matplotlib). May import: ``bot.digest``, ``bot.render``. Never Telegram,
aiohttp or SQLite; running a query against the archive is ``bot.store.lookup``'s.
"""
