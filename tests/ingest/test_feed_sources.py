"""Newsletter feeds as sources (``[[sources]] feed``): RSS 2.0, Atom and JSON Feed served by a
local aiohttp server (test_remote's), polled like remote markdown digests."""

# test_remote's fixtures (remote, session, store) are imported, then named as parameters
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from test_remote import Remote, Reply, remote, session, store  # noqa: F401 - fixtures

from bot.config import ConfigError, DigestLimits, Source, SourceKind, load_config
from bot.digest.models import Edition
from bot.ingest.fetching import FEED_HTML
from bot.ingest.remote import RemoteReport, fetch_sources
from bot.store.database import Store
from bot.store.gateway import Db

NOW = dt.datetime(2024, 1, 10, 9, 0, tzinfo=dt.UTC)
RSS_TYPE = "application/rss+xml; charset=utf-8"
ATOM_TYPE = "application/atom+xml"
JSON_TYPE = "application/feed+json"
GMT = "Wed, 10 Jan 2024 06:00:00 GMT"

STORIES = """<p>Good morning, and welcome to this week's issue.</p>
<h3><a href="https://example.org/eu-ets">EU carbon price passes €80</a></h3>
<p>The EU ETS price rose for a third week as the {word} tightened.</p>
<h3><a href="https://example.org/ccer">China restarts CCER trading</a></h3>
<p>The voluntary market reopens after six years.</p>
<h3><a href="https://example.org/storage">Grid storage doubles in 2023</a></h3>
<p>Battery installations outpaced forecasts.</p>
<div class="subscription-widget-wrap"><p>Thanks for reading! Subscribe for free.</p></div>"""


def substack(word: str = "cap") -> str:
    """A Substack-shaped RSS 2.0 feed: CDATA, content:encoded, a pubDate at -0500."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss xmlns:dc="http://purl.org/dc/elements/1.1/"
  xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:atom="http://www.w3.org/2005/Atom" version="2.0">
<channel>
<title><![CDATA[Carbon Weekly]]></title>
<description><![CDATA[Climate markets, every week]]></description>
<link>https://carbonweekly.substack.com</link>
<generator>Substack</generator>
<lastBuildDate>Wed, 10 Jan 2024 05:00:00 GMT</lastBuildDate>
<atom:link href="https://carbonweekly.substack.com/feed" rel="self" type="application/rss+xml"/>
<item>
<title><![CDATA[Carbon prices, CCER and storage]]></title>
<description><![CDATA[The EU price, China's CCER and a storage record.]]></description>
<link>https://carbonweekly.substack.com/p/carbon-prices-ccer</link>
<guid isPermaLink="false">https://carbonweekly.substack.com/p/carbon-prices-ccer</guid>
<dc:creator><![CDATA[Jane Doe]]></dc:creator>
<pubDate>Mon, 08 Jan 2024 23:30:00 -0500</pubDate>
<content:encoded><![CDATA[{STORIES.format(word=word)}]]></content:encoded>
</item>
<item>
<title><![CDATA[Hydrogen special]]></title>
<description><![CDATA[Three hydrogen stories.]]></description>
<link>https://carbonweekly.substack.com/p/hydrogen-special</link>
<guid isPermaLink="false">https://carbonweekly.substack.com/p/hydrogen-special</guid>
<pubDate>Tue, 02 Jan 2024 12:00:00 GMT</pubDate>
<content:encoded><![CDATA[<ul>
<li><a href="https://example.org/h2-a">Green hydrogen plant opens</a> in Inner Mongolia.</li>
<li><a href="https://example.org/h2-b">Hydrogen trucks</a> cross 10,000 units.</li>
</ul>]]></content:encoded>
</item>
</channel>
</rss>
"""


ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Ghost Notes</title>
  <id>https://ghost.example/</id>
  <link rel="alternate" href="https://ghost.example/"/>
  <updated>2024-01-08T09:00:00+08:00</updated>
  <entry>
    <title>Issue three: solar and wind</title>
    <id>https://ghost.example/issue-3/</id>
    <link rel="alternate" href="https://ghost.example/issue-3/"/>
    <published>2024-01-08T07:30:00+08:00</published>
    <updated>2024-01-08T09:00:00+08:00</updated>
    <content type="html">&lt;h2&gt;Solar&lt;/h2&gt;
