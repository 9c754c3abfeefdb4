"""Editions render as Telegram HTML messages that Telegram accepts, within both limits."""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.digest.models import Edition, Item
from bot.render.cutting import shorten
from bot.render.edition import (
    MAX_RAW,
    MAX_VISIBLE,
    MIN_RAW,
    MIN_VISIBLE,
    escape,
    format_date,
    render_edition,
)
from bot.render.i18n import CATALOGUE, LANGUAGES, t
from bot.render.sources import source_name
from tgsandbox.telegram_html import ParsedText, check_message, parse_html, utf16_len
from tgsandbox.telegram_links import checked_link

DAY = dt.date(2024, 1, 8)
SAMPLE_TEXTS = (
    (
        "1月5日，工业和信息化部办公厅公布2023年度绿色制造名单及试点推行“企业绿码”"
        "有关事项的通知。经申报单位自愿申报、第三方机构评价、省级工业和信息化主管部门评估"
        "确认及专家论证、公示等程序，确定了2023年度绿色制造名单，同时面向绿色工厂试点"
        "推行“企业绿码”。“企业绿码”每年更新一次，即在完成年度动态管理数据填报后，系统"
        "会在一个月内根据新一年的数据重新进行赋码。如企业不填报或者填报不规范、数据异常，"
        "不对其赋码。",
        "https://mp.weixin.qq.com/s/CNXXGYu7FeE_mmXg389mwQ",
    ),
    (
        "1月5日，黑龙江省人民政府发布关于印发《黑龙江省空气质量持续改善行动计划实施方案"
        "》的通知。《方案》指出，严格控制煤炭消费总量。到2025年，全省煤炭消费比重下降"
        "到60%左右。加快提升机动车绿色低碳水平。继续推进新能源汽车推广应用。以公共领域"
        "用车为重点推进新能源化，公交、出租、物流配送、轻型环卫等车辆的新增或更新推广使用"
        "新能源汽车。",
        "https://mp.weixin.qq.com/s/SR_FIVFA1MHDntsy7eit2A",
    ),
    (
        "近日，以联合石化作为交易操作主体，与百川公司合作，通过采购绿证的方式，中国石油化"
        "工集团有限公司实现集团公司总部办公大楼全绿色用电。",
        "https://mp.weixin.qq.com/s/ylPRsWG9t9DxAz1KlTm9kw",
    ),
    (
        "1月4日，广东东莞滨海湾新区管理委员会发布《东莞滨海湾新区促进新型储能产业发展扶"
        "持办法》，其中提到，支持用户侧储能多元化应用，推动新区企业在数据中心、5G基站、"
        "充电设施、工业园区等场景因地制宜布局用户侧储能电站。",
        "https://mp.weixin.qq.com/s/zsZDiwl9ow_xnGk-34Bu3g",
    ),
    (
        "近日，内蒙古鄂尔多斯市工信部公布了全国首批工业绿色微电网典型应用场景与案例，包括"
        "3家工业园区，16家工业企业。该市鄂尔多斯蒙苏零碳产业园成功入选该名单，成为全国"
        "首批3家、全区唯一1家工业绿色微电网典型应用工业园区。",
        "https://mp.weixin.qq.com/s/cEngyzNrnH1alq85sGUfDw",
    ),
    (
        "1月5日，黑龙江省人民政府发布的《黑龙江省空气质量持续改善行动计划实施方案》指出"
        "，严禁新增钢铁产能。严格执行国家钢铁产能置换办法，推行钢铁、焦化、烧结一体化布局"
        "，减少独立焦化、烧结、球团和热轧企业及工序，淘汰落后煤炭洗选产能；按国家要求引导"
        "推动高炉—转炉长流程炼钢转型为电炉短流程炼钢。严格控制煤炭消费总量。到2025年"
        "，全省煤炭消费比重下降到60%左右。",
        "https://mp.weixin.qq.com/s/dkt7a-l3qGCQyDdmazPAJA",
    ),
    (
        "据新华社报道，1月5日从国网宁波供电公司获悉，2023年宁波全社会用电量首次突破"
        "1000亿千瓦时，达1031.80亿千瓦时，同比增长6.08%，成为浙江省首个全"
        "年全社会用电量破千亿千瓦时的城市。",
        "https://mp.weixin.qq.com/s/gvMn7D3zn9AprMSFwxbpZw",
    ),
    (
        "建行四川省分行、成都新鸿支行与四川环交所组成项目团队，共同探索绿色金融服务方案，"
        "为四川远大蜀阳药业成功落地“碳减排挂钩”贷款1000万元，系全国生物医药行业首笔"
        "将贷款利率与企业年度碳排放挂钩的贷款。",
        "https://www.163.com/dy/article/IN2THDBL0514R9MQ.html",
    ),
    (
        "根据媒体汇编数据，2023年，全球银行累计发放了5830亿美元的绿色债券和贷款，"
        "而发放的传统化石燃料行业债券和贷款总额为5270亿美元。与此同时，银行通过为绿色"
        "能源相关项目贷款和发债获得的总营收约30亿美元，也超过了从传统化石燃料相关交易中"
        "获得的不到27亿美元。2022年，全球银行就开始了这一趋势，累计向绿色转型项目投"
        "入5940亿美元，向石油、天然气和煤炭项目投入5580亿美元。",
        "https://mp.weixin.qq.com/s/rvYbHSht-GCQ-Lrw_SyuMQ",
    ),
    (
        "近日，由中国国际经济交流中心与国家电力投资集团有限公司共同发布的《中国碳达峰碳中"
        "和进展报告(2023)》指出，我国“双碳”政策体系正加快构建，能源结构持续优化，"
        "绿色低碳新产业(300832)、新业态、新模式蓬勃发展，但“双碳”目标推进仍面临"
        "诸多挑战。",
        "https://mp.weixin.qq.com/s/mWa0wlndmee_jAHm40to3g",
    ),
)

