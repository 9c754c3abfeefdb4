"""What keeps the markdown parser fast, alive and quiet on any input (pure but for stderr).

markdown-it-pyrs (markdown-it 0.6, Rust) has four weak spots, all far from what a digest
writes; ``defuse(body)`` takes them away before the parse and leaves every ordinary document
as it is (tests/digest/test_corpus.py: every file of the real archives):

- nesting: a line that opens thousands of block quotes or lists (``> > > …``, ``1. 1. …``),
  or a paragraph of thousands of nested brackets or emphases, gives a tree so deep that
  freeing it overflows the stack and the process dies. At most ``MAX_NESTING`` container
  marks open a line; the marks after them are text (escaped).
- emphasis: each closing ``*`` / ``_`` / ``~~`` looks back over every node before it in its
  paragraph, so a paragraph of N emphases costs N². A paragraph (a heading, a table cell)
  keeps its first ``MAX_DELIMITERS`` delimiter runs; the runs after them are text.
- brackets: each ``[`` is matched to its ``]`` and, when the document defines references,
  that whole label is normalised: brackets nested N deep cost N². Bracket pairs nested
  deeper than ``MAX_BRACKETS`` are text.
- reference definitions: each one reads the rest of its run of lines again, so N of them in
  a row cost N². A blank line goes after every ``MAX_DEFINITIONS`` of them; its number is
  returned, so that the lines of what follows are still the file's.

The paragraphs are told by a parse of the blocks alone (linear), and only when some stretch
of the file between blank lines holds that many marks at all. An escaped mark reads as the
character a person sees.

``tree(parser, text)`` parses; a Rust panic is raised as ever (``PanicException``, a
BaseException) but its report, which Rust's panic hook writes straight to the process's
stderr, is kept out of it: stderr is lent to a scratch file for the parse and what others
wrote there meanwhile is passed on.
"""

from __future__ import annotations

import atexit
import os
import re
import sys
import tempfile
import threading
from typing import IO, Any

from markdown_it_pyrs import MarkdownIt

MAX_NESTING = 32  # container marks (>, -, 1.) that may open one line
MAX_DELIMITERS = 200  # emphasis delimiter runs read as such in one paragraph
MAX_BRACKETS = 16  # how deep bracket pairs may nest in one paragraph
MAX_DEFINITIONS = 100  # reference definitions in a row before a blank line goes between

_BLOCKS = MarkdownIt("zero").enable_many(
    [
        "blockquote",
        "code",
        "fence",
        "heading",
        "hr",
        "lheading",
        "list",
        "paragraph",
        "reference",
        "html_block",
        "table",
    ]
)
_MARK = r"[ \t]*+(?:>|(?:[-+*]|[0-9]{1,9}[.)])(?=[ \t]|$))"  # a container mark
# a line opened by more marks, up to the next one (its number too): a backslash makes it text;
# found after a newline (a literal the regex engine looks for fast), the body's first line too
_DEEP_LINE = re.compile(rf"\n(?:{_MARK}){{{MAX_NESTING}}}[ \t]*+(?={_MARK})[0-9]*+")
_DEFINITION = re.compile(r"((?:[ \t]*>)*)[ \t]*\[[^\]\n]{1,999}\]:")
_BLANK_LINE = re.compile(r"\n[ \t]*(?=\n)")
_BRACKET = re.compile(r"\\.|[\[\]]")
_TOKEN = re.compile(
    r"\\[\s\S]"  # an escaped character: no mark
    r"|(\*++|~{2,}+|(?<![^\W_])_++|_++(?![^\W_]))"  # a delimiter run (not snake_case)
    r"|(\[)|(\])"
)
_PANIC_START = re.compile(rb"thread '[^'\n]*' panicked at ")
_PANIC_REST = re.compile(rb"(?:stack backtrace:|note: |\s+\d+: |\s+at ).*")


def defuse(body: str) -> tuple[str, frozenset[int]]:
    """``body`` with what would make the parser crash or take quadratic time escaped, and
    the blank lines put in it (their 0-based line numbers: every other line is the body's)."""
    body, added = _space_definitions(body)
    deep = _DEEP_LINE.sub(r"\g<0>\\", "\n" + body)  # >  -  1. → \>  \-  1\.
    body = deep[1:] if len(deep) > len(body) + 1 else body
    if not _suspect(body):
        return body, added
    data = body.encode("utf-8", "surrogatepass")
    pieces: list[bytes] = []
    done = 0
    blocks = tree(_BLOCKS, body).walk()
    spans = sorted(n.srcmap for n in blocks if n.name == "text" and n.srcmap)
    for start, end in spans:
        if start < done or not _may_crowd(data[start:end]):
            continue
        text = data[start:end].decode("utf-8", "surrogatepass")
        if (escaped := _escaped(text)) == text:
            continue
        pieces += [data[done:start], escaped.encode("utf-8", "surrogatepass")]
        done = end
    if not pieces:
        return body, added
    pieces.append(data[done:])
    return b"".join(pieces).decode("utf-8", "surrogatepass"), added


