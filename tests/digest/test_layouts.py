"""Layouts real digests use, one small file each: the stories are found, the rest is not."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.digest import DigestError, Reading, not_a_digest, read, read_file

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "layouts"


def layout(name: str) -> Reading:
    return read_file(FIXTURES / name)


def titles(reading: Reading) -> list[str]:
    return [item.title for item in reading.items]


def test_headings_in_divs_with_span_autolinks() -> None:
    """`<div>` blocks of `#### Title` + `<span><https://…></span>` + `<p>` are items, their
    text free of HTML, the entity read as a character."""
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
    """`issue-42.md` with no date anywhere: its numbered items are read; the reading has no
    date (ingest dates it when first seen) and the series has no issue number."""
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
    """`[### Title (2 minute read)](url)` lines are items titled without the reading time;
    the sponsor's section is not an item."""
    reading = layout("linked-headings.md")
    assert titles(reading) == [
        "Apple unveils its on-device models",
        "Nvidia becomes the most valuable company",
    ]
    assert reading.items[0].links == ("https://example.com/apple?utm_source=tldr",)
    assert any("'Sponsor'" in why for why in reading.skipped)


def test_story_headings_with_a_read_more_link_and_a_footer() -> None:
    """`### story` + `[查看原文](url)`: the link is the item's, the label is not its text; the
    share/subscribe footer after `---` belongs to no item."""
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
    """Whatever the layout and text (CJK, emoji, `<>&"`), every story is an item with its
    link and its text as written, and no item text holds markdown or HTML syntax."""
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
    """`## 科技动态` / `## 文章` / `## 工具` each over `1、title` paragraphs or `N、[t](u)`
    lines: the numbered units are the stories (10), the headings their sections."""
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
    """`<h2>` sections over `<p><strong>title</strong>：text <a>…</a></p>` paragraphs: each
    paragraph is a story (its section a heading, not a story); a plain closing line is not."""
    reading = layout("html-paragraphs.md")
    assert reading.rule == "3 items: paragraphs with a bold title, in 2 sections"
    assert titles(reading) == ["两会闭幕", "新能源车下乡", "欧盟通过人工智能法案"]
    assert [i.links for i in reading.items][2] == ("https://example.cn/3",)


def test_a_summary_naming_the_stories_is_a_table_of_contents() -> None:
    """A `## 新闻摘要` list that names each `###` story in its own words is not counted: the
    three stories, each with its link."""
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
    """`docs/cs-AI/2025-06-05/index.md` is a digest (its rows the papers); the category's own
    `docs/cs-AI/index.md` is a landing page."""
    reading = layout("docs/cs-AI/2025-06-05/index.md")
    assert reading.date == dt.date(2025, 6, 5)
    assert titles(reading) == ["Planning with Language Agents", "Tool Use at Scale"]
    assert not_a_digest("docs/cs-AI/2025-06-05/index.md") is None
    assert not_a_digest("docs/cs-AI/index.md") is not None


def test_lines_led_by_a_category_tag_are_stories() -> None:
    """`[文章] description：<url>` lines are stories titled by their description; the date
    heading over them is no story, nor a numbered list of points inside one, nor a picture."""
    reading = layout("tagged-lines.md")
    assert reading.rule == "3 items: paragraphs opening with a [tag]"
    assert titles(reading) == ["《Tree-Shaking 性能优化实践》", "Vue 剪贴板类库，一条指令就能实现",
                               "高级 React Hooks 的使用技巧"]  # fmt: skip
    assert reading.items[0].links == ("https://juejin.im/post/5a4dc842518825698e7279a9",)
    assert "useReducer" in reading.items[2].text


def test_a_jekyll_source_reads_as_its_page() -> None:
    """Liquid lines are no text: the link definitions after `{% include %}` resolve, an
    `{% assign %}` variable fills a URL, a comment block is gone; a bullet's link may be on a
    wrapped line or in its second paragraph; a bold lead's own colon ends its title; a link
    defined only by the site's includes reads as its text, its bullet a story all the same."""
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
    """A linkless summary heading before the first section, an `[@editor](u)：` comment before
    a section's story headings and bold theme lines are no stories; the `1.1 [t](u)` articles
    under the themes are."""
    reading = layout("sub-numbered.md")
    assert titles(reading) == ["macOS 12.3", "Xcode 13.3", "浅谈如何理性的判断自己是否应该换工作",
                               "给面试者的一些建议", "面试官视角的一些期待"]  # fmt: skip


