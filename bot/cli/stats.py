"""``digestbot stats``: what /stats tells an admin, in a terminal: chats, subscriptions,
editions, the last push, and what readers said of the latest editions (👍, 👎, reactions) per
edition and per topic."""

from __future__ import annotations

import argparse

from bot.chat.admin import stats_lines
from bot.config import Config
from bot.delivery import liked
from bot.store.database import Store

from .archive import plain_text
from .output import EXIT_OK, CliError, out, out_json


def cmd_stats(args: argparse.Namespace, config: Config) -> int:
    """The /stats lines as text; ``--json``: the readers' feedback as one document."""
    if args.limit < 1:
        raise CliError(f"--limit {args.limit}: give a number of editions, 1 or more")
    store = Store(config.database, topics=config.topic_spec)
    try:
        if args.json:
            said = liked.report(store, config.topics, lang=args.lang, limit=args.limit)
        else:
            lines = stats_lines(store, args.lang, topics=config.topics, limit=args.limit)
    finally:
        store.close()
    if not args.json:
        for line in lines:
            out(plain_text(line))
        return EXIT_OK
    out_json(
        {
            "editions": [
                {"series": e.edition.series, "date": e.edition.date.isoformat(),
                 "issue": e.edition.issue, "label": e.label, **e.tally.as_json()}
                for e in said.editions
            ],
            "topics": [
                {"key": f.key, "name": f.name, **f.tally.as_json()} for f in said.topics
            ],
        }
    )  # fmt: skip
    return EXIT_OK
