"""Parse one markdown digest (a day's edition) into an Edition (pure: stdlib, yaml, models).

Layout rules: a level-2+ heading that opens with a link or is numbered in sequence is an
item whose body runs to the next heading of its level or higher (unless item headings sit
under it: then it is a section). Elsewhere, numbered lines that continue the numbering (next
number, 1 to restart, a small jump in the same style with a warning; one style per section)
are items. Top-level bullets are items in sections with no other items when they carry links,
or in a document with no numbered or heading items at all. Line numbers are the file's.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from frontmatter.default_handlers import YAMLHandler

from bot.editiondate import bad_date, edition_date, edition_series, meta_text
from bot.mdtext import Inline, Line, clean, inline, lex, ref_label
from bot.models import Edition, Item

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 8 * 1024 * 1024
_MAX_FRONTMATTER_LINES = 2000  # a longer block is not frontmatter
_FM = YAMLHandler()
_MAX_WARNINGS = 100

try:
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]


class _Loader(_BaseLoader):
    """Safe YAML, but timestamps stay strings: a date is read as written, never shifted."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}


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


_NEWLINES = re.compile(rb"\r\n|\r|\n")
_TITLE_END = re.compile(r"[ \t*_]*(?:$|[：:|(（—–]|-[ \t])")
_BOLD_LEAD = re.compile(r"\*\*(\S.{0,300}?)([：:]?)\*\*[ \t]*($|[：:—–]|-[ \t])?")
_META = re.compile(  # item body lines that are metadata, not reading
    r"(?i:来源|出处|链接|原文链接|原文地址|阅读原文|详见|发布时间|发布日期|分类|AI ?评分|评分"
    r"|source|link|url|published|category)[ \t]?[：:]"
)
_SUMMARY = re.compile(r"(?:摘要|概要|简介|summary)[ \t]?[：:][ \t]*", re.IGNORECASE)
_MACHINE_TIME = re.compile(
    r" ?[·|]? ?\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?"
)
_WIDE = re.compile("[\u2e80-\u9fff\uff00-\uffef“”‘’]")
_ARABIC = ("arabic", "close", "paren")


@dataclass(frozen=True, slots=True)
class _Layout:
    """Where the items start and which lines belong to which heading item or section."""

    heads: frozenset[int]
    starts: frozenset[int]
    prose: frozenset[int]  # numbered lines that do not continue the numbering: plain text
    owner: tuple[int, ...]  # index of the heading item whose body holds the line, or -1
    top: tuple[bool, ...]  # list line at its section's outermost indentation


@dataclass(frozen=True, slots=True)
class _Draft:
    """An item being collected: its first line and the body lines the walk gives it."""

    idx: int
    first: Line
    heading: bool
    section: str
    body: list[Line] = field(default_factory=list)


class _TooMany(Exception):
    """More items than the limit: raised as soon as they are counted, before any is read."""

    def __init__(self, count: int, limit: int) -> None:
        super().__init__(count, limit)
        self.count, self.limit = count, limit


def too_many_items(count: int, limit: int) -> str:
    return (
        f"{count} items, more than digests.max_items ({limit}) allows: "
        "split the file, or raise digests.max_items"
    )


def parse(
    text: str,
    *,
    source: str = "<text>",
    default_series: str = "",
    max_items: int | None = None,
) -> Edition:
    """Read one digest; raise DigestError (naming ``source``) when it yields no edition, or
    more than ``max_items`` items (counted before they are read, so a huge file fails fast)."""
    size = len(text.encode("utf-8", "surrogatepass")) if len(text) * 4 > MAX_FILE_BYTES else 0
    if size > MAX_FILE_BYTES:
        raise DigestError(source, f"file too large ({size} bytes, limit {MAX_FILE_BYTES})")
    try:
        return _parse(text, source, default_series, max_items)
    except _TooMany as exc:
        raise DigestError(source, too_many_items(exc.count, exc.limit)) from None
    except DigestError:
        raise
    except Exception as exc:  # a parser bug must not stop the other files from loading
        log.exception("digest parser failed on %s", source)
        raise DigestError(source, f"internal parser error: {exc!r}") from exc