def _space_definitions(body: str) -> tuple[str, frozenset[int]]:
    """A blank line after every MAX_DEFINITIONS reference definitions in a row (in the
    quotes they are in), where the parser would read the rest of the run again for each."""
    if body.count("]:") <= MAX_DEFINITIONS:
        return body, frozenset()
    out: list[str] = []
    added: list[int] = []
    run = 0
    for line in body.split("\n"):
        m = _DEFINITION.match(line)
        run = run + 1 if m else 0
        if m and run > MAX_DEFINITIONS:
            added.append(len(out))
            out.append(m.group(1))  # ">" alone is a blank line in a quote
            run = 1
        out.append(line)
    return ("\n".join(out), frozenset(added)) if added else (body, frozenset())


def _suspect(body: str) -> bool:
    """Whether a stretch between blank lines holds enough marks to need a look."""
    if body.count("[") <= MAX_BRACKETS and _marks(body) <= MAX_DELIMITERS:
        return False
    return any(
        (part.count("[") > MAX_BRACKETS and _open_brackets(part) > MAX_BRACKETS)
        or _marks(part) > MAX_DELIMITERS
        for part in _BLANK_LINE.split(body)
    )


def _open_brackets(text: str) -> int:
    """The most brackets open at once in ``text``: no pair nests deeper."""
    depth = deepest = 0
    for m in _BRACKET.finditer(text):
        if m.group() == "[":
            depth += 1
            deepest = max(deepest, depth)
        elif m.group() == "]" and depth:
            depth -= 1
    return deepest


def _marks(text: str) -> int:
    return text.count("*") + text.count("_") + text.count("~")


def _may_crowd(span: bytes) -> bool:
    """Whether one paragraph's text has enough marks to go past a limit."""
    count = span.count
    return count(b"[") > MAX_BRACKETS or count(b"*") + count(b"_") + count(b"~") > MAX_DELIMITERS


def _excess(text: str) -> list[int]:
    """Where in ``text`` the marks past the limits are: delimiter runs after the first
    MAX_DELIMITERS (every character of them), brackets of pairs nested deeper than
    MAX_BRACKETS. Pairs are matched as written; an unmatched ``[`` nests nothing."""
    found: list[int] = []
    runs = 0
    opened: list[int] = []  # positions of the [ not matched yet
    pairs: list[tuple[int, int]] = []
    for m in _TOKEN.finditer(text):
        if m.group(1):
            runs += 1
            if runs > MAX_DELIMITERS:
                found.extend(range(m.start(), m.end()))
        elif m.group(2):
            opened.append(m.start())
        elif m.group(3) and opened:
            pairs.append((opened.pop(), m.start()))
    if len(pairs) > MAX_BRACKETS:
        edges = sorted([(a, 1) for a, _ in pairs] + [(b, -1) for _, b in pairs])
        depth = 0
        deep: set[int] = set()
        for at, step in edges:
            if step > 0:
                depth += 1
                if depth > MAX_BRACKETS:
                    deep.add(at)
            else:
                depth -= 1
        found.extend(p for a, b in pairs if a in deep for p in (a, b))
    return sorted(found)


def _escaped(text: str) -> str:
    """``text`` with a backslash before each mark past the limits."""
    out: list[str] = []
    done = 0
    for at in _excess(text):
        out += [text[done:at], "\\"]
        done = at
    out.append(text[done:])
    return "".join(out)


# -- a parse whose panic report stays out of stderr

_QUIET = threading.Lock()
_scratch: tuple[int, IO[bytes]] | None = None  # (the process it was made in, the file)


def tree(parser: MarkdownIt, text: str) -> Any:
    """``parser.tree(text)``; a panic's report never reaches stderr."""
    global _scratch
    with _QUIET:
        try:
            sys.stderr.flush()
            if _scratch is None or _scratch[0] != os.getpid():  # a forked child: its own
                _scratch = (os.getpid(), tempfile.TemporaryFile())  # noqa: SIM115 - kept
                atexit.register(_scratch[1].close)  # kept for the process's life, then closed
            scratch = _scratch[1].fileno()
            saved = os.dup(2)
        except (OSError, ValueError, AttributeError):  # no stderr, or no scratch file
            return parser.tree(text)
        panicked = False
        try:
            os.dup2(scratch, 2)
            return parser.tree(text)
        except BaseException as exc:
            panicked = type(exc).__name__ == "PanicException"
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            _pass_on(scratch, panicked)


def _pass_on(scratch: int, panicked: bool) -> None:
    """Write to stderr what others wrote there during the parse, without a panic report."""
    size = os.lseek(scratch, 0, os.SEEK_END)
    if not size:
        return
    os.lseek(scratch, 0, os.SEEK_SET)
    written = os.read(scratch, size)
    os.ftruncate(scratch, 0)
    os.lseek(scratch, 0, os.SEEK_SET)
    if panicked:
        written = _without_panic(written)
    if written:
        os.write(2, written)


def _without_panic(written: bytes) -> bytes:
    """``written`` without Rust's panic reports: the "thread … panicked at" line, the
    message under it, and the backtrace and notes that follow."""
    kept: list[bytes] = []
    state = "out"  # "out", "message" (the line after the first), "trace"
    for line in written.splitlines(keepends=True):
        if _PANIC_START.match(line):
            state = "message"
        elif state == "message":
            state = "trace"
        elif state == "trace" and _PANIC_REST.match(line):
            pass
        else:
            state = "out"
            kept.append(line)
    return b"".join(kept)
