"""An item's sort key: where it stands in "newest first" order, and its row in the index."""

from __future__ import annotations

from bot.digest.models import EditionKey

SORT_DAY = 10_000_000  # an item's sort key: day × 10⁷ + series × 10⁴ + position
SORT_SERIES = 10_000
MAX_POSITION = SORT_SERIES - 1  # items one edition may have (digests.max_items at most)


def sortkey(key: EditionKey, position: int) -> int:
    """An item's place in "newest first" order: its edition's day, series, then position."""
    return key.date.toordinal() * SORT_DAY + key.series * SORT_SERIES + position