def test_a_weekly_pick_an_ad_tag_and_a_contact_box_are_no_stories() -> None:
    """A "Packages of the week" section, a bullet tagged "(ad)" at its end and a "Contact us"
    box are the issue's furniture; "(ad hoc)" inside a title is a story still."""
    text = (
        "# Weekly 57\n\n## Featured\n\n"
        "- [Typed holes, explained](https://blog.example/holes) a tour\n"
        "- [Ad hoc polymorphism (ad hoc) revisited](https://blog.example/adhoc) notes\n"
        "- [Acme is hiring Haskellers](https://acme.example/jobs) (ad)\n\n"
        "## Packages of the week\n\n"
        "- [lens](https://hackage.example/lens)\n- [text](https://hackage.example/text)\n\n"
        "## Contact us\n\n"
        "- [Issue 56](https://weekly.example/56)\n- [Issue 55](https://weekly.example/55)\n"
    )
    assert titles(read(text, source="issue-57.md")) == [
        "Typed holes, explained",
        "Ad hoc polymorphism (ad hoc) revisited",
    ]


def test_a_numbered_list_and_the_linked_bullets_beside_it_are_all_stories() -> None:
    """One section holds a numbered list of the week's links, then a bulleted list of more:
    every linked list of the section is its stories."""
    numbered = "".join(f"{n}. [Story {n}](https://news.example/{n}) text\n" for n in (1, 2, 3))
    bullets = "".join(f"- [More {n}](https://more.example/{n}) text\n" for n in (1, 2))
    reading = read(f"# Weekly 35\n\n{numbered}\n{bullets}", source="issue-35.md")
    assert titles(reading) == ["Story 1", "Story 2", "Story 3", "More 1", "More 2"]


def test_a_heading_over_linked_bullets_beside_prose_story_headings_is_their_section() -> None:
    """Most `###` headings are prose stories; `### New apps` over its linked bullets is a
    section: its bullets are the stories, and a story whose paragraphs cite two bare links
    is one story still; the closing "Tips and Feedback" is none."""
    prose = "".join(
        f"### News {n}\n\nThe team wrote about [it](https://blog.example/{n}) at length.\n\n"
        for n in (1, 2, 3)
    )
    cited = (
        "### A tip\n\nManage subscriptions with either link:\n\n"
        "* https://buy.example/manage\n\n* https://apps.example/subs\n\nThe second is newer.\n\n"
    )
    apps = "### New apps\n\n" + "".join(
        f"* **[App {n}](https://apps.example/app{n})**: does {n} things\n" for n in (1, 2, 3)
    )
    closing = "\n### Tips and Feedback\n\nTell us on [the forum](https://forum.example/).\n"
    reading = read(f"# TWIF 38\n\n{prose}{cited}{apps}{closing}", source="twif-38.md")
    assert titles(reading) == [
        "News 1", "News 2", "News 3", "A tip", "App 1", "App 2", "App 3",
    ]  # fmt: skip


def test_a_linked_name_that_is_its_sentences_subject_is_no_title() -> None:
    """A line "[Torsten](profile) has been fixing…" is about a person, not a headline
    "Torsten"; "[Panels cheaper](u) prices fall" keeps its title."""
    text = (
        "# This week\n\n"
        "* [Torsten](https://gitlab.example/grote) has been fixing reproducible builds.\n"
        "* [_hc](https://forum.example/u/hans) is polishing the server for the release.\n"
        "* [Panels cheaper](https://news.example/panels) prices fall\n"
    )
    reading = read(text, source="w25.md")
    assert [(i.title, i.text[:18]) for i in reading.items] == [
        ("", "Torsten has been f"),
        ("", "_hc is polishing t"),
        ("Panels cheaper", "Panels cheaper pri"),
    ]


def test_pull_requests_told_in_paragraphs_are_stories_and_one_liners_a_changelog() -> None:
    """A "Notable changes" list whose entries explain each pull request in a paragraph is
    the digest's stories; the same links as one-line entries are a changelog."""
    why = "it changes how the node relays transactions, so wallets must update. " * 4
    told = "".join(
        f"- [Core #{n}](https://github.com/acme/core/pull/{n}): {why}\n" for n in (1, 2, 3)
    )
    terse = "".join(
        f"- [Fix crash {n}](https://github.com/acme/core/pull/{n})\n" for n in (4, 5, 6)
    )
    news = "- [Soft fork proposal](https://lists.example/1) discussed at length\n"
    told_reading = read(f"# Letter #6\n\n## News\n\n{news}\n## Notable changes\n\n{told}")
    terse_reading = read(f"# Letter #7\n\n## News\n\n{news}\n## Merged\n\n{terse}")
    assert titles(told_reading) == ["Soft fork proposal", "Core #1", "Core #2", "Core #3"]
    assert titles(terse_reading) == ["Soft fork proposal"]


