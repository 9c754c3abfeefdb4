"""An item's sort key: where it stands in "newest first" order, and its row in the index."""

from __future__ import annotations

from bot.digest.models import EditionKey

# an item's sort key: day × 10¹² + issue × 10⁷ + series × 10⁴ + position (issues < 10⁵, series
# < 10³, positions < 10⁴; the day of 2999-12-31 × 10¹² is still well within 2⁶³)
SORT_DAY = 10**12
SORT_ISSUE = 10**7
SORT_SERIES = 10_000
MAX_POSITION = SORT_SERIES - 1  # items one edition may have (digests.max_items at most)


def sortkey(key: EditionKey, position: int) -> int:
    """An item's place in "newest first" order: its edition's day, issue, series, then
    position."""
    return (
        key.date.toordinal() * SORT_DAY
        + key.issue * SORT_ISSUE
        + key.series * SORT_SERIES
        + position
    )
