"""Reading one digest file: what the bot understands of it (pure).

``read(text, source=…)`` gives a ``Reading``: the date and where it came from, the series,
the title, the items and the rule they were found by, what was skipped and why, warnings.
``Reading.edition()`` is the Edition the bot stores; ``parse`` / ``parse_bytes`` /
``parse_file`` do both and raise ``DigestError`` (naming the file, and the line when known)
for a file that gives no edition: not a digest, no date, not UTF-8, too large, too many
items. An impossible date where the date comes from (``2024-02-30``) is an error to ``read``
too: such a file is never dated another way. A file with no date is not an error to
``read``: its reading says so, and the caller decides (``check`` reports it; ingest dates it
the day it first sees it, or skips it).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import TypeVar
from urllib.parse import urljoin

from .dating import Dated, edition_date, edition_issue, meta_text
from .items import build
from .layout import infer
from .learning import Profile, Signature, other_kind, page_kind
from .meta import HeaderError, header
from .models import Edition, Item
from .opening import (
    dateline,
    first_line,
    first_text,
    key_line,
    opens,
    tighten,
    title_heading,
    without_title,
)
from .series import edition_series
from .text import clean, embeds, is_http, without_template_tags
from .tree import Kind, Unit, units
from .vault import Vault, links_of_vault

log = logging.getLogger(__name__)
_T = TypeVar("_T")

MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_WARNINGS = 100
ALONE = Profile()  # a file read by itself: no series to learn from
_NEWLINES = re.compile(rb"\r\n|\r|\n")
_DATED_FOLDER = re.compile(r"\d{4}/\d{1,2}/\d{1,2}/|\d{4}-\d{1,2}-\d{1,2}/|(?:^|/)\d{8}/")
# file names that are not digests (an index page, a README, licences); a dated path is one
NOT_DIGESTS = re.compile(
    r"(?i)(?:readme|_index|index|summary|changelog|changes|license|licence|contributing"
    r"|code_of_conduct|source|about|template|todo|sidebar|_sidebar|navigation)\.(?:md|markdown|html?)"
)


class DigestError(Exception):
    """A digest that yields no edition; ``str()`` names the source and, if known, the line."""

    def __init__(self, source: str, reason: str, *, line: int | None = None) -> None:
        super().__init__(source, reason)
        self.source = source
        self.reason = reason
        self.line = line

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return f"{where}: {self.reason}"


def too_many_items(count: int, limit: int) -> str:
    return (
        f"{count} items, more than digests.max_items ({limit}) allows: "
        "split the file, or raise digests.max_items"
    )


@dataclass(frozen=True, slots=True)
class Reading:
    """What the bot understands of one digest file."""

    source: str
    date: dt.date | None
    date_source: str  # "frontmatter 'date'", "the file name", …; "" when there is no date
    series: str
    title: str
    items: tuple[Item, ...]
    rule: str  # how the items were found: "12 items: level-4 headings with links"
    skipped: tuple[str, ...] = ()  # what was read but is not items, and why
    warnings: tuple[str, ...] = ()
    no_date: str = ""  # why there is no date (where the bot looked, or the bad date)
    no_date_line: int | None = None  # the line of a bad date, when it has one
    draft: str = ""  # why it is not published ("draft: true", "dg-publish: false"…), or ""
    meta: tuple[tuple[str, object], ...] = field(default=(), compare=False)
    issue: int | None = None  # the issue number (``issue-42.md``, ``Number: 42``, ``第42期``)
    issue_source: str = ""  # where it came from: "the file name", "frontmatter 'issue'", …
    layout: str = ""  # the rule's name ("numbered", "headings:3"…; learning.py)
    edges: frozenset[str] = field(default=frozenset(), compare=False)  # template prints
    other_kind: str = ""  # why it is no edition of its series (a page of another kind), or ""

    @property
    def signature(self) -> Signature:
        """What this reading shows of the file's layout, for learning its series'."""
        return Signature(self.layout, len(self.items), self.edges, page_kind(dict(self.meta)))

    def edition(self, date: dt.date | None = None, *, base: str = "") -> Edition:
        """The edition, dated ``date`` when the file gives none; DigestError without one.

        Its links are what a reader can open: a link relative to the page the digest is
        published as is resolved against ``base`` (a remote source's URL, a series'
        ``base_url``), and left out without one."""
        day = self.date or date
        if day is None:
            raise DigestError(self.source, self.no_date, line=self.no_date_line)
        items = tuple(_absolute(item, base) for item in self.items)
        return Edition(day, self.series, items, self.title, self.source, self.warnings,
                       issue=self.issue or 0)  # fmt: skip


def _absolute(item: Item, base: str) -> Item:
    if all(is_http(u) for u in item.links):
        return item
    links = (u if is_http(u) else urljoin(base, u) if base else "" for u in item.links)
    return replace(item, links=tuple(dict.fromkeys(u for u in links if u and is_http(u))))


_DRAFT_KEYS = (("draft", True), ("dg-publish", False), ("publish", False), ("published", False))
_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})


def draft_flag(meta: dict[str, object]) -> str:
    """The front matter key that keeps a digest unpublished (``draft: true``,
    ``dg-publish: false``, ``publish: false``, ``published: false``), as written; or ""."""
    for key, unpublished in _DRAFT_KEYS:
        value = meta.get(key)
        if isinstance(value, str):
            word = value.strip().lower()
            value = True if word in _TRUE else False if word in _FALSE else None
        if isinstance(value, bool) and value is unpublished:
            return f"{key}: {str(value).lower()}"
    return ""


def not_a_digest(source: str) -> str | None:
    """Why a file with this name is no digest (README.md, _index.md…), else None."""
    path = PurePosixPath(source.replace("\\", "/"))
    if not NOT_DIGESTS.fullmatch(path.name):
        return None
    if path.name.lower().startswith("index.") and _DATED_FOLDER.search(str(path.parent) + "/"):
        return None  # 2024/01/08/index.md, 2024-01-08/index.md: the digest of that day
    return f"not a digest: {path.name} is an index or project page"


def read(
    text: str,
    *,
    source: str = "<text>",
    default_series: str = "",
    max_items: int | None = None,
    profile: Profile | None = None,
    vault: Vault | None = None,
) -> Reading:
    """Read one digest (see the module doc); DigestError only for what cannot be read.

    ``profile``: its series' layout (learning.py): the rule to read it by and the template
    to leave out; without one the file is read alone. ``vault``: the notes of its folder,
    for its ``[[wikilinks]]`` (vault.py)."""
    return reader(text, source=source, default_series=default_series, max_items=max_items,
                  vault=vault)(profile)  # fmt: skip


def reader(
    text: str,
    *,
    source: str = "<text>",
    default_series: str = "",
    max_items: int | None = None,
    vault: Vault | None = None,
) -> Callable[[Profile | None], Reading]:
    """The digest parsed once, to be read with any profile (``read`` with each, for the cost
    of one parse: a scan reads a file alone and with its series' lens). DigestError for what
    cannot be read, here or from the call."""
    size = len(text.encode("utf-8", "surrogatepass")) if len(text) * 4 > MAX_FILE_BYTES else 0
    if size > MAX_FILE_BYTES:
        raise DigestError(source, f"file too large ({size} bytes, limit {MAX_FILE_BYTES})")
    parsed = _guarded(source, lambda: _parse(text, source, default_series, vault))

    def with_profile(profile: Profile | None) -> Reading:
        return _guarded(source, lambda: _layout(parsed, max_items, profile or ALONE))

    return with_profile


def _guarded(source: str, run: Callable[[], _T]) -> _T:
    try:
        return run()
    except DigestError:
        raise
    except Exception as exc:  # a parser bug must not stop the other files from loading
        log.exception("digest parser failed on %s", source)
        raise DigestError(source, f"internal parser error: {exc!r}") from exc


@dataclass(frozen=True, slots=True)
class _Parsed:
    """A digest up to its layout: what reading it with any profile starts from."""

    source: str
    meta: dict[str, object]
    warnings: tuple[str, ...]
    body: str
    units: list[Unit]  # the body's units, the title heading read as a blank line
    skipped: tuple[str, ...]
    title: str
    series: str
    dated: Dated
    no_date: str
    date_line: int
    issue: int | None
    issue_source: str
    embeds: frozenset[int]  # lines of tags that put another page's text in their place


def _parse(text: str, source: str, default_series: str, vault: Vault | None) -> _Parsed:
    lines = clean(text.replace("\r\n", "\n").replace("\r", "\n")).split("\n")
    warnings: list[str] = []
    try:
        meta, body_at, kind = header(lines, warnings)
    except HeaderError as exc:
        raise DigestError(source, exc.reason, line=exc.line) from None
    tagged = "{%" in text or "{{" in text  # a site generator's tags, to read as it does
    body = "\n".join(without_template_tags(lines[body_at:], meta) if tagged else lines[body_at:])
    articles = embeds(lines[body_at:], first_line=body_at + 1) if tagged else frozenset()
    tree = units(tighten(links_of_vault(body, vault)), first_line=body_at + 1)
    warnings.extend(tree.warnings)
    headings = [u for u in tree.units if u.kind is Kind.HEADING]
    h1 = [u for u in headings if u.level == 1]
    top = title_heading(tree.units, headings, h1)
    title = meta_text(meta.get("title")) or (top.first.text if top else "")
    first_heading = headings[0].first.text if headings else first_text(tree.units)
    date_line = next((k + 1 for k in range(body_at) if lines[k].lower().startswith("date:")), 2)
    date_text = dateline(tree.units)
    dated = edition_date(meta, title=title, heading=first_heading, source=source,
                         dateline=date_text, pelican=kind == "pelican", date_line=date_line,
                         warnings=warnings)  # fmt: skip
    if dated.error:  # an impossible date: never dated some other way
        top_no = top.no if top else None
        heads = {
            "frontmatter 'date'": date_line,
            "Pelican 'Date:' line": date_line,
            "the permalink": key_line(lines[:body_at], "permalink"),
            "the title": key_line(lines[:body_at], "title") if meta.get("title") else top_no,
            "the first heading": headings[0].no if headings else first_line(tree.units),
        }
        raise DigestError(source, dated.error, line=heads.get(dated.place))
    issue, issue_source = edition_issue(meta, title=title, heading=first_heading, source=source,
                                        pelican=kind == "pelican", warnings=warnings)  # fmt: skip
    where = "frontmatter 'date', permalink, title, first heading, file name or path"
    no_date = "" if dated.date else (dated.problem or f"no date: none in the {where}")
    series = edition_series(meta, title, pelican=kind == "pelican") or default_series
    if (
        top is None
        and headings
        and dated.source == "the first heading"
        and opens(tree.units, headings[0])
    ):
        top = headings[0]  # "### 2018.08.24": the edition's date line, no section
    return _Parsed(source, meta, tuple(warnings), body, without_title(tree.units, top, title),
                   tuple(tree.skipped), title, series, dated, no_date, date_line, issue,
                   issue_source, articles)  # fmt: skip


def _layout(parsed: _Parsed, max_items: int | None, profile: Profile) -> Reading:
    source, meta, body_units = parsed.source, parsed.meta, parsed.units
    warnings = list(parsed.warnings)
    other = ""
    if other_kind(kind := page_kind(meta), profile):  # no edition: no items
        other = f"a page of kind {kind!r}, not one of its series' {profile.kind!r} editions"
        warnings.append(other)
        body_units = []
    layout = infer(body_units, rule=profile.rule, template=profile.template, skip=profile.skip,
                   embeds=parsed.embeds, publication=parsed.series, source=source)  # fmt: skip
    if max_items is not None and len(layout.heads) > max_items:
        raise DigestError(source, too_many_items(len(layout.heads), max_items))
    items = build(body_units, layout)
    warnings.extend(layout.warnings)
    if not items:
        warnings.append("no items found" if parsed.body.strip() else "file is empty")
    elif not any(item.links for item in items):
        warnings.append("no item has a link")
    else:
        warnings.extend(f"item {it.position} has no link" for it in items if not it.links)
    if len(warnings) > MAX_WARNINGS:
        warnings[MAX_WARNINGS:] = [f"… and {len(warnings) - MAX_WARNINGS} more warnings"]
    dated, no_date, date_line = parsed.dated, parsed.no_date, parsed.date_line
    return Reading(
        source=source,
        date=dated.date,
        date_source=dated.source,
        series=parsed.series,
        title=parsed.title,
        items=tuple(items),
        rule=layout.rule,
        skipped=parsed.skipped + tuple(layout.skipped),
        warnings=tuple(warnings),
        no_date=no_date,
        no_date_line=date_line if "(frontmatter" in no_date or "(Pelican" in no_date else None,
        draft=draft_flag(meta),
        meta=tuple(meta.items()),
        issue=parsed.issue,
        issue_source=parsed.issue_source,
        layout=layout.name,
        edges=layout.edges,
        other_kind=other,
    )


def read_bytes(
    data: bytes,
    *,
    source: str,
    default_series: str = "",
    max_items: int | None = None,
    profile: Profile | None = None,
    vault: Vault | None = None,
) -> Reading:
    """Read a UTF-8 digest (a BOM is fine); undecodable bytes are an error with a line."""
    return bytes_reader(data, source=source, default_series=default_series,
                        max_items=max_items, vault=vault)(profile)  # fmt: skip


def bytes_reader(
    data: bytes,
    *,
    source: str,
    default_series: str = "",
    max_items: int | None = None,
    vault: Vault | None = None,
) -> Callable[[Profile | None], Reading]:
    """``reader`` of a UTF-8 digest's bytes (``read_bytes`` with any profile)."""
    if len(data) > MAX_FILE_BYTES:
        raise DigestError(source, f"file too large ({len(data)} bytes, limit {MAX_FILE_BYTES})")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = sum(1 for _ in _NEWLINES.finditer(data, 0, exc.start)) + 1
        reason = f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        raise DigestError(source, reason, line=line) from None
    return reader(text, source=source, default_series=default_series, max_items=max_items,
                  vault=vault)  # fmt: skip


def read_file(
    path: Path,
    *,
    default_series: str = "",
    max_items: int | None = None,
    profile: Profile | None = None,
    vault: Vault | None = None,
) -> Reading:
    """Read a digest file; unreadable, too large or undecodable files raise DigestError."""
    source = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise DigestError(source, f"file too large ({size} bytes, limit {MAX_FILE_BYTES})")
        data = path.read_bytes()
    except OSError as exc:
        raise DigestError(source, f"cannot read file: {exc.strerror or exc}") from None
    return read_bytes(data, source=source, default_series=default_series,
                      max_items=max_items, profile=profile, vault=vault)  # fmt: skip


def parse(
    text: str, *, source: str = "<text>", default_series: str = "", max_items: int | None = None
) -> Edition:
    """The edition of a digest; DigestError when it gives none (no date among others)."""
    return _edition(read(text, source=source, default_series=default_series, max_items=max_items))


def parse_bytes(
    data: bytes, *, source: str, default_series: str = "", max_items: int | None = None
) -> Edition:
    reading = read_bytes(data, source=source, default_series=default_series, max_items=max_items)
    return _edition(reading)


def parse_file(path: Path, *, default_series: str = "", max_items: int | None = None) -> Edition:
    return _edition(read_file(path, default_series=default_series, max_items=max_items))


def _edition(reading: Reading) -> Edition:
    if (why := not_a_digest(reading.source)) is not None and not reading.date:
        raise DigestError(reading.source, why)
    return reading.edition()