def test_numbered_points_a_story_quotes_are_the_quotes_not_stories() -> None:
    """A numbered story quotes someone's "1. … 3." steps: the quote's points are its, and the
    story numbered 2 after it is the next story."""
    text = (
        "# 周报 88\n\n## 摸一下鱼\n\n"
        "1、[Cursor](https://cursor.example/)：集成 GPT-4 的编辑器。有人总结了要点：\n\n"
        "> 1.写明程序目的\n>\n> 2.写明实现的方法\n>\n> 3.记录要点于文件中。\n\n"
        "2、[CopilotX](https://copilot.example/)：全流程赋能的工具。\n\n"
        "3、[Prompt 编写模式](https://prompt.example/)：以设计模式的形式思考。\n"
    )
    assert titles(read(text, source="88.md")) == ["Cursor", "CopilotX", "Prompt 编写模式"]


def test_a_list_split_by_link_definitions_is_one_list() -> None:
    """Link definitions between bullets are invisible on the page: a last bullet without a
    link after them is still a story of the list the reader sees."""
    text = (
        "# Letter 3\n\n## News\n\n"
        "- **Backup format:** a new [encoding][enc] for keys is proposed.\n\n"
        "[enc]: https://lists.example/1\n\n"
        "- **Coin selection:** simulations of the [new algorithm][bnb] run.\n\n"
        "[bnb]: https://papers.example/bnb.pdf\n\n"
        "- **Dynamic wallets:** new RPCs create, load and unload wallets at run time.\n"
    )
    assert titles(read(text, source="3.md")) == [
        "Backup format",
        "Coin selection",
        "Dynamic wallets",
    ]


def test_a_section_that_includes_an_article_is_one_story() -> None:
    """A section between the story sections whose body is an included article (a field
    report) is one story under its heading; the site's tags after the last section are not."""
    text = (
        "# Letter 9\n\n## News\n\n"
        "- [Soft fork proposal](https://lists.example/1) discussed at length\n\n"
        "## Field report: running a node at a bank\n\n"
        "{% include articles/bank-node.md %}\n\n"
        "## Releases\n\n"
        "- [Core 1.2](https://core.example/releases/v1.2): fixes a crash\n\n"
        "## Corrections\n\nLast week's letter misnamed a flag.\n\n"
        "{% include snippets/recap-ad.md %}\n{% include references.md %}\n"
    )
    assert titles(read(text, source="9.md")) == [
        "Soft fork proposal",
        "Field report: running a node at a bank",
        "Core 1.2",
    ]


def test_prose_story_sections_among_furniture_sections_are_the_stories() -> None:
    """Stories told as prose under headings (one with a sub-heading of its own), among a
    takeaways list, the author's recent posts, a closing quote, questions for the reader,
    navigation and related notes: the story headings are the items, the furniture is not."""
    story = "It {verb} the [report](https://news.example/{n}) and what it means for schools.\n\n"
    text = (
        "# DL 393\n\n"
        "## 🔖 Key Takeaways\n- **Ads**: one missed.\n- **Speed**: slow down.\n\n"
        "## 📚 Recent Posts\n- [Running models locally](https://me.example/local/) - a guide\n"
        "- [Serial focusing](https://me.example/focus/) - one thing at a time\n\n"
        "## 🍏 Missing the Mark?\n\n"
        + story.format(verb="reads", n=1)
        + "## 🐢 Move Slow and Be Things That Break\n\n"
        + story.format(verb="weighs", n=2)
        + "## Where Are We Headed?\n\n"
        + story.format(verb="asks about", n=3)
        + "### What this means\n\nWe teach trust differently now.\n\n"
        "## ⁉️ A Moral Imperative\n\n> Science is organized knowledge.\n> — **Kant**\n\n"
        "Wisdom balances it.\n\n"
        "## Reflect and Engage\n- What do you think? Reflect in [[Notes]].\n"
        "- Would you change it? Share in [[Ideas]].\n\n"
        "## 🔗 Navigation\n\n**Previous**: [DL 392](https://me.example/dl-392/)\n\n"
        "## 🔗 Connected Concepts\n- [[Ads]]\n- [[Speed]]\n"
    )
    assert titles(read(text, source="DL 393.md")) == [
        "🍏 Missing the Mark?",
        "🐢 Move Slow and Be Things That Break",
        "Where Are We Headed?",
    ]


def test_the_url_after_a_lines_colon_is_its_link() -> None:
    """``[tag] title with [a demo](u1)：<u2>``: the item points at u2, the address it ends
    with; a line with two addresses keeps its first."""
    text = (
        "### 2019.03.09\n\n"
        "[文章] Pulumi 介绍，[代码案例](https://github.com/p/ex)：<https://blog.pulumi.example/k>\n\n"
        "[文章] 年度报告：<https://state.example/2020>，视频解读：<https://video.example/bv1>\n"
    )
    first, second = read(text, source="2019-03-09.md").items
    assert first.links == ("https://blog.pulumi.example/k", "https://github.com/p/ex")
    assert second.links[0] == "https://state.example/2020"


