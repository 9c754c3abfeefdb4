"""The ``digestbot`` command: run the bot, and the publisher's tools around it."""

from __future__ import annotations

import argparse
import asyncio
import errno
import importlib
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from pathlib import Path

from bot import __version__
from bot.config import Config, ConfigError, StartupError, load_config
from bot.ops.lockfile import LockHeld
from bot.ops.logs import Redactor, setup_logging
from bot.store.faults import OpenError, describe, named

from .output import EXIT_FAILED, EXIT_OK, EXIT_USAGE, CliError, err, out

log = logging.getLogger(__name__)


# -- run / demo --------------------------------------------------------------------------


def _serve(work: Callable[[asyncio.Event], Awaitable[None]]) -> int:
    """Run ``work`` until Ctrl-C or SIGTERM, then let it stop cleanly."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await work(stop)

    asyncio.run(main())
    return EXIT_OK


def _setup_logging(config: Config) -> Redactor:
    """Text or JSON lines per config; the token (and later secrets) never appear."""
    return setup_logging(config.log, token=config.telegram.token)


def cmd_run(args: argparse.Namespace, config: Config) -> int:
    if not config.telegram.token:
        if args.or_demo:
            out("No bot token configured (DIGESTBOT_TOKEN): starting the local sandbox instead.")
            return cmd_demo(args, config)
        raise CliError("no bot token: set DIGESTBOT_TOKEN (or run `digestbot demo`)")
    from bot import app  # the bot itself: PTB, aiohttp, the handlers
    from bot.ops.web import webhook_secret

    redactor = _setup_logging(config)
    if config.webhook.url:
        redactor.add(webhook_secret(config))
    return _serve(lambda stop: app.run(config, stop))


def cmd_demo(args: argparse.Namespace, config: Config) -> int:
    from .sandbox import run_demo

    _setup_logging(config)

    def announce(url: str) -> None:
        out(f"digestbot sandbox: open {url}/ in your browser (Ctrl-C stops)")
        sys.stdout.flush()

    return _serve(
        lambda stop: run_demo(config, stop, host=args.host, port=args.port, announce=announce)
    )


# -- argument parsing --------------------------------------------------------------------

Command = Callable[[argparse.Namespace, Config], int]


def _command(where: str) -> Command:
    """``module:function`` of bot.cli, imported when the command runs (``--help``, ``check`` and
    ``preview`` never load what ``run`` or ``trend`` need)."""
    module, _, name = where.partition(":")
    found: Command = getattr(importlib.import_module(f"bot.cli.{module}"), name)
    return found


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="digestbot", description="A Telegram bot for daily news digests."
    )
    parser.add_argument("--version", action="version", version=f"digestbot {__version__}")
    parser.add_argument("--config", metavar="FILE", help="TOML config (default: config.toml)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name: str, func: Command | str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=func)
        return p

    p = add("ingest", "archive:cmd_ingest", "load the digests folder into the database")
    p.add_argument("dir", nargs="?", help="digests folder (default: digests.dir)")
    p.add_argument("--json", action="store_true", help="print a JSON summary")
    p = add("check", "check:cmd_check", "show what the bot understands of digest files")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--json", action="store_true")
    p = add("editions", "archive:cmd_editions", "list the editions in the database")
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--json", action="store_true")
    p = add("preview", "archive:cmd_preview", "print an edition as its Telegram message parts")
    p.add_argument(
        "date", nargs="?", help="YYYY-MM-DD, an issue (42), latest (default), or a digest FILE"
    )
    p.add_argument("--html", action="store_true", help="print the HTML that is sent")
    p.add_argument("--lang", choices=("zh", "en"), default="zh")
    p.add_argument("--compact", action="store_true", help="headlines only")
    p.add_argument("--series", metavar="NAME", help="the series, when there are several")
    p.add_argument("--json", action="store_true")
    p = add("run", cmd_run, "run the bot (polling or webhook per config)")
    p.add_argument("--or-demo", action="store_true", help="run the sandbox when no token is set")
    p.add_argument("--host", default="127.0.0.1", help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, default=8080, help=argparse.SUPPRESS)
    p = add("demo", cmd_demo, "run the bot against the local sandbox with a web chat")
    p.add_argument("--host", default="127.0.0.1", help="address of the web chat")
    p.add_argument("--port", type=int, default=8080, help="port of the web chat")
    p = add("search", "archive:cmd_search", "search the archive like /search does")
    p.add_argument("query", nargs="+", help='words, "phrases", -excluded, 2024-01, #topic')
    p.add_argument("--limit", type=int, default=20, help="hits to show (default 20)")
    p.add_argument("--json", action="store_true")
    p = add("trend", "trend:cmd_trend", "chart how often terms are mentioned, like /trend does")
    p.add_argument("terms", nargs="+", metavar="TERM", help="a word, a quoted phrase or #topic")
    p.add_argument("-o", "--output", default="trend.png", help="PNG file (default trend.png)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh")
    p = add("push", "archive:cmd_push", "plan an edition for every subscribed chat now")
    p.add_argument("--date", help="the edition: a date or an issue number (default: the latest)")
    p.add_argument("--series", metavar="NAME", help="the series, when there are several")
    p.add_argument("--dry-run", action="store_true", help="show what would go out, plan nothing")
    p.add_argument("--json", action="store_true")
    p = add(
        "deliveries",
        "archive:cmd_deliveries",
        "summarise the outbox: statuses and failure reasons",
    )
    p.add_argument("--date", help="one edition, a date or an issue number (default: all)")
    p.add_argument("--series", metavar="NAME", help="the series, when there are several")
    p.add_argument("--json", action="store_true")
    p = add(
        "backup",
        "archive:cmd_backup",
        "a consistent copy of the database (safe while the bot runs)",
    )
    p.add_argument("path", help="target file, or a folder for a time-stamped file")
    p = add("stats", "stats:cmd_stats", "what /stats shows: chats, editions, readers' feedback")
    p.add_argument("--limit", type=int, default=5, help="editions with feedback (default 5)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh")
    p.add_argument("--json", action="store_true", help="the readers' feedback as JSON")
    p = add("check-config", "check:cmd_check_config", "validate the configuration and show it")
    p.add_argument("--json", action="store_true")
    p = add(
        "migrate-db",
        "migrate_db:cmd_migrate_db",
        "copy the SQLite database into a new PostgreSQL database and check every table",
    )
    p.add_argument("--to", required=True, metavar="URL", help="an empty database's postgresql://…")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        config = load_config(Path(args.config) if args.config else None)
        # the one logging set-up (run and demo redo it at the configured level): one handler,
        # every record redacted; the publisher's tools show warnings and errors only
        quiet = config.log.level if config.log.level in ("ERROR", "CRITICAL") else "WARNING"
        setup_logging(replace(config.log, level=quiet), token=config.telegram.token)
        func = args.func if callable(args.func) else _command(args.func)
        code: int = func(args, config)
    except (ConfigError, CliError, LockHeld) as exc:
        err(f"digestbot: {exc}")
        return EXIT_USAGE
    except StartupError as exc:  # a port taken, a folder unreadable, no Bot API: one line
        err(f"digestbot: {exc}")
        return EXIT_FAILED
    except OpenError as exc:  # locked, full, refused, a newer schema: one line, no traceback
        err(f"digestbot: {describe(named(exc, path=config.db_path, url=config.db_url), exc)}")
        return EXIT_FAILED
    except BrokenPipeError:
        return EXIT_OK
    except OSError as exc:  # the disk is full, read-only, or the data folder not ours: one line
        if exc.errno is None:
            raise
        err(f"digestbot: {describe_os(exc)}")
        return EXIT_FAILED
    return code


_OS_FIXES = {
    errno.ENOSPC: "the disk is full: free some space, then start again",
    errno.EDQUOT: "the disk quota is used up: free some space, then start again",
    errno.EROFS: "the file system is read-only: give the bot a writable data folder "
    "(DIGESTBOT_DATA)",
    errno.EACCES: "permission denied: give the bot's user access, or another data folder "
    "(DIGESTBOT_DATA)",
    errno.EPERM: "not permitted: give the bot's user access, or another data folder "
    "(DIGESTBOT_DATA)",
}


def describe_os(exc: OSError) -> str:
    """``<file>: <what went wrong and the fix>`` for an error of the file system."""
    where = f"{exc.filename}: " if exc.filename else ""
    fix = _OS_FIXES.get(exc.errno or 0)
    return where + (fix or f"{exc.strerror or exc}")
