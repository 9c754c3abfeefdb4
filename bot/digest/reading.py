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
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from urllib.parse import urljoin

from .dating import DATELINE, edition_date, edition_issue, edition_series, meta_text
from .inline import Inline
from .items import build
from .layout import infer
from .learning import Profile, Signature
from .meta import HeaderError, header
from .models import Edition, Item
from .text import clean, is_http, without_template_tags
from .tree import Kind, Unit, units
from .vault import Vault, links_of_vault

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_WARNINGS = 100
DATELINE_UNITS = 8  # a date line is among the first units of the body
ALONE = Profile()  # a file read by itself: no series to learn from
_NEWLINES = re.compile(rb"\r\n|\r|\n")
_TIGHT_HEADING = re.compile(r"(?m)^( {0,3}#{2,6})(?=[^#\s])(?=.{1,80}$)")
_FENCE = re.compile(r"(?m)^ {0,3}(?:`{3,}|~{3,})")
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

    @property
    def signature(self) -> Signature:
        """What this reading shows of the file's layout, for learning its series'."""
        return Signature(self.layout, len(self.items), self.edges)

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
    size = len(text.encode("utf-8", "surrogatepass")) if len(text) * 4 > MAX_FILE_BYTES else 0
    if size > MAX_FILE_BYTES:
        raise DigestError(source, f"file too large ({size} bytes, limit {MAX_FILE_BYTES})")
    try:
        return _read(text, source, default_series, max_items, profile or ALONE, vault)
    except DigestError:
        raise
    except Exception as exc:  # a parser bug must not stop the other files from loading
        log.exception("digest parser failed on %s", source)
        raise DigestError(source, f"internal parser error: {exc!r}") from exc


def _tighten(body: str) -> str:
    """``###2015-08-18`` and ``####python`` (no space after the marks) are headings: digests
    write them so; code blocks are left alone."""
    if "#" not in body:
        return body
    out, fenced = [], False
    for part in re.split(r"(\n)", body):
        if _FENCE.match(part):
            fenced = not fenced
        out.append(part if fenced else _TIGHT_HEADING.sub(r"\1 ", part))
    return "".join(out)


def _read(
    text: str,
    source: str,
    default_series: str,
    max_items: int | None,
    profile: Profile,
    vault: Vault | None,
) -> Reading:
    lines = clean(text.replace("\r\n", "\n").replace("\r", "\n")).split("\n")
    warnings: list[str] = []
    try:
        meta, body_at, kind = header(lines, warnings)
    except HeaderError as exc:
        raise DigestError(source, exc.reason, line=exc.line) from None
    body = "\n".join(without_template_tags(lines[body_at:]))
    tree = units(_tighten(links_of_vault(body, vault)), first_line=body_at + 1)
    warnings.extend(tree.warnings)
    headings = [u for u in tree.units if u.kind is Kind.HEADING]
    h1 = [u for u in headings if u.level == 1]
    top = _title_heading(tree.units, headings, h1)
    title = meta_text(meta.get("title")) or (top.first.text if top else "")
    first_heading = headings[0].first.text if headings else _first_text(tree.units)
    date_line = next((k + 1 for k in range(body_at) if lines[k].lower().startswith("date:")), 2)
    dateline = _dateline(tree.units)
    dated = edition_date(meta, title=title, heading=first_heading, source=source,
                         dateline=dateline,
                         pelican=kind == "pelican", date_line=date_line,
                         warnings=warnings)  # fmt: skip
    if dated.error:  # an impossible date: never dated some other way
        top_no = top.no if top else None
        heads = {
            "frontmatter 'date'": date_line,
            "Pelican 'Date:' line": date_line,
            "the permalink": _key_line(lines[:body_at], "permalink"),
            "the title": _key_line(lines[:body_at], "title") if meta.get("title") else top_no,
            "the first heading": headings[0].no if headings else _first_line(tree.units),
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
        and _opens(tree.units, headings[0])
    ):
        top = headings[0]  # "### 2018.08.24": the edition's date line, no section
    body_units = _without_title(tree.units, top, title)
    layout = infer(body_units, rule=profile.rule, template=profile.template, skip=profile.skip)
    if max_items is not None and len(layout.heads) > max_items:
        raise DigestError(source, too_many_items(len(layout.heads), max_items))
    items = build(body_units, layout)
    warnings.extend(layout.warnings)
    if not items:
        warnings.append("no items found" if body.strip() else "file is empty")
    elif not any(item.links for item in items):
        warnings.append("no item has a link")
    else:
        warnings.extend(f"item {it.position} has no link" for it in items if not it.links)
    if len(warnings) > MAX_WARNINGS:
        warnings[MAX_WARNINGS:] = [f"… and {len(warnings) - MAX_WARNINGS} more warnings"]
    return Reading(
        source=source,
        date=dated.date,
        date_source=dated.source,
        series=series,
        title=title,
        items=tuple(items),
        rule=layout.rule,
        skipped=tuple(tree.skipped + layout.skipped),
        warnings=tuple(warnings),
        no_date=no_date,
        no_date_line=date_line if "(frontmatter" in no_date or "(Pelican" in no_date else None,
        draft=draft_flag(meta),
        meta=tuple(meta.items()),
        issue=issue,
        issue_source=issue_source,
        layout=layout.name,
        edges=layout.edges,
    )


