"""``digestbot check``: what the bot understands of digest files, told to their publisher.

For each file (a folder: its ``.md`` / ``.markdown`` files): the date and where it came from,
the series, the rule the items were found by ("12 items: level-4 headings with links"), each
item's title (or first words) and links, what was skipped and why, the warnings. A file with
no date is not an error here: the report says so and what ingest will do with it; a file that
is no digest (README.md, _index.md) is listed as skipped. Errors (not UTF-8, too large, past
a limit) make the exit status 1. What ingest would refuse (a draft, an undated file under
``digests.undated = "skip"``, a second file claiming one edition, a symlink out of the folder)
is decided as ingest decides it (``bot.ingest.publish``, walk.py) and said in ingest's words;
``--json`` adds ``"refused": {"reason", "message"}``. ``--json``: one document per file
(DESIGN.md, Interfaces).
"""

from __future__ import annotations

import argparse
import datetime as dt
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

from bot.config import Config
from bot.config import keys as config_keys
from bot.digest import DigestError, Reading, not_a_digest, read_file
from bot.digest.learning import AGREE, Profile, Signature, suggestion
from bot.digest.series import display_name, origin_name
from bot.digest.vault import Vault
from bot.ingest.learn import origin_of, profiles, read_as_series, vault_of
from bot.ingest.limits import check_limits
from bot.ingest.publish import Outcome, PublishPolicy, Source, publish
from bot.ingest.walk import FileError, walk
from bot.store.engines import where

from .output import EXIT_FAILED, EXIT_OK, out, out_json

SHOWN = 64  # characters of an item's title shown


@dataclass(frozen=True, slots=True)
class Target:
    """A file to check, and the folder it was found in (its series are that folder's)."""

    path: Path
    folder: Path | None = None

    @property
    def rel(self) -> str:
        return self.path.relative_to(self.folder).as_posix() if self.folder else self.path.name


def files_of(names: list[str]) -> tuple[list[Target], list[FileError]]:
    """The files to check: each name, a folder's digest files as the bot's scan finds them
    (hidden ones left out; a symlink out of the folder, a name that is not UTF-8 or an
    unreadable entry is an error, as it is for ingest)."""
    found: list[Target] = []
    errors: list[FileError] = []
    for name in names:
        path = Path(name)
        if path.is_dir():
            listing = walk(path)
            found += [Target(path / rel, path) for rel in sorted(listing.files)]
            errors += listing.errors
        else:
            found.append(Target(path))
    return found, errors


def read_one(
    path: Path, config: Config, profile: Profile | None = None, *, vault: Vault | None = None
) -> Reading:
    """A file as ingest reads it: its limits checked (DigestError past one); ``vault``: the
    notes of its folder, for its wikilinks."""
    reading = read_file(path, max_items=config.limits.max_items, profile=profile, vault=vault)
    check_limits(reading, config.limits)
    return reading


def examine(
    path: Path,
    config: Config,
    reading: Reading | DigestError | None = None,
    *,
    series: str | None = None,
) -> tuple[dict[str, Any], list[str], bool]:
    """(the JSON document, the lines for a person, whether the file failed); ``series``: the
    display name of the file's series in its folder (None: what the file alone calls it)."""
    if (why := not_a_digest(str(path))) is not None:
        return {"file": str(path), "skipped": why}, [f"{path}: skipped, {why}"], False
    if reading is None:
        try:
            reading = read_one(path, config)
        except DigestError as exc:
            reading = exc
    if isinstance(reading, DigestError):
        return {"file": str(path), "error": str(reading)}, [f"error: {reading}"], True
    if series is not None:
        reading = replace(reading, series=series)
    return _doc(path, reading, config), _lines(reading, config), False


@dataclass(slots=True)
class SeriesReport:
    """What ``check DIR`` learned of one series: its profile and its files."""

    key: str
    profile: Profile
    files: list[str] = field(default_factory=list)
    called: list[tuple[str, dt.date]] = field(default_factory=list)  # (name, date) per file

    @property
    def name(self) -> str:
        """The series' display name, decided as the bot decides it (``display_name``)."""
        return display_name(self.key, self.called)

    def lines(self) -> list[str]:
        shown = self.name or "(the folder)"
        p = self.profile
        if p.rule:
            how = f"read as {p.rule}" + (" (named in the config)" if p.named else "")
            agree = f"{p.agree}/{p.files} files agree"
        else:
            how = "each file read alone"
            agree = f"{p.agree}/{p.files} files read as {p.common}" if p.common else "no items"
        out = [f"series {shown}: {how}, {agree}; template: {len(p.template)} lines or links"]
        if (line := suggestion(p)) is not None and line:
            match = origin_name(self.key) or shown
            out += [
                f"  fewer than {round(AGREE * 100)}% of its files agree: if the bot reads it "
                "wrong, name the rule in the config:",
                "  [[series]]",
                f'  match = "{match}"',
                f"  {line}",
            ]
        return out