def parse_bytes(
    data: bytes, *, source: str, default_series: str = "", max_items: int | None = None
) -> Edition:
    """Read a UTF-8 digest (a BOM is fine); undecodable bytes are an error with a line."""
    if len(data) > MAX_FILE_BYTES:
        raise DigestError(source, f"file too large ({len(data)} bytes, limit {MAX_FILE_BYTES})")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = sum(1 for _ in _NEWLINES.finditer(data, 0, exc.start)) + 1
        reason = f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        raise DigestError(source, reason, line=line) from None
    return parse(text, source=source, default_series=default_series, max_items=max_items)


def parse_file(path: Path, *, default_series: str = "", max_items: int | None = None) -> Edition:
    """Read a digest file; unreadable, too large or undecodable files raise DigestError."""
    source = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise DigestError(source, f"file too large ({size} bytes, limit {MAX_FILE_BYTES})")
        data = path.read_bytes()
    except OSError as exc:
        raise DigestError(source, f"cannot read file: {exc.strerror or exc}") from None
    return parse_bytes(data, source=source, default_series=default_series, max_items=max_items)


def _parse(text: str, source: str, default_series: str, max_items: int | None) -> Edition:
    lines = clean(text.replace("\r\n", "\n").replace("\r", "\n")).split("\n")
    warnings: list[str] = []
    meta, body_at = _frontmatter(lines, warnings)
    parsed = lex(body := lines[body_at:], body_at + 1, warnings)
    refs = {ref_label(ln.content): ln.raw for ln in reversed(parsed) if ln.kind == "ref"}
    h1 = [ln for ln in parsed if ln.kind == "heading" and ln.level == 1]
    title = meta_text(meta.get("title")) or (inline(h1[0].raw).text if h1 else "")
    heading = next((ln.raw for ln in parsed if ln.kind == "heading"), "")
    places = [meta_text(meta.get("permalink")), title, Path(source).name, heading]
    date_line = next((k + 1 for k in range(body_at) if lines[k].startswith("date:")), 2)
    date = edition_date(meta, places, date_line, warnings)
    if date is None:
        if (why := bad_date(meta_text(meta.get("date")), compact=True)) is not None:
            raise DigestError(source, f"{why} (frontmatter 'date')", line=date_line)
        names = ("permalink", "title", "file name", "first heading")
        for name, place in zip(names, places, strict=True):
            if (why := bad_date(place, compact=name == "file name")) is not None:
                raise DigestError(source, f"{why} (in the {name})")
        where = "frontmatter 'date', permalink, title, file name or first heading"
        raise DigestError(source, f"no date: none in the {where}")
    series = edition_series(meta, title) or default_series
    if len(h1) == 1:  # the document's title, not a section
        parsed = [replace(ln, kind="blank") if ln is h1[0] else ln for ln in parsed]
    items = _items(parsed, refs, warnings, max_items)
    if not items:
        warnings.append("no items found" if any(body) else "file is empty")
    elif not any(item.links for item in items):
        warnings.append("no item has a link")
    else:
        warnings.extend(f"item {it.position} has no link" for it in items if not it.links)
    if len(warnings) > _MAX_WARNINGS:
        warnings[_MAX_WARNINGS:] = [f"… and {len(warnings) - _MAX_WARNINGS} more warnings"]
    return Edition(date, series, tuple(items), title, source, tuple(warnings))


def _frontmatter(lines: list[str], warnings: list[str]) -> tuple[dict[str, object], int]:
    """The frontmatter mapping and the index of the first body line."""
    text = "\n".join(lines[:_MAX_FRONTMATTER_LINES])
    if not _FM.detect(text):
        return {}, 0
    try:
        block, content = _FM.split(text)
    except ValueError:  # no closing "---"
        warnings.append("line 1: frontmatter is never closed, read as text")
        return {}, 0
    body_at = text.count("\n", 0, len(text) - len(content))
    data = None
    try:
        data = _FM.load(block, Loader=_Loader)
    except Exception as exc:  # YAMLError, or a constructor's ValueError/RecursionError
        mark = getattr(exc, "problem_mark", None)
        line = 2 + mark.line if mark is not None else 2
        warnings.append(f"line {line}: frontmatter is not valid YAML, ignored")
    if data is not None and not isinstance(data, dict):
        warnings.append("line 2: frontmatter is not a mapping of keys to values, ignored")
    return ({str(k): v for k, v in data.items()} if isinstance(data, dict) else {}), body_at


