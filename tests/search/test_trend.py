"""/trend and `digestbot trend`: a PNG line chart of mentions per week or month."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import logging
import os
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest
from conftest import store_of
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.image import imread

from bot.app import BotRunner
from bot.chat import trending
from bot.cli.main import main
from bot.config import DEFAULT_TOPICS
from bot.ingest.folder import scan_folder
from bot.search import chart as trend
from bot.search.query import QueryError
from bot.store.database import Store
from bot.store.lookup import search
from tgsandbox import Sandbox

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "digests" / "2024-01-08.md"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
HAN = "储能绿证每周提及条数"


def edition(day: dt.date, *items: str) -> str:
    lines = [f"{n}. {text} https://example.org/{day}/{n}" for n, text in enumerate(items, 1)]
    return f"---\ntitle: 每日碳新闻 {day}\n---\n" + "\n".join(lines) + "\n"


@pytest.fixture
def digests(tmp_path: Path) -> Path:
    """The sample edition plus twelve February days with one 储能 item each."""
    folder = tmp_path / "digests"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    for n in range(12):
        day = dt.date(2024, 2, 1) + dt.timedelta(days=n)
        text = edition(day, f"第{n}个新型储能电站并网。", "光伏组件价格继续下降。")
        (folder / f"{day}.md").write_text(text, "utf-8")
    return folder


def photo_bytes(tg: Sandbox, message: object) -> bytes:
    photo = getattr(message, "photo", None)
    assert photo, "not a photo"
    stored = tg.files.get(photo[-1]["file_id"])
    assert stored is not None
    return stored.data


def decoded(png: bytes) -> np.ndarray:
    """The PNG as pixels (matplotlib reads it with Pillow): it is a real image."""
    assert png.startswith(PNG_SIGNATURE)
    pixels = imread(io.BytesIO(png), format="png")
    assert pixels.ndim == 3
    assert pixels.shape[0] >= 300
    assert pixels.shape[1] >= 600
    return pixels


def cjk_or_fail() -> str:
    """The CJK font the charts use; in CI a missing one fails (CI installs fonts-noto-cjk)."""
    family = trend.cjk_family()
    if family is None:
        if os.environ.get("CI") == "true":
            pytest.fail("no CJK font for the charts: CI must install fonts-noto-cjk")
        pytest.skip("no CJK font installed (apt install fonts-noto-cjk)")
    return family


# -- end to end ------------------------------------------------------------------------------


async def test_trend_sends_a_chart_with_counts(tg: Sandbox, app: BotRunner) -> None:
    """/trend 储能 绿证 answers with a PNG chart whose caption has the range and the totals."""
    alice = tg.add_user("Alice")
    chat = tg.private_chat(alice)
    tg.send(chat, alice, "/trend 储能 绿证")
    [answer] = await tg.wait_messages(chat, 1)
    decoded(photo_bytes(tg, answer))
    store = store_of(app)
    storage = search(store, "储能", topics=DEFAULT_TOPICS).page.total
    certificates = search(store, "绿证", topics=DEFAULT_TOPICS).page.total
    assert storage == 13
    assert certificates >= 1
    assert answer.caption is not None
    lines = answer.caption.split("\n")
    assert lines[0] == "📈 每周提及条数：2024年1月8日 – 2024年2月12日"
    assert lines[1:] == [f"1. 储能：{storage} 条", f"2. 绿证：{certificates} 条"]
    assert {e["type"] for e in answer.caption_entities} == {"bold"}


async def test_trend_in_english_and_a_term_never_mentioned(tg: Sandbox, app: BotRunner) -> None:
    """A term with no mention is still a line, shown as 0; English readers get English."""
    bob = tg.add_user("Bob", language_code="en")
    chat = tg.private_chat(bob)
    tg.send(chat, bob, "/trend 氢能 #storage")
    [answer] = await tg.wait_messages(chat, 1)
    decoded(photo_bytes(tg, answer))
    assert answer.caption is not None
    tagged = search(store_of(app), "#storage", topics=DEFAULT_TOPICS).page.total
    assert answer.caption.split("\n") == [
        "📈 Mentions per week: 8 Jan 2024 – 12 Feb 2024",
        "1. 氢能: 0 found",
        f"2. #storage: {tagged} found",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/trend", "用法：/trend"),
        ("/trend a b c d e f", "一次最多比较 5 个词"),
        ("/trend ！！ *** …", "这个搜索里没有可以查找的文字"),
        ("/trend #unknown", "没有这个话题"),
        ("/trend 储能 2024-01", "「2024-01」不是可以比较的词"),
        ("/trend 储能 -煤炭", "「-煤炭」不是可以比较的词"),
    ],
)
async def test_trend_refusals(tg: Sandbox, app: BotRunner, text: str, expected: str) -> None:
    """No terms, too many, only punctuation, an unknown topic, a date: a clear usage reply."""
    alice = tg.add_user("Alice")
    chat = tg.private_chat(alice)
    tg.send(chat, alice, text)
    [answer] = await tg.wait_messages(chat, 1)
    assert answer.photo is None
    assert expected in (answer.text or "")
    assert "/trend 储能 绿证" in (answer.text or "")


async def test_trend_without_editions(tg: Sandbox, app: BotRunner, digests: Path) -> None:
    """With no edition at all the answer says so instead of drawing an empty chart."""
    for path in await asyncio.to_thread(lambda: list(digests.glob("*.md"))):
        path.unlink()
    await app.tick()
    alice = tg.add_user("Alice")
    chat = tg.private_chat(alice)
    tg.send(chat, alice, "/trend 储能")
    [answer] = await tg.wait_messages(chat, 1)
    assert answer.photo is None
    assert answer.text == "还没有任何一期。"


async def test_same_trend_is_drawn_once_until_a_new_edition(
    tg: Sandbox, app: BotRunner, digests: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A repeated /trend reuses the cached chart (and its file_id) until the archive changes."""
    renders: list[trend.Chart] = []
    draw = trend.render_png

    def counted(chart: trend.Chart, lang: str = "zh", *, family: str | None = None) -> bytes:
        renders.append(chart)
        return draw(chart, lang, family=family)

    monkeypatch.setattr(trend, "render_png", counted)
    alice = tg.add_user("Alice")
    chat = tg.private_chat(alice)
    tg.send(chat, alice, "/trend 储能 绿证")
    [first] = await tg.wait_messages(chat, 1)
    tg.send(chat, alice, "/trend 储能  绿证")
    _, second = await tg.wait_messages(chat, 2)
    assert len(renders) == 1
    assert first.photo is not None
    assert second.photo is not None
    assert second.photo[-1]["file_id"] == first.photo[-1]["file_id"]  # not uploaded again
    assert second.caption == first.caption
    day = dt.date(2024, 2, 20)
    (digests / f"{day}.md").write_text(edition(day, "又一个储能项目开工。"), "utf-8")
    await app.tick()
    tg.send(chat, alice, "/trend 储能 绿证")
    *_, third = await tg.wait_messages(chat, 3)
    assert len(renders) == 2
    assert third.caption is not None
    assert "2024年2月20日" in third.caption
    assert "1. 储能：14 条" in third.caption


