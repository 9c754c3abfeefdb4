"""Plain text as a reader sees it: normalisation, URLs, and what markup leaves behind (pure).

``clean`` drops control and zero-width characters and turns no-break spaces into spaces (run
first on the whole file); ``http_url`` / ``bare_urls`` find http(s) links; ``tidy`` squeezes
what is left of a line once its markup is gone; ``join`` joins wrapped lines (Chinese wraps
without a space, other scripts with one). Every pattern is anchored or bounded: linear time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

DROP = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u200b-\u200d\u2060\ufeff\ud800-\udfff]")
_NBSP = re.compile("[\u00a0\u2007\u202f\u2028\u2029\u3000]")
URL = re.compile(
    r"https?://[^\s<>\"'`\[\]{}|\\^\u2018-\u201f\u2026\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]+",
    re.IGNORECASE,
)
_CUT_URL = re.compile(r"(?i:https?:/{0,2})(?=…|\.\.\.|$)|(?i:https?)(?=…)")  # "https:……"
_HTTP = re.compile(r"https?://[^\s/?#]\S*", re.IGNORECASE)
_WS = re.compile(r"[ \t]+")
GONE = "\ue001"  # marks where a URL, an image or a link's own text was taken out
# what a removal leaves behind: brackets holding nothing else, a space before punctuation;
# possessive runs that start only where a run starts: linear on a line of ten thousand links
_LEFT_OVER = re.compile(
    "[\\[(（【](?=[ \t]*" + GONE + ")[ \t" + GONE + "]*+[\\])）】](?:\\( ?\\))?"
    "|(?:(?<![ \t])[ \t]++|(?<![ \t" + GONE + "]))" + GONE + "++"
    "(?=[ \t]*+[.,;:!?。，；：！？、）)\\]】])"
    "|(?<!" + GONE + ")" + GONE + "++[ \t]*+\\( ?\\)"
)
# a link CommonMark did not take ("[x](javascript:…)"): its text stays, the rest goes
_DEAD_LINK = re.compile(r"\[([^\[\]\n]{0,300})\]\((?:[^()\s]|\([^()\s]{0,300}\)){0,600}\)")
_HIGHLIGHT = re.compile(r"==(?=\S)([^=\n]{1,300}?)(?<=\S)==")  # Obsidian's ==highlight==
# _emphasis_ and __strong__ that CommonMark leaves as text beside Chinese (not snake_case)
_UNDERSCORES = re.compile(
    r"(?<![A-Za-z0-9_])(__?)(?=[^\s_])([^_\n]{1,300}?)(?<=[^\s_])\1(?![A-Za-z0-9_])"
)
_STARS = re.compile(r"\*\*+")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_SPACE_IN = re.compile(r"\s")
_WIDE = re.compile("[\u2e80-\u9fff\uff00-\uffef“”‘’]")


def clean(text: str) -> str:
    """Drop control and zero-width characters; no-break and ideographic spaces become spaces."""
    return _NBSP.sub(" ", DROP.sub("", text))


def without_template_tags(lines: list[str], page: Mapping[str, object] | None = None) -> list[str]:
    """A site generator's template lines read as blank lines (their numbers kept): a line that
    is only Liquid or Hugo tags (``{% include references.md %}``, ``{{< youtube x >}}``), and
    what lies between ``{% comment %}`` and ``{% endcomment %}``; a variable a ``{% assign %}``
    line gave is its value (``({{bse}}105831)``), so is ``{{ page.key }}`` the front matter's
    ``key`` (``page``); any other value (``{{ site.baseurl }}``, a filtered date) is one the
    file does not hold, and goes. A person reading the page sees neither tag nor braces, and a
    tag line must not glue the link definitions after it into a paragraph."""
    out: list[str] = []
    hidden = False
    names = {
        f"page.{key}": str(value)
        for key, value in (page or {}).items()
        if isinstance(value, str | int | float) and not isinstance(value, bool)
    }
    for line in lines:
        tag = _tag_line(line)
        if tag is not None:
            for word in _TAG_WORD.findall(tag):  # {% comment %}…{% endcomment %} on one line
                hidden = (hidden or word == "comment") and word != "endcomment"
            if (m := _ASSIGN.match(tag)) is not None:
                names[m.group(1)] = m.group(2)
            out.append("")
        elif hidden or _COMMENT.search(line):  # {% comment %}<!-- … -->{% endcomment %}
            hidden, shown = _uncommented(line, hidden)
            out.append(shown)
        else:
            out.append(_values(line, names) if "{{" in line else line)
    return out


def _values(line: str, names: Mapping[str, str]) -> str:
    """``line`` with each ``{{ value }}`` outside inline code replaced by what it stands for
    (see ``without_template_tags``)."""
    parts, at = [], 0
    for m in _VARIABLE.finditer(line):
        if line.count("`", 0, m.start()) % 2:  # `{{ page.title }}` shown as code: kept
            continue
        parts += [line[at : m.start()], "" if m.group(2) else names.get(m.group(1), "")]
        at = m.end()
    return "".join(parts) + line[at:] if parts else line


_TAG_WORD = re.compile(r"\{%-?\s*(\w+)")
_COMMENT = re.compile(r"\{%-?\s*(end)?comment\s*-?%\}")


def _uncommented(line: str, hidden: bool) -> tuple[bool, str]:
    """What of a line lies outside ``{% comment %}``…``{% endcomment %}`` (``hidden``: the
    line starts inside one), and whether one is still open at its end."""
    shown, at = [], 0
    for m in _COMMENT.finditer(line):
        if not hidden:
            shown.append(line[at : m.start()])
        hidden, at = m.group(1) is None, m.end()
    if not hidden:
        shown.append(line[at:])
    text = "".join(shown)
    return hidden, text if text.strip() else ""


# {% assign bse = "https://bitcoin.stackexchange.com/a/" %}, then ({{bse}}105831) in a link
_ASSIGN = re.compile(r"\{%-?\s*assign\s+(\w{1,40})\s*=\s*[\"']([^\"']{0,500})[\"']\s*-?%\}$")
_VARIABLE = re.compile(r"\{\{-?\s{0,3}([\w.]{1,80})\s{0,3}(\|[^{}\n]{0,200})?-?\}\}")


# a tag that puts another page's text here: Liquid's include, Hugo's include and readfile
_EMBED = re.compile(
    r"(?:\{%-?\s*include(?:_relative)?|\{\{[<%]\s*(?:include|readfile))\s+(?:file=)?[\"']?"
    r"[\w./-]{1,200}\.(?:md|markdown|html)\b"
)


def embeds(lines: list[str], *, first_line: int) -> frozenset[int]:
    """The file lines (numbered from ``first_line``) of tags that put a whole page of text
    in their place (``{% include articles/field-report.md %}``): on the page, an article."""
    return frozenset(
        first_line + k
        for k, line in enumerate(lines)
        if "{" in line and (tag := _tag_line(line)) is not None and _EMBED.match(tag)
    )


def _tag_line(line: str) -> str | None:
    bare = line.strip()
    if bare.startswith("{%") and bare.endswith("%}"):
        return bare
    if bare.startswith(("{{<", "{{%")) and bare.endswith((">}}", "%}}")):
        return bare
    return None


def http_url(dest: str) -> str | None:
    """The http(s) URL ``dest`` names, or None (relative, ``javascript:``, ``mailto:``…)."""
    dest = dest.strip()
    if dest.startswith("<") and dest.endswith(">"):
        dest = dest[1:-1].strip()
    return dest if _HTTP.fullmatch(dest) else None


def link_url(dest: str) -> str | None:
    """What a link in a digest points to: an http(s) URL, or a path relative to the page the
    digest is published as (``./papers/x.html``, ``../2024/01/08.html``, ``/about``); None
    for an anchor on the same page, a ``javascript:``/``mailto:`` link, or nothing."""
    url = http_url(dest)
    if url is not None:
        return url
    dest = dest.strip().strip("<>").strip()
    if not dest or dest.startswith(("#", "//")) or _SCHEME.match(dest) or _SPACE_IN.search(dest):
        return None
    return dest if len(dest) <= 2048 else None


def is_http(url: str) -> bool:
    return _HTTP.fullmatch(url) is not None


def trim_url(url: str) -> str:
    """Cut the punctuation that ends a sentence, not the bare URL before it (a ``)`` only
    when it closes no ``(`` of the URL). Linear: the brackets are counted once."""
    opened, closed = url.count("("), url.count(")")
    end = len(url)
    while end:
        last = url[end - 1]
        if last == ")" and opened < closed:
            closed -= 1
        elif last not in ".,;:!?*_~'\"":
            break
        end -= 1
    return url[:end]


def bare_urls(text: str) -> tuple[str, list[str]]:
    """``text`` without its bare URLs (and URLs cut short by "…"), and those URLs in order."""
    if "http" not in text.lower():
        return text, []
    found: list[str] = []
    out: list[str] = []
    pos = 0
    for m in URL.finditer(text):
        url = trim_url(m.group())
        out.append(text[pos : m.start()])
        out.append(GONE)
        if (link := http_url(url)) is not None:
            found.append(link)
        pos = m.start() + len(url)
    out.append(text[pos:])
    return _CUT_URL.sub(GONE, "".join(out)), found


def unmark(text: str) -> str:
    """What plain text keeps of markup markdown itself does not know: dead links, highlights."""
    if "](" in text:
        text = _DEAD_LINK.sub(r"\1", text)
    if "==" in text:
        text = _HIGHLIGHT.sub(r"\1", text)
    if "_" in text:
        text = _UNDERSCORES.sub(r"\2", text)
    return text


_UNRESOLVED = re.compile(r"(?<![\[\]])\[([^\[\]\n]{1,300})\]\[[^\[\]\n]{0,300}\](?![\[\]])")


def tidy(text: str) -> str:
    """One line of text: single spaces, no stray ``**``, nothing a removal left behind (the
    brackets around a URL that went, the space before its full stop), a reference link whose
    definition the file does not hold (``[Eclair #1323][]``, defined by a site's include) as
    its text."""
    text = _STARS.sub("", text) if "**" in text else text
    if "][" in text:
        text = _UNRESOLVED.sub(r"\1", text)
    if GONE in text:
        text = _LEFT_OVER.sub("", text).replace(GONE, "")
    if "  " in text or "\t" in text:
        text = _WS.sub(" ", text)
    return text.strip()


def join(before: str, after: str) -> str:
    """Join wrapped lines: Chinese wraps without a space, other scripts with one."""
    if not before or not after:
        return before + after
    wide = _WIDE.match(before[-1]) or _WIDE.match(after[0])
    return before + after if wide else f"{before} {after}"