def test_a_tagged_line_without_a_link_among_linked_ones_is_a_story() -> None:
    """Among ``[tag] title：<url>`` stories, ``[技巧] …`` told in one line with no link is one
    more story."""
    text = (
        "### 2019.08.21\n\n"
        "[文章] Webpack 5 的介绍：<https://mp.example/w5>\n\n"
        "[工具] 微图标的网站：<https://github.com/j/sb>\n\n"
        "[技巧] 在 macOS 下，使用 Shift + 滚轮 = 左右滚动。\n"
    )
    assert [i.title or i.text for i in read(text, source="2019-08-21.md").items] == [
        "Webpack 5 的介绍",
        "微图标的网站",
        "在 macOS 下，使用 Shift + 滚轮 = 左右滚动。",
    ]


def test_a_quotation_heading_among_story_headings_is_no_story() -> None:
    """Under a closing "Consider" section, ``### <a quoted sentence.>`` over its author is an
    epigraph, while the linked story headings before it are the stories."""
    text = (
        "# TLDR 7\n\n## 📚 Read\n\n"
        "### [Deepfake creator hired](https://news.example/1)\n\nA studio hires him.\n\n"
        "### [Judges and the law](https://news.example/2)\n\nA ruling is ignored.\n\n"
        "### Schools ban phones\n\nThe [report](https://news.example/3) says why.\n\n"
        "## 🤔 Consider\n\n"
        "### I have no special talents. I am only passionately curious.\n\n"
        "*Albert Einstein*\n\nCuriosity frames this issue.\n"
    )
    assert titles(read(text, source="TLDR 7.md")) == [
        "Deepfake creator hired",
        "Judges and the law",
        "Schools ban phones",
    ]


def test_the_editors_note_about_the_newsletter_itself_is_no_story() -> None:
    """A link-less topic that names the weekly (a revamp, a farewell) is the editor's note."""
    text = (
        "# 摸鱼周报 #57 | 周报改版\n\n## 本期话题\n\n### 周报改版\n\n"
        "[@ferry](https://ferry.example)：周报停了一期，为了这期改版。\n\n"
        "### Xcode 14 发布\n\n[Xcode 14](https://apple.example/xcode) 支持新系统。\n\n"
        "### 高效记忆\n\n[@ferry](https://ferry.example)：本期讲下记忆这个话题。\n\n"
        "## 内容推荐\n\n1、[SwiftUI 导航](https://swift.example/nav)\n\n新的导航系统。\n\n"
        "2、[WWDC 笔记](https://notes.example/wwdc)\n\n一周的笔记。\n"
    )
    reading = read(text, source="57.md")
    assert titles(reading) == ["Xcode 14 发布", "高效记忆", "SwiftUI 导航", "WWDC 笔记"]
    assert any("editor's note" in why for why in reading.skipped)


def test_the_authors_own_posts_before_the_first_story_section_are_the_intro() -> None:
    """Linked bullets of what the author posted this week, after a rule and before the first
    section of story headings, are the introduction's, not stories."""
    text = (
        "# DL 258\n\n## 🔖 Key Takeaways\n- **Snowden**: a court rules.\n\n---\n\n"
        "Welcome back. This week I worked on the following:\n\n"
        "- [Gone for a Minute](https://me.example/gone/) - a month offline\n"
        "- [Is Social Media Bad?](https://me.example/social/) - what I found\n\n"
        "## 📺 Watch\n\n### [How Do You Start Your Day?](https://video.example/1)\n\nRoutines.\n\n"
        "## 📚 Read\n\n### [Surveillance Ruled Illegal](https://news.example/1)\n\nA ruling.\n\n"
        "### [Anti-Racism Education](https://news.example/2)\n\nFor all schools.\n"
    )
    assert titles(read(text, source="DL 258.md")) == [
        "How Do You Start Your Day?",
        "Surveillance Ruled Illegal",
        "Anti-Racism Education",
    ]


def test_an_article_with_a_list_of_points_and_a_fact_box_has_no_items() -> None:
    """A one-app review: paragraphs of prose, a list of the maps it knows and a "Vital
    Statistics" box of label: value lines — an article, not a digest of its bullets."""
    prose = "There are plenty of options for mapping on phones, but none in its league. " * 3
    text = (
        f"# gvSIG Mini\n\n{prose}\n\n{prose}\n\nAmongst the preloaded layers are:\n\n"
        "- OpenStreetMap\n- Ordnance Survey\n- Geological data\n\n"
        f"{prose}\n\n### Vital Statistics\n\n- License: GPL v2\n"
        "- Developer: [Prodevelop](https://prodevelop.example/)\n"
        "- Web Site: <https://wiki.prodevelop.example/gvsig>\n"
    )
    reading = read(text, source="2010-10-13-gvsig-mini.md")
    assert reading.items == ()