class _Numbering:
    """The running number of each numbering style (it continues across sections)."""

    def __init__(self, warnings: list[str]) -> None:
        self.last: dict[str, tuple[int, str]] = {}  # style → (number, punctuation)
        self.warnings = warnings

    def accept(self, key: str, ln: Line) -> bool:
        prev, punct = self.last.get(key, (0, ln.punct))
        if ln.num not in (1, prev + 1):
            if not prev + 1 < ln.num <= prev + 5 or punct != ln.punct:
                if 1 < ln.num <= prev:
                    why = f"{ln.num} does not continue the numbering after {prev}, read as text"
                    self.warnings.append(f"line {ln.no}: {why}")
                return False
            jump = f"jumps from {prev} to {ln.num}" if prev else f"starts at {ln.num}"
            self.warnings.append(f"line {ln.no}: numbering {jump}")
        self.last[key] = (ln.num, ln.punct)
        return True


def _layout(lines: list[Line], refs: Mapping[str, str], warnings: list[str]) -> _Layout:
    numbering = _Numbering(warnings)
    heads = _heading_items(lines, refs, numbering)
    scope, owner = _scopes(lines, heads)
    base: dict[int, int] = {}  # each section's outermost list indentation
    for idx, ln in enumerate(lines):
        if ln.kind in ("number", "bullet") and owner[idx] < 0:
            base[scope[idx]] = min(base.get(scope[idx], 3), ln.indent)
    top = tuple(
        ln.kind in ("number", "bullet", "text", "quote")
        and owner[k] < 0
        and ln.indent <= base.get(scope[k], 0) + 1
        for k, ln in enumerate(lines)
    )
    starts: set[int] = set()
    prose: set[int] = set()  # "2023. A man…" wrapped onto a line of its own: text
    style: dict[int, str] = {}  # one numbering style per section
    for idx, ln in enumerate(lines):
        if ln.kind != "number" or not top[idx] or style.get(scope[idx], ln.family) != ln.family:
            continue
        if numbering.accept(ln.family, ln):
            starts.add(idx)
            style[scope[idx]] = ln.family
        else:
            prose.add(idx)
    # bullets: items in sections without other items if they carry links (see module doc)
    taken = {scope[k] for k in heads | starts}
    bullets: dict[int, list[int]] = {}
    linked: set[int] = set()
    for idx, ln in enumerate(lines):
        if ln.kind == "bullet" and top[idx] and scope[idx] not in taken:
            bullets.setdefault(scope[idx], []).append(idx)
            if "http" in ln.content.lower() and inline(ln.content, refs).links:
                linked.add(scope[idx])
    for sid in linked or (set() if heads or starts else set(bullets)):
        starts.update(bullets[sid])
    return _Layout(frozenset(heads), frozenset(starts), frozenset(prose), owner, top)


def _heading_items(lines: list[Line], refs: Mapping[str, str], numbering: _Numbering) -> set[int]:
    """Level 2+ headings opening with a link or numbered in sequence (not over item headings)."""
    cands: set[int] = set()
    demote: set[int] = set()
    stack: list[int] = []  # the open headings
    for idx, ln in enumerate(lines):
        if ln.kind == "section":
            stack.clear()
        if ln.kind != "heading":
            continue
        while stack and lines[stack[-1]].level >= ln.level:
            stack.pop()
        numbered = ln.level > 1 and ln.num > 0 and numbering.accept(f"h{ln.level}", ln)
        if numbered or (ln.level > 1 and inline(ln.content, refs).lead is not None):
            cands.add(idx)
            demote.update(s for s in stack if s in cands)
        stack.append(idx)
    return cands - demote


def _scopes(lines: list[Line], heads: set[int]) -> tuple[list[int], tuple[int, ...]]:
    """Per line: its section's number, and the heading item whose body holds it (or -1)."""
    scope: list[int] = []
    owner: list[int] = []
    current, sid = -1, 0
    for idx, ln in enumerate(lines):
        if ln.kind == "section":
            current, sid = -1, sid + 1
        elif ln.kind == "heading":
            if current >= 0 and ln.level <= lines[current].level:
                current = -1
            if idx in heads:
                current = idx
            elif current < 0:
                sid += 1
        scope.append(sid)
        owner.append(current)
    return scope, tuple(owner)


