"""The markdown digest parser: what a publisher's file turns into (bot.digest)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.digest import MAX_FILE_BYTES, DigestError, parse, parse_bytes, parse_file, read
from bot.digest.models import Edition
from bot.digest.tree import inline

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "digests" / "2024-01-08.md"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "digests"
RESIDUE = re.compile(r"https?://|\*\*|__|\]\(|<!--|</?[a-z]+>|==|^[#>]|^\s*[-*+] ", re.M)


def fixture(name: str) -> Path:
    return FIXTURES / name


def no_residue(text: str) -> bool:
    return RESIDUE.search(text) is None


# ---------------------------------------------------------------- the seed edition


def test_seed_edition_date_series_and_ten_items() -> None:
    """The first publisher's edition reads as 2024-01-08 of 每日碳新闻 with its 10 items."""
    edition = parse_file(SEED)
    assert edition.date == dt.date(2024, 1, 8)
    assert edition.series == "每日碳新闻"
    assert [item.position for item in edition.items] == list(range(1, 11))
    assert edition.source == str(SEED)
    assert edition.warnings == ()


def test_seed_item_one_starts_with_its_date_and_has_its_link() -> None:
    """`1.1月5日…` is item 1 about January 5th, linked to its WeChat article only."""
    first = parse_file(SEED).items[0]
    assert first.text.startswith("1月5日，工业和信息化部办公厅")
    assert first.links == ("https://mp.weixin.qq.com/s/CNXXGYu7FeE_mmXg389mwQ",)
    assert first.section == "新闻"


def test_seed_item_eight_links_to_163() -> None:
    """`8.\\u00a0建行…` (NBSP after the number) is item 8, with the 163.com link only."""
    eighth = parse_file(SEED).items[7]
    assert eighth.text.startswith("建行四川省分行")
    assert eighth.links == ("https://www.163.com/dy/article/IN2THDBL0514R9MQ.html",)


def test_seed_texts_are_plain_and_every_item_has_one_link() -> None:
    """No item text holds a URL or markdown; each item has exactly its own link."""
    edition = parse_file(SEED)
    for item in edition.items:
        assert no_residue(item.text), item.text
        assert len(item.links) == 1
        assert item.links[0].startswith("https://")
    assert len({item.links[0] for item in edition.items}) == 10


# ---------------------------------------------------------------- numbered layouts


def test_section_lines_name_the_sections_of_their_items() -> None:
    """`==政策==` / `==市场==` / `==国际==` lines become the sections of the items below."""
    edition = parse_file(fixture("2024-01-09.md"))
    assert [item.section for item in edition.items] == ["政策", "政策", "市场", "市场", "国际"]
    assert edition.series == "每日碳新闻"
    assert edition.date == dt.date(2024, 1, 9)


def test_number_followed_by_a_date_is_an_item_not_a_decimal() -> None:
    """`1.1月8日` is item 1 about January 8th; `2.1月8日` item 2; `3. 据…` item 3 too."""
    items = parse_file(fixture("2024-01-09.md")).items
    assert items[0].text.startswith("1月8日，生态环境部")
    assert items[1].text.startswith("1月8日，国家发展改革委")
    assert items[2].text.startswith("据上海环境能源交易所数据")


def test_wrapped_numbers_stay_in_the_item_text() -> None:
    """A wrapped `12.5%的…` or `2023. A mild…` line continues the item, it is no new item."""
    items = parse_file(fixture("2024-01-09.md")).items
    assert len(items) == 5
    assert "较上一交易日上涨12.5%的单日涨幅" in items[2].text
    assert "lowest level since 2023. A mild winter" in items[4].text


def test_nested_obsidian_link_gives_one_link_and_no_text() -> None:
    """`[[u](u)]()` yields the URL once; the empty outer `()` adds nothing, nor does the text."""
    result = inline("[[https://a.example/x_y](https://a.example/x_y)]()")
    assert (result.text, result.links) == ("", ("https://a.example/x_y",))
    items = parse_file(fixture("2024-01-09.md")).items
    assert items[0].links == ("https://mp.weixin.qq.com/s/Ab12Cd34Ef56Gh78Ij90Kl",)
    assert items[4].links == (
        "https://www.reuters.com/markets/commodities/eu-carbon-price-2024-01-08/",
    )
    assert all(no_residue(item.text) for item in items)