def test_a_person_announcing_a_bold_linked_app_titles_the_story_by_the_app() -> None:
    """``[Ana](profile) announces the inclusion of **[App](u)**:`` is a story about App,
    its first link the announcer's; a bold-linked app opening its paragraph is one too."""
    text = (
        "# TWIF 2\n\n#### Community News\n\n"
        "[Akash Yadav](https://github.example/itsaky) announces the inclusion of "
        "**[AndroidIDE](https://apps.example/androidide)**:\n\n> An IDE on the phone.\n\n"
        "**[SimpleX Chat](https://apps.example/simplex)** was updated to version 5.4.2.\n\n"
        "**[Smoke](https://apps.example/smoke)** was updated too, with a new icon.\n"
    )
    items = read(text, source="2024-01-11-twif.md").items
    assert [i.title for i in items] == ["AndroidIDE", "SimpleX Chat", "Smoke"]
    assert items[0].links[0] == "https://github.example/itsaky"


def test_a_link_named_only_demo_or_address_is_no_story() -> None:
    """``[demo 地址](u)`` alone on its line under an illustration section says where a
    demo is; it titles nothing, so it is no story beside the tagged ones."""
    text = (
        "### 2020.12.2\n\n"
        "[文章] 我点了页面上的元素，VSCode 打开了对应的组件：<https://juejin.example/post/1>\n\n"
        "[文章] 使用 IntersectionObserver 联动标题：<https://zxx.example/2020/12/nav/>\n\n"
        "### 配图 --- 点击打开 vscode 对应文件\n\n![](https://img.example/1.gif)\n\n"
        "[demo 地址](https://inspector.example/)\n"
    )
    assert len(read(text, source="2020-12-02.md").items) == 2


def test_headings_told_in_prose_under_modules_are_entries() -> None:
    """``## module`` over ``### entry`` headings told in prose: each entry is an item, its
    numbered points and the bare addresses it lists are its own."""
    text = (
        "# Weekly 7\n\n## Tips\n\n### Name folders well\n\nKeep names short.\n\n"
        "1、use lower case\n\n2、no spaces\n\n### Cache the build\n\nSee the docs:\n\n"
        "* https://docs.dev/cache\n* https://docs.dev/build\n\n"
        "## Concepts\n\n### What is a shell\n\nA program that reads commands.\n\n"
        "### What is a pipe\n\nIt joins two programs.\n"
    )
    assert titles(read(text, source="issue-7.md")) == [
        "Name folders well",
        "Cache the build",
        "What is a shell",
        "What is a pipe",
    ]


def test_an_entrys_fact_box_is_not_a_run_of_stories() -> None:
    """A tool entry opening with ``**推荐**：[name](u)`` / ``**地址**：<url>`` / ``**状态**：免费``
    is one item: labels with short values are its facts, not titled stories."""
    tool = (
        "### {name}\n\n**推荐**：[ed](https://people.example/ed)\n\n"
        "**地址**：https://{name}.app/\n\n**状态**：免费\n\n**介绍**\n\nIt does a thing.\n\n"
    )
    text = (
        "# Weekly 8\n\n## Tips\n\n### Name folders well\n\nKeep names short.\n\n"
        "### Cache the build\n\nIt is faster.\n\n"
        "## Concepts\n\n### What is a shell\n\nA program that reads commands.\n\n"
        "## Tools\n\n" + tool.format(name="zipper") + tool.format(name="launcher")
    )
    assert titles(read(text, source="issue-8.md")) == [
        "Name folders well",
        "Cache the build",
        "What is a shell",
        "zipper",
        "launcher",
    ]


def test_headings_that_group_titled_links_beside_entries_are_groups() -> None:
    """Beside modules of prose entries, a module whose headings each hold linked article
    lines (``### Team A`` over ``[t](u) -- from …``) reads as those articles."""
    group = "### {team}\n\n[{team} on caching](https://{team}.example/1) -- from blog\n\n" + (
        "[{team} on testing](https://{team}.example/2) -- from blog\n\n"
    )
    text = (
        "# Weekly 9\n\n## Tips\n\n### Name folders well\n\nKeep [names](https://n.example).\n\n"
        "### Cache the build\n\nIt is [faster](https://f.example).\n\n"
        "## Concepts\n\n### What is a shell\n\nIt reads [commands](https://c.example).\n\n"
        "## Blogs\n\n" + group.format(team="alpha") + group.format(team="beta")
    )
    assert titles(read(text, source="issue-9.md"))[3:] == [
        "alpha on caching",
        "alpha on testing",
        "beta on caching",
        "beta on testing",
    ]


def test_a_module_told_in_prose_among_modules_of_entries_is_one_entry() -> None:
    """Among ``## module`` / ``### entry`` modules, a module with no ``###`` told in prose
    (one interview question, its points numbered) is one item, not its points."""
    text = (
        "# Weekly 10\n\n## Tips\n\n### Name folders well\n\nKeep names short.\n\n"
        "### Cache the build\n\nIt is faster.\n\n"
        "## Interview\n\nWhy does a [cache](https://c.dev/why) help?\n\n"
        "1. fewer reads\n2. less work\n\n"
        "## Concepts\n\n### What is a shell\n\nA program that reads commands.\n"
    )
    assert titles(read(text, source="issue-10.md")) == [
        "Name folders well",
        "Cache the build",
        "Interview",
        "What is a shell",
    ]


