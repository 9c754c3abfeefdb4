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


def test_the_series_a_title_names_is_without_its_issue_marker_and_date_phrase() -> None:
    """A title's series loses the issue marker with its brackets, and a date phrase is no name."""
    titles = {
        "码农周刊（第 12 期）：一个标题": "码农周刊",
        "#03 - The Garden Weekly": "The Garden Weekly",
        "［＃7］ The Garden Weekly": "The Garden Weekly",
        "Week Ending June 7, 2020": "",
        "Monday, June 8, 2020": "",
        "每日新闻（2024年1月8日 星期一）": "每日新闻",
        "【2024-01-08】周报": "周报",
        "Android This Week 2024-01-08": "Android This Week",
    }
    named = {
        title: read(f'---\ntitle: "{title}"\n---\n1. [a](https://example.org/a)\n').series
        for title in titles
    }
    assert named == titles


def test_a_number_opening_a_file_name_before_a_slug_is_the_issue() -> None:
    """``100-晴天小记.md`` is issue 100; a date-named file is a date, never an issue."""
    body = "---\ndate: 2024-01-08\n---\n\n1. [a](https://example.org/a)\n"
    issues = {
        source: read(body, source=source).issue
        for source in (
            "posts/100-晴天小记.md",
            "posts/7_a-quiet-week.md",
            "posts/2024-01-08.md",
            "posts/2024-01-08-notes.md",
            "posts/2024-review.md",
            "2024/01/08-notes.md",
        )
    }
    assert issues == {
        "posts/100-晴天小记.md": 100,
        "posts/7_a-quiet-week.md": 7,
        "posts/2024-01-08.md": None,
        "posts/2024-01-08-notes.md": None,
        "posts/2024-review.md": None,
        "2024/01/08-notes.md": None,
    }
