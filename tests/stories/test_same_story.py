"""Whether two items tell one story, and finding an item's duplicates among many."""

from __future__ import annotations

import dataclasses

import pytest

from bot.digest.models import Item
from bot.search.stories import (
    BINS,
    Fingerprint,
    StoryIndex,
    fingerprint,
    of_item,
    same_story,
    shingles,
    similarity,
)

CJK_STORY = (
    "宁德时代发布新一代钠离子电池",
    "宁德时代今天在福建宁德发布新一代钠离子电池，能量密度达到每公斤一百七十五瓦时，"
    "可在零下二十度保持九成电量，计划明年在乘用车上量产装车。",
)
CJK_REWORDED = (
    "宁德时代发布新一代钠离子电池",
    "宁德时代今天在福建宁德正式发布新一代钠离子电池，能量密度达每公斤一百七十五瓦时，"
    "在零下二十度可保持九成电量，计划明年在乘用车上量产装车。",
)
CJK_OTHER = (
    "比亚迪发布新一代刀片电池",
    "比亚迪今天在深圳发布新一代刀片电池，续航提升，快充时间缩短，"
    "计划年内在多款车型上装车，并向海外市场供货。",
)
LATIN_STORY = (
    "Rust 1.80 released with LazyCell and LazyLock",
    "The Rust team has published Rust 1.80, which stabilises LazyCell and LazyLock, adds "
    "exclusive ranges in patterns and checks cfg names and values at compile time.",
)
LATIN_REWORDED = (
    "Rust 1.80 is out: LazyCell and LazyLock stabilised",
    "The Rust team published Rust 1.80, which stabilises LazyCell and LazyLock, adds "
    "exclusive ranges in patterns and checks cfg names and values at compile time!",
)
LATIN_OTHER = (
    "Go 1.23 released with range-over-func iterators",
    "The Go team has published Go 1.23, which adds range-over-func iterators, telemetry "
    "that users opt into and a new unique package for interning values.",
)


def test_cjk_rewording_is_the_same_story() -> None:
    """A Chinese story reworded (a few characters moved or changed) is one story; another
    battery launch in the same words is not."""
    story, reworded, other = (fingerprint(*t) for t in (CJK_STORY, CJK_REWORDED, CJK_OTHER))
    assert same_story(story, reworded)
    assert not same_story(story, other)
    assert similarity(story, other) < similarity(story, reworded)


def test_latin_rewording_is_the_same_story() -> None:
    """An English story retitled and re-punctuated is one story; another release is not."""
    story, reworded, other = (fingerprint(*t) for t in (LATIN_STORY, LATIN_REWORDED, LATIN_OTHER))
    assert same_story(story, reworded)
    assert not same_story(story, other)


def test_a_shared_article_link_makes_one_story_in_any_words() -> None:
    """The same article, linked with tracking and www. in a Chinese item and bare in an
    English one, is one story though the words share nothing."""
    chinese = fingerprint(*CJK_STORY, ["https://www.example.com/catl-sodium?utm_source=rss"])
    english = fingerprint(*LATIN_OTHER, ["http://example.com/catl-sodium/"])
    assert similarity(chinese, english) < 0.1
    assert same_story(chinese, english)
    assert not same_story(chinese, fingerprint(*LATIN_OTHER, ["https://example.com/other"]))


def test_a_home_page_link_is_no_evidence() -> None:
    """Two items that both link a site's home page are not one story for that."""
    one = fingerprint(*LATIN_STORY, ["https://github.com/"])
    other = fingerprint(*LATIN_OTHER, ["https://www.github.com"])
    assert not same_story(one, other)


def test_a_daily_report_with_new_figures_is_another_story() -> None:
    """One template with other numbers (tomorrow's case counts) is a new report."""
    template = (
        "国家卫生健康委今天通报，{}日0—24时，31个省报告新增确诊病例{}例，其中境外输入病例{}例。"
    )
    monday = fingerprint("国家卫生健康委通报最新疫情", template.format(5, 229, 46))
    tuesday = fingerprint("国家卫生健康委通报最新疫情", template.format(6, 250, 42))
    repeat = fingerprint("国家卫生健康委通报最新疫情", template.format(5, 229, 46) + "详见官网。")
    assert similarity(monday, tuesday) >= 0.75
    assert not same_story(monday, tuesday)
    assert same_story(monday, repeat)


