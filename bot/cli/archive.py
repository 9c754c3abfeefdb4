"""The publisher's commands on the archive: ingest, editions, preview, search, push, deliveries,
backup.

Each ``cmd_<name>(args, config) -> exit status`` prints for a person, or with ``--json`` one
JSON document for scripts (shapes in DESIGN.md, "Interfaces").
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tqdm import tqdm

from bot.config import Config
from bot.digest import DigestError, read_file
from bot.digest.dating import issue_arg
from bot.digest.models import Edition, EditionKey
from bot.digest.series import find
from bot.ingest.folder import ScanReport, scan_folder
from bot.ops.lockfile import DataLock
from bot.render.edition import render_edition
from bot.search.query import QueryError
from bot.store.database import Store
from bot.store.engines import where
from bot.store.lookup import search
from tgsandbox.telegram_html import parse_html, utf16_len

from .output import EXIT_FAILED, EXIT_OK, CliError, err, out, out_json, parse_date_arg

PROGRESS_MIN_FILES = 100
LOCK_WAIT = 30.0  # s a writer waits for another writer (never for a running bot)


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
    counts = store.editions.counts()
    return {
        "files": report.files,
        "new": [k.ref for k in report.new],
        "changed": [k.ref for k in report.changed],
        "removed": [k.ref for k in report.removed],
        "unchanged": report.unchanged,
        "errors": [str(e) for e in report.errors],
        "skipped": [str(e) for e in report.skipped],
        "warnings": list(report.warnings),
        "quiet": [k.ref for k in report.quiet],
        "editions": counts.editions,
        "items": counts.items,
    }


def cmd_ingest(args: argparse.Namespace, config: Config) -> int:
    folder = Path(args.dir) if args.dir else config.digests_dir
    if not folder.is_dir():
        raise CliError(f"{folder}: no such folder")
    with DataLock.acquire(config.db_path, role="ingest", wait=LOCK_WAIT):
        return _ingest(args, config, folder)


def _ingest(args: argparse.Namespace, config: Config, folder: Path) -> int:
    store = Store(config.database, topics=config.topic_spec)
    try:
        update, close = _progress_bar()
        try:
            today = dt.datetime.now(config.zone).date()
            report = scan_folder(
                store,
                folder,
                limits=config.limits,
                undated=config.undated,
                today=today,
                progress=update,
                rules=config.series,
            )
        finally:
            close()
        if args.json:
            out_json(_report_json(report, store))
        else:
            counts = store.editions.counts()
            out(
                f"{report.files} files: {len(report.new)} new, {len(report.changed)} changed, "
                f"{len(report.removed)} removed, {report.unchanged} unchanged"
            )
            out(
                f"store: {counts.editions} editions, {counts.items} items"
                f" ({where(config.database)})"
            )
            if report.quiet:
                out(
                    f"{len(report.quiet)} older issues stored for search and /day, "
                    "never pushed (only each series' newest issue is)"
                )
            for warning in report.warnings:
                out(f"warning: {warning}")
            for skipped in report.skipped:
                out(f"skipped: {skipped.path}: {skipped.reason.removeprefix('skipped: ')}")
            for error in report.errors:
                out(f"error: {error}")
    finally:
        store.close()
    return EXIT_OK if report.ok else EXIT_FAILED


def cmd_editions(args: argparse.Namespace, config: Config) -> int:
    store = Store(config.database, topics=config.topic_spec)
    try:
        rows = store.editions.list_editions(limit=args.limit)
        held = store.scheduled.held()
    finally:
        store.close()
    if args.json:
        out_json(
            [
                {
                    "date": h.date.isoformat(),
                    "series": h.series,
                    "title": h.title,
                    "source": h.source,
                    "item_count": h.items,
                    "status": "scheduled",
                }
                for h in reversed(held)
            ]
            + [
                {
                    "date": r.date.isoformat(),
                    **({"issue": r.issue} if r.issue else {}),
                    "series": r.series,
                    "title": r.title,
                    "source": r.source,
                    "item_count": r.items,
                    "status": "published",
                    "updated_at": r.updated_at.isoformat(),
                }
                for r in rows
            ]
        )
        return EXIT_OK
    if not rows and not held:
        out("no editions yet: run `digestbot ingest` first")
    for h in reversed(held):
        out(f"{h.date}  {h.items:3d} items  {h.series or '-'}  ({h.source})  scheduled")
    for r in rows:
        number = f"#{r.issue}  " if r.issue else ""
        out(f"{r.date}  {number}{r.items:3d} items  {r.series or '-'}  ({r.source})")
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


def _file_edition(path: Path, config: Config) -> Edition:
    """A digest file's edition, as it would be published — drafts and future days too."""
    try:
        reading = read_file(path, max_items=config.limits.max_items)
    except DigestError as exc:
        raise CliError(str(exc)) from None
    if reading.draft:
        err(f"{path}: a draft ({reading.draft}): not published, shown as it would be")
    return reading.edition(dt.datetime.now(config.zone).date())