def test_items_without_links_are_kept_and_reported() -> None:
    """An item with no link stays an item; the publisher is told which one."""
    edition = parse_file(fixture("2024-01-09.md"))
    assert edition.items[3].links == ()
    assert edition.items[3].text.startswith("近日，广州碳排放权交易中心")
    assert "item 4 has no link" in edition.warnings


def test_fullwidth_and_parenthesised_numbers() -> None:
    """`１．` items and `（1）` / `(3)` items are read in their own sections."""
    edition = parse_file(fixture("2024-03-04-fullwidth.md"))
    assert [(i.section, i.text[:4]) for i in edition.items] == [
        ("本周要闻", "中国人民"),
        ("本周要闻", "兴业银行"),
        ("本周要闻", "深圳排放"),
        ("地方动态", "浙江湖州"),
        ("地方动态", "四川成都"),
        ("地方动态", "江西赣江"),
    ]
    assert edition.items[0].links == (
        "https://www.pbc.gov.cn/goutongjiaoliu/113456/113469/5245661/index.html",
    )
    assert edition.items[0].text.endswith("基本构建绿色金融体系。")  # "[原文](…)" adds no text


def test_chinese_numerals_are_items() -> None:
    """`一、` … `四、` lines are four items when nothing is numbered under them."""
    edition = parse_file(fixture("2024-03-05-numerals.md"))
    assert len(edition.items) == 4
    assert edition.items[3].text.startswith("北京市发布氢能产业发展实施方案")
    assert edition.title == "能源转型简报 2024-03-05"
    assert edition.series == "能源转型简报"


def test_chinese_numerals_over_numbered_lists_are_sections() -> None:
    """`一、政策解读` with `1.` `2.` under it is a section; the numbered lines are the items."""
    edition = parse_file(fixture("2024-03-06-outline.md"))
    assert [item.section for item in edition.items] == ["一、政策解读"] * 2 + ["二、市场动态"] * 3
    assert edition.items[2].text.startswith("全国碳市场第二个履约周期")


def test_numbering_jump_is_an_item_with_a_warning() -> None:
    """`4.` after `2.` in a list is still an item (markdown lists do not care about their
    numbers), and the publisher hears about each gap."""
    edition = parse("---\ndate: 2024-01-01\n---\n1. 甲\n2. 乙\n4. 丁\n3. 丙\n")
    assert [item.text for item in edition.items] == ["甲", "乙", "丁", "丙"]
    assert "line 6: list numbering jumps from 2 to 4" in edition.warnings
    assert "line 7: list numbering jumps from 4 to 3" in edition.warnings


def test_numbered_lines_must_continue_their_numbering() -> None:
    """Outside a list, `4.` after `2.` is an item with a warning; a `3.` that goes back is
    read as text of the item before."""
    edition = parse("---\ndate: 2024-01-01\n---\n1、甲\n2、乙\n4、丁\n3、丙\n")
    assert [item.text for item in edition.items] == ["甲", "乙", "丁3、丙"]
    assert "line 6: numbering jumps from 2 to 4" in edition.warnings
    assert "line 7: 3 does not continue the numbering after 4, read as text" in edition.warnings


def test_numbering_restarts_at_one_in_each_section() -> None:
    """Each `###` batch may number its items from 1 again; positions keep counting."""
    text = "# 2024-01-02\n### 10:00\n1. a\n2. b\n### 15:00\n1. c\n"
    edition = parse(text)
    assert [(i.position, i.section, i.text) for i in edition.items] == [
        (1, "10:00", "a"),
        (2, "10:00", "b"),
        (3, "15:00", "c"),
    ]


def test_unindented_paragraph_after_a_list_is_not_item_text() -> None:
    """An outro paragraph after a blank line does not stick to the last item."""
    edition = parse("# 2024-01-02\n1. a\n2. b\n\n以上是今天的全部内容。\n")
    assert [item.text for item in edition.items] == ["a", "b"]


def test_link_line_after_a_blank_still_belongs_to_the_item() -> None:
    """A source link on its own paragraph after an item is that item's link."""
    edition = parse("# 2024-01-02\n1. a\n\n[来自新华社](https://x.example/a)\n2. b\n")
    assert edition.items[0].links == ("https://x.example/a",)
    assert [item.text for item in edition.items] == ["a\n来自新华社", "b"]


# ---------------------------------------------------------------- heading and bullet layouts