SAMPLE = Edition(
    DAY,
    "每日碳新闻",
    tuple(Item(n, text, (url,), "新闻") for n, (text, url) in enumerate(SAMPLE_TEXTS, 1)),
    title="2024年1月8日",
)
TINY = (MIN_VISIBLE, MIN_RAW)
LINK = "https://mp.weixin.qq.com/s/CNXXGYu7FeE_mmXg389mwQ"


def stored(parts: list[str]) -> list[ParsedText]:
    """Each part as Telegram stores it; raises if Telegram would refuse one."""
    return [check_message(part) for part in parts]


def links_of(parsed: list[ParsedText]) -> list[str | None]:
    return [e.url for p in parsed for e in p.entities if e.type == "text_link"]


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def assert_valid(
    edition: Edition, parts: list[str], limits: tuple[int, int], *, compact: bool = False
) -> None:
    """Telegram accepts every part, parts keep both limits, nothing is lost or repeated."""
    max_visible, max_raw = limits
    assert parts
    assert all(part.strip() for part in parts)
    messages = stored(parts)
    for part in parts:
        assert len(part.encode()) <= max_raw
        assert utf16_len(parse_html(part).text) <= max_visible
    links = [url for item in edition.items for url in dict.fromkeys(item.links)]
    assert links_of(messages) == [checked_link(url) for url in links]
    if not compact:  # every item's body: its title once, then the rest of its text
        shown = iter(squeeze("".join(parse_html(part).text for part in parts)))
        for item in edition.items:
            for field in (item.title, item.rest):
                assert all(c in shown for c in squeeze(field)), (item.position, field)