def _section_lines(lines: list[Line]) -> list[Line]:
    """``一、`` / ``（一）`` lines are sections when arabic numbered lists follow them."""
    cn = [k for k, ln in enumerate(lines) if ln.kind == "number" and ln.family.startswith("cn")]
    nested = cn and any(ln.family in _ARABIC and ln.num == 1 for ln in lines[cn[0] :])
    outline = set(cn) if nested else set()
    return [replace(ln, kind="section") if k in outline else ln for k, ln in enumerate(lines)]


def _items(
    lines: list[Line], refs: Mapping[str, str], warnings: list[str], max_items: int | None
) -> list[Item]:
    lines = _section_lines(lines)
    layout = _layout(lines, refs, warnings)
    found = len(layout.heads | layout.starts)
    if max_items is not None and found > max_items:
        raise _TooMany(found, max_items)
    drafts: list[_Draft] = []
    section = ""
    draft: _Draft | None = None
    after_blank = False
    for idx, ln in enumerate(lines):
        if idx in layout.prose:
            ln = replace(ln, kind="text", content=ln.raw)
        if idx in layout.heads or idx in layout.starts:
            draft = _Draft(idx, ln, idx in layout.heads, section)
            drafts.append(draft)
            after_blank = False
        elif ln.kind in ("heading", "section"):
            if draft is not None and draft.heading and layout.owner[idx] == draft.idx:
                draft.body.append(ln)  # a sub-heading inside a heading item
            else:
                draft = None
                section = inline(ln.raw, refs).text
        elif draft is None:
            continue
        elif draft.heading or ln.kind not in ("text", "quote") or not after_blank:
            draft.body.append(ln)
            after_blank = ln.kind == "blank" or (after_blank and ln.kind == "ref")
        elif not layout.top[idx] or _attachable(ln, refs):
            draft.body.append(ln)  # an indented paragraph, or a source line after a blank
            after_blank = False
        else:
            draft = None  # an unindented paragraph after a blank line ends the list item
    items: list[Item] = []
    for d in drafts:
        title, text, links = _render(d, refs)
        if not text and not links:
            warnings.append(f"line {d.first.no}: empty item skipped")
            continue
        items.append(Item(len(items) + 1, text, links, d.section, title))
    return items


def _attachable(ln: Line, refs: Mapping[str, str]) -> bool:
    """A line that only holds a link (or a 来源/链接 label) after a blank: still the item's."""
    il = inline(ln.content, refs)
    alone = il.lead is not None and not ln.content[il.lead_end :].strip(" \t*_")
    return not il.text or alone or _META.match(il.text) is not None


def _render(d: _Draft, refs: Mapping[str, str]) -> tuple[str, str, tuple[str, ...]]:
    """(title, text, links) of a collected item."""
    content = d.first.content
    head = inline(content, refs)
    title = _title(content, head, heading=d.heading)
    links: dict[str, None] = dict.fromkeys(head.links)
    blocks: list[str] = [head.text, ""] if d.heading else [head.text]
    for ln in d.body:
        if ln.kind in ("blank", "ref"):
            blocks.append("")
            continue
        il = inline(ln.content, refs)
        links.update(dict.fromkeys(il.links))
        text = il.text[m.end() :] if (m := _SUMMARY.match(il.text)) else il.text
        if not text or _META.match(text):
            continue
        if ln.kind in ("number", "bullet", "heading") or not blocks[-1]:
            blocks.append(text)
        else:
            blocks[-1] = _join(blocks[-1], text)
    tidy = (_MACHINE_TIME.sub("", b).strip().lstrip("—–|·:：,， ") for b in blocks)
    body = "\n".join(b for b in tidy if b)
    return title, body, tuple(links)


def _title(content: str, head: Inline, *, heading: bool) -> str:
    if head.lead is not None and (heading or _TITLE_END.match(content, head.lead_end)):
        return head.lead
    if heading:
        return head.text
    m = _BOLD_LEAD.match(content)
    if m is not None and (m.group(2) or m.group(3) is not None):
        return inline(m.group(1), {}).text
    return ""


def _join(before: str, after: str) -> str:
    """Join wrapped lines: Chinese wraps without a space, other scripts with one."""
    wide = _WIDE.match(before[-1]) or _WIDE.match(after[0])
    return before + after if wide else f"{before} {after}"
