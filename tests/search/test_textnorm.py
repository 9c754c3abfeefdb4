"""textnorm: one normalisation for search, topics and alerts; index tokens; the matcher."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.search.textnorm import (
    ZERO_WIDTH,
    contains,
    find,
    index_text,
    index_tokens,
    is_mark,
    mark,
    merge_spans,
    normalize,
    query_tokens,
    term_phrase,
)

no_zero_width = st.text(st.characters(blacklist_characters=ZERO_WIDTH))


@given(no_zero_width)
@example("ﬁ㎏½…™ǅİẞ")  # characters whose NFKC or lower case is longer: left alone
@example("\ud800储能\udfff")  # lone surrogates
def test_length_is_preserved(text: str) -> None:
    """A match's offsets in the normalised text are offsets in what the reader sees."""
    assert len(normalize(text)) == len(text)


@given(st.text())
@example("Ａ\u200b綠證\ufeff")
def test_normalize_is_idempotent(text: str) -> None:
    """Normalising twice changes nothing: indexed text and queries meet in one form."""
    once = normalize(text)
    assert normalize(once) == once


def test_every_code_point_keeps_its_place_and_settles() -> None:
    """All of Unicode at once: one character in, one out, and normalising again is a no-op."""
    every = "".join(chr(cp) for cp in range(0x110000) if chr(cp) not in ZERO_WIDTH)
    once = normalize(every)
    assert len(once) == len(every)
    assert normalize(once) == once
    assert not set(once) & set(ZERO_WIDTH)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("儲能", "储能"),
        ("綠證", "绿证"),
        ("碳市場", "碳市场"),
        ("碳排放權交易", "碳排放权交易"),
        ("ＣＣＥＲ", "ccer"),
        ("ESG", "esg"),
        ("５Ｇ基站", "5g基站"),
        ("７４．９ＧＷｈ", "74.9gwh"),
        ("（通知），：；！？", "(通知),:;!?"),
        ("\u3000全角空格", " 全角空格"),
        ("É", "é"),
    ],
)
def test_width_case_and_traditional(text: str, expected: str) -> None:
    """Full-width, upper-case and Traditional forms all read as their plain Simplified form."""
    assert normalize(text) == expected


def test_zero_width_characters_are_dropped() -> None:
    """A zero-width space inside a word does not hide the word from search."""
    assert normalize("储\u200b能\u200c\u200d\u2060\ufeff") == "储能"
    assert contains(normalize("新型储\u200b能项目"), "储能")


def test_longer_mappings_are_left_alone() -> None:
    """Characters NFKC would expand (㎏, ﬁ, ½) stay one character, so offsets never shift."""
    assert normalize("5㎏ ﬁle ½") == "5㎏ ﬁle ½"


def test_offsets_point_into_the_original_text() -> None:
    """Bold goes on the reader's own characters: ＣＣＥＲ in the original for a ccer match."""
    original = "全國碳市場重啟ＣＣＥＲ交易"
    norm = normalize(original)
    spans = [*find(norm, "ccer"), *find(norm, "碳市场")]
    assert [original[s:e] for s, e in spans] == ["ＣＣＥＲ", "碳市場"]


def test_ascii_fast_path_lowercases() -> None:
    """Plain ASCII text is only lower-cased."""
    assert normalize("GWh AI-Native 2024") == "gwh ai-native 2024"


def test_index_tokens_for_a_han_run() -> None:
    """A Chinese run is stored as its first character, every pair, and its last character."""
    assert index_tokens("碳市场") == ["碳", "碳市", "市场", "场"]
    assert index_tokens("碳") == ["碳"]


def test_index_tokens_mixed_runs_and_marks() -> None:
    """Latin and digit runs are whole tokens; each punctuation character or space, before,
    between and after them, is its mark, which no word can be."""
    assert index_tokens("【建设5g基站, 74.9gwh】") == [
        mark("【"),
        *("建", "建设", "设"),
        "5",
        "g",
        *("基", "基站", "站"),
        mark(","),
        mark(" "),
        "74",
        mark("."),
        "9",
        "gwh",
        mark("】"),
    ]
    assert index_text("ai 芯片") == f"ai {mark(' ')} 芯 芯片 片"
    assert len({mark(c) for c in ",.，。 \n…😀"}) == 8
    assert all(is_mark(mark(c)) for c in ",. \n…😀")
    assert not is_mark("ai")
    assert not any(c.isspace() or c.isascii() for t in index_tokens(" \t,") for c in t)