def test_sample_edition_is_one_message_with_every_item_and_link() -> None:
    """The carbon-news sample arrives as one message: header, section, ten linked items."""
    parts = render_edition(SAMPLE)
    assert len(parts) == 1
    assert parts[0].startswith(
        "<b>每日碳新闻</b> · 2024年1月8日\n\n<b>【新闻】</b>\n1. <b>1月5日，工业和信息化部"
    )
    assert parts[0].count("【新闻】") == 1
    [message] = stored(parts)
    assert links_of([message]) == [url for _, url in SAMPLE_TEXTS]
    for n, (text, url) in enumerate(SAMPLE_TEXTS, 1):
        assert f"{n}. {text} {source_name(url, 'zh')}" in message.text
    assert "原文" not in message.text
    assert_valid(SAMPLE, parts, (MAX_VISIBLE, MAX_RAW))


def test_sample_digest_file_renders_like_the_sample() -> None:
    """The real digests/2024-01-08.md, once parsed, is one message with all ten linked items."""
    digest = pytest.importorskip("bot.digest")
    edition = digest.parse_file(Path(__file__).resolve().parents[2] / "digests" / "2024-01-08.md")
    parts = render_edition(edition)
    assert len(parts) == 1
    [message] = stored(parts)
    assert links_of([message]) == [url for _, url in SAMPLE_TEXTS]
    assert all(text in message.text for text, _ in SAMPLE_TEXTS)
    assert_valid(edition, parts, (MAX_VISIBLE, MAX_RAW))


def test_items_show_title_text_links_and_sections_escaped() -> None:
    """Titles lead in bold, linked to the first source; further sources go by name; text keeps
    its paragraphs, markup in text shows as typed."""
    edition = Edition(
        DAY,
        "每日碳新闻",
        (
            Item(
                1,
                "第一段。\n\n第二段 <b>不是标签</b> & “引号”",
                ('https://a.com/x?a=1&b="2"',),
                "新闻",
                "标题 <1> & 2",
            ),
            Item(2, "两个链接。", ("https://www.163.com/a", "http://example.org/b"), "新闻"),
            Item(3, "没有链接，也没有栏目。"),
            Item(4, "观点文字", ("javascript:alert(1)", "mailto:x@y.z", "https://[::1/"), "观点"),
        ),
    )
    expected = (
        "<b>每日碳新闻</b> · 2024年1月8日\n\n"
        "<b>【新闻】</b>\n"
        '1. <b><a href="https://a.com/x?a=1&amp;b=&quot;2&quot;">标题 &lt;1&gt; &amp; 2</a></b>\n'
        "第一段。\n\n第二段 &lt;b&gt;不是标签&lt;/b&gt; &amp; “引号”\n\n"
        '2. 两个链接。 <a href="https://www.163.com/a">163.com</a> '
        '<a href="http://example.org/b">example.org</a>\n\n'
        "3. 没有链接，也没有栏目。\n\n"
        "<b>【观点】</b>\n"
        "4. 观点文字"
    )
    assert render_edition(edition) == [expected]
    [message] = stored([expected])
    assert "1. 标题 <1> & 2\n第一段。" in message.text
    assert "第二段 <b>不是标签</b> & “引号”" in message.text
    assert links_of([message]) == [
        'https://a.com/x?a=1&b="2"',
        "https://www.163.com/a",
        "http://example.org/b",
    ]


def test_english_readers_get_english_labels_and_dates() -> None:
    """lang="en": sources named in English, "8 Jan 2024", plain section names, "(cont.)"."""
    edition = Edition(
        DAY,
        "Daily Carbon",
        (
            Item(1, "One link.", (LINK,), "新闻"),
            Item(2, "Two links.", (LINK, "https://www.163.com/a")),
            Item(3, "Long sentence number one. " * 12, (LINK,)),
        ),
    )
    parts = render_edition(edition, lang="en", max_visible=200)
    assert parts[0].startswith("<b>Daily Carbon</b> · 8 Jan 2024\n\n<b>新闻</b>\n1. One link. ")
    text = "".join(message.text for message in stored(parts))
    assert "One link. WeChat" in text
    assert "Two links. WeChat 163.com" in text
    assert "3. (cont.) Long sentence" in text
    assert render_edition(edition, lang="fr") == render_edition(edition, lang="zh")


