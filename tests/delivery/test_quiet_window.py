"""Quiet windows as typed and as the sender reads them (pure)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.delivery.quiet import parse_quiet, quiet_end

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*fields: int) -> dt.datetime:
    """A time in Shanghai."""
    return dt.datetime(*fields, tzinfo=SHANGHAI)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("22:00-07:30", "22:00-07:30"),
        ("22:00 - 7:30", "22:00-07:30"),
        ("9:05~9:30", "09:05-09:30"),
        ("off", ""),
        ("关", ""),
        ("7:00-07:00", None),
        ("24:00-01:00", None),
        ("22-7", None),
    ],
)
def test_typed_windows(typed: str, stored: str | None) -> None:
    """A window is HH:MM-HH:MM (any spacing, ~ too), `off` clears it; nonsense is refused."""
    assert parse_quiet(typed) == stored


@pytest.mark.parametrize(
    ("when", "end"),
    [
        (local(2024, 3, 1, 21, 59), None),
        (local(2024, 3, 1, 22, 0), local(2024, 3, 2, 7, 30)),
        (local(2024, 3, 1, 23, 59), local(2024, 3, 2, 7, 30)),
        (local(2024, 3, 2, 0, 0), local(2024, 3, 2, 7, 30)),
        (local(2024, 3, 2, 7, 29), local(2024, 3, 2, 7, 30)),
        (local(2024, 3, 2, 7, 30), None),
    ],
)
def test_a_window_across_midnight(when: dt.datetime, end: dt.datetime | None) -> None:
    """22:00-07:30 holds from 22:00 to 07:30 the next morning, in the chat's zone."""
    found = quiet_end("22:00-07:30", "Asia/Shanghai", when.astimezone(dt.UTC))
    assert found == end
