"""``digestbot trend``: the /trend chart as a PNG file (matplotlib is loaded only here)."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.chat.trending import chart_for
from bot.config import Config
from bot.search.chart import TrendError, caption_html, render_png, terms_of
from bot.search.query import QueryError
from bot.store.database import Store

from .archive import plain_text
from .output import EXIT_OK, CliError, out


def cmd_trend(args: argparse.Namespace, config: Config) -> int:
    """The /trend chart as a PNG file; its caption printed as text."""
    store = Store(config.database, topics=config.topic_spec)
    try:
        terms = terms_of(args.terms)  # one shell argument a term: "a phrase" stays one
        stamp = store.index.archive_stamp()
        if stamp is None:
            raise CliError("no editions yet: run `digestbot ingest` first")
        chart = chart_for(store, terms, topics=config.topics, stamp=stamp)
    except (QueryError, TrendError) as exc:
        reason = str(exc).replace("_", " ") + (
            f" ({exc.term})" if isinstance(exc, TrendError) else ""
        )
        raise CliError(f"cannot chart {' '.join(args.terms)!r}: {reason}") from None
    finally:
        store.close()
    png = render_png(chart, args.lang)
    Path(args.output).write_bytes(png)
    out(plain_text(caption_html(chart, args.lang)))
    out(f"chart: {args.output} ({len(png)} bytes)")
    return EXIT_OK
