"""A link as readers name its source: 财联社, GitHub, 微信 — never a bare URL (pure)."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

# registrable host → (zh, en) name; a host not here is shown without "www." (and its port)
KNOWN: dict[str, tuple[str, str]] = {
    "weixin.qq.com": ("微信", "WeChat"),
    "qq.com": ("腾讯", "Tencent"),
    "cls.cn": ("财联社", "CLS"),
    "caixin.com": ("财新", "Caixin"),
    "yicai.com": ("第一财经", "Yicai"),
    "thepaper.cn": ("澎湃", "The Paper"),
    "xinhuanet.com": ("新华网", "Xinhua"),
    "news.cn": ("新华网", "Xinhua"),
    "people.com.cn": ("人民网", "People's Daily"),
    "bjx.com.cn": ("北极星", "BJX"),
    "sina.com.cn": ("新浪", "Sina"),
    "weibo.com": ("微博", "Weibo"),
    "36kr.com": ("36氪", "36Kr"),
    "github.com": ("GitHub", "GitHub"),
    "reuters.com": ("路透", "Reuters"),
    "bloomberg.com": ("彭博", "Bloomberg"),
    "ft.com": ("FT", "FT"),
    "nytimes.com": ("纽约时报", "NYT"),
    "x.com": ("X", "X"),
    "twitter.com": ("X", "X"),
    "youtube.com": ("YouTube", "YouTube"),
    "ycombinator.com": ("HN", "HN"),
}
MAX_NAME = 24


def source_name(url: str, lang: str) -> str:
    """The short name of the site ``url`` is on, in ``lang`` where the name differs."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        host = ""
    host = host.removeprefix("www.")
    labels = host.split(".")
    for n in range(len(labels) - 1):
        known = KNOWN.get(".".join(labels[n:]))
        if known is not None:
            return known[1] if lang == "en" else known[0]  # zh, and what falls back to it
    if len(host) <= MAX_NAME:
        return host or url[:MAX_NAME]
    return ".".join(labels[-3:])[-MAX_NAME:]


def http_links(links: Iterable[str]) -> list[str]:
    """The http(s) links among ``links``, in order, once each (others cannot be anchors)."""
    return [url for url in dict.fromkeys(link.strip() for link in links) if _is_http(url)]


def _is_http(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def source_names(urls: list[str], lang: str) -> list[str]:
    """Names for several links of one item; a name that repeats gets a number (财联社 2)."""
    names = [source_name(url, lang) for url in urls]
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if names.count(name) == 1 else f"{name} {seen[name]}")
    return out
