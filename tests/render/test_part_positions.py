"""Which items each message part holds: what a vote or a reaction on one message is about."""

from __future__ import annotations

import datetime as dt

from bot.digest.models import Edition, Item
from bot.render.edition import part_positions, render_edition

DAY = dt.date(2024, 1, 8)


def edition(sizes: list[int]) -> Edition:
    items = tuple(
        Item(position=n, text=f"第{n}条。" + "储能电站并网运行。" * size, title=f"标题{n}")
        for n, size in enumerate(sizes, start=1)
    )
    return Edition(date=DAY, series="每日碳新闻", items=items)


def test_each_part_names_the_items_it_holds() -> None:
    """A long edition in several parts: each part's positions are the items it shows, in
    order, every item in one part at least, a cut item in each part holding a piece."""
    long = edition([60] * 12 + [900] + [60] * 5)
    parts = render_edition(long)
    positions = part_positions(long)
    assert len(parts) >= 3
    assert len(positions) == len(parts)
    assert set().union(*positions) == set(range(1, 19))
    for part, held in zip(parts, positions, strict=True):
        assert held
        for n in held:
            assert f"标题{n}" in part or f"{n}.（续）" in part
    cut = [i for i, held in enumerate(positions) if 13 in held]
    assert len(cut) >= 2  # the long item spans parts, counted in each


def test_header_and_footer_hold_no_item() -> None:
    """A short edition is one part with every item; the header and footer are no item's."""
    short = edition([1, 1, 1])
    assert part_positions(short) == [frozenset({1, 2, 3})]
    assert part_positions(short, footer="另有 2 条不在你关注的话题中") == [frozenset({1, 2, 3})]
