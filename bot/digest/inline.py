"""Inline markdown (markdown-it's inline nodes) read as plain text, links and a lead (pure).

``lines(nodes)`` turns the inline children of one block into ``Inline`` lines (split where
the source breaks a line): link texts stay, URLs never do (a link whose text is a URL or just
a label such as 原文 keeps its link, not its text); images, HTML tags and comments, emphasis
marks and escapes disappear; inline HTML is read with the standard library's HTML parser, so
``<a href>`` is a link and entities are characters. A line's *lead* is the text of a link
that opens it (after tags such as ``[video]`` or emoji), or of a bold run that opens it: what
a title usually is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from .text import GONE, bare_urls, http_url, join, link_url, tidy, unmark

# how an opening link or bold run ends when it is a title: nothing, or a separator
TITLE_END = re.compile(r"[ \t*_]*(?:$|[：:|(（—–]|-[ \t]|[.。](?:\s|$))")
_LABELS = re.compile(
    r"(?i:原文|原文链接|阅读原文|查看原文|全文|详情|查看详情|点击查看|链接|来源|官网|主页|演示"
    r"|(?:[A-Za-z]{1,12} ?|项目|源码|下载|在线|官方|演示|仓库)?地址"
    r"|link|source|more|read more|via)"
)
# what may stand before a title link: spaces, emoji and symbols, short [tags] like [video]
_BEFORE_LEAD = re.compile(
    r"(?:[\s\W_]|\[[^\[\]]{1,24}\]|【[^【】]{1,24}】)*"
    r"(?:(?:[0-9０-９]{1,4}[.．、)）]|[0-9０-９]{1,2}[.．][0-9０-９]{1,3}\s"  # 1. 1、 1.1
    r"|[(（][0-9０-９]{1,3}[)）])[\s\W_]*)?"
)
LEAD_WITHIN = 256  # a title opens its line: at most this many characters stand before it
_LOOSE_BOLD = re.compile(r"[ \t]*\*\*[ \t]*([^*\s][^*\n]{0,300}?)[ \t]*\*\*(.*)", re.DOTALL)
_BREAKING = frozenset({"br", "p", "div", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5"})
KNOWN_TAGS = frozenset(
    [
        "a",
        "abbr",
        "b",
        "big",
        "blockquote",
        "br",
        "center",
        "cite",
        "code",
        "del",
        "details",
        "div",
        "em",
        "figcaption",
        "figure",
        "font",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "ins",
        "kbd",
        "li",
        "mark",
        "ol",
        "p",
        "picture",
        "pre",
        "q",
        "s",
        "small",
        "source",
        "span",
        "strike",
        "strong",
        "sub",
        "summary",
        "sup",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "time",
        "tr",
        "u",
        "ul",
        "video",
        "wbr",
    ]
)
_PROFILE = re.compile(r"(?i)^https?://[^/\s]+/(?:u/|users?/|people/|@|~)?[\w.-]+/?$")
_GOES_ON = re.compile(  # a verb after a name: the sentence goes on
    r"^\s+(?:is|was|has|had|have|are|were|will|would|can|could|did|does|made|makes|wrote"
    r"|writes|added|adds|announced|announces|released|releases|shared|shares|started|starts"
    r"|worked|works|fixed|fixes|published|publishes|joined|joins|continued|continues"
    r"|took|takes|gave|gives|updated|reported|told|tells|noted|also)\b"
)
_TAG = re.compile(r"<\s*(/?)\s*([A-Za-z][A-Za-z0-9]*)")


Node = Any  # a markdown-it-pyrs node: .name, .meta (dict), .children, .srcmap


@dataclass(frozen=True, slots=True)
class Inline:
    """One line of inline markdown as a reader sees it."""

    text: str
    links: tuple[str, ...]
    lead: str | None = None  # the text of a link (or bold run) that opens the line
    rest: str = ""  # what follows the lead on the line
    bold: bool = False  # the lead is a bold run, not a link
    source: str = ""  # the line's text as written, markup of text runs included (==X==)
    named: str | None = None  # a bold link's text further on (``… of **[AndroidIDE](u)**``)

    @property
    def title(self) -> str | None:
        """The lead, when what follows it shows it is a headline: nothing, a separator, or
        (after a link) a space before its summary; a bold lead that ends in its own colon."""
        if self.lead and TITLE_END.match(self.rest):
            return self.lead
        if self.lead and not self.bold and self.spaced and not self.subject:
            return self.lead
        if self.lead and not self.bold and self.subject and self.named:
            return self.named  # "[Ana](profile) announces **[App](u)**": the app is the story
        if self.bold and self.lead and self.lead[-1] in ":：" and self.lead[:-1].strip():
            return self.lead[:-1].rstrip()  # "**Title:** its story"
        return None

    @property
    def subject(self) -> bool:
        """The link names a person who is the subject of the line's sentence (``[Torsten](
        https://gitlab.com/grote) has been fixing…``): a name of a few words, linked to a
        profile (a site and one name: ``/grote``, ``/u/hans``, ``/@ana``), then the sentence
        goes on in lower case — no headline."""
        url = self.links[0] if self.links else ""
        return (
            (len(self.lead.split()) <= 3 if self.lead else False)
            and _PROFILE.match(url) is not None
            and _GOES_ON.match(self.rest) is not None
        )

    @property
    def credit(self) -> bool:
        """``[@name](u)：…``: the line opens with a person's handle, introducing what they say;
        its link is the person, not the story."""
        return (
            self.lead is not None
            and not self.bold
            and self.lead.lstrip().startswith(("@", "＠"))
            and self.rest.lstrip()[:1] in (":", "：")
        )

    @property
    def spaced(self) -> bool:
        return self.rest[:1] in (" ", "\t") or not self.rest


@dataclass(slots=True)
class _Line:
    segs: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)
    lead: tuple[int, int] | None = None  # segs[a:b] is the lead
    bold: bool = False
    link_at: int = -1  # where the first link's text starts in segs (-1: none yet)
    named: str | None = None  # the text of the first bold link on the line (**[name](u)**)
    size: int = 0  # the length of the text in segs

    def add(self, seg: str) -> None:
        if seg:
            self.segs.append(seg)
            self.size += len(seg)

    def replace_from(self, first: int, seg: str) -> None:
        """segs[first:] become ``seg``."""
        self.size -= sum(len(s) for s in self.segs[first:])
        del self.segs[first:]
        self.add(seg)

    def opens(self) -> bool:
        """Nothing but spaces, symbols, [tags] or a list number so far on the line (at most
        LEAD_WITHIN characters: a check per link or bold run stays cheap on a long line)."""
        return self.size <= LEAD_WITHIN and _BEFORE_LEAD.fullmatch("".join(self.segs)) is not None


class _Reader:
    """One pass over the inline nodes of a block."""

    def __init__(self) -> None:
        self.lines: list[_Line] = [_Line()]
        self.anchors: list[tuple[str | None, int]] = []  # open <a href>: (url, first seg)
        self.in_link = 0

    @property
    def line(self) -> _Line:
        return self.lines[-1]

    def text(self, value: str, *, markup: bool = True) -> None:
        if not value:
            return
        line = self.lines[-1]
        line.raw.append(value)
        if markup:
            value, urls = bare_urls(value)
            value = unmark(value)
            if urls:
                line.links.extend(urls)
        line.add(value)

    def read(self, nodes: Iterable[Node]) -> None:
        for node in nodes:
            self.node(node)

    def node(self, node: Node) -> None:
        name = node.name
        if name == "text":
            self.text(node.meta.get("content", ""))
            return
        elif name == "text_special":
            self.text(node.meta.get("content", ""), markup=False)
        elif name in ("softbreak", "hardbreak"):
            self.lines.append(_Line())
        elif name == "link":
            self.link(node)
        elif name == "linkify":  # a bare URL; markdown-it takes "。然后" after it as part of it
            written = node.meta.get("url", "")
            shown = "".join(c.meta.get("content", "") for c in node.children) or written
            self.text(shown)
        elif name == "autolink":
            url = http_url(node.meta.get("url", ""))
            if url is not None:
                self.line.links.append(url)
                self.line.add(GONE)
            else:
                self.text(node.meta.get("url", "").removeprefix("mailto:"), markup=False)
        elif name == "image":
            self.line.add(GONE)  # neither text nor link
        elif name == "code_inline":
            code = "".join(c.meta.get("content", "") for c in node.children)
            code, urls = bare_urls(code)
            self.line.links.extend(urls)
            if code.strip():
                self.line.add(f"`{code.strip()}`")  # code reads as code
        elif name == "strong":
            self.strong(node)
        elif name == "html_inline":
            self.html(node.meta.get("content", ""))
        else:  # em, strikethrough, footnotes…: their text
            self.read(node.children)

    def link(self, node: Node) -> None:
        url = link_url(node.meta.get("url", ""))
        line = self.line
        first, opens = len(line.segs), line.link_at < 0
        leads = opens and url is not None and line.lead is None and line.opens()
        known = len(line.links)
        self.in_link += 1
        self.read(node.children)
        self.in_link -= 1
        del line.links[known:]  # a URL written as the link's text is not a link of its own
        if self.line is not line:  # the link's text wraps: one text, read on its first line
            self.rejoin(line)
        shown = "".join(line.segs[first:]).strip()
        if url is not None:
            line.links.append(url)
        if not shown or http_url(shown) or shown.lower().startswith(("http://", "https://")):
            line.replace_from(first, GONE)  # a link whose text is its URL: the link is enough
            return
        if _LABELS.fullmatch(shown):
            line.replace_from(first, GONE)  # "[原文](u)": the link says it, not the text
            return
        if leads:
            line.lead, line.bold, line.link_at = (first, len(line.segs)), False, first
        elif opens:
            line.link_at = first

    def rejoin(self, line: _Line) -> None:
        """The lines a link's wrapped text opened become ``line`` again: a person reads
        ``[Proposal for improving\\n  messages](u)`` as one title (joined as ``join`` joins
        wrapped lines); URLs written in its text are no links of their own."""
        at = next(n for n in range(len(self.lines) - 1, -1, -1) if self.lines[n] is line)
        for extra in self.lines[at + 1 :]:
            last = next((s.rstrip()[-1] for s in reversed(line.segs) if s.strip()), "")
            after = next((s.lstrip()[0] for s in extra.segs if s.strip()), "")
            line.add("" if join(last, after) == last + after else " ")
            for seg in extra.segs:
                line.add(seg)
            line.raw.append(" ")
            line.raw.extend(extra.raw)
        del self.lines[at + 1 :]

    def strong(self, node: Node) -> None:
        line = self.line
        first = len(line.segs)
        opens = not self.in_link and line.lead is None and line.link_at < 0 and line.opens()
        links = len(line.links)
        self.read(node.children)
        bolded = "".join(line.segs[first:]).strip()
        if opens and self.line is line and line.lead is None and line.link_at < 0 and bolded:
            line.lead, line.bold = (first, len(line.segs)), True
        elif self.line is line and line.named is None and len(line.links) > links and bolded:
            line.named = tidy(bolded.replace(GONE, "")) or None

    def html(self, tag: str) -> None:
        if tag.startswith("<!--"):
            return
        m = _TAG.match(tag)
        if m is None or m.group(2).lower() not in KNOWN_TAGS:
            self.text(tag, markup=False)  # "List<String>": not HTML
            return
        closing, name = bool(m.group(1)), m.group(2).lower()
        if name == "a":
            if not closing:
                href = _Attrs.href(tag)
                self.anchors.append((http_url(href) if href else None, len(self.line.segs)))
            elif self.anchors:
                url, _ = self.anchors.pop()
                if url is not None:
                    self.line.links.append(url)
        elif name == "br" or (closing and name in _BREAKING):
            self.line.add(" ")

    def result(self) -> list[Inline]:
        out = []
        for line in self.lines:
            text = tidy("".join(line.segs))
            lead, rest, raw = None, "", "".join(line.raw)
            if line.lead is not None:
                a, b = line.lead
                lead = tidy("".join(line.segs[a:b])) or None
                rest = "".join(line.segs[b:])
            elif line.link_at < 0 and (m := _LOOSE_BOLD.match(raw)):
                # "**t **": a space inside the closing marks, so no bold to CommonMark
                lead, rest, line.bold = tidy(m.group(1)) or None, m.group(2), True
            links = tuple(dict.fromkeys(line.links))
            if lead is None and len(links) > 1 and _addressed(line.segs):
                links = (links[-1], *links[:-1])  # "title, [demo](u1)：<u2>": u2 is its link
            source = raw.strip()
            out.append(Inline(text, links, lead, rest, line.bold, source, line.named))
        return out


_ADDRESS = re.compile(f"[:：]\\s*{GONE}")


def _addressed(segs: list[str]) -> bool:
    """Whether a line ends "…：<url>", its only URL after a colon: that URL is where the line
    points, whatever links its words hold before it."""
    found = list(_ADDRESS.finditer(written := "".join(segs).rstrip()))
    return len(found) == 1 and found[0].end() == len(written)


class _Attrs(HTMLParser):
    """The attributes of one start tag, read by the standard library's HTML parser."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found = {k: v or "" for k, v in attrs}

    @classmethod
    def href(cls, tag: str) -> str:
        parser = cls()
        parser.feed(tag if tag.rstrip().endswith(">") else tag + ">")
        parser.close()
        return parser.found.get("href", "")


def lines(nodes: Sequence[Node]) -> list[Inline]:
    """The inline nodes of one block as lines of plain text with their links and leads."""
    reader = _Reader()
    reader.read(nodes)
    return reader.result()


def merge(parts: Sequence[Inline]) -> Inline:
    """Several lines as one (a heading, a table cell): texts joined by spaces."""
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    links = tuple(dict.fromkeys(u for p in parts for u in p.links))
    text = " ".join(p.text for p in parts if p.text)
    return Inline(text, links, first.lead, first.rest, first.bold, first.source, first.named)