def _vaults(targets: list[Target]) -> dict[Path, Vault]:
    """The notes of each folder checked, for its files' wikilinks."""
    folders = {t.folder for t in targets if t.folder is not None}
    return {folder: vault_of(folder, sorted(walk(folder).files)) for folder in folders}


def read_series(
    targets: list[Target], config: Config
) -> tuple[dict[Path, Reading | DigestError], list[SeriesReport]]:
    """Each file read as ingest reads it: alone first, then, in a folder, with what its
    series' files teach (its rule, its template); a report per series of a folder."""
    readings: dict[Path, Reading | DigestError] = {}
    vaults = _vaults(targets)
    for target in targets:
        if not_a_digest(str(target.path)) is None:
            vault = vaults.get(target.folder) if target.folder else None
            try:
                readings[target.path] = read_one(target.path, config, vault=vault)
            except DigestError as exc:
                readings[target.path] = exc
    signatures: dict[str, tuple[str, Signature]] = {}
    names: dict[str, set[str]] = {}
    called: dict[str, list[tuple[str, dt.date]]] = {}
    keys: dict[Path, str] = {}
    for target in targets:
        reading = readings.get(target.path)
        if target.folder is None or not isinstance(reading, Reading) or reading.draft:
            continue
        key = f"{target.folder}\0{origin_of(reading, target.rel)}"
        keys[target.path] = key
        signatures[str(target.path)] = (key, reading.signature)
        names.setdefault(key, set()).add(reading.series)
        called.setdefault(key, []).append((reading.series, reading.date or _today(config)))
    learned = profiles(signatures, rules=config.series, names=names)
    reports: dict[str, SeriesReport] = {}
    folder_of = {t.path: t.folder for t in targets if t.folder is not None}
    for path, key in keys.items():
        profile = learned[key]
        report = reports.setdefault(
            key, SeriesReport(key.partition("\0")[2], profile, called=called[key])
        )
        report.files.append(str(path))
        alone = readings[path]
        if isinstance(alone, Reading):
            again = partial(_again, path, config, alone, vaults.get(folder_of[path]))
            try:
                readings[path] = read_as_series(alone.signature, profile, again)
            except DigestError as exc:
                readings[path] = exc
    return readings, list(reports.values())


def _again(
    path: Path, config: Config, alone: Reading, vault: Vault | None, profile: Profile | None
) -> Reading:
    """The file read with ``profile`` (None: as it read alone)."""
    return alone if profile is None else read_one(path, config, profile, vault=vault)


def decide(
    targets: list[Target], readings: dict[Path, Reading | DigestError], config: Config
) -> dict[Path, Outcome]:
    """What ingest would do with each file that reads (``publish``, the decision it asks): in
    a folder, files in the order the scan takes them, the first to claim an edition keeps it."""
    policy, today = PublishPolicy(config.undated), _today(config)
    claims: dict[tuple[object, ...], str] = {}
    origins: dict[Path | None, set[str]] = {}
    found = [(t, r) for t in targets if isinstance(r := readings.get(t.path), Reading)]
    for target, reading in found:
        origins.setdefault(target.folder, set()).add(origin_of(reading, target.rel))
    out: dict[Path, Outcome] = {}
    for target, reading in found:
        where, day = origin_of(reading, target.rel), reading.date or today
        by_number = reading.date is None and bool(reading.issue)
        claim = (target.folder, where, *((reading.issue,) if by_number else (day, reading.issue)))
        owner = claims.get(claim) if target.folder is not None else None
        several = len(origins[target.folder]) > 1
        outcome = publish(reading, Source(target.rel, owner, day=day, several=several), policy)
        if outcome.published:
            claims.setdefault(claim, target.rel)
        out[target.path] = outcome
    return out


def _refusal(path: Path, outcome: Outcome) -> str:
    """The line ingest prints for a file it does not publish."""
    return f"{'skipped' if outcome.skipped else 'error'}: {path}: {outcome.detail}"


def _today(config: Config) -> dt.date:
    return dt.datetime.now(config.zone).date()


def _doc(path: Path, reading: Reading, config: Config) -> dict[str, Any]:
    return {
        "file": str(path),
        "date": reading.date.isoformat() if reading.date else None,
        "date_source": reading.date_source or None,
        **_issue(reading),
        "series": reading.series,
        "title": reading.title,
        "rule": reading.rule,
        "items": [item.to_json() for item in reading.items],
        "skipped": list(reading.skipped),
        "warnings": list(reading.warnings),
        **({"draft": True} if reading.draft else {}),
        **({"scheduled": True} if reading.date and reading.date > _today(config) else {}),
    }