def test_a_byline_under_a_module_is_no_link_of_a_story() -> None:
    """``Edited by: [name](u)`` opening each ``## module`` says who edited it: the modules do
    not become stories by it, their ``###`` entries are the items."""
    text = (
        "# Weekly 11\n\n## Tips\n\nEdited by: [ann](https://people.example/ann)\n\n"
        "### Name folders well\n\nKeep names short.\n\n### Cache the build\n\nIt is faster.\n\n"
        "## Concepts\n\n编辑：[bob](https://people.example/bob)\n\n"
        "### What is a shell\n\nA program that reads commands.\n\n"
        "### What is a pipe\n\nIt joins two programs.\n"
    )
    assert titles(read(text, source="issue-11.md")) == [
        "Name folders well",
        "Cache the build",
        "What is a shell",
        "What is a pipe",
    ]


def test_an_entrys_part_that_lists_tools_does_not_make_it_a_group() -> None:
    """A ``###`` tip told in prose whose ``#### Tools`` part lists two linked tools is one
    entry: the tools are what it mentions, not stories of a group."""
    text = (
        "# Weekly 12\n\n## Tips\n\n### Shrink images\n\nLossy or not.\n\n#### Kinds\n\n"
        "Two kinds.\n\n#### Tools\n\n- [tiny](https://tiny.example): squeezes PNGs\n"
        "- [optim](https://optim.example): runs three tools\n\n#### Harm\n\nIt can grow.\n\n"
        "## Concepts\n\n### What is a shell\n\nA program.\n\n### What is a pipe\n\nIt joins.\n"
    )
    assert titles(read(text, source="issue-12.md")) == [
        "Shrink images",
        "What is a shell",
        "What is a pipe",
    ]


def test_back_issues_hanging_under_the_last_module_leave_its_entries() -> None:
    """``### Recent posts`` (links to back issues) slipped under the last ``## module`` is
    furniture: the module's ``###`` entry told in prose is still an item."""
    text = (
        "# Weekly 13\n\n## Tips\n\n### Name folders well\n\nKeep names short.\n\n"
        "### Cache the build\n\nIt is faster.\n\n## Tools\n\n### zipper\n\nIt zips files.\n\n"
        "### Recent posts\n\n- [Weekly 12](https://w.example/12)\n"
        "- [Weekly 11](https://w.example/11)\n"
    )
    assert titles(read(text, source="issue-13.md")) == [
        "Name folders well",
        "Cache the build",
        "zipper",
    ]


def test_a_module_told_in_prose_before_the_footer_is_one_entry() -> None:
    """After the modules of ``###`` entries, a module with no ``###`` told in a paragraph (one
    tool) just before the footer (``## Contact us``) is one item; one that is only a list of
    points ("Do this week") is none."""
    entries = (
        "## Tips\n\n### Name folders well\n\nKeep names short.\n\n"
        "### Cache the build\n\nIt is faster.\n\n"
        "## Concepts\n\n### What is a shell\n\nA program that reads commands.\n\n"
    )
    footer = "## Contact us\n\nWrite to [us](https://w.example/contact).\n"
    tool = (
        "## Tools\n\n**Address**: https://zipper.example\n\n**Price**: free\n\n"
        "Zipper packs files into one. It is handy:\n\n1. fast\n2. free\n\n"
    )
    todo = "## Do this week\n\n- **Ask** what you depend on.\n- **Try** one new tool.\n\n"
    assert titles(read("# Weekly 14\n\n" + entries + tool + footer, source="issue-14.md")) == [
        "Name folders well",
        "Cache the build",
        "What is a shell",
        "Tools",
    ]
    assert titles(read("# Weekly 15\n\n" + entries + todo + footer, source="issue-15.md")) == [
        "Name folders well",
        "Cache the build",
        "What is a shell",
    ]


def test_references_after_an_entry_are_its_sources() -> None:
    """``### References`` right after a ``###`` entry, beside it, lists that entry's sources:
    neither the heading nor its links are items."""
    text = (
        "# Weekly 16\n\n## Tips\n\n### Name folders well\n\nKeep names short.\n\n"
        "### Cache the build\n\nIt is faster.\n\n"
        "## Interview\n\n### How events travel\n\nFrom the screen to the app.\n\n"
        "### References\n\n[Events in depth](https://events.example/deep)\n\n"
        "## Concepts\n\n### What is a shell\n\nA program that reads commands.\n"
    )
    assert titles(read(text, source="issue-16.md")) == [
        "Name folders well",
        "Cache the build",
        "How events travel",
        "What is a shell",
    ]