def test_heading_items_titles_links_and_bodies() -> None:
    """`### [t](u)` and `#### 1. t` headings are items; the TOC, code and comments are not."""
    edition = parse_file(fixture("2024-04-01-headings.md"))
    assert [item.title for item in edition.items] == [
        "🌟 Swift 6 并发模型迁移指南",
        "Xcode 15.3 新增的调试技巧",
        "开源向量数据库性能对比",
        "用 Rust 重写的终端工具合集",
    ]
    assert [item.links[0] for item in edition.items] == [
        "https://www.swift.org/migration/documentation/migrationguide/",
        "https://developer.apple.com/documentation/xcode/debugging",
        "https://news.ycombinator.com/item?id=39870001",
        "https://github.com/example/rust-cli-tools",
    ]
    assert [item.section for item in edition.items] == ["🍎 iOS Blog"] * 2 + ["💾 Daily Code"] * 2
    assert all(no_residue(item.text) for item in edition.items)
    assert edition.series == "Tech Digest"


def test_heading_item_body_keeps_lists_as_lines_and_drops_metadata() -> None:
    """Numbered lists and bullets inside an item body are text lines; 来源/发布时间 go."""
    first = parse_file(fixture("2024-04-01-headings.md")).items[0]
    assert first.text.split("\n") == [
        "🌟 Swift 6 并发模型迁移指南",
        "迁移到 Swift 6 的严格并发检查可以分三步进行：",
        "在模块级别开启完整的并发检查警告。",
        "为跨线程传递的类型补充 Sendable 标注。",
        "用 actor 隔离共享的可变状态。",
        "官方建议逐个模块迁移，避免一次性修改整个项目。",
    ]
    assert first.links == ("https://www.swift.org/migration/documentation/migrationguide/",)


def test_linked_bullets_are_items_and_analysis_bullets_are_not() -> None:
    """`- [t](<u>) — src` bullets are items; `*   **洞察：** …` analysis bullets are not."""
    edition = parse_file(fixture("2024-05-06-bullets.md"))
    assert [item.title for item in edition.items] == [
        "开源大模型 Qwen 发布新版本，长文本能力提升",
        "Hugging Face 推出推理端点降价计划",
        "研究发现：小模型蒸馏可保留九成推理能力 [论文]",
    ]
    assert [item.section for item in edition.items] == ["10:00 更新"] * 2 + ["15:00 更新"]
    second = edition.items[1]
    assert second.text.split("\n") == [
        "Hugging Face 推出推理端点降价计划 — Hugging Face Blog",
        "部分 GPU 实例价格下调约 30%，面向中小团队。",
    ]
    assert second.links == ("https://huggingface.co/blog/inference-endpoints-price",)
    assert edition.date == dt.date(2024, 5, 6)
    assert edition.series == "AI 快讯"


def test_bullets_are_items_in_a_plain_bullet_digest() -> None:
    """A digest made only of bullets without links still has its bullets as items."""
    edition = parse("# 每日要闻 2024-02-03\n- 甲地发布新规\n- 乙地完成交易\n  - 成交额1亿元\n")
    assert [item.text for item in edition.items] == ["甲地发布新规", "乙地完成交易\n成交额1亿元"]


def test_bold_lead_is_the_title_and_machine_timestamps_go() -> None:
    """`1. **t** — src · ISO-time` gives title t; `- 链接：[src](u)` gives the link, not text."""
    text = (
        "# 2026-06-08\n### 10:00 更新\n"
        "1. **月之暗面完成新一轮融资** — aibase · 2026-06-08T03:35:28.821Z\n"
        "   - 链接：[aibase](https://www.aibase.com/zh/news/28729)\n"
        "   - 摘要：知名初创公司正在寻求新一轮融资。\n"
    )
    item = parse(text).items[0]
    assert item.title == "月之暗面完成新一轮融资"
    assert item.text == "月之暗面完成新一轮融资 — aibase\n知名初创公司正在寻求新一轮融资。"
    assert item.links == ("https://www.aibase.com/zh/news/28729",)


# ---------------------------------------------------------------- characters and frontmatter