# -- the chart's text ------------------------------------------------------------------------


def glyph_pixels(char: str, family: str) -> np.ndarray:
    figure = Figure(figsize=(1, 1), dpi=60)
    canvas = FigureCanvasAgg(figure)
    font = FontProperties(family=[family], size=36)
    figure.text(0.5, 0.5, char, fontproperties=font, ha="center", va="center")
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()


def test_han_text_is_drawn_with_real_glyphs() -> None:
    """The chart font has every Han glyph: distinct shapes, not the same empty box, no warning."""
    family = cjk_or_fail()
    used = font_manager.get_font(font_manager.findfont(FontProperties(family=[family])))
    assert all(used.get_char_index(ord(c)) != 0 for c in HAN)
    assert trend.drawable(HAN, family)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph … missing from font(s)" would raise
        storage, energy = glyph_pixels("储", family), glyph_pixels("能", family)
    assert (storage != energy).any()
    assert (storage[..., :3] < 128).any()  # ink, not a blank square
    # the check can fail: a font without Han draws both as the same box, with a warning
    assert not trend.drawable("储能", trend.FALLBACK_FAMILY)
    with pytest.warns(UserWarning, match="missing from font"):
        box_a = glyph_pixels("储", trend.FALLBACK_FAMILY)
    with pytest.warns(UserWarning, match="missing from font"):
        box_b = glyph_pixels("能", trend.FALLBACK_FAMILY)
    assert (box_a == box_b).all()


