"""A newsletter's feed read into editions: RSS 2.0 and Atom (feedparser), JSON Feed 1.1 (its
few fields mapped here); part of ingest, run by remote.py in a worker thread.

Each entry is an edition of the series the feed names (its title; an untitled feed's is its
host name). An entry with full content (RSS ``content:encoded``, Atom ``<content>``, JSON Feed
``content_html`` / ``content_text``) is read as a digest whose body is that HTML, by the digest
reader's own HTML reading (``bot.digest.htmlblock``): its stories are the edition's items,
found by the same layouts as in a file. An entry with only a summary (RSS ``<description>``,
Atom ``<summary>``, JSON ``summary``), or whose content holds no stories, is one item: its
title, the summary's text and the entry's link — what a feed reader shows, and where to read
the rest; unless that summary is the whole newsletter (Buttondown and some blogs put it in
``<description>``): one in which the reader finds several stories is read as content is.

The date is the entry's (``published``, else ``updated``), the day it was in the time zone the
entry writes it in (``Mon, 08 Jan 2024 23:30 -0500`` is 8 January); an entry that gives none is
dated as a file would be (its title, its address), and left out when nothing dates it (it could
not be dated the same way twice). Entries of one day in one feed are one edition, oldest first,
each story under its entry's title (unless their titles number them apart); once the older of
them scrolls out of the feed, their edition stays whole. Entries repeated with the same id
count once.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import html
import io
import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit
from xml.sax import SAXParseException

from bot.config import DigestLimits
from bot.digest import DigestError, Reading
from bot.digest.htmlblock import to_markdown
from bot.digest.models import Item

from .limits import read_digest

log = logging.getLogger(__name__)

NOT_A_FEED = (
    "not an RSS, Atom or JSON feed ({why}): check that the source's feed address is the "
    "feed itself, or ask its publisher to repair it"
)
_JSON_FEED = re.compile(r"https?://jsonfeed\.org/version/1(\.\d+)?/?")
_PLAIN_TYPES = frozenset({"text/plain", "text"})
JOINT = " / "  # between the titles of one day's entries, the title of their edition
# expat's words for a document that ends early; other slips (a stray "&", an HTML entity) are
# read past by feedparser's lenient parser, as feed readers do
_CUT_SHORT = frozenset({"no element found", "unclosed token", "unclosed CDATA section"})


@dataclass(frozen=True, slots=True)
class Entry:
    """One entry of a feed, as its format gives it."""

    id: str
    link: str
    title: str
    content: str  # the full content as HTML; "" when the entry has only a summary
    summary: str  # as HTML
    when: dt.datetime | None  # published, else updated, in the offset the entry writes


@dataclass(frozen=True, slots=True)
class Feed:
    title: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True, slots=True)
class FeedReading:
    """What a feed gives: a reading per edition (dated, newest last), and each entry that
    could not be read (too many items, say) with why."""

    series: str
    readings: tuple[Reading, ...]
    errors: tuple[DigestError, ...] = ()


def read_feed(data: bytes, *, source: str, limits: DigestLimits) -> FeedReading:
    """The editions of the feed ``data`` fetched from ``source``; DigestError (naming the
    source and the fix) when it is no feed at all."""
    feed = parse_feed(data, source=source)
    series = feed.title or urlsplit(source).hostname or ""  # an untitled feed: its host's
    readings: dict[tuple[dt.date, int], list[tuple[Entry, Reading]]] = {}
    errors = []
    undated = 0
    for entry in _oldest_first(feed.entries):
        try:
            reading = _read_entry(entry, series, source=source, limits=limits)
        except DigestError as exc:
            errors.append(exc)
            continue
        if reading.date is None:
            undated += 1
            continue
        readings.setdefault((reading.date, reading.issue or 0), []).append((entry, reading))
    if undated:
        log.warning("%s: %d entries with no date left out", source, undated)
    days = tuple(_one_day(found) for _, found in sorted(readings.items()))
    return FeedReading(series, days, tuple(errors))


def parse_feed(data: bytes, *, source: str) -> Feed:
    """The feed's title and entries (JSON Feed by its first character, else RSS or Atom)."""
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":
        return _json_feed(data, source)
    import feedparser  # 50 ms to load: by the first feed, not by every start

    parsed = feedparser.parse(
        io.BytesIO(data),  # bytes, never a name: feedparser would open a path or a URL
        response_headers={"content-location": source},
        sanitize_html=True,
    )
    version = parsed.get("version", "")
    exc = parsed.get("bozo_exception")
    cut = isinstance(exc, SAXParseException) and exc.getMessage() in _CUT_SHORT
    if not version or cut:  # a feed cut short would make its last entry a shorter one
        raise DigestError(source, NOT_A_FEED.format(why=_bozo(parsed)))
    return Feed(
        title=_text(parsed.feed.get("title", "")),
        entries=tuple(_xml_entry(e) for e in parsed.entries),
    )