def test_crlf_bom_nbsp_and_zero_width_characters() -> None:
    """CRLF, a BOM, NBSP and zero-width characters change nothing a reader sees."""
    edition = parse_file(fixture("2024-02-01-crlf.md"))
    assert edition.title == "每日碳新闻 2024年2月1日"
    assert edition.date == dt.date(2024, 2, 1)
    texts = [item.text for item in edition.items]
    assert texts[1].startswith("据新华社报道，内蒙古2023年新能源装机规模突破1亿千瓦")
    assert texts[2] == "江苏省发布绿色低碳发展条例，自2024年3月1日起施行。"
    assert edition.items[1].links == ("https://mp.weixin.qq.com/s/Ss66Tt77Uu88Vv99Ww00",)
    assert not any(c in "".join(texts) for c in "\r\ufeff\u00a0\u200b\u200d\u2060")


def test_warning_line_numbers_are_the_files_lines() -> None:
    """After BOM and CRLF handling, a warning still points at the file's own line."""
    edition = parse_file(fixture("2024-02-01-crlf.md"))
    raw_lines = fixture("2024-02-01-crlf.md").read_bytes().split(b"\r\n")
    assert raw_lines[9].startswith(b"4.")
    assert "line 10: numbering jumps from 2 to 4" in edition.warnings


def test_invalid_frontmatter_keeps_the_file_out_with_its_line() -> None:
    """Broken YAML front matter is an error naming the line (the file is not published until
    it parses: a date or flag in it may be what the publisher meant)."""
    with pytest.raises(DigestError, match=r"bad-frontmatter\.md:\d+: frontmatter is not valid"):
        parse_file(fixture("bad-frontmatter.md"))


def test_a_draft_stays_a_draft_however_broken_its_front_matter() -> None:
    """`title: "unclosed` beside `draft: true` (or `dg-publish: false`): a draft, not an
    error and never published."""
    for flag, said in (("draft: true", "draft: true"), ("dg-publish: false", "dg-publish: false")):
        text = f'---\ntitle: "unclosed\n{flag}\n---\n1. 储能项目 https://example.org/1\n'
        reading = read(text, source="2024-03-01.md")
        assert reading.draft == said
        assert any("only its draft flag read" in w for w in reading.warnings)


def test_frontmatter_that_is_not_a_mapping_is_a_warning() -> None:
    """A frontmatter holding a bare string is ignored with a warning, not a crash."""
    edition = parse("---\njust a sentence\n---\n# 2024-01-03\n1. a\n", source="x.md")
    assert "line 2: frontmatter is not a mapping of keys to values, ignored" in edition.warnings
    assert edition.date == dt.date(2024, 1, 3)


def test_unclosed_code_block_is_reported() -> None:
    """Items before a never-closed ``` block stay; the publisher is told where it opened."""
    edition = parse("# 2024-01-03\n1. a\n2. b\n```\n3. c\n")
    assert [item.text for item in edition.items] == ["a", "b"]
    assert "line 4: code block is never closed, the rest is read as code" in edition.warnings


# ---------------------------------------------------------------- date and series


@pytest.mark.parametrize(
    ("frontmatter", "expected"),
    [
        ('date: "2024-03-16 19:59:55"', dt.date(2024, 3, 16)),
        ("date: 2025-07-16T23:30:00-05:00", dt.date(2025, 7, 16)),
        ("date: 2025-07-16T00:30:00+08:00", dt.date(2025, 7, 16)),
        ("date: !!timestamp 2024-05-01", dt.date(2024, 5, 1)),
        ("date: 2024年1月8日", dt.date(2024, 1, 8)),
        ('permalink: "/每日碳新闻/2024年1月8日/"', dt.date(2024, 1, 8)),
        ("title: Daily 2024/1/8", dt.date(2024, 1, 8)),
        ("title: Daily 2024.1.8", dt.date(2024, 1, 8)),
    ],
)
def test_date_from_frontmatter_as_written(frontmatter: str, expected: dt.date) -> None:
    """The edition date is the one written in the frontmatter, never shifted by time zone."""
    assert parse(f"---\n{frontmatter}\n---\n1. a\n").date == expected


def test_date_falls_back_to_file_name_then_first_heading() -> None:
    """Without a frontmatter date, the file name gives it, else the first heading."""
    assert parse("1. a\n", source="digests/20240108.md").date == dt.date(2024, 1, 8)
    assert parse("1. a\n", source="dailyNews_2024-03-16.md").date == dt.date(2024, 3, 16)
    assert parse("## AI资讯 2025/7/16\n1. a\n", source="x.md").date == dt.date(2025, 7, 16)


