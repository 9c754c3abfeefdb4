"""Bringing digests in: the folder scan, remote sources, and the size limits of one digest.

Owns turning files into stored editions: walking the digests folder and reading what changed
(``survey``, ``folder``, in worker processes; an undated file's first commit in a git work
tree: ``gitdates``), each file as part of its series — the layout and template all of its
files teach, a ``[[series]]`` a publisher named (``learn``, ``lenses``); fetching remote
sources with their validators (``remote``, aiohttp), a newsletter feed's entries as editions
(``feeds``, feedparser) and refusing digests past
``digests.max_items`` / ``max_parts`` (``limits``, pure).
May import: ``bot.digest``, ``bot.render``, ``bot.search``, ``bot.config``, ``bot.store``.
Never Telegram.
"""
