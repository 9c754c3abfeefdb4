"""The cutting rule: a shortened line keeps its words and numbers whole and ends with "…"."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from bot.render.cutting import ELLIPSIS, forbidden, shorten

PIECES = st.sampled_from(
    ["储能", "电站", "并网", "碳市场", "，", "。", "、", " ", "1031.80", "3.5GW", "亿千瓦时",
     "COP28", "Megapack", "storage", "(", ")", "《报告》", "😀", "e\u0301", "👩\u200d🔬", "-",
     "a", "7"]
)  # fmt: skip
TEXTS = st.lists(PIECES, max_size=30).map("".join)


@given(TEXTS, st.integers(min_value=2, max_value=60))
@example("全国碳市场成交额达1031.80亿千瓦时，同比增长", 14)
@example("Tesla Megapack 3.5GW storage project approved", 20)
def test_a_cut_is_short_ends_with_an_ellipsis_and_keeps_words_whole(text: str, size: int) -> None:
    """At most ``size`` characters; a cut line ends with … and is a prefix of the line; the
    cut is never inside a word, a number or a combining sequence when the line has any other
    place to cut."""
    line = " ".join(text.split())
    cut = shorten(text, size)
    assert len(cut) <= size
    if len(line) <= size:
        assert cut == line
        return
    assert cut.endswith(ELLIPSIS)
    kept = cut[: -len(ELLIPSIS)]
    assert line.startswith(kept)
    inside = forbidden(line)
    if any(n not in inside for n in range(1, size)):  # there was a place to cut
        cuts = [
            n
            for n in range(len(kept), size)
            if kept in (line[:n], line[:n].rstrip(" ，、,;；:："))
        ]
        assert any(n not in inside for n in cuts), (line, cut)


def test_numbers_and_words_stay_whole() -> None:
    """The reported cases: no "1031.80亿千…", no "Megap…"."""
    line = "全国碳市场成交额达1031.80亿千瓦时，同比增长"
    assert shorten(line, 18) == "全国碳市场成交额达1031.80亿…"
    assert shorten(line, 16) == "全国碳市场成交额达…"
    assert shorten("Tesla Megapack 3.5GW storage project approved", 20) == "Tesla Megapack…"
    assert shorten("光伏组件价格下降，绿证交易活跃度持续提升", 12) == "光伏组件价格下降…"
    assert shorten("短标题", 10) == "短标题"