def test_impossible_date_is_an_error_even_with_a_date_further_on() -> None:
    """`date: 2024-02-30` is where the date comes from and is no day: the file is refused,
    not dated by the heading below it (tests/digest/test_impossible_dates.py: every place)."""
    with pytest.raises(DigestError) as caught:
        parse("---\ndate: 2024-02-30\n---\n# 2024-03-01\n1. a\n", source="x.md")
    assert str(caught.value) == "x.md:2: date 2024-02-30 is not a valid date (frontmatter 'date')"


def test_a_front_matter_date_that_is_no_date_at_all_is_a_warning() -> None:
    """`date: soon` is not date-shaped: the publisher is warned and the next place is used."""
    edition = parse("---\ndate: soon\n---\n# 2024-03-01\n1. a\n", source="x.md")
    assert edition.date == dt.date(2024, 3, 1)
    assert "line 2: frontmatter date 'soon' is not a date" in edition.warnings


def test_no_date_is_an_error_naming_the_file() -> None:
    """A digest with no date anywhere is refused with an error that says where it looked."""
    path = fixture("no-date.md")
    with pytest.raises(DigestError) as info:
        parse_file(path)
    assert str(info.value).startswith(f"{path}: no date")
    assert "file name" in info.value.reason
    assert info.value.source == str(path)
    assert info.value.line is None


def test_empty_file() -> None:
    """A 0-byte file is refused for lack of a date; with a dated name it is an empty edition."""
    with pytest.raises(DigestError, match="no date"):
        parse_file(fixture("empty.md"))
    edition = parse_bytes(b"", source="2024-01-10.md")
    assert edition.items == ()
    assert edition.warnings == ("file is empty",)


@pytest.mark.parametrize(
    ("title", "series"),
    [
        ("My Daily News #2024-03-16", "My Daily News"),
        ("Bubble's Brain 阅读手册 - 2025-07-16", "Bubble's Brain 阅读手册"),
        ("iOS Daily News #5 (2024-02-17)", "iOS Daily News"),  # the issue number goes too
        ("每日碳新闻 | 2024年1月8日", "每日碳新闻"),
        ("2024-01-08", ""),
    ],
)
def test_series_from_title(title: str, series: str) -> None:
    """The series is the title without its date and the separators left dangling."""
    edition = parse(f'---\ntitle: "{title}"\n---\n1. a\n', default_series="")
    assert edition.series == series
    assert edition.title == title


@pytest.mark.parametrize(
    ("title", "series"),
    [
        ("iOS 摸鱼周报 #57 | 周报改版，WWDC22 讲座集锦", "iOS 摸鱼周报"),
        ("iOS摸鱼周报 第十六期", "iOS摸鱼周报"),
        ("TWIF 24: The End of Logging As We Know It", "TWIF"),
        ("Rust 2024: the year in review", "Rust 2024: the year in review"),  # a year
    ],
)
def test_series_is_the_name_before_the_issue_number(title: str, series: str) -> None:
    """A numbered issue's series is its name, not the issue's own headline after the number."""
    edition = parse(f'---\ntitle: "{title}"\n---\n1. a\n', source="2024-01-08.md")
    assert edition.series == series


def test_series_from_frontmatter_then_default() -> None:
    """A frontmatter `series` wins; with no name anywhere the caller's default is used."""
    assert parse("---\nseries: 碳周报\ntitle: X 2024-01-01\n---\n").series == "碳周报"
    assert parse("# 2024-01-01\n1. a\n", default_series="每日碳新闻").series == "每日碳新闻"


# ---------------------------------------------------------------- links and text


