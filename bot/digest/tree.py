"""A digest's body as a flat list of units, read by one markdown parser (pure).

markdown-it (its Rust port, markdown-it-pyrs: CommonMark, pipe tables, strikethrough, bare URLs)
parses the body once; ``units(body)`` walks the tree without recursion and flattens it into
``Unit``s in document order: headings, paragraph lines, list items (with their nesting and
the number they were written with), table rows. Code blocks, HTML comments and rules are
noted in ``Tree.skipped``; HTML blocks are read as the markdown they stand for
(htmlblock.py) and parsed again. Every unit knows its line in the file.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from markdown_it_pyrs import MarkdownIt

from .guard import defuse
from .guard import tree as parse_tree
from .htmlblock import to_markdown
from .inline import Inline, lines, merge

_MD = MarkdownIt("commonmark").enable_many(["table", "strikethrough", "linkify"])
_MD_NO_LINKIFY = MarkdownIt("commonmark").enable_many(["table", "strikethrough"])
_PANIC_WARNING = "line {line}: backticks or links the markdown parser could not read, read as text"
_BLOCK = frozenset(
    [
        "paragraph",
        "heading",
        "lheading",
        "bullet_list",
        "ordered_list",
        "list_item",
        "blockquote",
        "fence",
        "code_block",
        "html_block",
        "table",
        "thead",
        "tbody",
        "trow",
        "tcell",
        "hr",
        "definition",
        "footnote_definition",
    ]
)
# between two lists: blank lines and at least one link reference definition (``[x]: url``)
_ONLY_DEFINITIONS = re.compile(
    rb"(?:[ \t]*\n)*(?:[ \t]{0,3}\[[^\]\n]+\]:[ \t]*\S[^\n]*\n(?:[ \t]*\n)*)+"
)
_NUMBER = re.compile(rb"[ \t]*([0-9]{1,9})[.)]")
_FENCE_CLOSE = re.compile(r"(?m)^[ \t]{0,3}(`{3,}|~{3,})[ \t]*$")
_FENCE_LINE = re.compile(r"[ \t]{0,3}(?:`{3,}[^`]*|~{3,}.*)$")  # an opening fence: no ` after ```
_HEADING_TEXT = re.compile(r"(#{1,6})\s+(\S.*)")
_READ_TIME = re.compile(r"\s*[(（]\s*\d{1,3}\s*(?:minutes?|mins?)\s+read\s*[)）]\s*$", re.I)
_NO_LINE = Inline("", ())
MAX_HTML_DEPTH = 3  # HTML inside HTML inside HTML: read that far, no further


# a <div> written around markdown (its own line, the markdown after a blank line), and its end
_BOX_OPEN = re.compile(r"<div\b[^<>]*>", re.IGNORECASE)
_BOX_CLOSE = re.compile(r"</div\s*>", re.IGNORECASE)


class Kind(StrEnum):
    HEADING = "heading"
    LINE = "line"  # one line of a paragraph
    ITEM = "item"  # a list item (its first paragraph)
    ROW = "row"  # a table row
    RULE = "rule"  # a thematic break


@dataclass(slots=True)
class Unit:
    kind: Kind
    no: int  # the file line it starts on
    lines: list[Inline]  # HEADING and LINE: one; ITEM: its first paragraph's; ROW: one a cell
    level: int = 0  # HEADING: 1…6
    depth: int = 0  # ITEM: list nesting, 0 outermost; other units: that of the item they are in
    number: int = 0  # ITEM of an ordered list: its number as written
    ordered: bool = False  # ITEM: of an ordered list
    list_id: int = -1  # ITEM: the list it belongs to
    owner: int = -1  # the ITEM this unit is inside (a nested paragraph or list), else -1
    para: int = -1  # LINE: the paragraph it belongs to
    quoted: bool = False  # inside a blockquote
    header: bool = False  # ROW: of a table's head
    aside: bool = False  # LINE: of a paragraph wholly in italics (an editor's note)
    box: int = -1  # inside a ``<div>`` box written around markdown: the box's first unit
    first: Inline = field(init=False)  # its first line (an empty one when it has none)

    def __post_init__(self) -> None:
        self.first = self.lines[0] if self.lines else _NO_LINE


@dataclass(slots=True)
class Tree:
    units: list[Unit] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # what was read but is not content
    warnings: list[str] = field(default_factory=list)


class _Walk:
    def __init__(self, tree: Tree, first_line: int) -> None:
        self.tree = tree
        self.first_line = first_line
        self.lists = 0
        self.paras = 0
        self.last_list: tuple[str, int, int, int] | None = None  # kind, owner, id, end byte
        self.boxes: list[int] = []  # the first units of the <div> boxes still open

    def parse(self, body: str, *, line: int | None = None, depth: int = 0) -> None:
        """Parse ``body`` and add its units; ``line``: every unit's line (HTML read again)."""
        root, body, added = _tree(
            body, self.tree.warnings, self.first_line if line is None else line
        )
        data = body.encode("utf-8", "surrogatepass")
        newlines = [m.start() for m in re.finditer(b"\n", data)]
        if added:  # blank lines the parse needed, not the file's: not counted
            newlines = [pos for k, pos in enumerate(newlines) if k not in added]

        def at(node: Any) -> int:
            if line is not None:
                return line
            span = node.srcmap
            return self.first_line + (bisect_right(newlines, span[0] - 1) if span else 0)

        self.data, self.at = data, at
        # the stack: (node, owner unit, depth, quoted, list id, ordered)
        stack: list[tuple[Any, int, int, bool, int, bool]] = [
            (child, -1, 0, False, -1, False) for child in reversed(root.children)
        ]
        while stack:
            node, owner, level, quoted, list_id, ordered = stack.pop()
            self.block(node, owner, level, quoted, list_id, ordered, stack, depth)

    def block(
        self,
        node: Any,
        owner: int,
        depth: int,
        quoted: bool,
        list_id: int,
        ordered: bool,
        stack: list[tuple[Any, int, int, bool, int, bool]],
        html_depth: int,
    ) -> None:
        units, name = self.tree.units, node.name
        if name in ("heading", "lheading"):  # ``# Title``, or ``Title`` over ``---`` / ``===``
            inline = merge(lines(node.children))
            level = int(node.meta.get("level", 1))
            units.append(Unit(Kind.HEADING, self.at(node), [inline], level=level, depth=depth,
                              owner=owner, quoted=quoted))  # fmt: skip
        elif name == "paragraph":
            self.paragraph(node.children, self.at(node), owner, depth, quoted)
        elif name in ("bullet_list", "ordered_list"):
            is_ordered, list_id = name == "ordered_list", self.list_id(node, owner)
            stack.extend(
                (c, owner, depth, quoted, list_id, is_ordered) for c in reversed(node.children)
            )
        elif name == "list_item":
            self.list_item(node, owner, depth, quoted, list_id, ordered, stack)
        elif name == "blockquote":
            stack.extend((c, owner, depth, True, -1, False) for c in reversed(node.children))
        elif name == "table":
            for part in node.children:
                for row in part.children:
                    cells = [merge(lines(c.children)) for c in row.children]
                    units.append(Unit(Kind.ROW, self.at(row), cells, depth=depth, owner=owner,
                                      quoted=quoted, header=part.name == "thead"))  # fmt: skip
        elif name in ("fence", "code_block"):
            where = self.at(node)
            self.tree.skipped.append(f"line {where}: a code block")
            span = node.srcmap
            source = self.data[span[0] : span[1]].decode("utf-8", "replace") if span else ""
            if name == "fence" and not _closed(source):
                self.tree.warnings.append(
                    f"line {where}: code block is never closed, the rest is read as code"
                )
        elif name == "html_block":
            self.html(node, owner, depth, quoted, html_depth)
        elif name == "hr":
            units.append(Unit(Kind.RULE, self.at(node), [], depth=depth, owner=owner))
        elif name not in _BLOCK:  # inline nodes straight in a tight list item: a paragraph
            self.paragraph([node], self.at(node), owner, depth, quoted)

    def list_id(self, node: Any, owner: int) -> int:
        """A new list's id, or the one before's when only link reference definitions stand
        between them: the definitions are invisible on the page, the reader sees one list."""
        span, last = node.srcmap, self.last_list
        if (
            span
            and last is not None
            and last[:2] == (node.name, owner)
            and _ONLY_DEFINITIONS.fullmatch(self.data[last[3] : span[0]])
        ):
            list_id = last[2]
        else:
            self.lists += 1
            list_id = self.lists
        self.last_list = (node.name, owner, list_id, span[1] if span else -1)
        return list_id

    def paragraph(
        self, children: list[Any], no: int, owner: int, depth: int, quoted: bool
    ) -> None:
        self.paras += 1
        aside = _emphasized(children)
        for k, inline in enumerate(lines(children)):
            if (heading := _linked_heading(inline)) is not None:  # [### t](u): a heading
                level, shown = heading
                self.tree.units.append(Unit(Kind.HEADING, no + k, [shown], level=level,
                                            depth=depth, owner=owner, quoted=quoted))  # fmt: skip
                continue
            self.tree.units.append(Unit(Kind.LINE, no + k, [inline], depth=depth, owner=owner,
                                        para=self.paras, quoted=quoted, aside=aside))  # fmt: skip

    def list_item(
        self,
        node: Any,
        owner: int,
        depth: int,
        quoted: bool,
        list_id: int,
        ordered: bool,
        stack: list[tuple[Any, int, int, bool, int, bool]],
    ) -> None:
        children = list(node.children)
        head: list[Any] = []
        if children and children[0].name == "paragraph":
            head = list(children.pop(0).children)
        else:
            inline = 0  # a tight item's inline nodes come first
            while inline < len(children) and children[inline].name not in _BLOCK:
                inline += 1
            head, children = children[:inline], children[inline:]
        number = 0
        span = node.srcmap
        if ordered and span and (m := _NUMBER.match(self.data, span[0])):
            number = int(m.group(1))
        units = self.tree.units
        units.append(Unit(Kind.ITEM, self.at(node), lines(head) if head else [Inline("", ())],
                          depth=depth, number=number, ordered=ordered, list_id=list_id,
                          owner=owner, quoted=quoted))  # fmt: skip
        me = len(units) - 1
        stack.extend((c, me, depth + 1, quoted, -1, False) for c in reversed(children))

    def html(self, node: Any, owner: int, depth: int, quoted: bool, html_depth: int) -> None:
        content = node.meta.get("content", "")
        where = self.at(node)
        if content.lstrip().startswith("<!--"):
            self.tree.skipped.append(f"line {where}: an HTML comment")
            if "-->" not in content:
                self.tree.warnings.append(
                    f"line {where}: HTML comment is never closed, the rest is ignored"
                )
            return
        if html_depth >= MAX_HTML_DEPTH:
            return
        if _BOX_OPEN.fullmatch(content.strip()):  # <div markdown="1" class="callout">
            self.boxes.append(len(self.tree.units))
            return
        if _BOX_CLOSE.fullmatch(content.strip()):
            if self.boxes:
                start = self.boxes.pop()
                for unit in self.tree.units[start:]:
                    if unit.box < 0:  # a box inside it closed first and keeps its own
                        unit.box = start
            return
        markdown = to_markdown(content)
        if not markdown.strip():
            return
        first = len(self.tree.units)
        data, at = self.data, self.at
        self.last_list = None  # the HTML's own lists are not the page's lists before it
        self.parse(markdown, line=where, depth=html_depth + 1)
        self.data, self.at, self.last_list = data, at, None
        for unit in self.tree.units[first:]:
            unit.depth += depth
            unit.quoted = unit.quoted or quoted
            if unit.owner < 0:
                unit.owner = owner


