"""Markdown mechanics for the digest parser (pure: stdlib only).

``lex`` classifies body lines (blanking fenced code and HTML comments, one entry per file
line); ``inline`` reads one line of inline markdown into plain text and http(s) links in a
single left-to-right scan. Every search is anchored or bounded: time is linear in the input.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass

_FENCE = re.compile(r"[ \t]*(`{3,}|~{3,})(.*)")
_HEADING = re.compile(r" {0,3}(#{1,6})(?=[ \t]|$)")
_RULE = re.compile(r" {0,3}([-*_=])(?:[ \t]*\1){2,}[ \t]*$")
_BULLET = re.compile(r"[-*+•][ \t\u3000]+(?=\S)")
_NUMBER = re.compile(
    r"(?:(?P<d>[0-9０-９]{1,6})(?P<p>[.．、)）])"
    r"|[(（](?P<pd>[0-9０-９]{1,3})[)）]"
    r"|(?P<c>[一二三四五六七八九十]{1,3})、"
    r"|[(（](?P<pc>[一二三四五六七八九十]{1,3})[)）])"
)
_NUMBER_FIRST = frozenset("0123456789０１２３４５６７８９(（一二三四五六七八九十")
_DATE_AFTER_DOT = re.compile(r"[0-9０-９]{1,4}[年月日号]")
_REFDEF = re.compile(r" {0,3}\[([^\]]{1,200})\]:[ \t]*(\S+)")
_CN = "一二三四五六七八九"
_CN_NUMBERS = {  # 一 … 九十九
    ("" if n < 10 else _CN[n // 10 - 1] * (n >= 20) + "十")
    + (_CN[n % 10 - 1] if n % 10 else ""): n
    for n in range(1, 100)
}
_WINDOW = 4096  # no URL, tag or title is longer than this; bounds every forward search

_DROP = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u200b-\u200d\u2060\ufeff\ud800-\udfff]")
_NBSP = re.compile("[\u00a0\u2007\u202f\u2028\u2029]")
_SPECIAL = re.compile(  # markup, URLs, and URLs cut short by an ellipsis ("https:……")
    r"[\\`!\[\]<*_~=]|(?i:https?://)|(?i:https?:/{0,2})(?=…|\.\.\.|$)|(?i:https?)(?=…)"
)
_PAIRS = re.compile(r"\\.|[\[\]()]")
_RUNS = re.compile(r"`+|\*+|_+|~+|=+")
_URL = re.compile(
    r"https?://[^\s<>\"'`\[\]{}|\\^\u2018-\u201f\u2026\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]+",
    re.IGNORECASE,
)
_HTTP = re.compile(r"https?://[^\s/?#]\S*", re.IGNORECASE)
_AUTOLINK = re.compile(
    r"<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]{1,4096}|[^\s<>@]{1,256}@[^\s<>]{1,256})>"
)
_TAG = re.compile(  # the HTML a digest may carry (not "List<String>")
    r"</?((?i:a|abbr|b|big|blockquote|br|center|cite|code|del|details|div|em|figcaption|figure"
    r"|font|h[1-6]|hr|i|img|ins|kbd|li|mark|ol|p|picture|pre|q|s|small|source|span|strike|strong"
    r"|sub|summary|sup|table|tbody|td|th|thead|time|tr|u|ul|video|wbr))(?=[\s/>])[^<>]{0,4096}>"
)
_HREF = re.compile(r"""\bhref\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
_WS = re.compile(r"[ \t]+")
_STARS = re.compile(r"\*\*+")
_EMPTY = re.compile(r"\( ?\)|（ ?）|\[ ?\]|【 ?】| (?=[.,;:!?。，；：！？、）)\]】])")
_LABELS = re.compile(
    r"(?i:原文|原文链接|阅读原文|查看原文|全文|详情|查看详情|链接|来源|link|source)"
)
_ESCAPABLE = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def clean(text: str) -> str:
    """Drop control and zero-width characters; no-break spaces become spaces."""
    return _NBSP.sub(" ", _DROP.sub("", text))