@pytest.mark.parametrize(
    ("series", "lang", "expected"),
    [
        ("每日碳新闻", "zh", "<b>每日碳新闻</b> · 2024年1月8日\n\n本期暂无条目。"),
        ("", "zh", "<b>2024年1月8日</b>\n\n本期暂无条目。"),
        ("  ", "en", "<b>8 Jan 2024</b>\n\nNo items in this edition."),
    ],
)
def test_edition_without_items_still_has_a_header(series: str, lang: str, expected: str) -> None:
    """An empty edition says so under its header; a missing series leaves just the date."""
    assert render_edition(Edition(DAY, series, ()), lang=lang) == [expected]


def test_compact_mode_shows_one_headline_per_item() -> None:
    """Compact: number and the title or first sentence (cut by the cutting rule to 60
    characters), linked to the first source; one line each, no summaries."""
    first = (
        "1月5日，工业和信息化部办公厅公布2023年度绿色制造名单及试点推行“企业绿码”有关事项的通知"
    )
    first += "，经申报单位自愿申报、第三方机构评价、省级工业和信息化主管部门评估确认"
    long_words = "No punctuation at all in this english text that goes on and on and on"
    edition = Edition(
        DAY,
        "每日碳新闻",
        (
            Item(1, first + "。经申报单位自愿申报。", (LINK,), "新闻"),
            Item(2, "短句。第二句。", (LINK,), "新闻", title="有标题"),
            Item(3, "短句。第二句。", ()),
            Item(4, long_words, ()),
        ),
    )
    headline = shorten(first + "。", 60)
    assert headline.endswith("…")
    assert len(headline) <= 60
    expected = (
        "<b>每日碳新闻</b> · 2024年1月8日\n\n<b>【新闻】</b>\n"
        f'1. <a href="{LINK}">{headline}</a>\n'
        f'2. <a href="{LINK}">有标题</a>\n'
        "3. 短句。\n"
        f"4. {shorten(long_words, 60)}"
    )
    assert render_edition(edition, compact=True) == [expected]


def test_long_item_splits_at_sentence_ends_with_links_on_the_last_piece() -> None:
    """An item too long for a message continues in "1.（续）" parts, cut after a 。."""
    sentences = [f"第{n}句讲碳市场的进展情况并且写得比较长一些。" for n in range(40)]
    edition = Edition(DAY, "每日碳新闻", (Item(1, "".join(sentences), (LINK,), "新闻"),))
    parts = render_edition(edition, max_visible=MIN_VISIBLE)
    texts = [message.text for message in stored(parts)]
    assert len(texts) > 5
    assert all(text.endswith("。") for text in texts[:-1])
    assert all(text.startswith("1.（续）第") for text in texts[1:])
    assert texts[-1].endswith("。 微信")
    assert [len(links_of([m])) for m in stored(parts)] == [0] * (len(parts) - 1) + [1]
    header = "每日碳新闻 · 2024年1月8日\n\n【新闻】\n1. "
    assert "".join(texts).replace("1.（续）", "") == header + "".join(sentences) + " 微信"


def test_text_without_sentence_ends_splits_between_words() -> None:
    """Without 。!? a long item is cut at spaces, never inside a word."""
    words = [f"word{n}" for n in range(400)]
    edition = Edition(DAY, "", (Item(1, " ".join(words), (LINK,)),))
    parts = render_edition(edition, max_visible=MIN_VISIBLE)
    assert len(parts) > 10
    assert re.findall(r"word\d+", "\n".join(message.text for message in stored(parts))) == words


