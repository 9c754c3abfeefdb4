"""An impossible date where the edition's date comes from is an error, never "today"."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.cli.check import examine
from bot.config import Config
from bot.digest import DigestError, parse, read

BODY = "1. 储能 https://example.org/1\n"


@pytest.mark.parametrize(
    ("text", "source", "error"),
    [
        (
            f"---\ndate: 2024-02-30\n---\n{BODY}",
            "a.md",
            "a.md:2: date 2024-02-30 is not a valid date (frontmatter 'date')",
        ),
        (
            f'---\ntitle: t\ndate: "2024-02-30 08:00"\n---\n{BODY}',
            "a.md",
            "a.md:3: date 2024-02-30 is not a valid date (frontmatter 'date')",
        ),
        (
            f"---\ndate: 20240230\n---\n{BODY}",
            "a.md",
            "a.md:2: date 2024-02-30 is not a valid date (frontmatter 'date')",
        ),
        (
            f"---\ndate: 2024-13-01\n---\n{BODY}",
            "a.md",
            "a.md:2: date 2024-13-01 is not a valid date (frontmatter 'date')",
        ),
        (
            f"Title: TWiR 1\nDate: 2023-04-31 10:00\n\n{BODY}",
            "a.md",
            "a.md:2: date 2023-04-31 is not a valid date (Pelican 'Date:' line)",
        ),
        (
            f"---\ntitle: t\npermalink: /daily/2024/02/30/\n---\n{BODY}",
            "a.md",
            "a.md:3: date 2024-02-30 is not a valid date (in the permalink)",
        ),
        (
            f"---\ntitle: 日报 2024年2月30日\n---\n{BODY}",
            "a.md",
            "a.md:2: date 2024-02-30 is not a valid date (in the title)",
        ),
        (
            f"# 碳日报 2024年2月30日\n\n{BODY}",
            "a.md",
            "a.md:1: date 2024-02-30 is not a valid date (in the title)",
        ),
        (
            f"intro\n\n## 2023/2/29\n{BODY}",
            "a.md",
            "a.md:3: date 2023-02-29 is not a valid date (in the first heading)",
        ),
        (
            f"日报 2024-02-30\n\n{BODY}",
            "a.md",
            "a.md:1: date 2024-02-30 is not a valid date (in the first heading)",
        ),
        (
            BODY,
            "digests/2024-02-30.md",
            "digests/2024-02-30.md: date 2024-02-30 is not a valid date (in the file name)",
        ),
        (
            BODY,
            "digests/daily_20240230.md",
            "digests/daily_20240230.md: date 2024-02-30 is not a valid date (in the file name)",
        ),
        (
            BODY,
            "digests/2024/02/30.md",
            "digests/2024/02/30.md: date 2024-02-30 is not a valid date (in the path)",
        ),
        (
            BODY,
            "site/2024/02/30/index.md",
            "site/2024/02/30/index.md: date 2024-02-30 is not a valid date (in the path)",
        ),
    ],
    ids=[
        "frontmatter",
        "frontmatter-quoted-with-time",
        "frontmatter-number",
        "frontmatter-month-13",
        "pelican",
        "permalink",
        "frontmatter-title",
        "title-heading",
        "first-heading",
        "first-line",
        "file-name",
        "compact-file-name",
        "path",
        "dated-index",
    ],
)
def test_an_impossible_date_is_an_error_naming_the_file_and_line(
    text: str, source: str, error: str
) -> None:
    """Wherever the date comes from, a day that does not exist refuses the file: read (so
    check and ingest) raises the error, naming the file and the line when there is one."""
    with pytest.raises(DigestError) as caught:
        read(text, source=source)
    assert str(caught.value) == error


def test_an_impossible_date_is_an_error_even_when_a_later_place_has_a_date() -> None:
    """The title says 30 February and the file name 1 March: the title is where the date
    comes from, so the file is refused rather than dated by the file name."""
    with pytest.raises(DigestError, match=r"2024-02-30 is not a valid date \(in the title\)"):
        read(f"# Daily 2024-02-30\n\n{BODY}", source="digests/2024-03-01.md")


def test_check_fails_on_an_impossible_date(tmp_path: Path) -> None:
    """`digestbot check` reports it as an error (exit 1), not as a file with no date."""
    path = tmp_path / "2024-02-30.md"
    path.write_text(BODY, encoding="utf-8")
    doc, lines, failed = examine(path, Config())
    assert failed
    assert doc["error"] == f"{path}: date 2024-02-30 is not a valid date (in the file name)"
    assert lines == [f"error: {doc['error']}"]


@pytest.mark.parametrize(
    ("text", "source", "date"),
    [
        (f"# Weekly\n\nsee 2024-02-30 and 2024-13-45\n\n{BODY}", "2024-01-08.md", "2024-01-08"),
        (f"# Release 2024.13.1\n\n{BODY}", "2024-01-08.md", "2024-01-08"),
        (f"## v2.30.1 of 2024\n\n{BODY}", "2024-01-08.md", "2024-01-08"),
        ("1.1月5日 a https://a.example\n2.1月6日 b 2024-02-30\n", "2024-01-08.md", "2024-01-08"),
        (f"---\ntitle: t\n---\n# 2024-01-08\n\n1. 2024-02-30 {BODY}", "x.md", "2024-01-08"),
        (f"# 历史上的今天 1888-05-01\n\n{BODY}", "2024-05-01.md", "2024-05-01"),
        (f"# Daily 2024-02-29\n\n{BODY}", "x.md", "2024-02-29"),
        (f"# Daily 2024-02-30 (2024-03-01)\n\n{BODY}", "x.md", "2024-03-01"),
    ],
    ids=[
        "body-text",
        "version-in-title",
        "version-in-heading",
        "obsidian-item-lines",
        "item-text",
        "out-of-range-year",
        "leap-day",
        "real-date-beside-it",
    ],
)
def test_numbers_that_are_no_dates_are_not_errors(text: str, source: str, date: str) -> None:
    """Only the place the date comes from counts, and only a real month and day there:
    body text, items, version numbers (a month 13), years out of range are not dates."""
    assert parse(text, source=source).date == dt.date.fromisoformat(date)
