"""A digest's header and structure read as a person reads them: headings, metadata, names."""

from __future__ import annotations

from bot.digest import read

SETEXT = """---
title: Roundup for March 1, 2024
---

Gardens Reopen
--------------

The city said [the gardens reopen](https://example.org/gardens) on Monday.

Trains Run Late
===============

Repairs [slow the trains](https://example.org/trains) this week.

---

Thanks for reading.
"""


def test_a_setext_heading_is_a_section_and_front_matter_and_rules_stay() -> None:
    """A line underlined with --- or === heads a story; the front matter and a rule do not."""
    reading = read(SETEXT, source="roundup.md")
    assert reading.title == "Roundup for March 1, 2024"
    assert [item.title for item in reading.items] == ["Gardens Reopen", "Trains Run Late"]
    assert reading.items[1].links == ("https://example.org/trains",)