def test_text_without_punctuation_or_spaces_is_cut_anywhere() -> None:
    """A run of Chinese with no punctuation still splits, losing nothing."""
    text = "碳中和绿色低碳转型" * 120
    edition = Edition(DAY, "", (Item(1, text, (LINK,)),))
    parts = render_edition(edition, max_visible=MIN_VISIBLE)
    joined = "".join(message.text for message in stored(parts)).replace("1.（续）", "")
    assert joined == f"2024年1月8日\n\n1. {text} 微信"


def test_long_title_is_bold_in_every_part_it_spans() -> None:
    """A title longer than a message stays bold in each piece, tags balanced per part."""
    title = "特别长的标题" * 60
    edition = Edition(DAY, "每日碳新闻", (Item(1, "正文。", (LINK,), title=title),))
    messages = stored(render_edition(edition, max_visible=MIN_VISIBLE))
    assert len(messages) > 2
    bold = "".join(
        m.text[e.offset : e.offset + e.length]
        for m in messages
        for e in m.entities
        if e.type == "bold"
    )
    assert bold == "每日碳新闻" + title


def test_emoji_count_two_units_and_are_never_split() -> None:
    """Emoji outside the BMP count 2 towards the limit and stay whole."""
    text = "😀碳" * 400
    edition = Edition(DAY, "", (Item(1, text, (LINK,)),))
    parts = render_edition(edition, max_visible=MIN_VISIBLE)
    assert_valid(edition, parts, (MIN_VISIBLE, MAX_RAW))
    assert max(utf16_len(m.text) for m in stored(parts)) > MIN_VISIBLE - 4


def test_markup_heavy_text_respects_the_raw_byte_limit() -> None:
    """Text full of & < > (5 or 4 bytes each once escaped) splits by bytes, not characters."""
    edition = Edition(DAY, "", (Item(1, "&<>\"' " * 700, (LINK,)),))
    parts = render_edition(edition, max_raw=MIN_RAW * 2)
    assert len(parts) > 5
    assert_valid(edition, parts, (MAX_VISIBLE, MIN_RAW * 2))


def test_items_that_fit_a_part_are_never_cut() -> None:
    """Parts split between items: an item that fits a message is never spread over two."""
    items = tuple(Item(n, f"第{n}条新闻，碳市场交易活跃。", (LINK,)) for n in range(1, 31))
    parts = render_edition(Edition(DAY, "每日碳新闻", items), max_visible=MIN_VISIBLE)
    texts = [message.text for message in stored(parts)]
    assert len(texts) > 3
    assert not any("（续）" in text for text in texts)
    for item in items:
        assert sum(f"{item.position}. {item.text} 微信" in text for text in texts) == 1


def test_section_line_appears_when_the_section_changes() -> None:
    """A section heading precedes the first item of each run of items in that section."""
    sections = ["政策", "政策", "市场", "", "市场"]
    items = tuple(Item(n, "内容。", (), s) for n, s in enumerate(sections, 1))
    [part] = render_edition(Edition(DAY, "每日碳新闻", items))
    found = re.findall(r"<b>【(.*?)】</b>\n(\d+)\. ", part)
    assert found == [("政策", "1"), ("市场", "3"), ("市场", "5")]


def test_many_long_links_get_parts_of_their_own() -> None:
    """Links too many for one message follow the text in "1.（续）" parts, none lost."""
    links = tuple(f"https://example.org/{n}/" + "x" * 120 for n in range(12))
    edition = Edition(DAY, "", (Item(1, "正文很短。", links),))
    parts = render_edition(edition, max_visible=MIN_VISIBLE, max_raw=MIN_RAW)
    assert len(parts) > 3
    assert_valid(edition, parts, TINY)


def test_link_too_long_for_any_message_is_left_out() -> None:
    """A URL that cannot fit in a message on its own is dropped, the rest still renders."""
    huge = "https://example.org/" + "x" * MIN_RAW
    edition = Edition(DAY, "", (Item(1, "正文。", (huge, LINK)),))
    messages = stored(render_edition(edition, max_visible=MIN_VISIBLE, max_raw=MIN_RAW))
    assert links_of(messages) == [LINK]
    assert links_of(stored(render_edition(edition))) == [huge, LINK]


