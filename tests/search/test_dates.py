"""Dates as readers type them after /day."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.search.dates import parse_day

TODAY = dt.date(2024, 3, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-08", dt.date(2024, 1, 8)),
        ("2024/1/8", dt.date(2024, 1, 8)),
        ("2024.1.8", dt.date(2024, 1, 8)),
        ("2024年1月8日", dt.date(2024, 1, 8)),
        ("２０２４年１月８日", dt.date(2024, 1, 8)),
        (" 2024 年 1 月 8 日 ", dt.date(2024, 1, 8)),
        ("1月8日", dt.date(2024, 1, 8)),
        ("1/8", dt.date(2024, 1, 8)),
        ("12月31日", dt.date(2023, 12, 31)),
        ("2月29日", dt.date(2024, 2, 29)),
        ("昨天", dt.date(2024, 2, 29)),
        ("Yesterday", dt.date(2024, 2, 29)),
        ("今天", TODAY),
        ("前天", dt.date(2024, 2, 28)),
    ],
)
def test_reader_date_forms(text: str, expected: dt.date) -> None:
    """Every documented way of writing a date gives that date."""
    assert parse_day(text, today=TODAY) == expected


@pytest.mark.parametrize("text", ["", "2024-02-30", "13月1日", "tomorrow-ish", "2024", "1月"])
def test_not_a_date(text: str) -> None:
    """Impossible or unreadable dates are None, not an exception."""
    assert parse_day(text, today=TODAY) is None


@given(st.text(max_size=40))
def test_any_text_is_a_date_or_none(text: str) -> None:
    """No input makes the parser raise."""
    result = parse_day(text, today=TODAY)
    assert result is None or isinstance(result, dt.date)