def http_url(dest: str) -> str | None:
    """The http(s) URL ``dest`` names, or None (relative, ``javascript:``, ``mailto:``…)."""
    dest = dest.strip()
    if dest.startswith("<") and dest.endswith(">"):
        dest = dest[1:-1].strip()
    return dest if _HTTP.fullmatch(dest) else None


def trim_url(url: str) -> str:
    """Cut the punctuation that ends a sentence, not the bare URL before it."""
    while url:
        last = url[-1]
        if last in ".,;:!?*_~'\"" or (last == ")" and url.count("(") < url.count(")")):
            url = url[:-1]
        else:
            break
    return url


@dataclass(frozen=True, slots=True)
class Line:
    """One body line, classified. ``content`` is its text after any heading/list marker."""

    no: int  # the line's number in the file
    kind: str  # blank heading section quote bullet number text ref
    indent: int = 0
    content: str = ""
    raw: str = ""  # the line without indentation and heading marks
    level: int = 0  # heading level
    num: int = 0  # list (or heading) number; 0 when not numbered
    family: str = ""  # numbering style: arabic close paren cn cn-paren
    punct: str = ""  # its punctuation, to tell "1." from "1、" layouts


def lex(lines: list[str], first_no: int, warnings: list[str]) -> list[Line]:
    """Classify body lines (``first_no`` is the file line of ``lines[0]``)."""
    out: list[Line] = []
    fence = ""
    opened = 0
    in_comment = False
    for no, line in enumerate(lines, start=first_no):
        if fence:
            m = _FENCE.match(line)
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = fence if m.group(2).strip() else ""
            out.append(Line(no, "blank"))
            continue
        if in_comment:
            if (end := line.find("-->")) < 0:
                out.append(Line(no, "blank"))
                continue
            line, in_comment = line[end + 3 :], False
        line, in_comment = _drop_comments(line)
        opened = no if in_comment else opened
        m = _FENCE.match(line)
        if m and not (m.group(1)[0] == "`" and "`" in m.group(2)):
            fence, opened, line = m.group(1), no, ""
        out.append(_classify(no, line))
    if fence:
        warnings.append(f"line {opened}: code block is never closed, the rest is read as code")
    elif in_comment:
        warnings.append(f"line {opened}: HTML comment is never closed, the rest is ignored")
    return out


def _drop_comments(line: str) -> tuple[str, bool]:
    """The line without its HTML comments; True when a comment stays open at its end."""
    if "<!--" not in line:
        return line, False
    parts: list[str] = []
    pos = 0
    while (start := line.find("<!--", pos)) >= 0:
        parts.append(line[pos:start])
        end = line.find("-->", start + 4)
        if end < 0:
            return "".join(parts), True
        pos = end + 3
    parts.append(line[pos:])
    return "".join(parts), False


def _classify(no: int, line: str) -> Line:
    line = line.rstrip()
    stripped = line.lstrip(" \t\u3000")
    if not stripped:
        return Line(no, "blank")
    lead = line[: len(line) - len(stripped)]
    indent = len(lead) + 3 * lead.count("\t") + lead.count("\u3000")
    first = stripped[0]
    if first in "-*_=" and _RULE.match(line):
        return Line(no, "blank")
    if first == "#" and (hm := _HEADING.match(line)) is not None:
        text = line[hm.end() :].strip()
        if text.endswith("#") and (not text.rstrip("#") or text.rstrip("#")[-1] in " \t"):
            text = text.rstrip("#").rstrip()
        num, family, punct, content = _number(text) or (0, "", "", text)
        return Line(no, "heading", 0, content, text, len(hm.group(1)), num, family, punct)
    if first == "=" and (name := _section_name(stripped)) is not None:
        return Line(no, "section", indent, name, name)
    if first == ">":
        content = stripped
        while content.startswith(">"):
            content = content[1:].lstrip()
        return Line(no, "quote", indent, strip_bullet(content), stripped)
    if first == "[" and (rm := _REFDEF.match(line)) is not None:
        return Line(no, "ref", indent, rm.group(1), rm.group(2).strip("<>"))
    if first in _NUMBER_FIRST and (number := _number(stripped)) is not None:
        num, family, punct, content = number
        return Line(no, "number", indent, strip_bullet(content), stripped, 0, num, family, punct)
    if first in "-*+•" and (bm := _BULLET.match(stripped)) is not None:
        return Line(no, "bullet", indent, stripped[bm.end() :], stripped)
    return Line(no, "text", indent, stripped, stripped)


