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
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.store.page_figures import DayCount

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
    days = [c.day for c in subscribers if c.day != dt.date.min]
    totals = [c.total for c in subscribers if c.day != dt.date.min]
    if days and days[-1] < today:  # the line runs on to today
        days.append(today)
        totals.append(totals[-1])
    if days:
        top.step(days, totals, where="post", color="#0072B2", linewidth=2)
        top.fill_between(days, totals, step="post", color="#0072B2", alpha=0.12)
    else:
        top.text(0.5, 0.5, "no subscribers yet", ha="center", va="center",
                 transform=top.transAxes, color="#555")  # fmt: skip
    top.set_title("Subscribed chats", loc="left", fontsize=13)
    top.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
    top.set_ylim(bottom=0, top=max(1, max(totals, default=0)) * 1.1)
    top.tick_params(axis="x", labelrotation=30, labelsize=8)
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
    bottom.set_ylim(bottom=0, top=max(1, max(base, default=0)) * 1.1)
    bottom.legend(frameon=False, ncols=3, loc="upper left", fontsize=9)
    for ax in (top, bottom):
        ax.grid(axis="y", color="#dddddd", linewidth=0.8)
        ax.spines[["top", "right"]].set_visible(False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None}, facecolor="white")
    return buffer.getvalue()