def test_a_rule_between_a_sections_stories_keeps_them_in_the_section() -> None:
    """``---`` between the ``###`` stories of ``## Read`` separates stories; they all stay
    in Read (a rule before a footer still closes the section)."""
    text = (
        "# TLDR 150\n\n## 📚 Read\n\n### [Alternative facts](https://news.example/1)\n\nOne.\n\n"
        "---\n\n### [Depression rises](https://news.example/2)\n\nTwo.\n\n---\n\n"
        "### [Real friends](https://news.example/3)\n\nThree.\n\n---\n\nThanks for reading.\n"
    )
    assert [i.section for i in read(text, source="TLDR 150.md").items] == ["📚 Read"] * 3


def test_an_italic_note_is_not_a_sections_story() -> None:
    """A section holding only an italic note (``*No news this week, see our [sources](u).*``)
    has no story: its link does not make its heading one."""
    text = (
        "Intro to this week's issue.\n\n"
        "## News\n\n"
        "*Nothing this week was found in any of our [sources](/sources/).*\n\n"
        "## Club meeting\n\n"
        "*In this section, we summarize a [meeting](/club/).*\n\n"
        "[Testing the release](https://club.example/rc)\nwas a group testing effort.\n\n"
        "## Notable changes\n\n"
        "- **Faster sync:** it [lands](https://code.example/1) this week.\n"
        "- **Smaller index:** it [shrinks](https://code.example/2) the index.\n"
    )
    reading = read(text, source="2026-04-10.md")
    assert [i.title for i in reading.items] == [
        "Testing the release",
        "Faster sync",
        "Smaller index",
    ]


def test_a_template_comment_opened_mid_line_hides_its_headings() -> None:
    """``{% comment %}<!--`` … ``-->{% endcomment %}``: what lies between, ``##`` lines and
    linked bullets too, is commented out, not a section of stories."""
    text = (
        "## News\n\n"
        "- **Alpha:** a [story](https://a.example/1).\n"
        "- **Beta:** a [story](https://a.example/2).\n\n"
        "Some text {% comment %}<!--\n"
        "## Scratch\n\n"
        "- [draft one](https://x.example/1)\n"
        "- [draft two](https://x.example/2)\n"
        "-->{% endcomment %} and more text.\n"
    )
    assert titles(read(text, source="2019-03-05.md")) == ["Alpha", "Beta"]


def test_an_appendix_is_background_not_stories() -> None:
    """``## Appendix: background`` with ``###`` explainers and their further-reading links:
    background to the week's stories, none of them."""
    text = (
        "## News\n\n"
        "- **Alpha:** a [story](https://a.example/1).\n"
        "- **Beta:** a [story](https://a.example/2).\n\n"
        "## Appendix: how the attack works\n\n"
        "### The attack\n\n"
        "It works like this.\n\n"
        "- [A paper on it](https://paper.example/1) by someone\n"
        "- [A thread on it](https://list.example/2) by others\n"
    )
    assert titles(read(text, source="2019-03-05.md")) == ["Alpha", "Beta"]


def test_a_list_inside_an_essay_is_its_points() -> None:
    """A linked list a sentence leads into (``Since then, we've:``) with the essay going on
    for paragraphs after it: the essay's points, not stories beside the news."""
    text = (
        "## News\n\n"
        "- **Alpha:** a [story](https://a.example/1).\n"
        "- **Beta:** a [story](https://a.example/2).\n\n"
        "## A note from the editor\n\n"
        "This is our hundredth letter. Since the first one, we've:\n\n"
        "* Published many [letters](https://l.example/all).\n"
        "* Started a [topics index](https://l.example/topics).\n\n"
        "The letters are the work of many people.\n\n"
        "Thanks to everyone who reviewed them.\n\n"
        "Finally, thank you, our readers.\n"
    )
    assert titles(read(text, source="2021-05-26.md")) == ["Alpha", "Beta"]


def test_an_italic_line_of_links_is_a_storys_body() -> None:
    """Under each talk's heading, ``*[video](u), [slides](v)*``: the talk's links in italics,
    not an editor's note; the talks are the stories."""
    talk = (
        "### {t}\n\n*Research by someone*\n\nWhat the talk said.\n\n"
        "*[video]({u}), [slides]({u}/s)*\n\n"
    )
    text = "## Workshop summary\n\nNotes from the talks.\n\n" + "".join(
        talk.format(t=t, u=f"https://talks.example/{n}")
        for n, t in enumerate(["Block subsidy", "Forward blocks", "Accumulators"])
    )
    assert titles(read(text, source="2018-10-09.md")) == [
        "Block subsidy",
        "Forward blocks",
        "Accumulators",
    ]


