"""Pathological input: it reads, and as a person reads it (bot.digest.guard, inline, tree).

How long it takes is measured by tests/bench/bench_pathological.py (doubling a line at most
about doubles the time), not here: a timed assertion in the suite is a flake on a busy box.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.digest import parse, read
from bot.digest.guard import MAX_BRACKETS, MAX_DELIMITERS, MAX_NESTING, defuse, tree
from bot.digest.tree import _MD

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
HEAD = "# 2024-01-01\n[a]: https://r.example\n1. "
MARKUP = re.compile(r"https?://|\*\*|\]\(|<!--|\\")


def one_item(line: str) -> Any:
    """The one item of a digest whose one list item is ``line``."""
    edition = parse(HEAD + line + "\n", source="2024-01-01.md")
    assert len(edition.items) == 1
    item = edition.items[0]
    assert MARKUP.search(item.title) is None, item.title[:80]
    return item


@pytest.mark.parametrize(
    ("line", "text"),
    [
        ("[" * 200_000, "[" * 200_000),
        ("*a _b " * 40_000, ("*a _b " * 40_000).strip()),
        ("<a " * 70_000, ("<a " * 70_000).strip()),
        ("[x](<" * 40_000, "[x](<" * 40_000),
        ("x" + " " * 200_000 + "y", "x y"),
        ("==a" * 70_000, "a" * 70_000),  # ==a== is an Obsidian highlight
        ("[a][" * 40_000 + "]" * 80_000, "[a][" * 40_000 + "]" * 80_000),
        ("*a " * 40_000 + "b* " * 40_000, ("*a " * 40_000 + "b* " * 40_000).strip()),
        ("[" * 100_000 + "]" * 100_000, "[" * 100_000 + "]" * 100_000),
        ("**a** " * 40_000, ("a " * 40_000).strip()),
        ("**a " * 40_000 + "b** " * 40_000, ("a " * 40_000 + "b " * 40_000).strip()),
    ],
    ids=[
        "open-brackets",
        "unclosed-emphasis",
        "not-html",
        "unclosed-destinations",
        "spaces",
        "highlights",
        "nested-references",
        "nested-emphasis",
        "nested-brackets",
        "bold-runs",
        "nested-bold",
    ],
)
def test_a_pathological_line_reads_as_it_is_written(line: str, text: str) -> None:
    """A line of unbalanced, piled-up or deeply nested markup is one item whose text is what
    a reader of the file sees: the marks that pair up are markup, the rest are characters."""
    item = one_item(line)
    assert item.text == text
    assert item.links == ()


def test_a_line_of_opened_links_reads_its_references() -> None:
    """`[a](` over and over, with `[a]` defined: each `[a]` is that link, the `(` stay."""
    item = one_item("[a](" * 50_000)
    assert item.text == "a(" * 50_000
    assert (item.title, item.links) == ("a", ("https://r.example",))


def test_a_line_of_link_texts_opened_inside_each_other_has_its_one_link() -> None:
    """`[a[a[a…](u)](u)…`: a link cannot hold a link, so one is (one of the MAX_BRACKETS
    outer ones: deeper pairs are text), the other brackets are text and no URL is left."""
    item = one_item("[a" * 40_000 + "](https://x.example)" * 40_000)
    assert item.links == ("https://x.example",)
    assert sorted(set(item.text)) == ["[", "]", "a"]
    assert (item.text.count("["), item.text.count("a")) == (39_999, 40_000)
    assert item.text.endswith("a" + "]" * 39_999)


def test_a_line_of_code_spans_reads_as_code() -> None:
    """`` ` `` ` `` `` pairs up into code spans; nothing but backticks and spaces is left."""
    item = one_item("` `` " * 40_000)
    assert set(item.text) == {"`", " "}


def test_a_line_of_nested_images_is_an_image_not_a_story() -> None:
    """`![![![…a](u)](u)](u)` is one image (no crash freeing 40,000 levels): no item."""
    reading = read(HEAD + "![" * 40_000 + "a" + "](u)" * 40_000 + "\n", source="2024-01-01.md")
    assert reading.items == ()
    assert "line 3: empty item skipped" in reading.warnings


@pytest.mark.parametrize(
    ("body", "escaped_at"),
    [
        ("> " * 100_000 + "a", 2 * MAX_NESTING),
        (">" * 200_000 + "a", MAX_NESTING),
        ("1. " * 60_000 + "a", 3 * MAX_NESTING + 1),
        ("- " * 100_000 + "a", 2 * MAX_NESTING),
    ],
    ids=["quotes", "tight-quotes", "numbered-lists", "bullet-lists"],
)
def test_a_line_that_opens_thousands_of_quotes_or_lists_reads(body: str, escaped_at: int) -> None:
    """A tree 100,000 levels deep would crash the process when freed: the first
    MAX_NESTING marks open quotes or lists, the rest of the line is its text."""
    reading = read("# 2024-01-01\n\n" + body + "\n", source="2024-01-01.md")
    assert reading.date is not None
    assert all(MARKUP.search(item.title) is None for item in reading.items)
    text, _ = defuse(body)
    assert (text.count("\\"), text.index("\\")) == (1, escaped_at)


def test_a_paragraph_keeps_its_first_emphases_and_writes_out_the_rest() -> None:
    """Thousands of `*a*` in one paragraph: the first MAX_DELIMITERS marks are emphasis
    (each closing mark costs the parser a look at the whole paragraph), the rest are text."""
    item = one_item("*a* " * 40_000)
    pairs = MAX_DELIMITERS // 2
    assert item.text == ("a " * pairs + "*a* " * (40_000 - pairs)).strip()
    assert item.title == ""


def test_a_paragraph_of_many_bold_lines_reads() -> None:
    """30,000 lines of `**a** b` and a link make one paragraph (30,000 bold runs): it reads,
    as lines, not stories, and its bold marks never show."""
    reading = read("# 2024-01-01\n\n" + "**a** b\n" * 30_000 + "[c](https://c.example)\n")
    assert (reading.items, reading.warnings) == ((), ("no items found",))


def test_hundreds_of_reference_definitions_in_a_row_keep_their_lines() -> None:
    """A blank line goes between every hundred definitions (the parser reads the rest of a
    run again for each one); they all still define, and lines after them are the file's."""
    defs = "".join(f"[r{k}]: https://x.example/{k}\n" for k in range(250))
    reading = read(f"# 2024-01-01\n{defs}\n1. [a](https://a.example) [r200]\n", source="x.md")
    assert [item.links for item in reading.items] == [
        ("https://a.example", "https://x.example/200")
    ]
    reading = read(f"# 2024-01-01\n{defs}\n1. a\n2.\n3. c\n", source="x.md")
    assert "line 254: empty item skipped" in reading.warnings
    text, added = defuse(defs)
    assert sorted(added) == [100, 201]
    assert text.split("\n")[100] == ""


