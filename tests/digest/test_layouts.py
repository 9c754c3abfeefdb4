"""Layouts real digests use, one small file each: the stories are found, the rest is not."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import pytest
from conftest import titles
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.digest import DigestError, Reading, not_a_digest, read, read_file

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "layouts"


def layout(name: str) -> Reading:
    return read_file(FIXTURES / name)


def test_headings_in_divs_with_span_autolinks() -> None:
    """`<div>` blocks of `#### Title`, a `<span>` autolink and a `<p>` are items free of HTML."""
    reading = layout("div-headings.md")
    assert reading.rule == "3 items: level-4 headings each with its body"
    assert titles(reading) == [
        "Chrome ships View Transitions for multi-page apps",
        "Deno 2 is out",
        "Safari 18 beta adds anchor positioning",
    ]
    first = reading.items[0]
    assert first.links == ("https://developer.chrome.com/blog/view-transitions-mpa",)
    assert first.text.endswith(
        "Cross-document transitions land in Chrome 126 & need no framework."
    )


def test_an_undated_weekly_issue_is_read_and_says_it_has_no_date() -> None:
    """An undated issue's items are read; it says it has no date and takes the day it is seen."""
    reading = layout("issue-42.md")
    assert reading.date is None
    assert reading.no_date.startswith("no date: none in the frontmatter")
    assert reading.series == "Rust 周刊"
    assert titles(reading) == ["Tokio 1.40 发布", "Cargo 支持工作区继承", "Bevy 0.14"]
    assert reading.edition(dt.date(2024, 9, 2)).date == dt.date(2024, 9, 2)
    with pytest.raises(DigestError, match="no date"):
        reading.edition()


def test_bold_numbered_paragraphs_without_links() -> None:
    """`**1、Title**` paragraphs are items with that title and the paragraph after as body."""
    reading = layout("bold-numbered.md")
    assert reading.rule == "3 items: numbered paragraphs"
    assert titles(reading)[0] == "国家能源局发布新型储能项目管理规范"
    assert reading.items[0].text.split("\n") == [
        "国家能源局发布新型储能项目管理规范",
        "规范明确了新型储能项目的备案、建设和并网要求，自7月1日起施行。",
    ]
    assert "no item has a link" in reading.warnings


def test_html_table_rows_with_links() -> None:
    """`<table>` rows with a link are items; the header row is not."""
    reading = layout("table-rows.md")
    assert reading.rule == "2 items: table rows with links"
    assert titles(reading) == ["高效长上下文推理", "多模态检索增强"]
    assert reading.items[1].text == "多模态检索增强 | 北京大学"
    assert reading.items[1].links == ("https://arxiv.org/abs/2406.00002",)


def test_headings_written_inside_links_and_a_sponsor_section() -> None:
    """`[### Title (2 minute read)](url)` is an item without its read time; a sponsor is none."""
    reading = layout("linked-headings.md")
    assert titles(reading) == [
        "Apple unveils its on-device models",
        "Nvidia becomes the most valuable company",
    ]
    assert reading.items[0].links == ("https://example.com/apple?utm_source=tldr",)
    assert any("'Sponsor'" in why for why in reading.skipped)


def test_story_headings_with_a_read_more_link_and_a_footer() -> None:
    """`### story` + `[查看原文](url)`: the story's link, not its text; a footer is no story's."""
    reading = layout("story-original.md")
    assert titles(reading) == ["小米发布首款自研芯片", "比亚迪海外销量创新高"]
    assert [item.links for item in reading.items] == [
        ("https://example.cn/news/1",),
        ("https://example.cn/news/2",),
    ]
    assert "查看原文" not in reading.items[0].text
    assert "订阅" not in reading.items[1].text


@pytest.mark.parametrize(
    ("data", "warning"),
    [
        (b"", "file is empty"),
        (b"\n", "file is empty"),
        (b"None", "no items found"),
        (b"# \xe6\x97\xa5\xe6\x8a\xa5 2024-01-08\n", "no items found"),
        (b"---\ntitle: x\n---\n", "file is empty"),
        (b"# 2024-01-08\n\n1. [", "no item has a link"),
    ],
    ids=["0-bytes", "newline", "None", "heading-only", "frontmatter-only", "being-written"],
)
def test_degenerate_files_read_with_a_clear_message(data: bytes, warning: str) -> None:
    """Tiny, empty or half-written files give a reading that says so, never an exception."""
    from bot.digest import read_bytes

    reading = read_bytes(data, source="digests/2024-01-08.md")
    assert reading.date == dt.date(2024, 1, 8)
    assert warning in reading.warnings


# -- generated documents: no markup in any item, no link in the item region lost -------------

_TEXT = st.text(
    alphabet=st.sampled_from(list("碳市场储能绿证光伏风电abcXYZ 0123456789😀🔋<>&\"'，。：")),
    min_size=1,
    max_size=24,
).map(lambda s: s.strip() if re.search(r"\w", s) else f"储能{s}".strip())
_URL = st.integers(1, 10**6).map(lambda n: f"https://example.org/a/{n}")


