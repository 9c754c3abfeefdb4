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


PELICAN = """Title: Issue 12 - The Garden Weekly
Date: 2024-03-01
Description: A quote of the week - Someone
Cover-Image: /img/12.png

# News

- [The gardens reopen](https://example.org/gardens)

  The city said so on Monday.

- [The trains run late](https://example.org/trains)
"""

NOTE = """Note: the gardens are closed on Monday.

- [The gardens reopen](https://example.org/gardens)
- [The trains run late](https://example.org/trains)
"""


def test_a_header_of_key_lines_is_read_whatever_its_keys() -> None:
    """Title/Date lines with a Description: are the header; one Note: line is the digest's text."""
    reading = read(PELICAN, source="news.md")
    assert (reading.title, reading.issue, str(reading.date)) == (
        "Issue 12 - The Garden Weekly",
        12,
        "2024-03-01",
    )
    assert "News" not in (reading.title, reading.series)
    assert [item.title for item in reading.items] == ["The gardens reopen", "The trains run late"]
    note = read(NOTE, source="2024-03-01.md")
    assert (note.title, note.meta) == ("", ())
    assert len(note.items) == 2