&lt;ol&gt;&lt;li&gt;&lt;a href="/solar-record/"&gt;Solar output record&lt;/a&gt;
in Qinghai.&lt;/li&gt;
&lt;li&gt;&lt;a href="https://example.org/perovskite"&gt;Perovskite cells&lt;/a&gt;
reach 26%.&lt;/li&gt;&lt;/ol&gt;
&lt;h2&gt;Wind&lt;/h2&gt;
&lt;ol&gt;&lt;li&gt;&lt;a href="https://example.org/offshore"&gt;Offshore wind auction&lt;/a&gt;
in Guangdong.&lt;/li&gt;&lt;/ol&gt;</content>
  </entry>
  <entry>
    <title>A short note on heat pumps</title>
    <id>https://ghost.example/heat-pumps/</id>
    <link rel="alternate" href="https://ghost.example/heat-pumps/"/>
    <updated>2024-01-05T10:00:00Z</updated>
    <summary type="html">Heat pump sales &lt;b&gt;fell&lt;/b&gt; in Europe last year.</summary>
  </entry>
</feed>
"""

JSON_FEED = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "Static Notes",
    "home_page_url": "https://static.example/",
    "feed_url": "https://static.example/feed.json",
    "items": [
        {
            "id": "2024-01-07",
            "url": "https://static.example/2024/01/07/",
            "title": "Weekend links",
            "content_html": (
                '<ul><li><a href="https://example.org/ev">EV sales</a> rose 30%.</li>'
                '<li><a href="https://example.org/coal">Coal output</a> hit a record.</li></ul>'
            ),
            "date_published": "2024-01-07T22:00:00-08:00",
        },
    ],
}


async def poll(
    store: Store, session: aiohttp.ClientSession, *urls: str, **options: Any
) -> RemoteReport:
    options.setdefault("now", NOW)
    options.setdefault("backoff", 0.0)
    options.setdefault("timeout", 2.0)
    db = Db.wrap(store)
    try:
        sources = [Source(u, SourceKind.FEED) for u in urls]
        return await fetch_sources(db, sources, session=session, **options)
    finally:
        await db.close(store=False)


def on(store: Store, day: dt.date) -> Edition:
    [edition] = store.editions.editions_on(day)
    return edition


def stories(edition: Edition) -> list[tuple[str, tuple[str, ...]]]:
    return [(item.title, item.links) for item in edition.items]


async def test_a_substack_feed_gives_an_edition_per_entry(
    store: Store, remote: Remote, session: aiohttp.ClientSession
) -> None:
    """Each entry of an RSS 2.0 feed with content:encoded is an edition of the feed's series,
    dated by its pubDate in the zone it is written in; its stories are the HTML's."""
    url = remote.serve("/feed", Reply(substack(), content_type=RSS_TYPE))
    report = await poll(store, session, url)
    assert report.errors == []
    assert sorted(k.date for k in report.new) == [dt.date(2024, 1, 2), dt.date(2024, 1, 8)]
    edition = on(store, dt.date(2024, 1, 8))  # 23:30 at -0500: the 9th in UTC, the 8th there
    assert edition.series == "Carbon Weekly"
    assert edition.title == "Carbon prices, CCER and storage"
    assert stories(edition) == [
        ("EU carbon price passes €80", ("https://example.org/eu-ets",)),
        ("China restarts CCER trading", ("https://example.org/ccer",)),
        ("Grid storage doubles in 2023", ("https://example.org/storage",)),
    ]
    assert "rose for a third week as the cap tightened" in edition.items[0].text
    hydrogen = on(store, dt.date(2024, 1, 2))
    assert stories(hydrogen) == [
        ("Green hydrogen plant opens", ("https://example.org/h2-a",)),
        ("Hydrogen trucks", ("https://example.org/h2-b",)),
    ]
    assert store.editions.edition_source(edition.key) == url
    assert [s.name for s in store.series.all_series() if s.id == edition.series_id] == [
        "Carbon Weekly"
    ]