def test_kana_and_hangul_are_searched_like_han() -> None:
    """Japanese and Korean text is found by any substring, as Chinese is."""
    assert index_tokens("カーボン") == ["カ", "カー", "ーボ", "ボン", "ン"]
    assert contains("탄소시장", "소시")
    assert query_tokens("소시") == '"소시"'


def test_other_scripts_are_whole_words() -> None:
    """Letters of other scripts form words like ASCII letters: word-start rule included."""
    assert index_tokens("углерод café") == ["углерод", mark(" "), "café"]
    assert contains("углерод", "угл")
    assert not contains("углерод", "глерод")


@pytest.mark.parametrize(
    ("term", "fts"),
    [
        ("储能", '"储能"'),
        ("碳市场", '"碳市 市场"'),
        ("碳", '"碳"*'),
        ("ai", '"ai"*'),
        ("5g基站", '"5 g 基 基站"'),
        ("站5", '"站 5"*'),
        ("gwh", '"gwh"*'),
        ('x"y', f'"x {mark(chr(34))} y"*'),
        ("亿元，", f'"亿元 元 {mark("，")}"'),
        (".net", f'"{mark(".")} net"*'),
        ("***", ""),
    ],
)
def test_query_tokens(term: str, fts: str) -> None:
    """A term becomes one quoted FTS5 phrase over the index's own tokens."""
    assert query_tokens(term) == fts


def test_phrase_exactness_flag() -> None:
    """Punctuation, spaces and emoji before, inside or after a term are in its phrase (exact);
    only a character past U+1FFFD (they share one mark) leaves a superset for a residual
    check."""
    for term in ("5g基站", "74.9gwh", "ai-native", "亿元，", "发布。", "x, y", ".net", "ok😀"):
        phrase = term_phrase(term)
        assert phrase is not None, term
        assert phrase.exact, term
    inexact = term_phrase("葛\U000e0100")  # an ideographic variation selector
    assert inexact is not None
    assert not inexact.exact
    assert term_phrase("…") is None


@pytest.mark.parametrize(
    ("text", "term", "found"),
    [
        ("AI芯片", "ai", True),
        ("ai-native", "ai", True),
        ("mail", "ai", False),
        ("openai", "ai", False),
        ("74.9GWh", "gwh", True),
        ("建设5G基站", "5g基站", True),
        ("建设15G基站", "5g基站", False),
        ("carbonization", "carbon", True),  # word start, any end
        ("x2024年", "2024", True),  # a letter before a number is a boundary
        ("12024年", "2024", False),
        ("新能源汽车", "能源", True),  # Chinese: any substring
        ("CCER重启", "ccer", True),
        ("储能", "", False),
    ],
)
def test_contains_word_start_rule(text: str, term: str, found: bool) -> None:
    """Latin words and numbers match at a word start; Chinese matches anywhere."""
    assert contains(normalize(text), normalize(term)) is found


@given(st.text("ab1２碳能 .-Ａ", max_size=14), st.text("ab1碳能.-", min_size=1, max_size=3))
def test_contains_is_a_substring_with_a_word_start(text: str, term: str) -> None:
    """contains() is exactly "substring, and a letter/digit term starts a letter/digit run"."""
    norm, t = normalize(text), normalize(term)

    def cls(c: str) -> str:
        return "letter" if c.isascii() and c.isalpha() else "digit" if c.isdigit() else "-"

    want = any(
        norm.startswith(t, i) and (i == 0 or cls(t[0]) == "-" or cls(norm[i - 1]) != cls(t[0]))
        for i in range(len(norm))
    )
    assert contains(norm, t) is want


def test_find_reports_every_occurrence() -> None:
    """Every occurrence is reported, overlapping ones too, for highlighting."""
    assert list(find("aa aaa", "aa")) == [(0, 2), (3, 5)]
    assert list(find("储能储能", "储能")) == [(0, 2), (2, 4)]
    assert merge_spans([(3, 5), (0, 2), (1, 3), (7, 8)]) == [(0, 5), (7, 8)]