def test_undecodable_characters_become_replacement_marks() -> None:
    """Lone surrogates from a badly decoded file show as � instead of breaking the send."""
    edition = Edition(
        DAY, "每日\ud800碳新闻", (Item(1, "a\udcffb", (LINK,), "新\ud800闻", "t\ud800"),)
    )
    [message] = stored(render_edition(edition))
    assert "a\ufffdb" in message.text
    assert "新\ufffd闻" in message.text


def test_limits_below_the_minimum_are_refused() -> None:
    """Limits too small for a header and an item piece are a programming error."""
    with pytest.raises(ValueError, match="limits"):
        render_edition(SAMPLE, max_visible=MIN_VISIBLE - 1)
    with pytest.raises(ValueError, match="limits"):
        render_edition(SAMPLE, max_raw=MIN_RAW - 1)


def test_dates_and_escaping_helpers() -> None:
    """Dates read naturally in each language; escaping covers what Telegram parses."""
    assert format_date(DAY, "zh") == "2024年1月8日"
    assert format_date(dt.date(2023, 12, 31), "en") == "31 Dec 2023"
    assert format_date(DAY, "xx") == "2024年1月8日"
    assert escape('<a href="x">&</a>') == '&lt;a href="x"&gt;&amp;&lt;/a&gt;'
    assert escape('"q"', quote=True) == "&quot;q&quot;"


def test_catalogue_has_every_string_in_both_languages() -> None:
    """Every string exists in zh and en; unknown languages fall back to Chinese."""
    assert LANGUAGES == ("zh", "en")
    assert all(set(entry) == set(LANGUAGES) for entry in CATALOGUE.values())
    assert t("on", "en") == "on"
    assert t("on", "de") == t("on", "zh") == "开"
    assert t("item_n", "en", n=2) != t("item_n", "zh", n=2)
    with pytest.raises(KeyError):
        t("no-such-key", "zh")


# --- properties ---------------------------------------------------------------------------

CHARS = [*"碳市场绿色金融储能新能源汽车政策abcXYZ019,，（）“”", " ", " ", "\n", "\t"]
CHARS += [*"。！？；.!?;<>&\"'", "😀", "🚀", "𝄞"]
URL_CHARS = "abcXYZ019/_-?=&%<>\"'.~"
HOSTS = ("mp.weixin.qq.com", "www.163.com", "example.org", "a-b.cn")
LIMITS = (TINY, (200, 600), (500, 2000), (MAX_VISIBLE, MAX_RAW))

texts = st.text(alphabet=st.sampled_from(CHARS), max_size=400)
urls = st.builds(
    "https://{}/{}".format,
    st.sampled_from(HOSTS),
    st.text(alphabet=st.sampled_from(URL_CHARS), max_size=30),
)
items = st.builds(
    Item,
    position=st.integers(1, 999),
    text=texts,
    links=st.lists(urls, max_size=3).map(tuple),
    section=st.sampled_from(("", "新闻", "政策", "A & <B>")),
    title=st.one_of(st.just(""), st.text(alphabet=st.sampled_from(CHARS), max_size=60)),
)
# as most layouts write them: the text opens with the title (shown once, in the body)
repeating = st.builds(
    lambda item, sep: replace(item, text=item.title + sep + item.text),
    items,
    st.sampled_from(("", " ", "：", " — ", ": ", "\n")),
)
items = st.one_of(items, repeating)
editions = st.builds(
    Edition,
    date=st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31)),
    series=st.sampled_from(("每日碳新闻", "", "A&B <series>")),
    items=st.lists(items, max_size=12).map(tuple),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    edition=editions,
    limits=st.sampled_from(LIMITS),
    lang=st.sampled_from(LANGUAGES),
    compact=st.booleans(),
)
def test_any_edition_renders_to_parts_telegram_accepts(
    edition: Edition, limits: tuple[int, int], lang: str, compact: bool
) -> None:
    """Whatever the digest holds, every part is accepted and nothing is lost."""
    parts = render_edition(
        edition, lang=lang, compact=compact, max_visible=limits[0], max_raw=limits[1]
    )
    assert_valid(edition, parts, limits, compact=compact)
    assert parts == render_edition(
        edition, lang=lang, compact=compact, max_visible=limits[0], max_raw=limits[1]
    )