async def test_an_atom_feed_and_an_entry_with_only_a_summary(
    store: Store, remote: Remote, session: aiohttp.ClientSession
) -> None:
    """Atom <content type="html"> is read as stories (relative links against the feed's
    address, as Atom says); a summary-only entry is one item: title, summary, link."""
    url = remote.serve("/atom.xml", Reply(ATOM, content_type=ATOM_TYPE))
    report = await poll(store, session, url)
    assert report.errors == []
    issue = on(store, dt.date(2024, 1, 8))  # 07:30 at +08:00: still the 8th
    assert issue.series == "Ghost Notes"
    assert [(i.section, i.title, i.links) for i in issue.items] == [
        ("Solar", "Solar output record", (f"{remote.base}/solar-record/",)),
        ("Solar", "Perovskite cells", ("https://example.org/perovskite",)),
        ("Wind", "Offshore wind auction", ("https://example.org/offshore",)),
    ]
    note = on(store, dt.date(2024, 1, 5))  # no <published>: dated by <updated>
    [item] = note.items
    assert item.title == "A short note on heat pumps"
    assert item.text == "Heat pump sales fell in Europe last year."
    assert item.links == ("https://ghost.example/heat-pumps/",)


async def test_a_json_feed(store: Store, remote: Remote, session: aiohttp.ClientSession) -> None:
    """A JSON Feed 1.1 item's content_html is an edition dated by date_published."""
    url = remote.serve("/feed.json", Reply(json.dumps(JSON_FEED), content_type=JSON_TYPE))
    report = await poll(store, session, url)
    assert report.errors == []
    edition = on(store, dt.date(2024, 1, 7))  # 22:00 at -08:00: the 8th in UTC
    assert (edition.series, edition.title) == ("Static Notes", "Weekend links")
    assert stories(edition) == [
        ("EV sales", ("https://example.org/ev",)),
        ("Coal output", ("https://example.org/coal",)),
    ]


async def test_an_untitled_feed_is_the_series_of_its_host(
    store: Store, remote: Remote, session: aiohttp.ClientSession
) -> None:
    """A feed with no title files its entries under its host's name, not the bot's own."""
    untitled = {k: v for k, v in JSON_FEED.items() if k != "title"}
    url = remote.serve("/feed.json", Reply(json.dumps(untitled), content_type=JSON_TYPE))
    await poll(store, session, url)
    edition = on(store, dt.date(2024, 1, 7))
    assert edition.series == "127.0.0.1"
    assert store.series.number_of("series:127.0.0.1") == edition.series_id


async def test_a_second_poll_is_conditional_and_304_changes_nothing(
    store: Store, remote: Remote, session: aiohttp.ClientSession
) -> None:
    """The next poll sends If-None-Match and If-Modified-Since; the 304 is no change."""
    reply = Reply(substack(), content_type=RSS_TYPE, etag='"v1"', last_modified=GMT)
    url = remote.serve("/feed", reply)
    await poll(store, session, url)
    report = await poll(store, session, url)
    (first, _), (second, status) = remote.requests("/feed")
    assert "If-None-Match" not in first
    assert (second.get("If-None-Match"), second.get("If-Modified-Since")) == ('"v1"', GMT)
    assert status == 304
    assert (report.new, report.changed, report.errors, report.unchanged) == ([], [], [], 1)