Story = tuple[str, str, str]  # title, body, link


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, list[Story]]:
    """A digest in one of the layouts, with random text; and its stories."""
    kind = draw(st.sampled_from(["list", "bullets", "headings", "lines", "bold", "table", "div"]))
    count = draw(st.integers(1, 6))
    stories = [(draw(_TEXT), draw(_TEXT), draw(_URL)) for _ in range(count)]
    md = lambda s: re.sub(r"([\\`*_\[\]<>#&|])", r"\\\1", s)  # noqa: E731 - escaped text
    h = lambda s: html.escape(s, quote=True)  # noqa: E731
    blocks = ["---\ndate: 2024-01-08\n---\n"]
    for n, (title, body, url) in enumerate(stories, 1):
        if kind == "list":
            blocks.append(f"{n}. [{md(title)}]({url}) {md(body)}\n")
        elif kind == "bullets":
            blocks.append(f"- [{md(title)}](<{url}>) — {md(body)}\n")
        elif kind == "headings":
            blocks.append(f"### [{md(title)}]({url})\n\n{md(body)}\n\n")
        elif kind == "lines":
            blocks.append(f"{n}、{md(title)}，{md(body)} {url}\n")
        elif kind == "bold":
            blocks.append(f"**{n}、{md(title)}**\n\n{md(body)} [原文]({url})\n\n")
        elif kind == "table":
            if n == 1:
                blocks.append("| 标题 | 摘要 |\n|---|---|\n")
            blocks.append(f"| [{md(title)}]({url}) | {md(body)} |\n")
        else:
            link = f'<a href="{url}">link</a>'
            blocks.append(f"<div>\n<h4>{h(title)}</h4>\n<p>{h(body)} {link}</p>\n</div>\n\n")
    return "".join(blocks), stories


# what markup leaves when it is not read: marks, escapes, entities, tags, list and table syntax
_SYNTAX = re.compile(
    r"\*\*|\]\(|\\[<>&*_#\[\]`|]|&(?:amp|lt|gt|quot|#\d+);|</?(?:a|p|div|h4)[ >]|<!--"
    r"|^#{1,6} |^\s*[-*+] |\|---|\]\(https?",
    re.M,
)


def _plain(text: str) -> str:
    return " ".join(text.split())


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
@example(("---\ndate: 2024-01-08\n---\n1. [0](https://example.org/a/1) \\<a\\>\n",
          [("0", "<a>", "https://example.org/a/1")]))  # fmt: skip
@example(("---\ndate: 2024-01-08\n---\n1. [0\\<a](https://example.org/a/1) 0\n",
          [("0<a", "0", "https://example.org/a/1")]))  # fmt: skip
def test_generated_digests_keep_every_link_and_no_markup(doc: tuple[str, list[Story]]) -> None:
    """Any layout and text (CJK, emoji, `<>&"`): each story keeps its link and words, no markup."""
    text, stories = doc
    reading = read(text, source="gen.md")
    assert len(reading.items) == len(stories), (reading.rule, text)
    for item, (title, body, url) in zip(reading.items, stories, strict=True):
        assert url in item.links, (item, text)
        assert _plain(body) in _plain(item.text), (item.text, text)
        assert _plain(title) in _plain(item.text), (item.text, text)
        # what is left once the story's own words are taken out (a body may be "<a>" itself)
        residue = _plain(item.text)  # the longer first: a body "0" may be inside a title "0<a"
        for words in sorted((_plain(title), _plain(body)), key=len, reverse=True):
            residue = residue.replace(words, " ")
        assert _SYNTAX.search(residue) is None, (item.text, text)
        assert _SYNTAX.search(_plain(item.title).replace(_plain(title), " ")) is None, (item, text)


# -- layouts a new publisher's archive comes in (issue 22) ---------------------------------


def test_sections_of_numbered_paragraphs_are_sections_not_stories() -> None:
    """`##` headings over `1、title` paragraphs or `N、[t](u)` lines: 10 stories in 3 sections."""
    reading = layout("sections-numbered.md")
    assert reading.rule == "10 items: numbered paragraphs, in 3 sections"
    assert [i.section for i in reading.items] == ["科技动态"] * 4 + ["文章"] * 3 + ["工具"] * 3
    assert reading.items[0].title == "OpenAI 发布新模型" or reading.items[0].text.startswith(
        "OpenAI 发布新模型"
    )
    assert reading.items[0].links == ("https://example.com/a1",)
    assert titles(reading)[4:] == [
        "如何写好技术文档",
        "数据库索引的原理",
        "前端性能优化清单",
        "Zed 编辑器",
        "uv",
        "Bun",
    ]


def test_circled_numerals_number_stories() -> None:
    """`① … ④` paragraphs are numbered stories."""
    reading = layout("circled-numerals.md")
    assert reading.rule == "4 items: numbered paragraphs"
    assert reading.items[1].text.startswith("国家统计局")


