"""A site generator's tags in a digest's source read as the published page shows them."""

from __future__ import annotations

from bot.digest import read


def test_page_variables_read_as_the_front_matter_values_and_site_values_go() -> None:
    """`{{ page.key }}` is the front matter's value, a site or filtered value no text at all."""
    text = (
        "---\ntitle: Apps 24\ndate: 2018-10-04\nupdated: 25\nmajor: '<em>Major</em>'\n---\n\n"
        'Week {{ page.date | date: "%V" }}, [feed]({{ site.baseurl }}/feed.xml)\n\n'
        "## Updated apps\n\nIn total, **{{ page.updated }}** apps were updated.\n\n"
        "* {{ page.major }} **[Snitch](https://apps.example/snitch)** was updated to 2.0.\n"
        "* **[Mail](https://apps.example/mail)** was updated to 0.71.\n"
    )
    reading = read(text, source="apps-24.md")
    assert [item.text for item in reading.items] == [
        "Major Snitch was updated to 2.0.",
        "Mail was updated to 0.71.",
    ]
    assert not any("{" in w for w in reading.warnings)


def test_template_braces_shown_as_code_stay() -> None:
    """A story that shows `{{ page.title }}` as inline code keeps it as written."""
    text = (
        "---\ntitle: Tips 3\ndate: 2024-03-01\n---\n\n"
        "* [Titles in layouts](https://tips.example/1): write `{{ page.title }}` in the head.\n"
        "* [Feeds](https://tips.example/2): one per {{ site.lang }} language.\n"
    )
    texts = [item.text for item in read(text, source="tips-3.md").items]
    assert texts == [
        "Titles in layouts: write `{{ page.title }}` in the head.",
        "Feeds: one per language.",
    ]