def _opens(found: list[Unit], heading: Unit) -> bool:
    """Whether ``heading`` comes before any text of the document."""
    for unit in found:
        if unit is heading:
            return True
        if unit.kind in (Kind.LINE, Kind.ITEM, Kind.ROW) and unit.first.text:
            return False
    return False


def _dateline(found: list[Unit]) -> str:
    """The line near the top that says when the edition was published, or ""."""
    for unit in found[:DATELINE_UNITS]:
        if unit.kind is Kind.LINE and DATELINE.match(unit.first.text):
            return unit.first.text
    return ""


def _first_text(found: list[Unit]) -> str:
    return next((u.first.text for u in found if u.kind is Kind.LINE and u.first.text), "")


def _first_line(found: list[Unit]) -> int | None:
    return next((u.no for u in found if u.kind is Kind.LINE and u.first.text), None)


def _key_line(header: list[str], key: str) -> int | None:
    """The file line of a front matter (or Pelican) key, when it has one."""
    start = key.lower() + ":"
    return next((k + 1 for k, line in enumerate(header) if line.lower().startswith(start)), None)


def _title_heading(found: list[Unit], headings: list[Unit], h1: list[Unit]) -> Unit | None:
    """The ``#`` heading that opens the document as its title: the only one; or, of several,
    the first when it is the first heading and no link follows it before the next heading
    (several ``#`` headings each over a linked story are stories, none the title)."""
    if not h1 or headings[0] is not h1[0]:
        return None
    if len(h1) == 1:
        return h1[0]
    start = found.index(h1[0]) + 1
    for unit in found[start:]:
        if unit.kind is Kind.HEADING:
            return h1[0]
        if unit.first.links:
            return None
    return h1[0]


def _without_title(found: list[Unit], top: Unit | None, title: str) -> list[Unit]:
    """The title heading, when there is one, is not a section: it reads as a blank line; so
    does a heading that says the document's title again (``# TLDR 9`` then ``## Too Long;
    Didn't Read Issue 9``, the front matter's title): what is under it is the introduction."""
    same = _plain(title)

    def is_title(unit: Unit) -> bool:
        if unit is top:
            return True
        return bool(same) and unit.kind is Kind.HEADING and _plain(unit.first.text) == same

    if top is None and not same:
        return found
    blank = [Inline("", ())]
    return [replace(u, kind=Kind.RULE, lines=blank) if is_title(u) else u for u in found]


def _plain(text: str) -> str:
    return " ".join(text.split()).casefold()


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
    if len(data) > MAX_FILE_BYTES:
        raise DigestError(source, f"file too large ({len(data)} bytes, limit {MAX_FILE_BYTES})")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = sum(1 for _ in _NEWLINES.finditer(data, 0, exc.start)) + 1
        reason = f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        raise DigestError(source, reason, line=line) from None
    return read(text, source=source, default_series=default_series, max_items=max_items,
                profile=profile, vault=vault)  # fmt: skip


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