@pytest.mark.parametrize(
    ("line", "text", "links"),
    [
        ("看[报告](https://a.example/r)。", "看报告。", ("https://a.example/r",)),
        ("[t](<https://a.example/x y>)", "t", ("https://a.example/x%20y",)),  # CommonMark
        ("[t](<https://a.example/p_(1)>) — src", "t — src", ("https://a.example/p_(1)",)),
        ("详见https://a.example/p。然后", "详见。然后", ("https://a.example/p",)),
        ("(see https://a.example/q_(r)) ok", "(see) ok", ("https://a.example/q_(r)",)),
        ("见https://a.example/z）。", "见）。", ("https://a.example/z",)),
        (
            "a https://a.example/a, b https://a.example/b.",
            "a, b.",
            ("https://a.example/a", "https://a.example/b"),
        ),
        ("<https://auto.example/x> 自动", "自动", ("https://auto.example/x",)),
        ("[x](javascript:alert(1)) [y](/rel) [z](mailto:a@b.c)", "x y z", ("/rel",)),
        ("[a](#top) [b](./papers/b.html)", "a b", ("./papers/b.html",)),
        ("[https://shown.example](https://real.example)", "", ("https://real.example",)),
        ("[a](https://d.example) [b](https://d.example)", "a b", ("https://d.example",)),
        ('<a href="https://h.example/p">文章</a>', "文章", ("https://h.example/p",)),
        (
            "![图](https://img.example/a.png) [![i](https://img.example/b.png)](https://x.example)",
            "",
            ("https://x.example",),
        ),
        ("[a][r1] and [b][]", "a and b", ("https://ref.example/1", "https://ref.example/b")),
    ],
)
def test_links_and_text_of_a_line(line: str, text: str, links: tuple[str, ...]) -> None:
    """Every http(s) href once, in order; link texts stay, URLs and markup never do."""
    refs = {"r1": "https://ref.example/1", "b": "https://ref.example/b"}
    result = inline(line, refs)
    assert (result.text, result.links) == (text, links)


@pytest.mark.parametrize(
    ("line", "text"),
    [
        ("**粗体**和__下划线__和*斜体*和_斜体_", "粗体和下划线和斜体和斜体"),
        ("`code` 与 ``a`b`` 与 `未闭合", "`code` 与 `a`b` 与 `未闭合"),  # code reads as code
        ("==高亮== 与 ~~删除~~", "高亮 与 删除"),
        ("<b>HTML</b><br>换行 List<String> &amp; &lt;tag&gt;", "HTML 换行 List<String> & <tag>"),
        (r"转义 \*不是强调\* 与 \[方括号\] 与 \_", "转义 *不是强调* 与 [方括号] 与 _"),
        ("snake_case 与 5 * 3 * 2 与 a == b", "snake_case 与 5 * 3 * 2 与 a == b"),
        ("前<!-- 注释 -->后", "前后"),
        ("截断的链接https:……", "截断的链接……"),
    ],
)
def test_markdown_residue_is_removed(line: str, text: str) -> None:
    """Emphasis, code, highlights, HTML, escapes and comments leave plain text behind."""
    assert inline(line).text == text


def test_headings_blockquotes_and_list_markers_leave_no_residue() -> None:
    """Heading `#`, blockquote `>` and list markers never reach an item's text."""
    text = "# 2024-01-04\n## [标题](https://a.example)\n> 引用的一句\n- 列表项\n  1. 子项\n"
    item = parse(text).items[0]
    assert item.text == "标题\n引用的一句\n列表项\n子项"


# ---------------------------------------------------------------- errors and limits


def test_digest_error_format_and_attributes() -> None:
    """An error reads `source:line: reason`, or `source: reason` without a line."""
    with_line = DigestError("a.md", "bad byte", line=3)
    assert str(with_line) == "a.md:3: bad byte"
    assert (with_line.source, with_line.line, with_line.reason) == ("a.md", 3, "bad byte")
    assert str(DigestError("a.md", "no date")) == "a.md: no date"


def test_undecodable_bytes_name_the_line() -> None:
    """A file that is not UTF-8 is refused with the line of the first bad byte."""
    data = b"---\ndate: 2024-01-01\n---\n1. caf\xe9\n"
    with pytest.raises(DigestError) as info:
        parse_bytes(data, source="latin1.md")
    assert info.value.line == 4
    assert str(info.value).startswith("latin1.md:4: not UTF-8 text")


def test_utf8_bom_is_accepted() -> None:
    """A UTF-8 BOM before the frontmatter does not hide the frontmatter."""
    edition = parse_bytes("\ufeff---\ndate: 2024-01-05\n---\n1. a\n".encode(), source="b.md")
    assert edition.date == dt.date(2024, 1, 5)
    assert edition.warnings == ("no item has a link",)


def test_unreadable_paths_are_digest_errors(tmp_path: Path) -> None:
    """A missing file or a directory is a DigestError naming the path, not an OSError."""
    with pytest.raises(DigestError, match=r"missing\.md: cannot read file"):
        parse_file(tmp_path / "missing.md")
    with pytest.raises(DigestError, match="cannot read file"):
        parse_file(tmp_path)


