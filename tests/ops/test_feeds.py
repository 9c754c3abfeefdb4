"""Web feeds on the [http] server: Atom and JSON Feed per series and topic, the listing,
conditional GET, and only published editions."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import aiohttp
import feedparser
import pytest
from conftest import SEED, Clock, at, digest, manual_bot, store_of
from multidict import CIMultiDict

from bot.app import BotRunner
from bot.config import Config, PushConfig
from bot.digest.models import Edition
from bot.render.sources import http_links
from bot.store.approvals import Approval
from tgsandbox import Sandbox

A = "{http://www.w3.org/2005/Atom}"
DAY = dt.date(2024, 1, 10)
DRAFT = "草稿里的独家储能消息"
EMBARGOED = "禁发期内的储能消息"
TITLED = "---\ntitle: 每日碳新闻 2024-01-09\n---\n## 新闻\n1. [储能电站投运](https://example.org/storage) 储能电站正式投运，容量百兆瓦。见[详情](https://example.com/more)\n2. 钢铁行业用电量上升。 https://example.org/steel\n"  # noqa: E501


@pytest.fixture
def digests(tmp_path: Path) -> Path:
    """The seed (8 January), a titled edition (9 January), a draft and an embargoed one."""
    folder = tmp_path / "digests"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    (folder / "2024-01-09.md").write_text(TITLED, "utf-8")
    draft = digest(DAY, DRAFT, front="draft: true\n")
    (folder / "2024-01-10.md").write_text(draft, "utf-8")
    (folder / "2024-01-20.md").write_text(digest(dt.date(2024, 1, 20), EMBARGOED), "utf-8")
    return folder


@pytest.fixture
async def app(config: Config, clock: Clock) -> AsyncIterator[BotRunner]:
    async with manual_bot(config, clock, at(DAY, 9)) as runner:
        yield runner


async def get(url: str, **headers: str) -> tuple[int, CIMultiDict[str], bytes]:
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as resp:
        return resp.status, CIMultiDict(resp.headers), await resp.read()


def base(app: BotRunner) -> str:
    assert app.web is not None
    return app.web.http_url


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


async def listed(app: BotRunner) -> list[str]:
    status, headers, body = await get(f"{base(app)}/feeds")
    assert status == 200, body
    assert headers["Content-Type"].startswith("text/html")
    parser = _Links()
    parser.feed(body.decode("utf-8"))
    return parser.hrefs


async def series_url(app: BotRunner, ending: str) -> str:
    urls = [u for u in await listed(app) if "/topic/" not in u and u.endswith(ending)]
    assert len(urls) == 1, urls
    return urls[0]


def editions(app: BotRunner) -> dict[dt.date, Edition]:
    store = store_of(app)
    return {
        i.key.date: e
        for i in store.editions.list_editions()
        if (e := store.editions.get_edition(i.key))
    }


def atom_checked(body: bytes) -> ET.Element:
    """The Atom document, after checking the elements RFC 4287 requires."""
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    root = ET.fromstring(body)  # noqa: S314 - the bot's own feed, parsed by feedparser first
    assert root.tag == f"{A}feed"
    for name in ("id", "title", "updated"):
        assert root.findtext(f"{A}{name}"), name
    assert root.find(f"{A}author/{A}name") is not None
    self_links = [ln for ln in root.findall(f"{A}link") if ln.get("rel") == "self"]
    assert len(self_links) == 1
    assert self_links[0].get("href", "").startswith("http")
    for entry in root.findall(f"{A}entry"):
        for name in ("id", "title", "updated", "published", "content"):
            assert entry.findtext(f"{A}{name}"), name
        dt.datetime.fromisoformat(entry.findtext(f"{A}updated", ""))
    assert len(parsed.entries) == len(root.findall(f"{A}entry"))
    return root


def json_checked(body: bytes) -> dict[str, object]:
    """The JSON Feed document, after checking the fields version 1.1 requires."""
    doc = json.loads(body)
    assert doc["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(doc["title"], str)
    assert doc["title"]
    assert isinstance(doc["items"], list)
    for item in doc["items"]:
        assert isinstance(item["id"], str)
        assert item["id"]
        assert item.get("content_text") or item.get("content_html")
    return doc


async def test_the_listing_names_every_series_and_topic_feed(
    app: BotRunner, config: Config
) -> None:
    """/feeds lists the series' and every topic's Atom and JSON URLs, and each answers 200."""
    urls = await listed(app)
    for topic in config.topics:
        for ending in (".atom", ".json"):
            assert f"{base(app)}/feeds/topic/{topic.key}{ending}" in urls
    series = [u for u in urls if "/topic/" not in u]
    assert len(series) == 2
    assert {u.rpartition(".")[2] for u in series} == {"atom", "json"}
    for url in urls:
        status, _, body = await get(url)
        assert status == 200, (url, body)


async def test_a_series_atom_feed_carries_its_items_and_validates(app: BotRunner) -> None:
    """Each item of the published editions is an entry: its title, Item.body, links, date."""
    status, headers, body = await get(await series_url(app, ".atom"))
    assert status == 200
    assert headers["Content-Type"].startswith("application/atom+xml")
    root = atom_checked(body)
    parsed = feedparser.parse(body)
    stored = editions(app)
    assert sorted(stored) == [dt.date(2024, 1, 8), dt.date(2024, 1, 9)]
    items = [(day, item) for day in sorted(stored, reverse=True) for item in stored[day].items]
    assert len(parsed.entries) == len(items)
    for entry, (day, item) in zip(parsed.entries, items, strict=True):
        assert entry.published_parsed[:3] == (day - dt.timedelta(days=1)).timetuple()[:3]
        assert item.body.splitlines()[0] in entry.content[0].value
        assert [ln.href for ln in entry.links] == http_links(item.links)
    first = root.findall(f"{A}entry")[0]
    assert first.findtext(f"{A}title") == "储能电站投运"
    assert [ln.get("rel") for ln in first.findall(f"{A}link")] == ["alternate", "related"]
    assert DRAFT not in body.decode()
    assert EMBARGOED not in body.decode()


async def test_a_series_json_feed_has_the_required_fields(app: BotRunner) -> None:
    """The JSON Feed names version, title and items with ids; content_text is Item.body."""
    status, headers, body = await get(await series_url(app, ".json"))
    assert status == 200
    assert headers["Content-Type"].startswith("application/feed+json")
    doc = json_checked(body)
    stored = editions(app)
    bodies = [item.body for day in sorted(stored, reverse=True) for item in stored[day].items]
    texts = [item["content_text"] for item in doc["items"]]  # type: ignore[attr-defined]
    assert texts == bodies
    first = doc["items"][0]  # type: ignore[index]
    assert first["url"] == "https://example.org/storage"
    assert first["_digestbot"]["links"] == [
        "https://example.org/storage",
        "https://example.com/more",
    ]
    assert first["date_published"] == "2024-01-08T16:00:00Z"  # 9 January, Asia/Shanghai
    assert DRAFT not in body.decode()
    assert EMBARGOED not in body.decode()


async def test_a_topic_feed_holds_only_that_topics_items(app: BotRunner) -> None:
    """/feeds/topic/storage has the storage items of every edition and nothing else."""
    url = f"{base(app)}/feeds/topic/storage"
    status, _, body = await get(url + ".atom")
    assert status == 200
    atom_checked(body)
    titles = [e.title for e in feedparser.parse(body).entries]
    assert "储能电站投运" in titles
    assert not any("钢铁" in t for t in titles)
    status, _, body = await get(url + ".json")
    doc = json_checked(body)
    texts = [item["content_text"] for item in doc["items"]]  # type: ignore[attr-defined]
    storage = ("储能", "电池", "蓄能", "虚拟电厂", "微电网")
    assert texts
    assert all(any(word in text for word in storage) for text in texts)


async def test_a_second_get_is_304_until_a_new_edition(
    app: BotRunner, digests: Path, clock: Clock
) -> None:
    """ETag and Last-Modified answer 304; after a new edition the feed is 200 with it."""
    url = await series_url(app, ".atom")
    status, headers, body = await get(url)
    etag, modified = headers["ETag"], headers["Last-Modified"]
    again = await get(url, **{"If-None-Match": etag})
    assert again[0] == 304
    assert again[2] == b""
    assert (await get(url, **{"If-Modified-Since": modified}))[0] == 304
    (digests / "2024-01-10.md").write_text(digest(DAY, "新的一期：虚拟电厂试点启动"), "utf-8")
    clock.advance(dt.timedelta(minutes=1))
    await app.tick()
    status, headers, body = await get(url, **{"If-None-Match": etag})
    assert status == 200
    assert headers["ETag"] != etag
    assert "新的一期：虚拟电厂试点启动" in feedparser.parse(body).entries[0].content[0].value
    assert (await get(url, **{"If-Modified-Since": modified}))[0] == 200
    assert (await get(url, **{"If-None-Match": headers["ETag"]}))[0] == 304


async def test_an_embargoed_edition_appears_on_its_day(app: BotRunner, clock: Clock) -> None:
    """The edition dated 20 January joins the feed once its day begins, not before."""
    url = await series_url(app, ".json")
    assert EMBARGOED not in (await get(url))[2].decode()
    clock.set(at(dt.date(2024, 1, 20), 0, 5))
    await app.tick()
    doc = json_checked((await get(url))[2])
    assert EMBARGOED in doc["items"][0]["content_text"]  # type: ignore[index]


async def test_unknown_feeds_are_404_in_one_line(app: BotRunner) -> None:
    """A series, topic or format that does not exist: 404 and one line naming it."""
    for path, named in (
        ("/feeds/nope.atom", "nope"),
        ("/feeds/topic/nope.json", "nope"),
        ("/feeds/s0.rss", "s0.rss"),
    ):
        status, _, body = await get(base(app) + path)
        text = body.decode()
        assert status == 404
        assert named in text
        assert text.count("\n") == 1
        assert text.endswith("\n")


@pytest.fixture
def approving(config: Config) -> Config:
    return replace(config, push=PushConfig(approve=True))


async def test_an_edition_waiting_for_approval_is_not_in_the_feed(
    approving: Config, clock: Clock, digests: Path
) -> None:
    """With push.approve, a new edition joins the feed once an admin approves it."""
    async with manual_bot(approving, clock, at(DAY, 9)) as runner:
        url = await series_url(runner, ".json")
        (digests / "2024-01-10.md").write_text(digest(DAY, "待批准的储能消息"), "utf-8")
        await runner.tick()
        assert "待批准的储能消息" not in (await get(url))[2].decode()
        store = store_of(runner)
        (key,) = [k for k in store.approvals.pending_approval() if k.date == DAY]
        store.approvals.decide(key, Approval.APPROVED, by=1, now=clock())
        assert "待批准的储能消息" in (await get(url))[2].decode()


async def alert_feed_url(tg: Sandbox, terms: str) -> tuple[int, str]:
    """A reader adds an alert and reads its feed's URL under /alerts: (chat id, URL)."""
    alice = tg.add_user("Alice")
    chat = tg.private_chat(alice)
    tg.send(chat, alice, f"/alert {terms}")
    await tg.wait_messages(chat, 1)
    tg.send(chat, alice, "/alerts")
    *_, listing = await tg.wait_messages(chat, 2)
    [url] = re.findall(r"http://\S+/feeds/alert/\S+\.atom", listing.text)
    assert any(e["type"] == "code" for e in listing.entities)  # one tap copies it
    return chat.id, url


