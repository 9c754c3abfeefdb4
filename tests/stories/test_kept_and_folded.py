"""A fingerprint kept in the store reads back the same; a page of hits folds its retellings
under the first; dup:all asks for every hit."""

from __future__ import annotations

from bot.search.query import parse_query
from bot.search.stories import fingerprint, folds, from_stored, same_story, stored

TOLD = fingerprint(
    "宁德时代发布新一代钠离子电池",
    "能量密度达到每公斤一百七十五瓦时，计划明年量产装车。",
    ["https://www.example.org/news/1?utm_source=x"],
)
RETOLD = fingerprint("钠电池来了", "宁德时代的新电池明年上车。", ["https://m.example.org/news/1"])
OTHER = fingerprint("比亚迪发布刀片电池", "续航提升，快充时间缩短。", ["https://example.org/2"])


def test_a_kept_fingerprint_reads_back_equal() -> None:
    """``stored`` → ``from_stored`` gives the same URLs, signature, size and figures."""
    for print_ in (TOLD, OTHER, fingerprint("", "")):
        assert from_stored(stored(print_)) == print_
    assert same_story(from_stored(stored(TOLD)), RETOLD)


def test_a_page_folds_each_retelling_under_its_first_hit() -> None:
    """The retelling folds under the hit above it; another story does not."""
    assert folds([TOLD, OTHER, RETOLD]) == {2: 0}
    assert folds([OTHER, RETOLD, TOLD]) == {2: 1}
    assert folds([TOLD, OTHER]) == {}


def test_dup_all_is_a_query_word_not_a_term() -> None:
    """``dup:all`` sets every_story and is not searched for."""
    query = parse_query("配额 dup:all")
    assert query.every_story
    assert query.terms == ("配额",)
    assert not parse_query("配额").every_story