@pytest.mark.parametrize("name", sorted(p.name for p in (FIXTURES / "layouts").glob("*.md")))
def test_defuse_leaves_an_ordinary_digest_as_it_is(name: str) -> None:
    """Nothing in a digest as people write them is near the limits: defuse changes nothing
    (tests/digest/test_corpus.py checks the real archives too)."""
    text = (FIXTURES / "layouts" / name).read_text("utf-8")
    assert defuse(text) == (text, frozenset())


def test_marks_past_the_limits_are_escaped_where_they_are() -> None:
    """Only the paragraph that goes past a limit changes, and only past it."""
    crowded = "**a** " * (MAX_DELIMITERS // 2 + 1)
    text, _ = defuse(f"# t\n\nplain *b*\n\n{crowded}\n")
    assert text.startswith("# t\n\nplain *b*\n\n" + "**a** " * (MAX_DELIMITERS // 2))
    assert text.endswith("\\*\\*a\\*\\* \n")
    deep = "[" * (MAX_BRACKETS + 2) + "x" + "]" * (MAX_BRACKETS + 2)
    text, _ = defuse(deep)
    assert text == "[" * MAX_BRACKETS + "\\[\\[x\\]\\]" + "]" * MAX_BRACKETS


# -- parser panics never reach stderr


PANICS = ["```[```[`", "a[s:///`", "[`a", "[ ``` a", "a[http://x.com`"]


@pytest.mark.parametrize("text", PANICS)
def test_a_parser_panic_is_read_around_and_nothing_reaches_stderr(
    text: str, capfd: pytest.CaptureFixture[str]
) -> None:
    """markdown-it-pyrs panics on these (an unclosed backtick run after a `[`); Rust's panic
    hook writes its report to the process's stderr before the retry: it must not show."""
    with pytest.raises(BaseException, match="index out of bounds"):
        _MD.tree(text)  # still panics: what the reader works around
    capfd.readouterr()
    reading = read(f"# 2024-01-01\n\n1. {text}\n", source="2024-01-01.md")
    assert any("markdown parser could not read" in w for w in reading.warnings)
    assert capfd.readouterr().err == ""


class PanicException(BaseException):  # named as pyo3's: the name is what counts
    pass


class _Loud:
    """A parser that writes to stderr as other threads or Rust would, and then panics."""

    def __init__(self, panic: bool) -> None:
        self.panic = panic

    def tree(self, text: str) -> str:
        os.write(2, b"someone else's line\n")
        if self.panic:
            os.write(2, b"thread '<unnamed>' panicked at src/x.rs:87:46:\nindex out of bounds\n")
            os.write(2, b"stack backtrace:\n   0: rust_begin_unwind\n             at x.rs:1\n")
            os.write(2, b"note: Some details are omitted\n")
            raise PanicException("index out of bounds")
        return text


def test_what_others_write_to_stderr_during_a_parse_is_passed_on(
    capfd: pytest.CaptureFixture[str],
) -> None:
    """stderr is lent to a scratch file for the parse: a panic report is dropped, anything
    else written meanwhile reaches stderr after it, and stderr is stderr again."""
    assert tree(_Loud(panic=False), "x") == "x"  # type: ignore[arg-type]
    assert capfd.readouterr().err == "someone else's line\n"
    with pytest.raises(PanicException):
        tree(_Loud(panic=True), "x")  # type: ignore[arg-type]
    assert capfd.readouterr().err == "someone else's line\n"
    print("after", file=sys.stderr)
    assert capfd.readouterr().err == "after\n"