def test_a_new_publication_stamp_keeps_the_story_but_a_new_date_in_the_title_does_not() -> None:
    """A standing post re-published (only its byline's date and time moved) is one story;
    a daily report whose title names another day is another."""
    ad = "量子位编辑作者招聘"
    byline = "量子位 关注前沿科技 {} 北京 三大方向岗位招聘，欢迎加入编辑部，详情见原文。"
    june, july = byline.format("2026-06-06 11:15"), byline.format("2026-07-12 17:05")
    assert same_story(fingerprint(ad, june), fingerprint(ad, july))
    title, text = "AI资讯日报，{}", "Gorden Sun AI资讯日报，{}：今日要闻十条，模型、融资与开源。"
    june_12 = fingerprint(title.format("6月12日"), text.format("6月12日"))
    june_24 = fingerprint(title.format("6月24日"), text.format("6月24日"))
    assert similarity(june_12, june_24) >= 0.75
    assert not same_story(june_12, june_24)


def test_of_item_reads_title_rest_and_links() -> None:
    """An edition item's fingerprint is its title, its text without the title, its links."""
    item = Item(
        1, f"{LATIN_STORY[0]}: {LATIN_STORY[1]}", ("https://example.com/a",), "", LATIN_STORY[0]
    )
    assert of_item(item) == fingerprint(*LATIN_STORY, ["https://example.com/a"])


def test_a_text_too_short_is_not_judged_by_its_words() -> None:
    """A byline alone (no story text) matches nothing by wording, even itself."""
    byline = fingerprint("", "— twitter-someone")
    assert byline.size < 8
    assert not same_story(byline, fingerprint("", "— twitter-someone"))


def test_shingles_are_the_search_tokens() -> None:
    """Shingles are the bot's own tokens: CJK bigrams and ends, Latin and digit words."""
    assert shingles("AI芯片 Rust 1.80") == {"ai", "芯", "芯片", "片", "rust", "1", "80"}


def test_fingerprint_is_a_frozen_value_computed_the_same_everywhere() -> None:
    """A fingerprint is hashable, immutable and does not depend on the process (storable)."""
    one = fingerprint(*LATIN_STORY, ["https://example.com/a"])
    assert one == fingerprint(*LATIN_STORY, ["https://example.com/a"])
    assert len(one.signature) == BINS * 4
    assert hash(one)
    with pytest.raises(dataclasses.FrozenInstanceError):
        one.size = 0  # type: ignore[misc]
    assert fingerprint("", "", []) == Fingerprint(frozenset(), b"", 0)


def _filler(k: int) -> Fingerprint:
    """A distinct made-up item (its own words and link)."""
    words = " ".join(f"w{k}x{i}" for i in range(12))
    return fingerprint(f"item {k}", words, [f"https://example.com/{k}"])


def test_index_finds_duplicates_among_many() -> None:
    """Among 2 000 other items the index returns the reworded story and the shared link,
    after comparing with only a few candidates."""
    index: StoryIndex[int] = StoryIndex()
    for k in range(2_000):
        index.add(k, _filler(k))
    index.add(-1, fingerprint(*LATIN_STORY))
    index.add(-2, fingerprint("x", "y", ["https://m.example.com/7?utm_medium=x"]))
    assert index.duplicates(fingerprint(*LATIN_REWORDED)) == [-1]
    assert sorted(index.duplicates(fingerprint("z", "", ["https://example.com/7"]))) == [-2, 7]
    assert len(index.candidates(fingerprint(*LATIN_REWORDED))) < 20
    assert index.duplicates(fingerprint(*LATIN_OTHER)) == []


def test_an_item_leaving_the_index_is_no_longer_found() -> None:
    """Removing a key (it left the 7-day window) forgets it; re-adding replaces."""
    index: StoryIndex[str] = StoryIndex()
    index.add("a", fingerprint(*LATIN_STORY, ["https://example.com/a"]))
    assert "a" in index
    assert len(index) == 1
    index.remove("a")
    index.remove("a")  # nothing left to forget: no error
    assert len(index) == 0
    assert index.duplicates(fingerprint(*LATIN_REWORDED, ["https://example.com/a"])) == []
    index.add("a", fingerprint(*CJK_STORY))
    index.add("a", fingerprint(*LATIN_STORY))
    assert index.duplicates(fingerprint(*CJK_REWORDED)) == []
    assert index.duplicates(fingerprint(*LATIN_REWORDED)) == ["a"]


def test_removing_one_of_several_keys_keeps_the_others() -> None:
    """Three items of one story: forgetting one leaves the other two findable."""
    index: StoryIndex[int] = StoryIndex()
    for key in (1, 2, 3):
        index.add(key, fingerprint(*LATIN_STORY, ["https://example.com/a"]))
    index.remove(2)
    assert sorted(index.duplicates(fingerprint(*LATIN_REWORDED))) == [1, 3]
    index.remove(1)
    assert index.duplicates(fingerprint("", "", ["https://example.com/a"])) == [3]
    index.remove(3)
    assert index.candidates(fingerprint(*LATIN_STORY, ["https://example.com/a"])) == set()