def _bozo(parsed: Any) -> str:
    """Why feedparser found no feed: the XML error and its line, or that it found none."""
    exc = parsed.get("bozo_exception")
    if not isinstance(exc, SAXParseException):
        return "no RSS channel or Atom feed in it"
    return f"line {exc.getLineNumber()}: {' '.join(exc.getMessage().split())}"


def _xml_entry(e: Any) -> Entry:
    contents = e.get("content") or []
    full = next((c for c in contents if c.get("type") not in _PLAIN_TYPES), None)
    plain = next((c for c in contents if c.get("type") in _PLAIN_TYPES), None)
    content = full["value"] if full else _as_html(plain["value"]) if plain else ""
    summary = e.get("summary", "")
    if e.get("summary_detail", {}).get("type") in _PLAIN_TYPES:
        summary = _as_html(summary)
    if content and summary == content:  # feedparser copies the content into the summary
        summary = ""
    when = _when(e.get("published"), e.get("published_parsed"))
    when = when or _when(e.get("updated"), e.get("updated_parsed"))
    link = e.get("link", "")
    return Entry(e.get("id") or link, link, _text(e.get("title", "")), content, summary, when)


def _json_feed(data: bytes, source: str) -> Feed:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise DigestError(source, NOT_A_FEED.format(why="not UTF-8")) from None
    except json.JSONDecodeError as exc:
        why = f"line {exc.lineno}: {exc.msg}"
        raise DigestError(source, NOT_A_FEED.format(why=why)) from None
    if not isinstance(doc, dict) or not _JSON_FEED.fullmatch(str(doc.get("version", ""))):
        raise DigestError(source, NOT_A_FEED.format(why="JSON without a JSON Feed version"))
    items = doc.get("items")
    if not isinstance(items, list):
        raise DigestError(source, NOT_A_FEED.format(why="a JSON Feed without items"))
    entries = [_json_entry(item) for item in items if isinstance(item, dict)]
    return Feed(_text(_str(doc, "title")), tuple(entries))


def _json_entry(item: Mapping[str, Any]) -> Entry:
    content = _str(item, "content_html") or _as_html(_str(item, "content_text"))
    summary = _as_html(_str(item, "summary"))
    when = _when(_str(item, "date_published")) or _when(_str(item, "date_modified"))
    link = _str(item, "url") or _str(item, "external_url")
    return Entry(_str(item, "id") or link, link, _text(_str(item, "title")), content, summary,
                 when)  # fmt: skip


def _str(doc: Mapping[str, Any], key: str) -> str:
    value = doc.get(key)
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""


