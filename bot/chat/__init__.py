"""The conversation: commands, buttons and inline queries, one module per concern.

Owns the COMMANDS table and the one registration site (``handlers``), the chat context every
handler starts from (``context``) and the handlers by concern: reading, subscribing, choosing a
series, preferences, search, inline, alerts, trends, approvals, readers' feedback (votes and
reactions) and admin commands. Handlers are
thin: they parse, call the store and the core, render and reply. May import: everything below
it (``bot.services``, ``bot.delivery``, ``bot.store``, ``bot.render``, ``bot.search``,
``bot.digest``, ``bot.config``). Nothing imports it but ``bot.app`` and ``bot.cli``.
"""