async def test_an_alerts_feed_holds_its_matches_at_an_unguessable_url(
    tg: Sandbox, app: BotRunner
) -> None:
    """/alerts shows each alert's feed URL (128 random bits, not on /feeds): its matches only."""
    chat_id, url = await alert_feed_url(tg, "储能 -钢铁")
    token = url.rpartition("/")[2].removesuffix(".atom")
    [alert] = store_of(app).chats.alerts(chat_id)
    assert len(token) >= 22
    assert not token.isdigit()
    assert token != str(alert.id)
    assert url not in await listed(app)
    status, _, body = await get(url)
    assert status == 200
    atom_checked(body)
    entries = feedparser.parse(body).entries
    assert "储能电站投运" in [e.title for e in entries]
    assert all("储能" in e.content[0].value for e in entries)
    assert not any("钢铁" in e.content[0].value for e in entries)
    doc = json_checked((await get(url.removesuffix(".atom") + ".json"))[2])
    assert len(doc["items"]) == len(entries)  # type: ignore[arg-type]
    assert DRAFT not in body.decode()
    assert EMBARGOED not in body.decode()


async def test_an_alerts_feed_is_gone_with_the_alert(tg: Sandbox, app: BotRunner) -> None:
    """A made-up token, or the token of a deleted alert, is a 404 that does not echo it."""
    chat_id, url = await alert_feed_url(tg, "储能")
    assert (await get(url))[0] == 200
    [alert] = store_of(app).chats.alerts(chat_id)
    assert store_of(app).chats.delete_alert(chat_id, alert.id)
    token = url.rpartition("/")[2].removesuffix(".atom")
    for gone in (url, f"{base(app)}/feeds/alert/{alert.id}.atom"):
        status, _, body = await get(gone)
        assert status == 404
        assert token not in body.decode()
        assert body.decode().count("\n") == 1
