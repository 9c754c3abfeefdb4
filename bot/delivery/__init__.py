"""Getting editions to chats: what each chat gets, when, and sending it at Telegram's pace.

Owns the tick that plans (``plan``), what a delivery says (``content``: a chat's items and
marks, alert messages, roundups, broadcasts, the approval preview), the weekly roundup
(``roundup``, pure), the sender draining the outbox (``sender``) with its limiter
(``limiter``), outage handling (``outage``) and corrections (``corrections``). May import:
``bot.services``, ``bot.ingest``, ``bot.ops``, ``bot.store`` and below. Never the handlers.
"""
