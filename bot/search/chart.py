"""/trend charts (pure): how often terms are mentioned, week by week or month by month, as PNG.

Data in, bytes out. The caller counts matching items per day with the same search as /search
(``Store.term_days``); here the days go into buckets — weeks (Monday first) when the archive
spans at most WEEKS_UP_TO of them, months otherwise — and become a line chart drawn with
matplotlib's Agg renderer on a ``Figure`` of its own (never pyplot: nothing global, so it is
safe in a worker thread) and an HTML caption with the date range and each term's total.

Han text needs a CJK font: the first installed of CJK_FAMILIES, else any font whose name looks
CJK and that has the glyphs. Without one the chart is still drawn and a warning is logged once:
text the font cannot draw is replaced (a legend label by its number in the caption, the title
by its English version), so a chart never shows a row of empty boxes.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import io
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import MaxNLocator

from bot.render.edition import format_date
from bot.render.i18n import t

from .query import Query, QueryError, parse_query

log = logging.getLogger(__name__)

MAX_TERMS = 5
MAX_LABEL = 24  # characters of a term shown in the legend and the caption
WEEKS_UP_TO = 26  # week buckets at most; a longer archive is shown per month
TREND_ERRORS = ("too_many", "not_a_term")
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Noto Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Noto Sans CJK JP",
    "Noto Serif CJK SC",
    "Source Han Serif SC",
    "Noto Serif SC",
    "Sarasa Gothic SC",
    "Droid Sans Fallback",
    "AR PL UMing CN",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Hiragino Sans GB",
)
_CJK_NAME = re.compile(r"CJK|Han |Hei|Song|Ming|Kai|WenQuanYi|Gothic|Fallback", re.IGNORECASE)
FALLBACK_FAMILY = "DejaVu Sans"  # matplotlib's own font: Latin and digits, no Han
PROBE = "碳储能绿证市场"  # a CJK font worth using has these
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00")  # Okabe-Ito, colour-blind safe
# each term its own dash and marker too: equal counts draw one line over another, and the one
# below still shows through its gaps and marks (and in grey print)
STYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1)))
MARKERS = ("o", "s", "^", "D", "v")
_QUOTED = re.compile(r'-?(?:"[^"]*"?|＂[^＂]*＂?|“[^”]*”?|「[^」]*」?|『[^』]*』?)|\S+')
_QUOTES = '"＂“”「」『』'


class TrendError(ValueError):
    """Terms that cannot be charted; ``reason`` is one of TREND_ERRORS (``trend_<reason>``)."""

    def __init__(self, reason: str, term: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.term = term


@dataclass(frozen=True, slots=True)
class Term:
    """One line of a chart: the term as typed (shown) and its query (one word or one topic)."""

    label: str
    query: Query


@dataclass(frozen=True, slots=True)
class Line:
    label: str
    counts: tuple[int, ...]  # matching items per bucket

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True, slots=True)
class Chart:
    """Everything drawn: the archive's first and last day, the buckets, one line per term."""

    first: dt.date
    last: dt.date
    unit: str  # "week" or "month"
    starts: tuple[dt.date, ...]  # the first day of each bucket
    lines: tuple[Line, ...]


# -- terms -----------------------------------------------------------------------------------


def parse_terms(text: str) -> tuple[Term, ...]:
    """``储能 绿证 #storage "carbon market"`` → terms; words split at spaces, phrases quoted."""
    return terms_of(_QUOTED.findall(text))


def terms_of(words: Sequence[str]) -> tuple[Term, ...]:
    """Each word a term, read like a /search word (one with spaces as a phrase); QueryError
    when none has anything searchable.

    A word with nothing searchable (``***``) is dropped, as /search drops it; a date or an
    exclusion is not a term (TrendError ``not_a_term``); more than MAX_TERMS: ``too_many``.
    """
    found: dict[Query, Term] = {}
    for word in (" ".join(w.split()) for w in words):
        if not word:
            continue
        phrase = f'"{word}"' if " " in word and word[0] not in _QUOTES + "-" else word
        try:
            query = parse_query(phrase)
        except QueryError as exc:
            if exc.reason in ("no_terms", "empty"):
                continue
            raise
        if query.excluded or query.since or query.until or len(query.terms + query.topics) != 1:
            raise TrendError("not_a_term", _clip(word))
        label = _clip(word.strip(_QUOTES) if word[0] in _QUOTES else word)
        found.setdefault(query, Term(label, query))
        if len(found) > MAX_TERMS:
            raise TrendError("too_many")
    if not found:
        raise QueryError("no_terms")
    return tuple(found.values())


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