def _emphasized(children: list[Any]) -> bool:
    """A paragraph wholly in italics that speaks (``*No news this week.*``, ``_In this section,
    we…_``): the editor speaking about the page, not telling a story."""
    if not any(c.name == "em" for c in children):  # most paragraphs: no italics at all
        return False
    shown = [
        c
        for c in children
        if c.name not in ("softbreak", "hardbreak")
        and not (c.name == "text" and not c.meta.get("content", "").strip())
    ]
    if not shown or any(c.name != "em" for c in shown):
        return False
    told = [c for c in shown[0].children if c.name != "text" or c.meta.get("content", "").strip()]
    return bool(told) and told[0].name != "link"  # ``*[video](u), [slides](v)*``: its links


def _closed(source: str) -> bool:
    """Whether a fenced code block's source ends with its closing fence (the opening line may
    carry an info string: ```` ```rust ````)."""
    rows = source.rstrip("\n").split("\n")
    return len(rows) > 1 and _FENCE_CLOSE.fullmatch(rows[-1]) is not None


def _linked_heading(line: Inline) -> tuple[int, Inline] | None:
    """``[### Title (2 minute read)](u)``: a link whose text is written as a heading, alone on
    its line, is that heading (TLDR-style newsletters): its level, and it as a heading line."""
    if line.lead is None or line.bold or line.rest.strip() or not line.links:
        return None
    m = _HEADING_TEXT.match(line.lead)
    if m is None:
        return None
    title = _READ_TIME.sub("", m.group(2)).strip()
    return len(m.group(1)), Inline(title, line.links, title, "", False, line.source)