def _when(written: str | None, parsed: Any = None) -> dt.datetime | None:
    """A timestamp as written (RFC 822 or RFC 3339), keeping its offset; feedparser's UTC
    reading of it when the text is in another shape; None without either."""
    if written:
        text = written.strip()
        try:
            found = dt.datetime.fromisoformat(text)
        except ValueError:
            try:
                found = email.utils.parsedate_to_datetime(text)
            except (TypeError, ValueError, IndexError):
                found = None
        if found is not None:
            return found if found.tzinfo else found.replace(tzinfo=dt.UTC)
    if parsed:
        year, month, day, hour, minute, second = parsed[:6]
        return dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC)
    return None


def _as_html(text: str) -> str:
    """Plain text as HTML: its blank lines part paragraphs."""
    parts = (p.strip() for p in re.split(r"\n\s*\n", text))
    return "".join(f"<p>{html.escape(p)}</p>" for p in parts if p)


def _oldest_first(entries: Sequence[Entry]) -> list[Entry]:
    seen: set[str] = set()
    once = []
    for entry in entries:
        if entry.id and entry.id in seen:
            continue
        seen.add(entry.id)
        once.append(entry)
    once.reverse()  # feeds list the newest first: ties stay oldest first
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(once, key=lambda e: e.when or far)


def _read_entry(entry: Entry, series: str, *, source: str, limits: DigestLimits) -> Reading:
    """One entry as a digest: front matter from the entry, its content's HTML as the body."""
    head: dict[str, str] = {"title": entry.title}
    if entry.when is not None:
        head["date"] = entry.when.date().isoformat()
    if series:
        head["series"] = series
    body = to_markdown(entry.content or entry.summary)
    text = f"---\n{json.dumps(head, ensure_ascii=False)}\n---\n\n{body}\n"
    where = entry.link or f"{source}#{entry.id}"
    reading = read_digest(text.encode("utf-8", "surrogatepass"), source=where, limits=limits)
    if len(reading.items) >= (1 if entry.content else 2):  # a "summary" that is the newsletter
        return reading
    item = Item(1, _plain(entry.summary or entry.content), _links(entry.link), title=entry.title)
    if not item.text and not item.title and not item.links:
        return replace(reading, date=None)  # nothing to read: left out like an undated one
    return replace(reading, items=(item,))


def _links(link: str) -> tuple[str, ...]:
    return (link,) if link.startswith(("http://", "https://")) else ()


def _one_day(found: list[tuple[Entry, Reading]]) -> Reading:
    """The entries of one day as one edition: each story under its entry's title."""
    if len(found) == 1:
        return found[0][1]
    items: list[Item] = []
    for entry, reading in found:
        for item in reading.items:
            section = item.section or entry.title
            items.append(replace(item, position=len(items) + 1, section=section))
    first = found[0][1]
    title = JOINT.join(dict.fromkeys(r.title for _, r in found if r.title))
    return replace(first, items=tuple(items), title=title)


def fewer_entries(stored: str, title: str) -> bool:
    """Whether a day's edition titled ``title`` holds fewer of that day's entries than the one
    stored as ``stored`` did: the older ones scrolled out of the feed (feeds list their latest
    entries only), they were not withdrawn."""
    return set(title.split(JOINT)) < set(stored.split(JOINT))


_INLINE = frozenset(
    {"a", "b", "strong", "i", "em", "u", "s", "span", "code", "small", "sub", "sup", "mark"}
)


class _Text(HTMLParser):
    """The text of some HTML: a space where a block (or a line break) was."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.skip += tag in ("script", "style")
        self.parts.append(" " if tag not in _INLINE else "")

    def handle_endtag(self, tag: str) -> None:
        self.skip -= tag in ("script", "style") and self.skip > 0
        self.parts.append(" " if tag not in _INLINE else "")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def _plain(markup: str) -> str:
    """The text of some HTML, on one line."""
    reader = _Text()
    reader.feed(markup)
    reader.close()
    return " ".join("".join(reader.parts).split())


def _text(value: object) -> str:
    """A title: feedparser gives it with entities decoded; one line."""
    return " ".join(str(value).split()) if isinstance(value, str) else ""