# -- buckets ---------------------------------------------------------------------------------


def bucket_start(day: dt.date, unit: str) -> dt.date:
    """The Monday of the day's week, or the first of its month."""
    if unit == "week":
        return day - dt.timedelta(days=day.weekday())
    return day.replace(day=1)


def _next(start: dt.date, unit: str) -> dt.date:
    if unit == "week":
        return start + dt.timedelta(days=7)
    return dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)


def bucket_unit(first: dt.date, last: dt.date) -> str:
    """Weeks when the archive spans at most WEEKS_UP_TO weeks, else months."""
    weeks = (bucket_start(last, "week") - bucket_start(first, "week")).days // 7 + 1
    return "week" if weeks <= WEEKS_UP_TO else "month"


def bucket_starts(first: dt.date, last: dt.date, unit: str) -> tuple[dt.date, ...]:
    """Every bucket from the one holding ``first`` to the one holding ``last``, empty ones too."""
    starts, at = [], bucket_start(first, unit)
    while at <= last:
        starts.append(at)
        at = _next(at, unit)
    return tuple(starts)


def build_chart(
    counts: Sequence[tuple[str, Mapping[dt.date, int]]], *, first: dt.date, last: dt.date
) -> Chart:
    """(label, matching items per day) for each term → the chart over ``first``…``last``."""
    unit = bucket_unit(first, last)
    starts = bucket_starts(first, last, unit)
    index = {start: n for n, start in enumerate(starts)}
    lines = []
    for label, days in counts:
        per_bucket = [0] * len(starts)
        for day, n in days.items():
            if first <= day <= last:
                per_bucket[index[bucket_start(day, unit)]] += n
        lines.append(Line(label, tuple(per_bucket)))
    return Chart(first, last, unit, starts, tuple(lines))


# -- fonts -----------------------------------------------------------------------------------


def find_cjk_family(preferred: Sequence[str] | None = None) -> str | None:
    """The family name of an installed font that draws Han characters, None if there is none:
    the first of ``preferred`` (CJK_FAMILIES) installed, else any whose name looks CJK."""
    names = list(dict.fromkeys(f.name for f in font_manager.fontManager.ttflist))
    likely = [n for n in names if _CJK_NAME.search(n)]
    for name in [*(p for p in preferred or CJK_FAMILIES if p in names), *likely]:
        if all(ord(c) in charset(name) for c in PROBE):
            return name
    return None


@functools.cache
def cjk_family() -> str | None:
    """find_cjk_family, looked up once; a missing CJK font is logged once.

    matplotlib keeps its font list in a cache: a CJK font installed after that was written is
    not in it, so before giving up the system's font files are looked at again."""
    found = find_cjk_family()
    if found is None:
        known = {f.fname for f in font_manager.fontManager.ttflist}
        for path in font_manager.findSystemFonts():
            if path not in known and _CJK_NAME.search(Path(path).name):
                font_manager.fontManager.addfont(path)
        found = find_cjk_family()
    if found is None:
        log.warning(
            "no CJK font found (install fonts-noto-cjk): /trend charts draw Han text as numbers"
        )
    else:
        log.info("trend charts use the font %s", found)
    return found


@functools.cache
def charset(family: str) -> frozenset[int]:
    """The code points the font matplotlib picks for ``family`` can draw."""
    path = font_manager.findfont(FontProperties(family=[family]))
    return frozenset(font_manager.get_font(path).get_charmap())


def drawable(text: str, family: str) -> bool:
    """Whether every visible character of ``text`` has a glyph in the family (or DejaVu Sans)."""
    have = charset(family) | charset(FALLBACK_FAMILY)
    return all(c.isspace() or ord(c) in have for c in text)


# -- drawing ---------------------------------------------------------------------------------


def render_png(chart: Chart, lang: str = "zh", *, family: str | None = None) -> bytes:
    """The chart as PNG bytes, 1200×675; ``family`` defaults to the CJK font found."""
    figure = draw(chart, lang, family=family)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None}, facecolor="white")
    return buffer.getvalue()


