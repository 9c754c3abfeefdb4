"""Getting editions to chats: what each chat gets, when, and sending it at Telegram's pace.

Owns planning (``plan``: what the editions the cycle stored owe each chat, and when), what a
delivery says (``content``: a chat's items and
marks, alert messages, roundups, broadcasts, the approval preview), the weekly roundup
(``roundup``, pure), the sender draining the outbox (``sender``) with its limiter
(``limiter``), outage handling (``outage``), corrections (``corrections``) and readers'
feedback (``feedback``: votes and reactions recorded; ``liked``: what the publisher sees of
them, the roundup's ranking). May import:
``bot.services``, ``bot.ops``, ``bot.store`` and below. Never the handlers, never
``bot.ingest``: scanning is the cycle's (``bot.cycle``), which calls ingest, then this.
"""