def _issue(reading: Reading) -> dict[str, Any]:
    return {"issue": reading.issue, "issue_source": reading.issue_source} if reading.issue else {}


def _lines(reading: Reading, config: Config) -> list[str]:
    out = [reading.source]
    if reading.draft:
        shown = "`digestbot preview FILE` shows it"
        out.append(f"  draft    not published ({reading.draft}): {shown}")
    if reading.date:
        out.append(f"  date     {reading.date} (from {reading.date_source})")
        if reading.date > _today(config):
            out.append("  scheduled  dated after today: held back, published on that day")
    else:
        then = (
            f"it is issue {reading.issue}: ingest dates it the day it first sees it (in a git "
            "work tree, the day of its first commit)"
            if reading.issue
            else 'ingest leaves it out (digests.undated = "skip")'
            if config.undated == "skip"
            else "ingest dates it the day it first sees it"
        )
        out.append(f"  date     none: {reading.no_date}; {then}")
    if reading.issue:
        out.append(f"  issue    {reading.issue} (from {reading.issue_source})")
    out.append(f"  series   {reading.series or '(none)'}")
    if reading.title:
        out.append(f"  title    {reading.title}")
    out.append(f"  items    {reading.rule}")
    section = None
    for item in reading.items:
        if item.section and item.section != section:
            out.append(f"    [{item.section}]")
        section = item.section
        head = " ".join((item.title or item.text).split())
        short = head if len(head) <= SHOWN else head[: SHOWN - 1] + "…"
        out.append(f"    {item.position:3d}. {short}")
        out.append(f"         {', '.join(item.links) if item.links else 'no link'}")
    out += [f"  skipped  {why}" for why in reading.skipped]
    out += [f"  warning  {warning}" for warning in reading.warnings]
    return out


def cmd_check(args: argparse.Namespace, config: Config) -> int:
    docs: list[dict[str, object]] = []
    targets, errors = files_of(args.files)
    readings, series = read_series(targets, config)
    named = {file: report.name for report in series for file in report.files}
    decided = decide(targets, readings, config)
    failed = bool(errors)
    for error in errors:
        docs.append({"file": error.path, "error": str(error)})
        if not args.json:
            out(f"error: {error}")
    for target in targets:
        reading = readings.get(target.path)
        doc, lines, bad = examine(target.path, config, reading, series=named.get(str(target.path)))
        outcome = decided.get(target.path)
        if outcome is not None and not outcome.published:
            doc["refused"] = {"reason": outcome.reason.value, "message": outcome.detail}
            lines.append(_refusal(target.path, outcome))
            bad = bad or not outcome.skipped
        docs.append(doc)
        failed = failed or bad
        if not args.json:
            out("\n".join(lines))
    if not args.json:
        for report in series:
            out("\n".join(report.lines()))
    if args.json:
        out_json(docs[0] if len(docs) == 1 else docs)
    return EXIT_FAILED if failed else EXIT_OK


def cmd_check_config(args: argparse.Namespace, config: Config) -> int:
    summary = {
        "file": str(config.file) if config.file else "none: every key has its default",
        "token": "set" if config.telegram.token else "not set (demo mode)",
        "api_base_url": config.telegram.api_base_url or "https://api.telegram.org",
        "admins": list(config.telegram.admins),
        "data_dir": str(config.data_dir),
        "database": where(config.database),
        "digests_dir": str(config.digests_dir),
        "mode": "webhook" if config.webhook.url else "polling",
        "push": f"{config.push.time:%H:%M} {config.push.timezone}, {config.push.rate:g}/s",
        "topics": [t.key for t in config.topics],
        "sources": [s.url for s in config.sources],
    }
    problems = []
    if not config.digests_dir.is_dir():
        problems.append(f"digests.dir: folder {config.digests_dir} does not exist")
    keys = config_keys.shown(config)  # every key of the KEYS table
    if args.json:
        table = {k.path: {"value": k.value, "default": k.default, "about": k.about} for k in keys}
        out_json({**summary, "keys": table, "problems": problems})
    else:
        out(f"{'file':24} {summary['file']}")
        for name in ("data_dir", "mode"):
            out(f"{name:24} {summary[name]}")
        for k in keys:
            out(f"{k.path:24} {k.value}" + ("" if k.default else "  (set)"))
        out(f"{'topics':24} {', '.join(t.key for t in config.topics)}")
        out(f"{'sources':24} {len(config.sources)}")
        for p in problems:
            out(f"problem: {p}")
        out("config ok" if not problems else "config has problems")
    return EXIT_FAILED if problems else EXIT_OK
