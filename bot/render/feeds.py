"""Editions as web feeds: Atom 1.0 and JSON Feed 1.1, and the page listing every feed (pure).

A feed is a series' or a topic's latest editions (``EDITIONS``: the latest 20; a topic's are
the latest 20 with an item in it), one entry per item, newest edition first and its items in
order. An entry carries its item's title (an untitled item: its first sentence, cut by the
cutting rule), its body (``Item.body``, the one body the bot shows everywhere) as text and as
HTML with its links named by source, its links (the first ``alternate``, the others
``related``; only http(s)), its edition's date (``published``: midnight in the bot's time
zone) and when the edition was last stored (``updated``). Ids never depend on the address a
feed was asked at: ``urn:digestbot:<series key>:item:<item id>`` (an item keeps its id while
it is unchanged). A feed with no entries is dated ``EPOCH``. Characters XML 1.0 cannot carry
(control characters, lone surrogates) become U+FFFD. What the renderer is given comes from
the store (``bot.store.feeds``); where feeds are served is ``bot.ops.feeds``.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import quote

from bot.digest.models import Edition, Item

from .cutting import shorten
from .i18n import DEFAULT_LANGUAGE
from .pieces import SENTENCE_END
from .sources import http_links, source_names

EDITIONS = 20  # the latest editions a feed carries
TITLE_CHARS = 80  # an untitled item's entry title: its first sentence, cut to this many
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)  # when a feed with no entries was updated
ATOM_NS = "http://www.w3.org/2005/Atom"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class FeedKind(StrEnum):
    SERIES = "series"
    TOPIC = "topic"
    ALERT = "alert"  # keyed by its unguessable token; on no listing


class FeedFormat(StrEnum):
    ATOM = "atom"
    JSON = "json"

    @property
    def media_type(self) -> str:
        if self is FeedFormat.ATOM:
            return "application/atom+xml; charset=utf-8"
        return "application/feed+json; charset=utf-8"


def feed_path(kind: FeedKind, key: str, fmt: FeedFormat) -> str:
    """Where a feed is served: ``/feeds/<series>.atom``, ``/feeds/topic/<key>.json``,
    ``/feeds/alert/<token>.atom`` …"""
    name = f"{quote(key, safe='')}.{fmt.value}"
    return f"/feeds/{name}" if kind is FeedKind.SERIES else f"/feeds/{kind.value}/{name}"


@dataclass(frozen=True, slots=True)
class FeedEdition:
    """An edition as a feed shows it: its items (a topic's feed: only the topic's), each with
    its id in the store (``item_ids``, in the order of ``edition.items``), the key of its series
    and when it was last stored."""

    edition: Edition
    item_ids: tuple[int, ...]
    series_key: str
    updated: dt.datetime


@dataclass(frozen=True, slots=True)
class Feed:
    """One feed: what it is, its title, where it is served from (``base``: scheme and host,
    e.g. ``https://bot.example.org``) and its editions, newest first."""

    kind: FeedKind
    key: str
    title: str
    base: str
    editions: tuple[FeedEdition, ...]
    zone: dt.tzinfo = dt.UTC  # the editions' dates are days in this zone

    def url(self, fmt: FeedFormat) -> str:
        return self.base + feed_path(self.kind, self.key, fmt)

    @property
    def id(self) -> str:
        return f"urn:digestbot:feed:{self.kind.value}:{self.key}"

    @property
    def updated(self) -> dt.datetime:
        """When the newest of its editions was stored (``EPOCH`` for an empty feed)."""
        return max((e.updated for e in self.editions), default=EPOCH)


@dataclass(frozen=True, slots=True)
class _Entry:
    id: str
    title: str
    body: str
    html: str
    links: tuple[str, ...]
    section: str
    edition: Edition
    published: dt.datetime
    updated: dt.datetime


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _title(item: Item) -> str:
    """The item's title; an untitled item's first sentence (as compact mode shows it)."""
    if item.title.strip():
        return " ".join(item.title.split())
    first = SENTENCE_END.search(item.body)
    return shorten(item.body[: first.end()] if first else item.body, TITLE_CHARS)


def _item_html(item: Item, links: Sequence[str]) -> str:
    """The body, line by line, then the links by the names of their sites."""
    lines = [html.escape(line, quote=False) for line in _clean(item.body).splitlines()]
    out = f"<p>{'<br>'.join(lines)}</p>"
    if links:
        names = source_names(list(links), DEFAULT_LANGUAGE)
        anchors = [
            f'<a href="{html.escape(url)}">{html.escape(name, quote=False)}</a>'
            for url, name in zip(links, names, strict=True)
        ]
        out += f"<p>{' · '.join(anchors)}</p>"
    return out


def _entries(feed: Feed) -> list[_Entry]:
    out = []
    for shown in feed.editions:
        edition = shown.edition
        day = dt.datetime.combine(edition.date, dt.time(), tzinfo=feed.zone)
        for item, item_id in zip(edition.items, shown.item_ids, strict=True):
            links = tuple(http_links(_clean(link) for link in item.links))
            out.append(
                _Entry(
                    id=f"urn:digestbot:{shown.series_key}:item:{item_id}",
                    title=_clean(_title(item)),
                    body=_clean(item.body),
                    html=_item_html(item, links),
                    links=links,
                    section=_clean(item.section),
                    edition=edition,
                    published=day,
                    updated=max(shown.updated, day),
                )
            )
    return out


# -- Atom 1.0 (RFC 4287) -------------------------------------------------------------------


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


def atom(feed: Feed) -> bytes:
    """The feed as an Atom 1.0 document (UTF-8)."""
    root = ET.Element("feed", {"xmlns": ATOM_NS})
    _sub(root, "id", feed.id)
    _sub(root, "title", _clean(feed.title))
    _sub(root, "updated", _time(feed.updated))
    _sub(root, "link", rel="self", type=FeedFormat.ATOM.media_type.split(";")[0],
         href=feed.url(FeedFormat.ATOM))  # fmt: skip
    _sub(root, "link", rel="alternate", type=FeedFormat.JSON.media_type.split(";")[0],
         href=feed.url(FeedFormat.JSON))  # fmt: skip
    author = _sub(root, "author")
    _sub(author, "name", _clean(feed.title))
    _sub(root, "generator", "digestbot")
    for entry in _entries(feed):
        node = _sub(root, "entry")
        _sub(node, "id", entry.id)
        _sub(node, "title", entry.title)
        _sub(node, "published", _time(entry.published))
        _sub(node, "updated", _time(entry.updated))
        for n, url in enumerate(entry.links):
            _sub(node, "link", rel="alternate" if n == 0 else "related", href=url)
        if entry.section:
            _sub(node, "category", term=entry.section)
        _sub(node, "content", entry.html, type="html")
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


# -- JSON Feed 1.1 ---------------------------------------------------------------------------


def json_feed(feed: Feed) -> bytes:
    """The feed as a JSON Feed 1.1 document (UTF-8); every link of an item, and its edition,
    are in ``_digestbot`` (the format's place for extensions)."""
    items = []
    for entry in _entries(feed):
        item: dict[str, object] = {"id": entry.id, "title": entry.title}
        if entry.links:
            item["url"] = entry.links[0]
        item |= {
            "content_text": entry.body,
            "content_html": entry.html,
            "date_published": _time(entry.published),
            "date_modified": _time(entry.updated),
        }
        if entry.section:
            item["tags"] = [entry.section]
        edition = entry.edition
        item["_digestbot"] = {
            "edition": edition.date.isoformat(),
            **({"issue": edition.issue} if edition.issue else {}),
            "series": _clean(edition.series),
            "links": list(entry.links),
        }
        items.append(item)
    doc = {
        "version": JSON_FEED_VERSION,
        "title": _clean(feed.title),
        "feed_url": feed.url(FeedFormat.JSON),
        "authors": [{"name": _clean(feed.title)}],
        "items": items,
    }
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")


# -- the listing -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Listed:
    """A feed on the listing: its kind, key and title."""

    kind: FeedKind
    key: str
    title: str


def listing(feeds: Sequence[Listed], *, base: str) -> bytes:
    """``/feeds``: a small HTML page naming every public feed with its Atom and JSON URLs (and
    ``<link rel="alternate">`` for each, so a feed reader given this page finds them)."""
    heads, rows = [], []
    for kind, heading in ((FeedKind.SERIES, "Series"), (FeedKind.TOPIC, "Topics")):
        shown = [f for f in feeds if f.kind is kind]
        if not shown:
            continue
        rows.append(f"<h2>{heading}</h2>\n<ul>")
        for f in shown:
            title = html.escape(_clean(f.title), quote=False)
            links = []
            for fmt in FeedFormat:
                url = html.escape(base + feed_path(f.kind, f.key, fmt))
                links.append(f'<a href="{url}">{url}</a>')
                media = fmt.media_type.split(";")[0]
                heads.append(
                    f'<link rel="alternate" type="{media}" title="{html.escape(_clean(f.title))}"'
                    f' href="{url}">'
                )
            rows.append(f"<li>{title}: {' · '.join(links)}</li>")
        rows.append("</ul>")
    page = [
        "<!doctype html>",
        '<html><head><meta charset="utf-8"><title>Feeds</title>',
        *heads,
        "</head><body><h1>Feeds</h1>",
        *(rows or ["<p>No feeds yet: no edition is published.</p>"]),
        "</body></html>",
    ]
    return ("\n".join(page) + "\n").encode("utf-8")