def strip_bullet(text: str) -> str:
    """``text`` without a leading ``-``/``*``/``+``/``•`` list marker."""
    bm = _BULLET.match(text)
    return text[bm.end() :] if bm else text


def _section_name(text: str) -> str | None:
    """``X`` of a ``==X==`` line (not of ``==a== and ==b==``)."""
    inner = text[2:-2].strip()
    if text[:2] != "==" or text[-2:] != "==" or not inner or "==" in inner:
        return None
    return None if "=" in (inner[0], inner[-1]) else inner


def _number(text: str) -> tuple[int, str, str, str] | None:
    """(number, style, punctuation, rest) when ``text`` opens with a list number."""
    m = _NUMBER.match(text)
    if m is None:
        return None
    rest = text[m.end() :]
    if m.group("d") is not None:
        punct = m.group("p")
        # "12.5%" is a decimal; "1.1月5日" is item 1 about January 5th
        if punct in ".．" and rest[:1].isdigit() and not _DATE_AFTER_DOT.match(rest):
            return None
        num, family = int(m.group("d")), "close" if punct in ")）" else "arabic"
    elif m.group("pd") is not None:
        num, family, punct = int(m.group("pd")), "paren", "()"
    else:
        cn = m.group("c") or m.group("pc") or ""
        num, family, punct = _CN_NUMBERS.get(cn, 0), "cn" if m.group("c") else "cn-paren", "、"
    return (num, family, punct, rest.lstrip(" \t\u3000")) if num > 0 else None


# ---------------------------------------------------------------- inline text


@dataclass(frozen=True, slots=True)
class Inline:
    """One line of inline markdown read as plain text."""

    text: str
    links: tuple[str, ...]
    lead: str | None = None  # text of a link that opens the line (after emphasis marks)
    lead_end: int = 0  # where that link ends in the source line


# an emphasis run: (its segment, its character, its length, the characters around it)
_Delim = tuple[int, str, int, str, str]


def _pairs(src: str) -> tuple[dict[int, int], dict[int, int]]:
    """Matching ``[``→``]`` and ``(``→``)`` positions, skipping backslash escapes."""
    close: dict[str, dict[int, int]] = {"]": {}, ")": {}}
    opened: dict[str, list[int]] = {"]": [], ")": []}
    for m in _PAIRS.finditer(src):
        c = m.group()
        if c in "[(":
            opened["]" if c == "[" else ")"].append(m.start())
        elif c in "])" and opened[c]:
            close[c][opened[c].pop()] = m.start()
    return close["]"], close[")"]


def _destination(src: str, start: int, close_p: dict[int, int]) -> tuple[str, int] | None:
    """Read ``(dest "title")`` opening at ``start``: (dest, index after ``)``) or None."""
    if src.startswith("(<", start):
        gt = src.find(">", start + 2, start + 2 + _WINDOW)
        rp = src.find(")", gt, gt + _WINDOW) if gt >= 0 else -1
        if rp >= 0:
            return src[start + 2 : gt], rp + 1
    end = close_p.get(start)
    if end is None:
        return None
    inner = src[start + 1 : end].strip()
    return (inner.split(None, 1)[0] if inner else ""), end + 1


def _run_length(src: str, at: int) -> int:
    m = _RUNS.match(src, at)
    return m.end() - at if m else 1


