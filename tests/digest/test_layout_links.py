"""Which link and title a story gets, and which words its text keeps."""

from __future__ import annotations

from bot.digest import read


def test_a_linked_name_that_is_its_sentences_subject_is_no_title() -> None:
    """`[Torsten](profile) has been fixing…` is about a person: no title; a headline keeps its."""
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


def test_the_url_after_a_lines_colon_is_its_link() -> None:
    """`[tag] title [demo](u1)：<u2>` links to u2, the address it ends with; of two, the first."""
    text = (
        "### 2019.03.09\n\n"
        "[文章] Pulumi 介绍，[代码案例](https://github.com/p/ex)：<https://blog.pulumi.example/k>\n\n"
        "[文章] 年度报告：<https://state.example/2020>，视频解读：<https://video.example/bv1>\n"
    )
    first, second = read(text, source="2019-03-09.md").items
    assert first.links == ("https://blog.pulumi.example/k", "https://github.com/p/ex")
    assert second.links[0] == "https://state.example/2020"


def test_a_tagged_line_without_a_link_among_linked_ones_is_a_story() -> None:
    """Among `[tag] title：<url>` stories, a `[技巧]` line with no link is one more story."""
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


def test_a_person_announcing_a_bold_linked_app_titles_the_story_by_the_app() -> None:
    """`[Ana](u) announces **[App](v)**` is a story titled App, its first link Ana's."""
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


def test_a_storys_web_address_comes_before_the_sites_own_pages() -> None:
    """A story's outside link comes first, a link back to an earlier issue after it."""
    text = (
        "## News\n\n"
        "- **Alpha:** as we [wrote](/issues/12/#a), [a post](https://list.example/1) says.\n"
        "- **Beta:** a [story](https://a.example/2).\n"
    )
    first = read(text, source="2022-06-01.md").items[0]
    assert first.links == ("https://list.example/1", "/issues/12/#a")


def test_a_link_word_inside_a_sentence_keeps_its_word() -> None:
    """A link inside a sentence (`details are [here](u)`) keeps its word; a lone label does not."""
    text = (
        "# Letter 1\n\n"
        "- [Report out](https://a.example/1): details are [here](https://a.example/2) today.\n"
        "- [Second](https://b.example/): more.\n"
    )
    assert "details are here today." in read(text, source="2024-01-01.md").items[0].text


def test_release_lists_address_headlines_and_release_notes_stay_stories() -> None:
    """`name: [link](u)` release lines, a 地址 headline and a "notes" title stay stories."""
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