def test_chart_with_han_labels_renders_without_warnings() -> None:
    """A zh chart with Han terms renders with no warning at all (missing glyphs warn)."""
    cjk_or_fail()
    chart = trend.build_chart(
        [("储能", {dt.date(2024, 1, 8): 2}), ("绿证", {})],
        first=dt.date(2024, 1, 8),
        last=dt.date(2024, 2, 12),
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = trend.render_png(chart, "zh")
    assert [str(w.message) for w in caught] == []
    decoded(png)


def test_equal_terms_stay_distinguishable() -> None:
    """Two terms with the same counts: each line has its own dash and marker (the one drawn
    below still shows), and the legend gives each term's total; labels are ≥ 10 pt."""
    days = {dt.date(2024, 1, 8): 2, dt.date(2024, 1, 20): 1}
    chart = trend.build_chart(
        [("储能", days), ("光伏", dict(days)), ("绿证", {})],
        first=dt.date(2024, 1, 1),
        last=dt.date(2024, 3, 31),
    )
    figure = trend.draw(chart, "zh")
    lines = figure.axes[0].get_lines()
    assert list(lines[0].get_ydata()) == list(lines[1].get_ydata())
    styles = {(line.get_linestyle(), line.get_marker()) for line in lines}
    assert len(styles) == len(lines) == 3
    assert all(line.get_marker() not in (None, "None", "") for line in lines)
    [legend] = figure.legends
    assert [text.get_text() for text in legend.get_texts()] == ["储能 (3)", "光伏 (3)", "绿证 (0)"]
    sizes = [label.get_fontsize() for label in figure.axes[0].get_xticklabels()]
    assert min(sizes, default=10) >= 10
    assert min(text.get_fontsize() for text in legend.get_texts()) >= 10


def test_without_a_cjk_font_the_chart_still_renders(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """No CJK font: one logged warning, and a chart whose Han labels become numbers, no tofu."""
    monkeypatch.setattr(trend, "CJK_FAMILIES", ("No Such Font",))
    monkeypatch.setattr(trend, "_CJK_NAME", trend.re.compile("no such font"))
    trend.cjk_family.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="bot.search.chart"):
            assert trend.cjk_family() is None
            assert trend.cjk_family() is None
        assert [r.message for r in caplog.records].count(
            "no CJK font found (install fonts-noto-cjk): /trend charts draw Han text as numbers"
        ) == 1
        chart = trend.build_chart(
            [("储能", {dt.date(2024, 1, 8): 1}), ("CCER", {})],
            first=dt.date(2024, 1, 8),
            last=dt.date(2024, 1, 20),
        )
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            decoded(trend.render_png(chart, "zh"))
    finally:
        trend.cjk_family.cache_clear()


# -- buckets and counts ----------------------------------------------------------------------


def test_bucket_unit_weeks_up_to_26() -> None:
    """Up to 26 weekly buckets the chart is per week, beyond that per month."""
    monday = dt.date(2024, 1, 1)
    assert trend.bucket_unit(monday, monday) == "week"
    assert trend.bucket_unit(monday, monday + dt.timedelta(weeks=25, days=6)) == "week"
    assert trend.bucket_unit(monday, monday + dt.timedelta(weeks=26)) == "month"
    assert trend.bucket_starts(dt.date(2024, 11, 20), dt.date(2025, 2, 1), "month") == (
        dt.date(2024, 11, 1),
        dt.date(2024, 12, 1),
        dt.date(2025, 1, 1),
        dt.date(2025, 2, 1),
    )


@pytest.fixture
def small_archive(tmp_path: Path) -> Store:
    """Four January days (one week with no edition), 儲能 written three ways, one 电池 item."""
    folder = tmp_path / "small"
    folder.mkdir()
    days = {
        dt.date(2024, 1, 1): ("新型储能规模翻番。", "儲能电站投运。", "光伏装机创新高。"),
        dt.date(2024, 1, 3): ("储能招标量上升。",),
        dt.date(2024, 1, 10): ("电池回收新规发布。", "绿证交易活跃。"),
        dt.date(2024, 1, 24): ("用户侧储能补贴落地。",),
    }
    for day, items in days.items():
        (folder / f"{day}.md").write_text(edition(day, *items), "utf-8")
    store = Store(tmp_path / "small.sqlite3", topics=[(t.key, t.keywords) for t in DEFAULT_TOPICS])
    assert scan_folder(store, folder).ok
    return store


def chart_of(store: Store, text: str) -> trend.Chart:
    stamp = store.index.archive_stamp()
    assert stamp is not None
    return trending.chart_for(store, trend.parse_terms(text), topics=DEFAULT_TOPICS, stamp=stamp)


def test_counts_per_week(small_archive: Store) -> None:
    """Weekly buckets from the first Monday; counts match /search; an empty week is 0."""
    chart = chart_of(small_archive, "储能 #storage 绿证 氢能")
    assert chart.unit == "week"
    assert chart.starts == tuple(dt.date(2024, 1, d) for d in (1, 8, 15, 22))
    assert [(line.label, line.counts) for line in chart.lines] == [
        ("储能", (3, 0, 0, 1)),
        ("#storage", (3, 1, 0, 1)),  # 电池 is a storage keyword
        ("绿证", (0, 1, 0, 0)),
        ("氢能", (0, 0, 0, 0)),
    ]
    for line in chart.lines:
        total = search(small_archive, line.label, topics=DEFAULT_TOPICS).page.total
        assert line.total == total
    caption = trend.caption_html(chart, "zh")
    assert caption.startswith("📈 每周提及条数：2024年1月1日 – 2024年1月24日\n")
    assert "\n1. <b>储能</b>：4 条\n2. <b>#storage</b>：5 条\n" in caption
    small_archive.close()


def test_counts_per_month_over_a_long_archive(small_archive: Store, tmp_path: Path) -> None:
    """An archive longer than 26 weeks is counted per month, months without editions as 0."""
    folder = tmp_path / "small"
    day = dt.date(2024, 9, 2)
    (folder / f"{day}.md").write_text(edition(day, "储能储能。", "「储能」与电池。"), "utf-8")
    assert scan_folder(small_archive, folder).ok
    chart = chart_of(small_archive, '储能 "c++"')
    assert chart.unit == "month"
    assert chart.starts[0] == dt.date(2024, 1, 1)
    assert chart.starts[-1] == dt.date(2024, 9, 1)
    assert chart.lines[0].counts == (4, 0, 0, 0, 0, 0, 0, 0, 2)
    assert chart.lines[1].counts == (0,) * 9  # a term with punctuation: the exact check
    assert trend.x_ticks(chart.starts, chart.unit)[0] == "2024-01"
    small_archive.close()


def test_parse_terms() -> None:
    """Words and quoted phrases are terms (deduplicated); dates, exclusions, 6 terms are not."""
    terms = trend.parse_terms('储能 "碳 市场" #storage 儲能 ***')
    assert [t.label for t in terms] == ["储能", "碳 市场", "#storage"]
    assert terms[1].query.terms == ("碳 市场",)
    assert trend.terms_of(["碳 市场"])[0].query.terms == ("碳 市场",)
    with pytest.raises(trend.TrendError, match="too_many"):
        trend.parse_terms("a b c d e f")
    with pytest.raises(trend.TrendError) as refused:
        trend.parse_terms("储能 since:2024-01")
    assert refused.value.term == "since:2024-01"
    with pytest.raises(QueryError, match="no_terms"):
        trend.parse_terms("！！ …")
    long_term = trend.parse_terms("储" * 40)[0]
    assert len(long_term.label) == trend.MAX_LABEL


def test_legend_columns_fit_the_width() -> None:
    """Five short terms share one legend row; long ones stack so nothing is cut off."""
    assert trend.legend_columns(["储能 (3)", "绿证 (3)", "光伏 (3)", "风电 (3)", "CCER (3)"]) == 5
    long = ["长" * 24 + " (100000)", "绿证 (1)", "碳市场 (1)", "风电 (1)", "长" * 6 + " (100000)"]
    assert trend.legend_columns(long) == 1
    assert trend.legend_columns(long[:3]) == 2
    assert trend.legend_columns(["a" * 30, "b" * 30, "c" * 30, "d" * 30]) == 2


def test_caption_fits_telegram() -> None:
    """Five long terms with big counts still make a caption under Telegram's 1024."""
    chart = trend.build_chart(
        [("长" * 40, {dt.date(2020, 1, 1): 10**6})] * 5,
        first=dt.date(2015, 1, 1),
        last=dt.date(2024, 12, 31),
    )
    for lang in ("zh", "en"):
        assert len(trend.caption_html(chart, lang)) <= 1024


# -- command line ----------------------------------------------------------------------------


def test_cli_writes_a_png(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`digestbot trend 储能 绿证 -o chart.png` writes the chart and prints its caption."""
    (tmp_path / "digests").mkdir()
    shutil.copy(SEED, tmp_path / "digests" / SEED.name)
    monkeypatch.chdir(tmp_path)
    for var in ("DIGESTBOT_CONFIG", "DIGESTBOT_TOKEN", "TELEGRAM_BOT_TOKEN", "DIGESTBOT_DATA"):
        monkeypatch.delenv(var, raising=False)
    assert main(["trend", "储能", "-o", "none.png"]) == 2
    assert "no editions yet" in capsys.readouterr().err
    assert main(["ingest"]) == 0
    capsys.readouterr()
    assert main(["trend", "储能", "绿证", "-o", "chart.png"]) == 0
    out = capsys.readouterr().out
    decoded((tmp_path / "chart.png").read_bytes())
    assert out.startswith("📈 每周提及条数：2024年1月8日 – 2024年1月8日\n1. 储能：1 条\n2. 绿证：")
    assert main(["trend", "储能", "2024-01"]) == 2
    assert "not a term (2024-01)" in capsys.readouterr().err