async def test_a_changed_entry_corrects_its_edition(
    store: Store, remote: Remote, session: aiohttp.ClientSession
) -> None:
    """The same entry with new content changes its edition (a correction); its other
    editions and its unchanged stories stay as they were."""
    url = remote.serve("/feed", Reply(substack(), content_type=RSS_TYPE))
    await poll(store, session, url)
    before = on(store, dt.date(2024, 1, 8))
    ids = store.editions.item_ids(before.key)
    remote.serve("/feed", Reply(substack(word="supply cap"), content_type=RSS_TYPE))
    report = await poll(store, session, url)
    assert [k.date for k in report.changed] == [dt.date(2024, 1, 8)]
    assert report.new == []
    after = on(store, dt.date(2024, 1, 8))
    assert "as the supply cap tightened" in after.items[0].text
    assert store.editions.item_ids(after.key)[1:] == ids[1:]
    assert len(store.editions.editions_on(dt.date(2024, 1, 2))) == 1


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (substack()[: len(substack()) // 2], "line"),  # a body cut short: the entry is not
        ('{"items": [', "line 1"),
        ('{"title": "no version", "items": []}', "JSON without a JSON Feed version"),
    ],
    ids=["truncated-xml", "truncated-json", "json-not-a-feed"],
)
async def test_a_broken_feed_is_one_line_and_loses_nothing(
    store: Store, remote: Remote, session: aiohttp.ClientSession, body: str, why: str
) -> None:
    """A feed that does not parse is a one-line error naming the source and the fix; the
    editions it gave before stay."""
    url = remote.serve("/feed", Reply(substack(), content_type=RSS_TYPE), Reply(body))
    await poll(store, session, url)
    report = await poll(store, session, url)
    [error] = report.errors
    line = str(error)
    assert line.startswith(f"{url}: not an RSS, Atom or JSON feed (")
    assert why in line
    assert line.endswith("check that the source's feed address is the feed itself, or ask its "
                         "publisher to repair it")  # fmt: skip
    assert "\n" not in line
    assert report.failing == [url]
    assert len(on(store, dt.date(2024, 1, 8)).items) == 3


async def test_an_oversized_feed_gets_the_markdown_sources_limit_error(
    store: Store, remote: Remote, session: aiohttp.ClientSession
) -> None:
    """A feed past the size cap is refused with the same error as a markdown source."""
    big = substack().replace("Good morning", "Good morning " + "filler " * 20_000)
    url = remote.serve("/feed", Reply(big, content_type=RSS_TYPE))
    report = await poll(store, session, url, max_bytes=64 * 1024)
    assert [e.reason for e in report.errors] == [f"too large (over {64 * 1024} bytes)"]
    assert store.editions.editions_on(dt.date(2024, 1, 8)) == []


async def test_an_entry_past_max_items_is_refused_and_the_others_stored(
    store: Store, remote: Remote, session: aiohttp.ClientSession
) -> None:
    """digests.max_items holds for each entry as for a file: the error names the entry and
    the setting; the feed's other entries are stored."""
    url = remote.serve("/feed", Reply(substack(), content_type=RSS_TYPE))
    report = await poll(store, session, url, limits=DigestLimits(max_items=2))
    [error] = report.errors
    assert str(error) == (
        f"{url}: entry https://carbonweekly.substack.com/p/carbon-prices-ccer: 3 items, more "
        "than digests.max_items (2) allows: split the file, or raise digests.max_items"
    )
    assert store.editions.editions_on(dt.date(2024, 1, 8)) == []
    assert len(on(store, dt.date(2024, 1, 2)).items) == 2


async def test_a_web_page_instead_of_a_feed(
    store: Store, remote: Remote, session: aiohttp.ClientSession
) -> None:
    """The newsletter's home page where its feed should be says to use the feed's address."""
    page = "<!DOCTYPE html><html><body>Carbon Weekly</body></html>"
    url = remote.serve("/", Reply(page, content_type="text/html"))
    report = await poll(store, session, url)
    assert [e.reason for e in report.errors] == [FEED_HTML]


async def test_entries_of_one_day_are_one_edition(
    store: Store, remote: Remote, session: aiohttp.ClientSession
) -> None:
    """Two posts on one day are one edition: both posts' stories, each under its title."""
    second = substack().replace("Tue, 02 Jan 2024 12:00:00 GMT", "Mon, 08 Jan 2024 08:00:00 -0500")
    url = remote.serve("/feed", Reply(second, content_type=RSS_TYPE))
    report = await poll(store, session, url)
    assert report.errors == []
    edition = on(store, dt.date(2024, 1, 8))
    assert edition.title == "Hydrogen special / Carbon prices, CCER and storage"
    assert [i.section for i in edition.items] == [
        "Hydrogen special",
        "Hydrogen special",
        "Carbon prices, CCER and storage",
        "Carbon prices, CCER and storage",
        "Carbon prices, CCER and storage",
    ]


