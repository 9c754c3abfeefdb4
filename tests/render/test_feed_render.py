"""The feed renderer on text XML cannot carry as is, and on an empty feed."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET

import feedparser

from bot.digest.models import Edition, Item
from bot.render.feeds import EPOCH, Feed, FeedEdition, FeedKind, atom, json_feed

A = "{http://www.w3.org/2005/Atom}"
STORED = dt.datetime(2024, 1, 8, 1, 2, 3, tzinfo=dt.UTC)


def feed_of(*items: Item) -> Feed:
    edition = Edition(date=dt.date(2024, 1, 8), series="每日碳新闻\x01", items=items)
    shown = FeedEdition(edition, tuple(range(1, len(items) + 1)), "daily", STORED)
    return Feed(FeedKind.SERIES, "daily", "每日碳新闻\x01", "http://127.0.0.1:1", (shown,))


def test_control_characters_and_lone_surrogates_still_make_valid_feeds() -> None:
    """A backspace, a NUL and a lone surrogate in an item become U+FFFD, not broken XML."""
    item = Item(
        position=1,
        title="储能\x08电站",
        text="正文\x00含\ud800坏字符 <b>不是标签</b> & 符号",
        links=("https://example.org/a\x07",),
        section="新闻\x1f",
    )
    body = atom(feed_of(item))
    root = ET.fromstring(body)  # noqa: S314 - the renderer's own output
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    entry = root.find(f"{A}entry")
    assert entry is not None
    assert entry.findtext(f"{A}title") == "储能\ufffd电站"
    assert "&lt;b&gt;不是标签&lt;/b&gt; &amp; 符号" in entry.findtext(f"{A}content", "")
    doc = json.loads(json_feed(feed_of(item)).decode("utf-8"))
    assert (
        doc["items"][0]["content_text"]
        == "储能\ufffd电站\n正文\ufffd含\ufffd坏字符 <b>不是标签</b> & 符号"
    )


def test_an_empty_feed_is_dated_the_epoch_and_still_valid() -> None:
    """A topic with no items yet is a valid feed with no entries, dated 1970."""
    feed = Feed(FeedKind.TOPIC, "storage", "储能 · Energy storage", "http://h", ())
    parsed = feedparser.parse(atom(feed))
    assert not parsed.bozo
    assert parsed.entries == []
    assert parsed.feed.updated_parsed[:3] == EPOCH.timetuple()[:3]
    assert json.loads(json_feed(feed))["items"] == []
