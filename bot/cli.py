"""The ``digestbot`` command: run the bot, and the publisher's tools around it."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from tqdm import tqdm

from . import __version__, app
from .config import Config, ConfigError, load_config
from .digest import DigestError, parse_file
from .models import Edition
from .query import QueryError
from .render import render_edition
from .sandbox.telegram_html import parse_html, utf16_len
from .search import search
from .sources import ScanReport, scan_folder
from .store import Store

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
PROGRESS_MIN_FILES = 100


class CliError(Exception):
    """A problem the user can fix; printed as one line, exit status 2."""


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")


def _json(doc: object) -> None:
    _out(json.dumps(doc, ensure_ascii=False, indent=2))


def parse_date_arg(value: str) -> dt.date:
    """``2024-01-08``, ``2024/1/8`` or ``2024年1月8日``."""
    cleaned = value.strip().replace("/", "-").replace("年", "-").replace("月", "-").rstrip("日")
    try:
        y, m, d = (int(p) for p in cleaned.split("-"))
        return dt.date(y, m, d)
    except ValueError:
        raise CliError(f"not a date: {value!r} (expected YYYY-MM-DD)") from None


# -- ingest / editions / preview ---------------------------------------------------------


def _progress_bar() -> tuple[Callable[[int, int], None], Callable[[], None]]:
    bar: list[tqdm[Any]] = []

    def update(done: int, total: int) -> None:
        if total < PROGRESS_MIN_FILES:
            return
        if not bar:
            bar.append(tqdm(total=total, unit="file", desc="ingest", file=sys.stderr))
        bar[0].update(done - bar[0].n)

    def close() -> None:
        for b in bar:
            b.close()

    return update, close


def _report_json(report: ScanReport, store: Store) -> dict[str, object]:
    editions, items = store.counts()
    return {
        "files": report.files,
        "new": [d.isoformat() for d in report.new],
        "changed": [d.isoformat() for d in report.changed],
        "removed": [d.isoformat() for d in report.removed],
        "unchanged": report.unchanged,
        "errors": [str(e) for e in report.errors],
        "editions": editions,
        "items": items,
    }


def cmd_ingest(args: argparse.Namespace, config: Config) -> int:
    folder = Path(args.dir) if args.dir else config.digests_dir
    if not folder.is_dir():
        raise CliError(f"{folder}: no such folder")
    store = Store(config.db_path, topics=config.topic_spec)
    try:
        update, close = _progress_bar()
        try:
            report = scan_folder(store, folder, progress=update)
        finally:
            close()
        if args.json:
            _json(_report_json(report, store))
        else:
            editions, items = store.counts()
            _out(
                f"{report.files} files: {len(report.new)} new, {len(report.changed)} changed, "
                f"{len(report.removed)} removed, {report.unchanged} unchanged"
            )
            _out(f"store: {editions} editions, {items} items ({config.db_path})")
            for error in report.errors:
                _out(f"error: {error}")
    finally:
        store.close()
    return EXIT_OK if report.ok else EXIT_FAILED


def cmd_editions(args: argparse.Namespace, config: Config) -> int:
    store = Store(config.db_path, topics=config.topic_spec)
    try:
        rows = store.list_editions(limit=args.limit)
    finally:
        store.close()
    if args.json:
        _json(
            [
                {
                    "date": r.date.isoformat(),
                    "series": r.series,
                    "title": r.title,
                    "source": r.source,
                    "item_count": r.items,
                    "updated_at": r.updated_at.isoformat(),
                }
                for r in rows
            ]
        )
    elif not rows:
        _out("no editions yet: run `digestbot ingest` first")
    for r in [] if args.json else rows:
        _out(f"{r.date}  {r.items:3d} items  {r.series or '-'}  ({r.source})")
    return EXIT_OK


def plain_text(html: str) -> str:
    """What a Telegram user sees of an HTML message, with link targets shown in brackets."""
    parsed = parse_html(html)
    units = parsed.text.encode("utf-16-le")
    out: list[str] = []
    pos = 0
    links = sorted(
        (e for e in parsed.entities if e.type == "text_link" and e.url), key=lambda e: e.offset
    )
    for entity in links:
        end = (entity.offset + entity.length) * 2
        out.append(units[pos:end].decode("utf-16-le"))
        out.append(f" <{entity.url}>")
        pos = end
    out.append(units[pos:].decode("utf-16-le"))
    return "".join(out).strip()


def cmd_preview(args: argparse.Namespace, config: Config) -> int:
    store = Store(config.db_path, topics=config.topic_spec)
    try:
        if args.date in (None, "latest"):
            edition = store.latest_edition()
            if edition is None:
                raise CliError("no editions yet: run `digestbot ingest` first")
        else:
            day = parse_date_arg(args.date)
            edition = store.get_edition(day)
            if edition is None:
                raise CliError(f"no edition for {day}")
    finally:
        store.close()
    parts = render_edition(edition, lang=args.lang, compact=args.compact)
    if args.json:
        _json({**edition.to_json(), "parts": parts})
        return EXIT_OK
    for n, part in enumerate(parts, 1):
        body = part if args.html else plain_text(part)
        size = utf16_len(parse_html(part).text)
        _out(f"──── part {n}/{len(parts)} · {size} chars · {len(part.encode())} bytes ────")
        _out(body)
    return EXIT_OK


def cmd_search(args: argparse.Namespace, config: Config) -> int:
    text = " ".join(args.query)
    store = Store(config.db_path, topics=config.topic_spec)
    try:
        result = search(store, text, topics=config.topics, limit=args.limit)
    except QueryError as exc:
        raise CliError(f"cannot search {text!r}: {exc.reason.replace('_', ' ')}") from None
    finally:
        store.close()
    hits = result.page.hits
    if args.json:
        _json(
            {
                "query": text,
                "total": result.page.total,
                "hits": [
                    {
                        "date": h.date.isoformat(),
                        "position": h.position,
                        "title": h.title,
                        "text": h.text,
                        "links": list(h.links),
                    }
                    for h in hits
                ],
            }
        )
        return EXIT_OK
    _out(f"{result.page.total} found for {text!r}" + (f", newest {len(hits)}:" if hits else ""))
    for h in hits:
        body = " ".join(f"{h.title}\n{h.text}".split()) if h.title else " ".join(h.text.split())
        _out(f"{h.date} #{h.position}  {body[:100]}")
    return EXIT_OK


# -- check / check-config ----------------------------------------------------------------


def _check_doc(path: Path, edition: Edition | None, error: str | None) -> dict[str, object]:
    if edition is None:
        return {"file": str(path), "error": error}
    return {"file": str(path), **edition.to_json(), "warnings": list(edition.warnings)}


def _check_text(edition: Edition) -> None:
    _out(f"{edition.source}: {edition.date} · {edition.series or '(no series)'}")
    if edition.title:
        _out(f"  title: {edition.title}")
    _out(f"  {len(edition.items)} items")
    section = None
    for item in edition.items:
        if item.section != section and item.section:
            _out(f"  [{item.section}]")
        section = item.section
        head = item.title or item.text
        short = head if len(head) <= 60 else head[:59] + "…"
        links = ", ".join(item.links) if item.links else "no link"
        _out(f"  {item.position:3d}. {short}".replace("\n", " "))
        _out(f"       {links}")
    for warning in edition.warnings:
        _out(f"  warning: {warning}")


def cmd_check(args: argparse.Namespace, config: Config) -> int:
    docs: list[dict[str, object]] = []
    failed = False
    for name in args.files:
        path = Path(name)
        try:
            edition = parse_file(path)
        except DigestError as exc:
            failed = True
            docs.append(_check_doc(path, None, str(exc)))
            if not args.json:
                _out(f"error: {exc}")
            continue
        docs.append(_check_doc(path, edition, None))
        if not args.json:
            _check_text(edition)
    if args.json:
        _json(docs[0] if len(docs) == 1 else docs)
    return EXIT_FAILED if failed else EXIT_OK


def cmd_check_config(args: argparse.Namespace, config: Config) -> int:
    summary = {
        "file": str(config.file) if config.file else None,
        "token": "set" if config.telegram.token else "not set (demo mode)",
        "api_base_url": config.telegram.api_base_url or "https://api.telegram.org",
        "admins": list(config.telegram.admins),
        "data_dir": str(config.data_dir),
        "database": str(config.db_path),
        "digests_dir": str(config.digests_dir),
        "mode": "webhook" if config.webhook.url else "polling",
        "push": f"{config.push.time:%H:%M} {config.push.timezone}, {config.push.rate:g}/s",
        "topics": [t.key for t in config.topics],
        "sources": [s.url for s in config.sources],
    }
    problems = []
    if not config.digests_dir.is_dir():
        problems.append(f"digests.dir: folder {config.digests_dir} does not exist")
    if args.json:
        _json({**summary, "problems": problems})
    else:
        for key, value in summary.items():
            _out(f"{key:13} {value}")
        for p in problems:
            _out(f"problem: {p}")
        _out("config ok" if not problems else "config has problems")
    return EXIT_FAILED if problems else EXIT_OK


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


def _setup_logging(config: Config) -> None:
    logging.getLogger().setLevel(config.log.level)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise


def cmd_run(args: argparse.Namespace, config: Config) -> int:
    if not config.telegram.token:
        if args.or_demo:
            _out("No bot token configured (DIGESTBOT_TOKEN): starting the local sandbox instead.")
            return cmd_demo(args, config)
        raise CliError("no bot token: set DIGESTBOT_TOKEN (or run `digestbot demo`)")
    _setup_logging(config)
    return _serve(lambda stop: app.run(config, stop))


def cmd_demo(args: argparse.Namespace, config: Config) -> int:
    _setup_logging(config)

    def announce(url: str) -> None:
        _out(f"digestbot sandbox: open {url}/ in your browser (Ctrl-C stops)")
        sys.stdout.flush()

    return _serve(
        lambda stop: app.run_demo(config, stop, host=args.host, port=args.port, announce=announce)
    )


# -- argument parsing --------------------------------------------------------------------

Command = Callable[[argparse.Namespace, Config], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="digestbot", description="A Telegram bot for daily news digests."
    )
    parser.add_argument("--version", action="version", version=f"digestbot {__version__}")
    parser.add_argument("--config", metavar="FILE", help="TOML config (default: config.toml)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name: str, func: Command, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=func)
        return p

    p = add("ingest", cmd_ingest, "load the digests folder into the database")
    p.add_argument("dir", nargs="?", help="digests folder (default: digests.dir)")
    p.add_argument("--json", action="store_true", help="print a JSON summary")
    p = add("check", cmd_check, "show what the bot understands of digest files")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--json", action="store_true")
    p = add("editions", cmd_editions, "list the editions in the database")
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--json", action="store_true")
    p = add("preview", cmd_preview, "print an edition as its Telegram message parts")
    p.add_argument("date", nargs="?", help="YYYY-MM-DD or latest (default)")
    p.add_argument("--html", action="store_true", help="print the HTML that is sent")
    p.add_argument("--lang", choices=("zh", "en"), default="zh")
    p.add_argument("--compact", action="store_true", help="headlines only")
    p.add_argument("--json", action="store_true")
    p = add("run", cmd_run, "run the bot (polling or webhook per config)")
    p.add_argument("--or-demo", action="store_true", help="run the sandbox when no token is set")
    p.add_argument("--host", default="127.0.0.1", help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, default=8080, help=argparse.SUPPRESS)
    p = add("demo", cmd_demo, "run the bot against the local sandbox with a web chat")
    p.add_argument("--host", default="127.0.0.1", help="address of the web chat")
    p.add_argument("--port", type=int, default=8080, help="port of the web chat")
    p = add("search", cmd_search, "search the archive like /search does")
    p.add_argument("query", nargs="+", help='words, "phrases", -excluded, 2024-01, #topic')
    p.add_argument("--limit", type=int, default=20, help="hits to show (default 20)")
    p.add_argument("--json", action="store_true")
    p = add("check-config", cmd_check_config, "validate the configuration and show it")
    p.add_argument("--json", action="store_true")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        config = load_config(Path(args.config) if args.config else None)
        code: int = args.func(args, config)
    except (ConfigError, CliError) as exc:
        _err(f"digestbot: {exc}")
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK
    return code