BUTTONDOWN = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel>
<title>Storage Notes</title>
<link>https://buttondown.com/storage-notes</link>
<item>
<title>Storage Notes #7</title>
<link>https://buttondown.com/storage-notes/archive/storage-notes-7/</link>
<guid>https://buttondown.com/storage-notes/archive/storage-notes-7/</guid>
<pubDate>Mon, 08 Jan 2024 15:00:00 +0000</pubDate>
<description>&lt;p&gt;Hi all, two links this week.&lt;/p&gt;
&lt;ul&gt;&lt;li&gt;&lt;a href="https://example.org/sodium"&gt;Sodium-ion cells&lt;/a&gt;
ship.&lt;/li&gt;
&lt;li&gt;&lt;a href="https://example.org/flow"&gt;A flow battery&lt;/a&gt; in Dalian.&lt;/li&gt;
&lt;/ul&gt;</description>
</item>
<item>
<title>A quick note</title>
<link>https://buttondown.com/storage-notes/archive/a-quick-note/</link>
<guid>https://buttondown.com/storage-notes/archive/a-quick-note/</guid>
<pubDate>Wed, 03 Jan 2024 15:00:00 +0000</pubDate>
<description>Back next week with &lt;a href="https://example.org/x"&gt;more&lt;/a&gt;.</description>
</item>
</channel></rss>
"""


async def test_a_description_that_is_the_whole_newsletter_is_read_as_its_stories(
    store: Store, remote: Remote, session: aiohttp.ClientSession
) -> None:
    """RSS with the newsletter in <description> (Buttondown): its stories are the items; a
    description that is only a summary is one item with the entry's link."""
    url = remote.serve("/rss", Reply(BUTTONDOWN, content_type="application/xml"))
    report = await poll(store, session, url)
    assert report.errors == []
    issue = on(store, dt.date(2024, 1, 8))
    assert issue.issue == 7
    assert stories(issue) == [
        ("Sodium-ion cells", ("https://example.org/sodium",)),
        ("A flow battery", ("https://example.org/flow",)),
    ]
    [note] = on(store, dt.date(2024, 1, 3)).items
    assert (note.title, note.text) == ("A quick note", "Back next week with more.")
    assert note.links == ("https://buttondown.com/storage-notes/archive/a-quick-note/",)


async def test_a_day_whose_older_entry_scrolled_out_of_the_feed_stays_whole(
    store: Store, remote: Remote, session: aiohttp.ClientSession
) -> None:
    """The feed drops the older of one day's two posts: that day's edition keeps both."""
    both = substack().replace("Tue, 02 Jan 2024 12:00:00 GMT", "Mon, 08 Jan 2024 08:00:00 -0500")
    start, end = both.rindex("<item>"), both.rindex("</item>") + len("</item>")
    later = both[:start] + both[end:]  # the Carbon prices post only: Hydrogen scrolled out
    url = remote.serve("/feed", Reply(both, content_type=RSS_TYPE))
    await poll(store, session, url)
    remote.serve("/feed", Reply(later, content_type=RSS_TYPE))
    report = await poll(store, session, url)
    assert (report.errors, report.changed) == ([], [])
    assert len(on(store, dt.date(2024, 1, 8)).items) == 5


def test_the_config_takes_a_feed_source(tmp_path: Path) -> None:
    """``[[sources]] feed = URL`` is a feed source; a table with url and feed is an error."""
    path = tmp_path / "config.toml"
    path.write_text('[[sources]]\nfeed = "https://example.org/feed.xml"\n', "utf-8")
    assert load_config(path, env={}).sources == (
        Source("https://example.org/feed.xml", SourceKind.FEED),
    )
    path.write_text('[[sources]]\nurl = "https://a.example/x.md"\nfeed = "https://a.example/f"\n')
    with pytest.raises(ConfigError, match=r"config.toml: sources\[0\]: expected url = .* or feed"):
        load_config(path, env={})