def draw(chart: Chart, lang: str = "zh", *, family: str | None = None) -> Figure:
    """The chart as a matplotlib figure: one line per term, each its own colour, dash and
    marker, the legend with each term's total."""
    family = family or cjk_family() or FALLBACK_FAMILY
    families = [family, FALLBACK_FAMILY]
    figure = Figure(figsize=(8, 4.5), dpi=150, layout="constrained")  # big text on a phone
    FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    many = len(chart.starts) > 40
    x = range(len(chart.starts))  # bucket numbers: the dates are only tick labels
    for n, line in enumerate(chart.lines):
        label = line.label if drawable(line.label, family) else f"{n + 1}"
        ax.plot(
            x,
            line.counts,
            label=f"{label} ({line.total})",
            color=COLOURS[n % len(COLOURS)],
            linestyle=STYLES[n % len(STYLES)],
            linewidth=1.6 if many else 2,
            marker=MARKERS[n % len(MARKERS)],
            markevery=max(1, len(chart.starts) // 24),  # marks stay apart on a long chart
            markersize=4 if many else 5,
        )
    title = t(f"trend_per_{chart.unit}", lang)
    if not drawable(title, family):
        title = t(f"trend_per_{chart.unit}", "en")
    ax.set_title(
        title, loc="left", fontproperties=FontProperties(family=families, size=15), pad=12
    )
    span = f"{chart.first:%Y-%m-%d} – {chart.last:%Y-%m-%d}"
    ax.set_title(
        span, loc="right", fontproperties=FontProperties(family=families, size=10), color="#555"
    )
    ticks = x_ticks(chart.starts, chart.unit)
    ax.set_xticks(list(ticks), list(ticks.values()))
    ax.set_xlim(-0.6, len(chart.starts) - 0.4)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
    top = max((max(line.counts, default=0) for line in chart.lines), default=0)
    ax.set_ylim(-0.03 * max(1, top), max(1, top) * 1.08)  # a line at 0 stays visible
    ax.grid(axis="y", color="#dddddd", linewidth=0.8)
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=10)
    figure.legend(
        prop=FontProperties(family=families, size=12),
        frameon=False,
        loc="outside lower center",
        ncols=legend_columns([f"{line.label} ({line.total})" for line in chart.lines]),
    )
    return figure


def legend_columns(labels: Sequence[str]) -> int:
    """As many legend columns as fit the width (about 88 Latin or 44 Han characters a row)."""
    width = [sum(2 if ord(c) > 0x2E7F else 1 for c in label) + 6 for label in labels]
    for columns in range(len(labels), 1, -1):
        size, extra = divmod(len(labels), columns)  # split as matplotlib splits the entries
        ends = [(n + 1) * size + min(n + 1, extra) for n in range(columns)]
        starts = [0, *ends[:-1]]
        if sum(max(width[a:b]) for a, b in zip(starts, ends, strict=True)) <= 88:
            return columns
    return 1


def x_ticks(starts: Sequence[dt.date], unit: str) -> dict[int, str]:
    """Bucket number → tick label, at most about ten: weeks as 01-08, months as 2024-03 every
    1, 2, 3 or 6 months (January, April… for quarters), years as 2024 at each January."""
    if unit == "week":
        step = -(-len(starts) // 9)
        return {n: f"{starts[n]:%m-%d}" for n in range(0, len(starts), step)}
    months = next(m for m in (1, 2, 3, 6, 12, 24, 60, 120, 10**6) if len(starts) <= 10 * m)
    if months < 12:
        pick = [n for n, s in enumerate(starts) if (s.month - 1) % months == 0]
        return {n: f"{starts[n]:%Y-%m}" for n in pick}
    pick = [n for n, s in enumerate(starts) if s.month == 1 and s.year % (months // 12) == 0]
    return {n: f"{starts[n]:%Y}" for n in pick}


def caption_html(chart: Chart, lang: str) -> str:
    """``📈 每周提及条数：2024年1月8日 – 2024年3月1日``, then ``1. <b>储能</b>：13 条`` a term."""
    lines = [
        t(
            "trend_caption",
            lang,
            unit=t(f"trend_per_{chart.unit}", lang),
            first=format_date(chart.first, lang),
            last=format_date(chart.last, lang),
        )
    ]
    for n, line in enumerate(chart.lines, 1):
        term = f"<b>{html.escape(line.label, quote=False)}</b>"
        lines.append(t("trend_line", lang, n=n, term=term, total=line.total))
    return "\n".join(lines)
