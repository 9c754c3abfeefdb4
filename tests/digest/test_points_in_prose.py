"""A list of points inside a story is that story's, not the edition's stories."""

from __future__ import annotations

from bot.digest import read
from bot.digest.learning import Profile

RELEASE_NOTES = """---
date: 2024/03/04
---

## Tools

**Kettle got a big update**
<https://example.org/kettle>

Kettle turns web pages into small desktop apps; this release changes a lot:

1. Icons: fetched from the site when none is given
2. Command line: new proxy and private-window options
3. Windows: their place on screen is remembered
4. Builds: a smaller base image, faster steps

**A mail client worth trying**
<https://example.org/mail>
Quiet, quick, with short summaries of long threads.

**A network check built into the system**
<https://example.org/netcheck>
One command tells how fast the line is.

## Around

**A few photos from the weekend**
<https://example.org/photos>
Taken at a small museum by the river.
"""


def test_release_notes_inside_a_story_stay_in_that_story() -> None:
    """A numbered list led in by 'changes a lot:' is one story's notes; the titled stories stay."""
    reading = read(RELEASE_NOTES, source="weekly/12.md")
    assert [item.title for item in reading.items] == [
        "Kettle got a big update",
        "A mail client worth trying",
        "A network check built into the system",
        "A few photos from the weekend",
    ]
    assert reading.items[0].links[0] == "https://example.org/kettle"


QUIZ = """# Garden Weekly: issue 40

## Opening

Last week's puzzle: what does this print? The answer is A.

A reader explained it well, quoted here:

> The rule has two parts:
>
> 1. both sides must be comparable, or it does not compile
> 2. then their types and values are compared
>
> That is all there is to it.

## News

1. [Trowel 2.0 released](https://example.org/trowel)
2. [Rake 1.4 released](https://example.org/rake)

## Articles

1. [How to prune roses](https://example.org/roses)
2. [Compost in winter](https://example.org/compost)
"""


def test_points_in_a_blockquote_are_not_stories() -> None:
    """A numbered list inside a quote, without links, is the quote's: only linked stories read."""
    reading = read(QUIZ, source="issue-40.md")
    assert [item.title for item in reading.items] == [
        "Trowel 2.0 released",
        "Rake 1.4 released",
        "How to prune roses",
        "Compost in winter",
    ]


ESSAY = """# Garden Weekly (issue 41): good labels

## Good labels

Most gardeners label their beds however they like.

I read [an essay](https://example.org/labels) that says labels should help you find things.

It gives three rules.

(1) **Use few colours**, more of them only distract.

(2) **Name the plant first**, it is what you look for.

(3) **Date the sowing**, it tells you when to expect shoots.

Do you agree with these rules?

## News

1. The park opened a new greenhouse this week.
[More](https://example.org/greenhouse)

2. A seed library opened in the old station.
[More](https://example.org/seeds)

## Articles

1. [How to prune roses](https://example.org/roses)

2. [Compost in winter](https://example.org/compost)
"""


def test_an_essays_numbered_points_are_not_the_editions_stories() -> None:
    """Numbered points that an essay's prose goes on after are the essay's, not items."""
    reading = read(ESSAY, source="issue-41.md")
    texts = [item.text for item in reading.items]
    assert not any(text.startswith(("Use few", "Name the", "Date the")) for text in texts)
    assert "How to prune roses" in texts
    assert any(item.text.startswith("The park opened") for item in reading.items)


def test_an_essay_with_points_is_one_story_with_its_link() -> None:
    """The section whose prose tells the points is one story: the essay, with the link it cites."""
    reading = read(ESSAY, source="issue-41.md")
    first = reading.items[0]
    assert first.title == "Good labels"
    assert first.links == ("https://example.org/labels",)
    assert len(reading.items) == 5


HEADLINES = """# Evening News, 2024-03-05

Tonight's main stories:

1、The council approved the new park budget.

2、Heavy rain closed two roads in the north.

3、The library extends its opening hours.
"""


def test_numbered_news_without_links_are_stories_when_nothing_else_is() -> None:
    """A digest whose only units are unlinked numbered lines after a colon still reads them."""
    reading = read(HEADLINES, source="news/2024-03-05.md")
    assert [item.text for item in reading.items] == [
        "The council approved the new park budget.",
        "Heavy rain closed two roads in the north.",
        "The library extends its opening hours.",
    ]


NOTES = """# Club notes, 2024-03-06

This week at the club:

**Spring cleaning**
On Saturday morning, bring gloves.

**New members**
They met on Tuesday and chose a bed each.

**The shed roof**
It was mended by two volunteers.
"""


def test_bold_titled_notes_without_links_are_stories_when_nothing_else_is() -> None:
    """Bold-titled paragraphs after a colon line are still the stories of a file of only them."""
    reading = read(NOTES, source="notes/2024-03-06.md")
    assert [item.title for item in reading.items] == [
        "Spring cleaning",
        "New members",
        "The shed roof",
    ]


def test_a_series_read_as_numbered_still_leaves_points_to_their_story() -> None:
    """With the series' rule learned as numbered, an essay's and a quote's points stay theirs."""
    numbered = Profile(rule="numbered")
    essay = read(ESSAY, source="issue-41.md", profile=numbered)
    assert essay.items[0].title == "Good labels"
    assert not any(item.text.startswith("Use few") for item in essay.items)
    quiz = read(QUIZ, source="issue-40.md", profile=numbered)
    assert [item.title for item in quiz.items][:1] == ["Trowel 2.0 released"]
