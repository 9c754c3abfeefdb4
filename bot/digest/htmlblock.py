"""HTML blocks of a digest read as the markdown they stand for (pure: the stdlib HTML parser).

Inside an HTML block (``<div>…</div>``, ``<table>``, ``<ul>``) CommonMark reads nothing, yet
digests put their stories there: headings, ``<p>`` bodies, ``<a href>`` and ``<https://…>``
links, table rows. ``to_markdown(html)`` writes that as markdown — headings as ``#``, list
items as ``-`` / ``1.``, links as ``[t](u)``, bold as ``**``, tables as pipe tables, text left
as it is (a ``#### Title`` line inside a ``<div>`` stays a heading) — so the block is read by
the same markdown parser as the rest. Scripts, styles, comments and images leave nothing.
"""

from __future__ import annotations

import html
import re
import string
from html.parser import HTMLParser

from .text import link_url

_AUTOLINK = re.compile(r"<(https?://[^\s<>]{1,4096})>", re.IGNORECASE)
_MARK = "\ue000"  # stands for an autolink while the HTML parser reads the block
_MARKED = re.compile(_MARK + r"(\d+);")
_BLOCKS = frozenset(
    [
        "p",
        "div",
        "section",
        "article",
        "header",
        "footer",
        "main",
        "aside",
        "nav",
        "figure",
        "figcaption",
        "details",
        "summary",
        "center",
        "blockquote",
        "pre",
        "address",
        "dl",
        "dt",
        "dd",
    ]
)
_SKIP = frozenset({"script", "style", "template", "noscript", "head", "title"})
_PIPE = re.compile(r"\s*\|\s*")
_ASCII_PUNCTUATION = frozenset(string.punctuation)


class _Writer(HTMLParser):
    def __init__(self, autolinks: list[str]) -> None:
        super().__init__(convert_charrefs=False)
        self.autolinks = autolinks
        self.out: list[str] = []
        self.hrefs: list[str | None] = []
        self.lists: list[list[int]] = []  # per open list: [ordered, next number]
        self.skip = 0
        self.rows: list[list[str]] | None = None  # the table being read
        self.cell: list[str] | None = None

    # -- where text goes: the current table cell, or the output
    def emit(self, piece: str) -> None:
        (self.cell if self.cell is not None else self.out).append(piece)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
        if self.skip:
            return
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.emit("\n\n" + "#" * int(tag[1]) + " ")
        elif tag in _BLOCKS:
            self.emit("\n\n")
        elif tag == "br":
            self.emit("  \n" if self.cell is None else " ")
        elif tag in ("ul", "ol"):
            self.lists.append([tag == "ol", 1])
            self.emit("\n\n")
        elif tag == "li":
            ordered, number = self.lists[-1] if self.lists else (False, 1)
            indent = "   " * max(len(self.lists) - 1, 0)
            self.emit(f"\n{indent}{f'{number}. ' if ordered else '- '}")
            if self.lists:
                self.lists[-1][1] += 1
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            url = link_url(href)
            self.hrefs.append(url)
            self.emit("[" if url else "")
        elif tag in ("strong", "b"):
            self.emit("**")
        elif tag in ("em", "i"):
            self.emit("*")
        elif tag == "table":
            self.rows = []
            self.emit("\n\n")
        elif tag == "tr" and self.rows is not None:
            self.rows.append([])
        elif tag in ("td", "th") and self.rows is not None:
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(self.skip - 1, 0)
            return
        if self.skip:
            return
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6") or tag in _BLOCKS:
            self.emit("\n\n")
        elif tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self.emit("\n\n")
        elif tag == "a" and self.hrefs:
            url = self.hrefs.pop()
            self.emit(f"]({url})" if url else "")
        elif tag in ("strong", "b"):
            self.emit("**")
        elif tag in ("em", "i"):
            self.emit("*")
        elif tag in ("td", "th") and self.cell is not None and self.rows:
            self.rows[-1].append(_PIPE.sub(" ", " ".join("".join(self.cell).split())))
            self.cell = None
        elif tag == "table" and self.rows is not None:
            self.out.append(_table(self.rows))
            self.rows, self.cell = None, None

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if _MARK in data:
            data = _MARKED.sub(self._autolink, data)
        self.emit(data)

    def handle_entityref(self, name: str) -> None:
        self._character(html.unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self._character(html.unescape(f"&#{name};"))

    def _character(self, char: str) -> None:
        """A character written as an entity is text, never markup: escaped for markdown."""
        if not self.skip:
            self.emit("".join(f"\\{c}" if c in _ASCII_PUNCTUATION else c for c in char))

    def _autolink(self, m: re.Match[str]) -> str:
        n = int(m.group(1))
        return f"<{self.autolinks[n]}>" if n < len(self.autolinks) else ""


def _table(rows: list[list[str]]) -> str:
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        return ""
    width = max(len(r) for r in rows)
    lines = ["| " + " | ".join(r + [""] * (width - len(r))) + " |" for r in rows]
    lines.insert(1, "|" + "---|" * width)
    return "\n\n" + "\n".join(lines) + "\n\n"


def to_markdown(html: str) -> str:
    """The markdown an HTML block stands for (see the module doc)."""
    autolinks: list[str] = []

    def keep(m: re.Match[str]) -> str:
        autolinks.append(m.group(1))
        return f"{_MARK}{len(autolinks) - 1};"

    writer = _Writer(autolinks)
    writer.feed(_AUTOLINK.sub(keep, html))
    writer.close()
    if writer.rows:
        writer.out.append(_table(writer.rows))
    return "".join(writer.out)