def test_a_storys_web_address_comes_before_the_sites_own_pages() -> None:
    """``- **T:** as we [wrote](/issues/12/#t), [a post](https://list.example/1) says…``: the
    story points at the post; the link back to an earlier issue comes after it."""
    text = (
        "## News\n\n"
        "- **Alpha:** as we [wrote](/issues/12/#a), [a post](https://list.example/1) says.\n"
        "- **Beta:** a [story](https://a.example/2).\n"
    )
    first = read(text, source="2022-06-01.md").items[0]
    assert first.links == ("https://list.example/1", "/issues/12/#a")


def test_entries_with_links_on_wrapped_lines_or_site_references_make_their_heading_a_section() -> (
    None
):
    """``- **Title:** text`` whose link is on a wrapped line, and ``- [Core #1][] adds…``
    led by a reference the site defines, are linked entries: their headings are sections,
    not stories, beside prose sections with links of their own."""
    prose = "In this monthly section we summarize a [meeting](https://reviews.example/1).\n\n"
    text = (
        "# Letter 9\n\n## News\n\n"
        "- **Draft BIPs for Utreexo:** Calvin posted to the list about the\n"
        "  [accumulator](https://lists.example/1) and two more drafts.\n"
        "- **Relay feerate:** the discussion of lowering it goes on in a\n"
        "  [thread](https://forum.example/1886) with new data.\n\n"
        "  Several developers [replied](https://forum.example/1887) since.\n\n"
        "## Review Club\n\n" + prose + "## Releases\n\n"
        "- [LND 0.19.3][] is a release candidate.\n- [Core 29.1][] fixes a crash.\n\n"
        "## Notable changes\n\nNotable changes in [Core](https://core.example/) and "
        "[LDK](https://ldk.example/) this week.\n\n"
        "- [Core #33106][] lowers the relay feerate.\n- [Eclair #3107][] adds a field.\n"
        "- [LDK #3968][] changes the API.\n\n"
        "## Correction\n\nLast week's [paper](https://eprint.example/1307) was misnamed.\n"
    )
    items = read(text, source="2025-08-08-letter.md").items
    heads = [item.title or item.text.partition(" is ")[0][:12] for item in items]
    assert heads[:2] == ["Draft BIPs for Utreexo", "Relay feerate"]
    assert [h for h in heads if h[:1] in "CLE"][:5] == [
        "LND 0.19.3",
        "Core 29.1 fi",
        "Core #33106 ",
        "Eclair #3107",
        "LDK #3968 ch",
    ]
    assert not {"News", "Releases", "Notable changes"} & set(heads)


def test_a_link_word_inside_a_sentence_keeps_its_word() -> None:
    """``details are [here](u)`` keeps "here" in the story's text: only a link that is a
    label on its own (``[原文](u)``, ``[demo 地址](u)``) says nothing but where it points."""
    text = (
        "# Letter 1\n\n"
        "- [Report out](https://a.example/1): details are [here](https://a.example/2) today.\n"
        "- [Second](https://b.example/): more.\n"
    )
    assert "details are here today." in read(text, source="2024-01-01.md").items[0].text


def test_release_lists_address_headlines_and_release_notes_stay_stories() -> None:
    """Entries of "name: [link](u)" are releases, not a fact box; a headline with 地址 and a
    link followed by "notes" keep their words and titles."""
    releases = (
        "# W 1\n\n## Articles\n\n- [A one](https://a.example/1) text\n"
        "- [A two](https://a.example/2) text\n\n## Releases\n\n"
        "- Rust 1.75: [announcement](https://r.example/1)\n"
        "- Go 1.22: [release notes](https://g.example/1)\n"
    )
    assert len(read(releases, source="2024-01-01.md").items) == 4
    address = (
        "# W 1\n\n1. [苹果公布总部新地址](https://a.example/1)，位于库比蒂诺\n"
        "2. [第二条](https://a.example/2)，内容\n"
    )
    assert read(address, source="2024-01-01.md").items[0].text.startswith("苹果公布总部新地址")
    notes = (
        "# W\n\n- [Linux 6.7 release](https://k.example/1) notes and highlights\n"
        "- [B](https://o.example/) c\n"
    )
    assert read(notes, source="2024-01-01.md").items[0].title == "Linux 6.7 release"


def test_a_further_reading_section_after_the_stories_is_the_issues_list() -> None:
    """``## Further reading`` after ``###`` stories is the issue's reading list (stories), not
    the last story's sources."""
    text = (
        "# W 1\n\n## News\n\n### [S1](https://a.example/1)\n\nText.\n\n"
        "### [S2](https://a.example/2)\n\nText.\n\n## Further reading\n\n"
        "- [R1](https://r.example/1) x\n- [R2](https://r.example/2) y\n"
    )
    assert titles(read(text, source="2024-01-01.md")) == ["S1", "S2", "R1", "R2"]