def test_a_whole_line_link_over_its_paragraph_is_a_story() -> None:
    """`[title](url)` alone on a line, its summary the paragraph under it."""
    reading = layout("linked-lines.md")
    assert reading.rule == "3 items: paragraphs opening with a link"
    assert titles(reading) == ["Chrome 123 released", "Deno 1.42 is out", "Vite 5.2"]
    assert reading.items[0].links == ("https://developer.chrome.com/blog/new-in-chrome-123",)
    assert "light-dark()" in reading.items[0].text


def test_several_h1_headings_are_stories_not_the_title() -> None:
    """`#` headings each over a linked story: three stories; none becomes the title."""
    reading = layout("h1-stories.md")
    assert reading.rule == "3 items: level-1 headings each with its body"
    assert reading.title == ""
    assert reading.series == "Weekend Reads"
    assert titles(reading)[0] == "The quiet rise of Rust in the kernel"


def test_an_html_edition_of_bold_titled_paragraphs() -> None:
    """`<h2>` sections over `<p><strong>title</strong>：…` paragraphs: each one is a story."""
    reading = layout("html-paragraphs.md")
    assert reading.rule == "3 items: paragraphs with a bold title, in 2 sections"
    assert titles(reading) == ["两会闭幕", "新能源车下乡", "欧盟通过人工智能法案"]
    assert [i.links for i in reading.items][2] == ("https://example.cn/3",)


def test_a_summary_naming_the_stories_is_a_table_of_contents() -> None:
    """A `## 新闻摘要` list naming each `###` story is a table of contents, not more stories."""
    reading = layout("summary-stories.md")
    assert reading.rule == "3 items: level-3 headings each with its body"
    assert [i.links for i in reading.items] == [
        ("https://example.cn/news/1",),
        ("https://example.cn/news/2",),
        ("https://example.cn/news/3",),
    ]
    assert any("table of contents" in s for s in reading.skipped)


def test_forum_boards_are_categories_not_sponsor_marks() -> None:
    """`[推广]` before one item is a board's name when most items carry a `[board]`."""
    reading = layout("boards.md")
    assert len(reading.items) == 4
    assert titles(reading)[1] == "自建邮件服务器经验分享"


def test_a_fence_with_an_info_string_closes() -> None:
    """```` ```rust ```` … ```` ``` ````: no "never closed" warning, the list goes on."""
    reading = layout("fence-info.md")
    assert not [w for w in reading.warnings if "never closed" in w]
    assert titles(reading) == ["Tokio 1.37", "Serde 2"]


def test_index_md_in_a_dated_folder_is_that_days_digest() -> None:
    """`docs/cs-AI/2025-06-05/index.md` is that day's digest; `docs/cs-AI/index.md` is not."""
    reading = layout("docs/cs-AI/2025-06-05/index.md")
    assert reading.date == dt.date(2025, 6, 5)
    assert titles(reading) == ["Planning with Language Agents", "Tool Use at Scale"]
    assert not_a_digest("docs/cs-AI/2025-06-05/index.md") is None
    assert not_a_digest("docs/cs-AI/index.md") is not None


def test_lines_led_by_a_category_tag_are_stories() -> None:
    """`[文章] description：<url>` lines are stories; the date heading, points, picture are not."""
    reading = layout("tagged-lines.md")
    assert reading.rule == "3 items: paragraphs opening with a [tag]"
    assert titles(reading) == ["《Tree-Shaking 性能优化实践》", "Vue 剪贴板类库，一条指令就能实现",
                               "高级 React Hooks 的使用技巧"]  # fmt: skip
    assert reading.items[0].links == ("https://juejin.im/post/5a4dc842518825698e7279a9",)
    assert "useReducer" in reading.items[2].text


def test_a_jekyll_source_reads_as_its_page() -> None:
    """A Jekyll source reads as its page: Liquid is no text, its bullets are stories with links."""
    reading = layout("liquid-bullets.md")
    assert titles(reading)[:3] == ["Nonce exfiltration", "Generic signmessage",
                                   "Why two outputs in a coinbase?"]  # fmt: skip
    assert [item.links[:1] for item in reading.items[:3]] == [
        ("https://lists.example/2024-March/017667.html",),
        ("https://lists.example/2024-March/017668.html",),
        ("https://stack.example/a/105831",),
    ]
    assert [item.text for item in reading.items[3:]] == [
        "Eclair #1323 allows larger channels.",
        "LND #10666 adds a `DeleteForwardingHistory` RPC.",
    ]
    assert not any("{%" in item.text or "editors" in item.text for item in reading.items)


def test_intros_credits_summaries_and_sub_numbered_articles() -> None:
    """A summary, an `[@editor](u)：` note, bold themes are no stories; `1.1 [t](u)` lines are."""
    reading = layout("sub-numbered.md")
    assert titles(reading) == ["macOS 12.3", "Xcode 13.3", "浅谈如何理性的判断自己是否应该换工作",
                               "给面试者的一些建议", "面试官视角的一些期待"]  # fmt: skip