def cmd_preview(args: argparse.Namespace, config: Config) -> int:
    if args.date and Path(args.date).suffix in (".md", ".markdown"):
        return _show_parts(args, _file_edition(Path(args.date), config))
    store = Store(config.database, topics=config.topic_spec)
    try:
        if args.date in (None, "latest") and store.editions.latest_edition() is None:
            raise CliError("no editions yet: run `digestbot ingest` first")
        found = _edition_arg(store, args.date, args.series)
    finally:
        store.close()
    return _show_parts(args, found)


def _show_parts(args: argparse.Namespace, edition: Edition) -> int:
    parts = render_edition(edition, lang=args.lang, compact=args.compact)
    if args.json:
        out_json({**edition.to_json(), "parts": parts})
        return EXIT_OK
    for n, part in enumerate(parts, 1):
        body = part if args.html else plain_text(part)
        size = utf16_len(parse_html(part).text)
        out(f"──── part {n}/{len(parts)} · {size} chars · {len(part.encode())} bytes ────")
        out(body)
    return EXIT_OK


def cmd_search(args: argparse.Namespace, config: Config) -> int:
    text = " ".join(args.query)
    store = Store(config.database, topics=config.topic_spec)
    try:
        result = search(store, text, topics=config.topics, limit=args.limit)
    except QueryError as exc:
        raise CliError(f"cannot search {text!r}: {exc.reason.replace('_', ' ')}") from None
    finally:
        store.close()
    hits = result.page.hits
    if args.json:
        out_json(
            {
                "query": text,
                "total": result.page.total,
                "more_than_total": result.page.at_least,
                "hits": [
                    {
                        "date": h.date.isoformat(),
                        "series": result.series_of(h),
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
    found = f"{result.page.shown_total} found for {text!r}"
    out(found + (f", newest {len(hits)}:" if hits else ""))
    for h in hits:
        body = " ".join(h.body.split())  # the title once, then the rest of the text
        where = f"{result.series_of(h)} · {h.date}" if result.series_of(h) else str(h.date)
        out(f"{where} #{h.position}  {body[:100]}")
    return EXIT_OK


def _series_arg(store: Store, name: str | None) -> int | None:
    """The series ``--series NAME`` names (None: not given)."""
    if name is None:
        return None
    known = store.series.all_series()
    found = find(known, name)
    if found is None:
        names = ", ".join(s.label() for s in known) or "none yet"
        raise CliError(f"no series {name!r} (there are: {names})")
    return found.id


def _edition_arg(store: Store, value: str | None, series_name: str | None = None) -> Edition:
    """The edition of ``--date`` (default the latest) in ``--series`` (needed only when the
    day has editions of several series)."""
    series = _series_arg(store, series_name)
    if value in (None, "latest"):
        edition = store.editions.latest_edition(series)
    elif (number := issue_arg(value)) is not None:  # 42, #42, 第42期: an issue
        return _issue_edition(store, number, series)
    else:
        day = parse_date_arg(value)
        found = store.editions.editions_on(day, () if series is None else (series,))
        found = list({e.series_id: e for e in found}.values())  # a series' highest issue
        if len(found) > 1:
            keys = ", ".join(
                store.series.series_names()[e.series_id] or str(e.series_id) for e in found
            )
            raise CliError(f"{day} has an edition in several series ({keys}): add --series NAME")
        edition = found[0] if found else None
    if edition is None:
        raise CliError("no such edition (see `digestbot editions`)")
    return edition


def _issue_edition(store: Store, number: int, series: int | None) -> Edition:
    """Issue ``number`` (of ``--series``, needed only when several series have it)."""
    numbers = [s.id for s in store.series.all_series()] if series is None else [series]
    keys = [k for s in numbers if (k := store.editions.by_issue(s, number)) is not None]
    if len(keys) > 1:
        names = ", ".join(store.series.series_names()[k.series] for k in keys)
        raise CliError(f"issue {number} is in several series ({names}): add --series NAME")
    edition = store.editions.get_edition(keys[0]) if keys else None
    if edition is None:
        raise CliError(f"no issue {number} (see `digestbot editions`)")
    return edition


def cmd_push(args: argparse.Namespace, config: Config) -> int:
    from bot.delivery.plan import push_everyone

    lock = None if args.dry_run else DataLock.acquire(config.db_path, role="push", wait=LOCK_WAIT)
    store = Store(config.database, topics=config.topic_spec)
    try:
        edition = _edition_arg(store, args.date, args.series)
        report = push_everyone(store, edition, dry_run=args.dry_run)
    finally:
        store.close()
        if lock is not None:
            lock.release()
    doc = {
        "date": edition.date.isoformat(),
        **({"issue": edition.issue} if edition.issue else {}),
        "chats": report.chats,
        "variants": report.variants,
        "skipped": report.empty,
        "planned": report.planned,
        "dry_run": args.dry_run,
    }
    if args.json:
        out_json(doc)
        return EXIT_OK
    verb = "would go" if args.dry_run else "planned"
    number = f" #{edition.issue}" if edition.issue else ""
    out(
        f"{edition.date}{number}: {verb} to {report.chats} chats in {report.variants} variants"
        f" ({report.empty} chats with nothing to get)"
    )
    if not args.dry_run:
        out(f"{report.planned} new deliveries; the bot sends them once it runs")
    return EXIT_OK


def cmd_deliveries(args: argparse.Namespace, config: Config) -> int:
    store = Store(config.database, topics=config.topic_spec)
    try:
        series = _series_arg(store, args.series)
        key = None
        if args.date and (number := issue_arg(args.date)) is not None:  # an issue: 42, #42
            key = _issue_edition(store, number, series).key
        elif args.date:
            key = EditionKey(series or 0, parse_date_arg(args.date))
        summary = store.outbox.deliveries_summary(key)
    finally:
        store.close()
    if args.json:
        out_json({"date": key.ref if key else None, **summary})
        return EXIT_OK
    if not summary["deliveries"]:
        out("no deliveries" + (f" for {key.ref}" if key else ""))
    for kind, statuses in summary["deliveries"].items():
        counts = ", ".join(f"{n} {status}" for status, n in sorted(statuses.items()))
        out(f"{kind}: {counts}")
    for reason, n in summary["reasons"].items():
        out(f"  {n:5d} × {reason or '(no reason)'}")
    return EXIT_OK


def cmd_backup(args: argparse.Namespace, config: Config) -> int:
    target = Path(args.path)
    if config.db_url:
        raise CliError(
            f"{where(config.database)}: a PostgreSQL database is backed up with pg_dump "
            "(or your provider's backups), not digestbot backup"
        )
    if not config.db_path.exists():
        raise CliError(f"{config.db_path}: no database yet")
    if args.path.endswith(("/", "\\")) and not target.exists():
        target.mkdir(parents=True)  # "backups/": a folder, made for it
        out(f"created folder {target}")
    if target.is_dir():
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        target = target / f"digestbot-{stamp}.sqlite3"
    elif not target.parent.is_dir():
        raise CliError(f"{target.parent}: no such folder (end the path with / to have it created)")
    store = Store(config.database, topics=config.topic_spec)
    try:
        store.backup(target)
    finally:
        store.close()
    out(f"backed up {config.db_path} to {target} ({target.stat().st_size} bytes)")
    return EXIT_OK
