"""The publisher's page's chart (PNG): subscribers over time above, the newest editions'
delivery progress below.

Drawn with matplotlib's Agg renderer on a ``Figure`` of its own (never pyplot: nothing global,
so it is safe in a worker thread, where the page's route draws it). Labels are Latin and
digits only (dates, counts), which matplotlib's own font draws.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.store.page_figures import DayCount

SPAN = 7  # days the subscribers' line covers at least
BARS = 14  # editions shown in the lower panel, the newest
COLOURS = {"sent": "#009E73", "pending": "#E69F00", "failed": "#D55E00"}  # Okabe-Ito


@dataclass(frozen=True, slots=True)
class Progress:
    """One edition's bar: its label and its edition rows sent, pending and failed."""

    label: str
    sent: int
    pending: int
    failed: int


def render_png(
    subscribers: Sequence[DayCount], progress: Sequence[Progress], *, today: dt.date
) -> bytes:
    """The chart as PNG bytes (1200×900)."""
    figure = Figure(figsize=(8, 6), dpi=150, layout="constrained")
    FigureCanvasAgg(figure)
    top, bottom = figure.subplots(2, 1)
    dated = [c for c in subscribers if c.day != dt.date.min]
    if dated:  # from nought before the first, on to today, over SPAN days at least
        start = min(dated[0].day - dt.timedelta(days=1), today - dt.timedelta(days=SPAN))
        days = [start, *(c.day for c in dated)]
        totals = [0, *(c.total for c in dated)]
        days.append(max(today, days[-1]) + dt.timedelta(days=1))
        totals.append(totals[-1])
        top.step(days, totals, where="post", color="#0072B2", linewidth=2)
        top.fill_between(days, totals, step="post", color="#0072B2", alpha=0.12)
        top.set_xlim(days[0], days[-1])
        locator = AutoDateLocator(minticks=3, maxticks=8)  # type: ignore[no-untyped-call]
        top.xaxis.set_major_locator(locator)
        top.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    else:
        totals = []
        top.text(0.5, 0.5, "no subscribers yet", ha="center", va="center",
                 transform=top.transAxes, color="#555")  # fmt: skip
    top.set_title("Subscribed chats", loc="left", fontsize=13)
    top.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
    top.set_ylim(bottom=0, top=max(1, max(totals, default=0)) * 1.1)
    shown = list(reversed(progress[:BARS]))  # oldest on the left
    x = range(len(shown))
    base = [0] * len(shown)
    for status in ("sent", "pending", "failed"):
        heights = [getattr(p, status) for p in shown]
        bottom.bar(x, heights, bottom=base, color=COLOURS[status], label=status, width=0.7)
        base = [b + h for b, h in zip(base, heights, strict=True)]
    bottom.set_xticks(list(x), [p.label for p in shown], rotation=30, ha="right", fontsize=8)
    bottom.set_title("Edition deliveries", loc="left", fontsize=13)
    bottom.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
    bottom.set_xlim(-0.6, max(len(shown), 7) - 0.4)  # one edition is not a wall of colour
    bottom.set_ylim(bottom=0, top=max(1, max(base, default=0)) * 1.3)  # room for the legend
    bottom.legend(frameon=False, ncols=3, loc="upper left", fontsize=9)
    for ax in (top, bottom):
        ax.grid(axis="y", color="#dddddd", linewidth=0.8)
        ax.spines[["top", "right"]].set_visible(False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None}, facecolor="white")
    return buffer.getvalue()