def ref_label(label: str) -> str:
    """How a reference label is looked up: case and inner spacing do not matter."""
    return " ".join(label.split()).casefold()


def inline(src: str, refs: Mapping[str, str] | None = None) -> Inline:
    """Plain text and http(s) links of one line of inline markdown.

    Link text stays, URLs never do (a link text that is itself a URL goes, and is not a link);
    images, HTML tags and comments, emphasis marks and escapes disappear.
    """
    if _SPECIAL.search(src) is None and "&" not in src:  # plain text: the common case
        return Inline(_WS.sub(" ", _EMPTY.sub("", _WS.sub(" ", clean(src)))).strip(), ())
    return _Scanner(src, refs or {}).run()


class _Scanner:
    """One left-to-right pass over a line; ``segs`` collects the visible pieces."""

    def __init__(self, src: str, refs: Mapping[str, str]) -> None:
        self.src = src
        self.refs = refs
        self.close_b, self.close_p = _pairs(src) if "[" in src else ({}, {})
        self.ticks: dict[int, list[int]] = {}
        if "`" in src:
            for m in _RUNS.finditer(src):  # backtick runs by length, for code spans
                if m.group()[0] == "`":
                    self.ticks.setdefault(len(m.group()), []).append(m.start())
        self.segs: list[str] = []
        self.delims: list[_Delim] = []
        self.links: list[str] = []
        # open links: ("]" index, end of destination, href, first seg, start, has destination)
        self.frames: list[tuple[int, int, str | None, int, int, bool]] = []
        self.lead_at = len(src) - len(src.lstrip(" \t*_"))
        self.lead: tuple[int, int, int] | None = None
        self.handlers = {
            "\\": self.escape, "`": self.code, "!": self.image, "[": self.open_link,
            "]": self.close_link, "<": self.angle,
        }  # fmt: skip

    def run(self) -> Inline:
        src, n, i = self.src, len(self.src), 0
        while i < n:
            while self.frames and i > self.frames[-1][0]:  # a code span ran past its "]"
                self.frames.pop()
            m = _SPECIAL.search(src, i)
            if m is None:
                self.text(src[i:])
                break
            if m.start() > i:
                self.text(src[i : m.start()])
            i = self.token(m.group(), m.start())
        _resolve(self.delims, self.segs)
        lead_text, lead_end = None, 0
        if self.lead is not None:
            lead_text = _WS.sub(" ", "".join(self.segs[self.lead[0] : self.lead[1]])).strip()
            lead_end = self.lead[2]
        out = _STARS.sub("", clean("".join(self.segs)))  # escaped "\\*\\*" is debris too
        out = _WS.sub(" ", _EMPTY.sub("", _WS.sub(" ", out))).strip()
        return Inline(out, tuple(dict.fromkeys(self.links)), lead_text, lead_end)

    def text(self, piece: str) -> None:
        self.segs.append(html.unescape(piece) if "&" in piece else piece)

    def link(self, url: str | None, *, in_text: bool = True) -> None:
        if url is not None and not (in_text and self.frames):  # never link text as a link
            self.links.append(url)

    def token(self, tok: str, j: int) -> int:
        """Handle the special token at ``j``; return where scanning resumes."""
        src = self.src
        if (handler := self.handlers.get(tok)) is not None:
            return handler(j)
        if tok in "*_~=":
            k = _run_length(src, j)
            prev, nxt = src[j - 1 : j] or " ", src[j + k : j + k + 1] or " "
            self.delims.append((len(self.segs), tok, k, prev, nxt))
            self.segs.append(tok * k)
            return j + k
        if "://" not in tok:
            return j + len(tok)  # what is left of a URL cut short
        um = _URL.match(src, j)  # a bare URL; a scheme with nothing after it goes too
        url = trim_url(um.group()) if um else ""
        self.link(http_url(url))
        return j + max(len(url), len(tok))

    def escape(self, j: int) -> int:
        nxt = self.src[j + 1 : j + 2]
        self.segs.append(nxt if nxt in _ESCAPABLE else "\\" if nxt else "")
        return j + 2 if nxt in _ESCAPABLE else j + 1

    def code(self, j: int) -> int:
        k = _run_length(self.src, j)
        run = self.ticks.get(k, [])
        at = bisect_right(run, j)
        if at >= len(run):
            return j + k  # an unmatched run of backticks is dropped
        code = self.src[j + k : run[at]]
        for url in _URL.findall(code):
            self.link(http_url(trim_url(url)))
        self.segs.append(_URL.sub("", code).strip())
        return run[at] + k

    def image(self, j: int) -> int:
        close = self.close_b.get(j + 1)  # only when "[" follows
        dest = _destination(self.src, close + 1, self.close_p) if close is not None else None
        if dest is not None:
            return dest[1]  # an image: neither text nor link
        self.segs.append("!")
        return j + 1

    def open_link(self, j: int) -> int:
        src, close = self.src, self.close_b.get(j)
        dest = None
        if close is not None and src.startswith("(", close + 1):
            dest = _destination(src, close + 1, self.close_p)
        elif close is not None and self.refs and (label_end := self.close_b.get(close + 1, 0)):
            label = (
                src[close + 2 : min(label_end, close + 999)] or src[j + 1 : min(close, j + 999)]
            )
            dest = (self.refs.get(ref_label(label), ""), label_end + 1)
        if close is None or dest is None:
            self.segs.append("[")
        else:
            frame = (close, dest[1], http_url(dest[0]), len(self.segs), j, bool(dest[0]))
            self.frames.append(frame)
        return j + 1

    def close_link(self, j: int) -> int:
        if not self.frames or self.frames[-1][0] != j:
            self.segs.append("]")
            return j + 1
        _, resume, href, first, start, has_dest = self.frames.pop()
        self.link(href, in_text=False)
        if start == self.lead_at and has_dest and self.lead is None and not self.frames:
            self.lead = (first, len(self.segs), resume)
        elif len(self.segs) - first < 3 and _LABELS.fullmatch("".join(self.segs[first:]).strip()):
            for k in range(first, len(self.segs)):  # "[原文](u)": the link says it, not the text
                self.segs[k] = ""
        return resume

    def angle(self, j: int) -> int:
        src = self.src
        if src.startswith("<!--", j):
            end = src.find("-->", j + 4)
            return end + 3 if end >= 0 else len(src)
        if (am := _AUTOLINK.match(src, j)) is not None:
            url = http_url(am.group(1))
            self.link(url)
            if url is None:
                self.segs.append(am.group(1).removeprefix("mailto:"))
            return am.end()
        if (tm := _TAG.match(src, j)) is None:
            self.segs.append("<")
            return j + 1
        if (hm := _HREF.search(tm.group())) is not None:
            self.link(http_url(html.unescape(hm.group(1))))
        self.segs.append(" " if tm.group(1).lower() in ("br", "p", "div", "li") else "")
        return tm.end()


def _resolve(delims: list[_Delim], segs: list[str]) -> None:
    """Blank out the emphasis marks; leave arithmetic ``*``, ``snake_case`` and ``a == b``."""
    stacks: dict[str, list[int]] = {"*": [], "_": []}
    for seg, char, run, prev, nxt in delims:
        intraword = prev.isascii() and prev.isalnum() and nxt.isascii() and nxt.isalnum()
        if char == "=":
            if run == 2 and not (prev.isspace() and nxt.isspace()):
                segs[seg] = ""
        elif run > 1:
            if char != "_" or not intraword:  # "**", "~~", "__" (but not in "a__b")
                segs[seg] = ""
        elif char in stacks:
            can_open = not nxt.isspace() and not (char == "_" and intraword)
            can_close = not prev.isspace() and not (char == "_" and intraword)
            stack = stacks[char]
            if can_close and stack:
                segs[stack.pop()] = ""
                segs[seg] = ""
            elif can_open:
                stack.append(seg)
