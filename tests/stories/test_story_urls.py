"""Two spellings of one article's link share one key; different articles and home pages
do not."""

from __future__ import annotations

import pytest

from bot.search.urlnorm import article_url

SAME = [
    ("https://www.example.com/news/a-story", "http://example.com/news/a-story/"),
    ("https://m.example.com/news/a-story#comments", "https://example.com/news/a-story"),
    ("https://example.com/news/a-story/amp", "https://example.com/news/a-story"),
    ("https://example.com/amp/news/a-story", "https://example.com/news/a-story"),
    ("https://example.com/news/a-story.amp.html", "https://example.com/news/a-story.html"),
    ("https://example.com/news/a-story?amp", "https://example.com/news/a-story"),
    ("https://example.com/news/a-story?amp=1&outputType=amp", "https://example.com/news/a-story"),
    (
        "https://example-com.cdn.ampproject.org/c/s/example.com/news/a-story",
        "https://example.com/news/a-story",
    ),
    (
        "https://www.bestblogs.dev/article/93ce6f651d?utm_source=rss&utm_medium=feed"
        "&utm_campaign=resources&entry=rss_article_item",
        "https://bestblogs.dev/article/93ce6f651d",
    ),
    ("https://example.com/p?fbclid=IwAR0x&gclid=Cj0&id=7", "https://example.com/p?id=7"),
    (
        "https://item.example.com/item.htm?id=7&spm=a21bo.1.2",
        "https://item.example.com/item.htm?id=7",
    ),
    ("https://example.com/p?b=2&a=1", "https://example.com/p?a=1&b=2"),
    ("https://EXAMPLE.com:443/p", "https://example.com/p"),
    ("https://mobile.twitter.com/a/status/1?s=20&t=x", "https://x.com/a/status/1"),
    ("https://example.com/p?id=7&#x26;utm_source=rss", "https://example.com/p?id=7"),
    ("https://example.com/p?a=1&amp;b=2", "https://example.com/p?b=2&a=1"),
    ("https://example.com/a%20b", "https://example.com/a b"),
    (
        "https://apollolabsblog.hashnode.dev/esp32-embedded-rust?ref=twitter-share",
        "https://apollolabsblog.hashnode.dev/esp32-embedded-rust",
    ),
]
DIFFERENT = [
    ("https://example.com/news/a-story", "https://example.com/news/another-story"),
    ("https://example.com/p?id=7", "https://example.com/p?id=8"),
    ("https://bbs.example.com/read.php?tid=1", "https://bbs.example.com/read.php?tid=2"),
    ("https://github.com/facebook/react", "https://github.com/facebook/react-native"),
    ("https://example.com/p", "https://example.com:8080/p"),
    ("https://example.com/p", "https://example.org/p"),
]


@pytest.mark.parametrize(("one", "other"), SAME)
def test_two_spellings_of_one_article_share_a_key(one: str, other: str) -> None:
    """Scheme, www./m., AMP, tracking parameters, order, fragments and slashes do not count."""
    assert article_url(one) is not None
    assert article_url(one) == article_url(other)


@pytest.mark.parametrize(("one", "other"), DIFFERENT)
def test_different_articles_keep_different_keys(one: str, other: str) -> None:
    """A path, a parameter that names the article, a port or a host still tells them apart."""
    assert article_url(one) != article_url(other)


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/",
        "https://www.example.com",
        "https://example.com/?utm_source=rss",
        "mailto:someone@example.com",
        "ftp://example.com/file",
        "/relative/path",
        "https://[::1/broken",
        "https://example.com:99999/p",
        "https://example.com/logo.PNG",
        "https://s.weibo.com//weibo?q=%E8%82%A1%E5%B8%82&t=31&band_rank=6&Refer=top",
        "https://example.com/search?query=rust",
        "https://example.com/tag/rust/",
        "https://github.com/topics/rust",
        "https://preview.redd.it/h273tq2vkw5h1.png?width=216&crop=smart",
        "https://pbs.twimg.com/media/GX1abc?format=jpg&name=large",
        "https://video.twimg.com/ext_tw_video/1/pu/vid/720x1280/a.mp4?tag=12",
        "https://wechat2rss.xlab.app/img-proxy/?k=dc6ff2f7&#x26;u=https%3A%2F%2Fmmbiz.qpic.cn%2Fx",
    ],
)
def test_a_link_to_no_article_has_no_key(url: str) -> None:
    """A home page, another scheme, a broken link, a picture, a search or a tag page is no
    evidence of one story."""
    assert article_url(url) is None