PHRASES = (
    "全国碳排放权交易市场运行平稳，",
    "绿色金融支持储能产业发展。",
    "价格上涨了吗？",
    "第一；",
    "无标点的长文本无标点的长文本",
    "Carbon prices rose again. ",
    "words without stops ",
    "A&B <tag> \"quoted\" 'single' ",
    "😀🚀",
    "\n\n",
)


def big_edition(seed: int, count: int, longest: int) -> Edition:
    """A reproducible edition of ``count`` items of up to ``longest`` characters."""
    rng = random.Random(seed)
    phrases = (
        PHRASES if rng.random() < 0.7 else ("无标点的长文本", "碳")
    )  # some items: no punctuation
    items = []
    for n in range(1, count + 1):
        text = "".join(rng.choices(phrases, k=rng.randint(0, longest) // 10))[:longest]
        links = tuple(
            f"https://{rng.choice(HOSTS)}/{n}/{k}?a=1&b=<{k}>" for k in range(rng.randint(0, 3))
        )
        title = rng.choice(("", "标题 & <x>", "长标题" * rng.randint(1, 80)))
        items.append(Item(n, text, links, rng.choice(("", "新闻", "政策")), title))
    return Edition(DAY, "每日碳新闻", tuple(items))


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    count=st.integers(0, 300),
    longest=st.sampled_from((0, 80, 1000, 5000)),
    limits=st.sampled_from(LIMITS),
)
def test_large_editions_render_to_parts_telegram_accepts(
    seed: int, count: int, longest: int, limits: tuple[int, int]
) -> None:
    """Editions of up to 300 items and 5000-character items still split into valid parts."""
    if count * longest > 400_000:  # keep each example under a second
        longest = 400_000 // count
    edition = big_edition(seed, count, longest)
    assert_valid(
        edition, render_edition(edition, max_visible=limits[0], max_raw=limits[1]), limits
    )


def test_a_long_summary_is_collapsed_under_its_linked_title() -> None:
    """A titled item with a summary of several lines puts the summary in an expandable
    blockquote (Telegram shows it collapsed), after the bold linked title; its further sources
    follow; a short summary stays open. The emulator accepts both, also cut into parts."""
    long = "该项目并网前的细节说明，涉及容量、地点和投资方。" * 12
    edition = Edition(
        DAY,
        "每日碳新闻",
        (
            Item(1, long, (LINK, "https://www.cls.cn/detail/1"), title="储能电站并网"),
            Item(2, "短摘要。", (LINK,), title="短条目"),
        ),
    )
    [part] = render_edition(edition)
    assert f'1. <b><a href="{LINK}">储能电站并网</a></b>\n<blockquote expandable>' in part
    assert '</blockquote><a href="https://www.cls.cn/detail/1">财联社</a>' in part
    assert f'2. <b><a href="{LINK}">短条目</a></b>\n短摘要。' in part
    [message] = stored([part])
    quotes = [e for e in message.entities if e.type == "expandable_blockquote"]
    assert len(quotes) == 1
    assert message.text[quotes[0].offset : quotes[0].offset + quotes[0].length] == long
    parts = render_edition(edition, max_visible=MIN_VISIBLE)
    assert len(parts) > 2
    assert all(p.count("<blockquote expandable>") == p.count("</blockquote>") for p in parts)
    assert_valid(edition, parts, (MIN_VISIBLE, MAX_RAW))