def _tree(body: str, warnings: list[str], line: int) -> tuple[Any, str, frozenset[int]]:
    """markdown-it's tree of ``body``. markdown-it-pyrs 0.4 panics (a Rust panic, not an
    Exception) on some unclosed backtick runs after a ``[``, and with linkify on some URLs
    after a ``[``: then the backticks outside code fences are read as plain characters, then
    bare URLs are no longer made links, then both, and the publisher is told. The body is
    defused first (guard.py); the text parsed and the blank lines that added are returned."""
    body, added = defuse(body)

    def fenced() -> str:  # written out only when the first parse panicked
        return "\n".join(
            part if _FENCE_LINE.match(part) else part.replace("`", "\\`")
            for part in body.split("\n")
        )

    for number, parser in enumerate((_MD, _MD, _MD_NO_LINKIFY)):
        text = fenced() if number == 1 else body
        try:
            tree = parse_tree(parser, text)
        except BaseException as exc:
            if type(exc).__name__ != "PanicException":
                raise
            continue
        if number:
            warnings.append(_PANIC_WARNING.format(line=line))
        return tree, text, added
    warnings.append(_PANIC_WARNING.format(line=line))
    # fences too, and a backslash before a backtick must not undo its escape ("\\`"): the
    # file reads as text, never a crash
    escaped = body.replace("\\", "\\\\").replace("`", "\\`")
    return parse_tree(_MD_NO_LINKIFY, escaped), escaped, added


def units(body: str, *, first_line: int = 1) -> Tree:
    """The units of a digest body (``first_line``: the file line the body starts on)."""
    tree = Tree()
    _Walk(tree, first_line).parse(body)
    return tree


def inline(src: str, refs: dict[str, str] | None = None) -> Inline:
    """One line of inline markdown as a reader sees it (``refs``: reference definitions)."""
    defs = "".join(f"\n[{label}]: {url}" for label, url in (refs or {}).items())
    text, _ = defuse(src.replace("\n", " ") + ("\n" + defs if defs else ""))
    root = parse_tree(_MD, text)
    for node in root.children:
        if node.name == "paragraph":
            return merge(lines(node.children))
        if node.name not in ("definition",):
            found = units(src).units
            return found[0].first if found else Inline("", ())
    return Inline("", ())
