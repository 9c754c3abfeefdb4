"""One URL normalisation for "is this the same article?" (pure; the standard library only).

``article_url`` turns a link into a key two spellings of one article share: the scheme, a
``www.``/``m.``/``mobile.``/``amp.`` host prefix, a default port, the fragment, a trailing
slash, AMP decorations (``/amp``, ``/amp/``, ``.amp.html``, ``?amp``, ``?amp=1``,
``outputType=amp``, the Google AMP cache ``cdn.ampproject.org/c/s/…``) and tracking parameters
(``utm_*``, ``fbclid``, ``gclid``, ``spm``, ``ref``, …) are dropped; the host is lower-cased,
the remaining query parameters sorted; ``twitter.com`` is ``x.com``; HTML character
references left in a link (``&#x26;``, ``&amp;``) are decoded. A link that names no article
has no key (None): not http(s), a site's home page (no path) — two items sharing
``https://github.com/`` are not the same story — or a picture or a media file (by its
extension, a ``format=jpg`` parameter or an image proxy's path): logos, avatars, badges and
preview images recur under different stories, and the article is the item's other link; or
a search or a tag page (``/search``, ``/tag/``, ``/topics/``, ``?q=``): a hot search on
``s.weibo.com/weibo?q=股市`` names a topic that trends again for another reason.

What is *not* dropped: the path's case (``/Owner/Repo`` and ``/owner/repo`` may differ on a
server that cares, and the corpus never needed it) and any parameter not known as tracking
(``?id=``, ``?q=``, ``?p=`` name the article on many sites).
"""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

# host prefixes that serve the same article as the bare host
_HOST_PREFIXES = ("www.", "m.", "mobile.", "amp.", "wap.")
# query parameters that say who sent the reader, not what they read
_TRACKING = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid",
        "igshid", "igsh", "mc_cid", "mc_eid", "_hsenc", "_hsmi", "mkt_tok", "oly_anon_id",
        "oly_enc_id", "vero_id", "wickedid", "spm", "scm", "ref", "ref_src", "ref_url",
        "referrer", "refer", "source", "share_source", "share_medium", "sharer",
        "from", "isappinstalled", "entry", "feature", "si", "s_cid", "cmpid", "ncid",
        "sr_share", "rss", "outputtype", "amp", "amp_js_v", "usqp", "_ga", "_gl",
        "__twitter_impression", "smid", "smtyp", "ito", "ocid", "taid",
    }
)  # fmt: skip
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hmsr", "share_", "spm_", "at_", "ga_")
_AMP_CACHE = re.compile(r"^[\w-]+\.cdn\.ampproject\.org$|^cdn\.ampproject\.org$")
_AMP_SUFFIX = re.compile(r"\.amp(?=\.html?$)|/amp$")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST_ALIASES = {"twitter.com": "x.com"}
# a site's own markers of where a link was shown (a share, a rank in a list)
_HOST_TRACKING = {"x.com": frozenset({"s", "t"}), "s.weibo.com": frozenset({"band_rank"})}
_MEDIA = re.compile(
    r"\.(?:jpe?g|png|gif|webp|avif|svg|bmp|ico|tiff?|heic|mp4|webm|mov|m4v|m3u8|mp3|m4a|ogg)$"
    r"|/(?:img|image)[-_]?proxy\b",
    re.IGNORECASE,
)
_MEDIA_FORMATS = frozenset({"jpg", "jpeg", "png", "gif", "webp", "avif", "svg", "mp4"})
# a search or a tag: a page of whatever matches a topic, not one article
_TOPIC_SEGMENTS = frozenset({"search", "tag", "tags", "topic", "topics", "hashtag", "hashtags"})
_SEARCH_PARAMS = frozenset({"q", "query", "keyword", "keywords", "wd", "search"})


def _host(netloc_host: str) -> str:
    host = netloc_host.lower().rstrip(".")
    for prefix in _HOST_PREFIXES:
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix) :]
            break
    return _HOST_ALIASES.get(host, host)


def _path(path: str) -> str:
    path = re.sub(r"/{2,}", "/", unquote(path))
    path = re.sub(r"/amp/", "/", path)
    path = _AMP_SUFFIX.sub("", path.rstrip("/"))
    return path.rstrip("/")


def _tracking(name: str) -> bool:
    low = name.lower()
    return low in _TRACKING or low.startswith(_TRACKING_PREFIXES)


def article_url(url: str) -> str | None:
    """The key of the article a link names (``host/path?sorted-query``), None for no article."""
    url = url.strip()
    if "&" in url:
        url = html.unescape(url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a bracket or a port out of range: no article
        return None
    if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host, path = _host(parts.hostname), parts.path
    if _AMP_CACHE.match(host):  # https://x.cdn.ampproject.org/c/s/example.com/a → example.com/a
        inner = re.match(r"^/[a-z](?:/s)?/([^/]+)(/.*)?$", path)
        if inner is None:
            return None
        host, path = _host(inner.group(1)), inner.group(2) or ""
    if port is not None and port != _DEFAULT_PORTS[parts.scheme.lower()]:
        host = f"{host}:{port}"
    path = _path(path)
    params = parse_qsl(parts.query, keep_blank_values=True)
    if _MEDIA.search(path) or any(
        name.lower() == "format" and value.lower() in _MEDIA_FORMATS for name, value in params
    ):
        return None  # a picture or a media file, not the article
    if _TOPIC_SEGMENTS & set(path.lower().split("/")) or any(
        name.lower() in _SEARCH_PARAMS for name, _ in params
    ):
        return None  # a search or a tag page: a topic, not a story
    own = _HOST_TRACKING.get(host, frozenset())
    query = sorted(
        (name, value) for name, value in params if not _tracking(name) and name not in own
    )
    if not path and not query:
        return None  # a site's home page
    return host + path + ("?" + urlencode(query) if query else "")