def test_too_large_files_are_refused(tmp_path: Path) -> None:
    """Files over the limit are refused before they are read or decoded."""
    big = tmp_path / "2024-01-01.md"
    with big.open("wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(DigestError, match=rf"file too large \({MAX_FILE_BYTES + 1} bytes"):
        parse_file(big)
    with pytest.raises(DigestError, match="file too large"):
        parse_bytes(b" " * (MAX_FILE_BYTES + 1), source="big.md")
    with pytest.raises(DigestError, match="file too large"):
        parse("中" * (MAX_FILE_BYTES // 3 + 1))


def test_five_megabyte_digest_parses(tmp_path: Path) -> None:
    """A 5 MB digest of 20,000 items loads completely, every item with its links."""
    item = (
        "{n}.1月5日，**某省**发布《绿色低碳发展方案》，提出到2025年可再生能源装机占比达到"
        "60%左右，并推进[碳市场](https://example.com/a_{n})建设。\n"
        "[[https://mp.weixin.qq.com/s/x{n}](https://mp.weixin.qq.com/s/x{n})]()\n"
    )
    parts = ["---\ntitle: 每日碳新闻 2024-01-08\n---\n==新闻==\n"]
    count = size = 0
    while size <= 5 * 1024 * 1024:
        count += 1
        parts.append(item.format(n=count))
        size += len(parts[-1].encode())
    path = tmp_path / "big.md"
    path.write_text("".join(parts), encoding="utf-8")
    assert path.stat().st_size > 5 * 1024 * 1024
    edition = parse_file(path)
    assert len(edition.items) == count
    assert edition.items[-1].links == (
        f"https://example.com/a_{count}",
        f"https://mp.weixin.qq.com/s/x{count}",
    )


# ---------------------------------------------------------------- any input


_SOURCE = "fuzz/2024-01-01.md"
_FRAGMENTS = st.sampled_from(
    [
        "---\n",
        "title: t\n",
        "date: 2024-01-0",
        "1.",
        "2. ",
        "１．",
        "一、",
        "(1)",
        "- ",
        "* ",
        "  - ",
        "> - ",
        "#",
        "### ",
        "[",
        "]",
        "(",
        ")",
        "<",
        ">",
        "](",
        "[[",
        "]]()",
        "**",
        "_",
        "`",
        "```",
        "~~~",
        "==",
        "<!--",
        "-->",
        "\n",
        "\r\n",
        "\r",
        " ",
        "\t",
        "\u00a0",
        "\u200b",
        "\ufeff",
        "https://a.example/x",
        "<https://b.example>",
        "a",
        "中文",
        "2023.",
        "12.5%",
        "\\",
    ]
)


def _check(call: Callable[[], Edition]) -> None:
    try:
        edition, error = call(), None
    except DigestError as exc:
        edition, error = None, exc
    if edition is None:
        assert error is not None
        assert str(error).startswith(_SOURCE)
        assert "internal parser error" not in error.reason
        return
    assert [item.position for item in edition.items] == list(range(1, len(edition.items) + 1))
    for item in edition.items:
        assert all(re.fullmatch(r"https?://\S+", link, re.I) for link in item.links)
        assert "\r" not in item.text
        assert "\u200b" not in item.text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_any_text_gives_an_edition_or_a_digest_error(text: str) -> None:
    """Whatever the text, the answer is an Edition or a DigestError naming the source."""
    _check(lambda: parse(text, source=_SOURCE))


@settings(max_examples=300, deadline=None)
@given(st.binary())
def test_any_bytes_give_an_edition_or_a_digest_error(data: bytes) -> None:
    """Whatever the bytes, the answer is an Edition or a DigestError naming the source."""
    _check(lambda: parse_bytes(data, source=_SOURCE))


@settings(max_examples=400, deadline=None)
@given(st.lists(_FRAGMENTS, max_size=80).map("".join))
@example("1.---\n摘要：")  # a body line that is only a label once cleaned
@example("```[```[`")  # not a fence (a ` in its info string): once crashed the retry too
@example("a[s:///`")  # linkify after a [ panicked even with the backticks escaped
@example(">[ ```<a### <2023.\\`")  # a backslash before a backtick undid its escape
def test_markdown_soup_gives_an_edition_or_a_digest_error(text: str) -> None:
    """Random mixes of markdown pieces never crash the parser."""
    _check(lambda: parse(text, source=_SOURCE))


@pytest.mark.parametrize(
    ("text", "source", "error"),
    [
        (
            "---\ndate: 2024-02-30\n---\n1. 储能 https://example.org/1\n",
            "a.md",
            "a.md:2: date 2024-02-30 is not a valid date (frontmatter 'date')",
        ),
        (
            "1. 储能 https://example.org/1\n",
            "digests/2024-02-30.md",
            "digests/2024-02-30.md: date 2024-02-30 is not a valid date (in the file name)",
        ),
        (
            "# 碳日报 9999-12-31\n\n1. 储能 https://example.org/1\n",
            "a.md",
            "a.md: date 9999-12-31 is out of range (years 1900 to 2999) (in the title)",
        ),
    ],
    ids=["frontmatter", "file-name", "out-of-range"],
)
def test_an_impossible_date_is_named_as_such(text: str, source: str, error: str) -> None:
    """A date that is no calendar date is reported as that date, not as "no date"."""
    with pytest.raises(DigestError) as caught:
        parse(text, source=source)
    assert str(caught.value) == error


@pytest.mark.parametrize(
    ("text", "source", "date", "where"),
    [
        (
            "Title: TWiR 116\nDate: 2016-02-01 10:00\n\n* [a](https://a.example)\n",
            "x.md",
            dt.date(2016, 2, 1),
            "Pelican 'Date:' line",
        ),
        ("# 碳日报（20240108）\n\n1. a\n", "x.md", dt.date(2024, 1, 8), "the title"),
        (
            "###2015-08-18\n\n* [a](https://a.example)\n",
            "x.md",
            dt.date(2015, 8, 18),
            "the first heading",
        ),
        ("1. a\n", "digests/2024/01/08.md", dt.date(2024, 1, 8), "the path"),
        ("1. a\n", "site/2024/01/08/index.md", dt.date(2024, 1, 8), "the path"),
    ],
    ids=["pelican", "compact-in-brackets", "tight-heading", "path", "dated-index"],
)
def test_dates_are_found_where_publishers_put_them(
    text: str, source: str, date: dt.date, where: str
) -> None:
    """Pelican headers, `（20240108）`, `###2015-08-18`, `2024/01/08.md` all date the edition."""
    reading = read(text, source=source)
    assert (reading.date, reading.date_source) == (date, where)


def test_a_date_that_disagrees_with_the_file_name_is_a_warning() -> None:
    """The front matter says one day, the file name another: the front matter wins, and the
    publisher is told both."""
    reading = read("---\ndate: 2024-01-09\n---\n1. a\n", source="2024-01-08.md")
    assert reading.date == dt.date(2024, 1, 9)
    assert (
        "the date 2024-01-09 (frontmatter 'date') disagrees with the file name's 2024-01-08: "
        "2024-01-09 is used"
    ) in reading.warnings


def test_a_published_line_beats_the_day_a_note_was_begun() -> None:
    """Front matter `created` says when the note was begun; a `**Published**:` line under the
    title says when readers got it, and wins; with no such line `created` dates it."""
    note = '---\n{"title": "The Veil", "dg-note-properties": {"created": "2026-07-21"}}\n---\n'
    body = "# DL 440\n\n**Published**: July 22, 2026\n\n- [Story](https://x.example/a)\n"
    reading = read(note + body, source="DL 440.md")
    assert (reading.date, reading.date_source) == (dt.date(2026, 7, 22), "the date line")
    alone = read(note + "# DL 440\n\n- [Story](https://x.example/a)\n", source="DL 440.md")
    assert alone.date == dt.date(2026, 7, 21)


def test_the_introduction_and_a_heading_repeating_the_title_are_no_stories() -> None:
    """What comes before the first story heading is the issue's introduction ("This week I
    posted: - [my post](u)"); a heading that says the front matter's title again opens it."""
    text = (
        "---\ntitle: Too Long; Didn't Read Issue 9\ndate: 2015-08-22\n---\n# TLDR 9\n\n"
        "## Too Long; Didn't Read Issue 9\n\nThis week I posted:\n\n"
        "* [My column](https://me.example/column) on coding.\n\n## Read\n\n"
        "### [Horizon Reports are out](https://nmc.example/h)\n\nEvery year…\n\n"
        "### [A student left the classroom](https://npr.example/s)\n\nNick's plan.\n"
    )
    reading = read(text, source="TLDR 9.md")
    assert [item.title for item in reading.items] == [
        "Horizon Reports are out",
        "A student left the classroom",
    ]
