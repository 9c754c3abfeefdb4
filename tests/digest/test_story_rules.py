"""What counts as a story: general rules a person reading an unseen archive uses."""

from __future__ import annotations

from conftest import titles

from bot.digest import read

_WHY = (
    "This changes how the scheduler writes a pod's status, so controllers that write the same "
    "object no longer race each other; check your own controllers before you upgrade. "
)
_NEWS = (
    "---\ntitle: Week Ending May 3, 2020\n---\n\n## Developer News\n\n"
    "The [community meeting](https://meet.example/) is on Thursday at 10am.\n\n"
    "The working group wants to [mark a year of support](https://lists.example/1) final.\n\n"
    "## Release Schedule\n\n**Next Deadline: Code Freeze, May 19th**\n\n"
    "All supported versions will be [updated on Wednesday](https://release.example/patch).\n\n"
)


def _pull(n: int, title: str) -> str:
    return f"### [#{n}: {title}](https://github.com/acme/kube/pull/{n})\n\n"


def test_pull_requests_under_headings_with_commentary_are_stories() -> None:
    """`### [#n: Title](…/pull/n)` headings over a paragraph each are stories; over a few words,
    a changelog."""
    featured = "".join(f"{_pull(n, f'Change {n}')}{_WHY * 2}\n\n" for n in (101, 102, 103))
    terse = "".join(f"{_pull(n, f'Fix crash {n}')}Small fix.\n\n" for n in (104, 105, 106))
    merges = "".join(
        f"* Kubelet [fixes crash {n}](https://github.com/acme/kube/pull/{n}) on start\n"
        for n in (201, 202, 203, 204)
    )
    told = f"{_NEWS}## Featured PRs\n\n{featured}## Other Merges\n\n{merges}"
    assert titles(read(told, source="2020-05-03-update.md")) == [
        "Developer News",
        "Release Schedule",
        "#101: Change 101",
        "#102: Change 102",
        "#103: Change 103",
    ]
    noted = read(f"{_NEWS}## Merged\n\n{terse}", source="2020-05-03-update.md")
    assert titles(noted) == ["Developer News", "Release Schedule"]


def test_an_item_announcing_a_companys_opening_is_a_job_ad_even_among_news() -> None:
    """A news item titled "X is hiring!" / "X 诚聘 …" is a job ad; news about hiring stays."""
    note = "\n\n  A line about it for readers.\n\n"
    news = "".join(
        f"- [{title}](https://news.example/{n}){note}"
        for n, title in enumerate(
            [
                "Setting up a project with the new tool",
                "Acme Industries is Hiring Build Engineers",
                "Tech layoffs slow as hiring picks up",
                "Acmeflow is hiring!",
                "Why nobody is hiring junior developers",
            ]
        )
    )
    english = read(f"Title: #08 - Weekly\nDate: 2019-05-01\n\n# News\n\n{news}", source="08.md")
    assert titles(english) == [
        "Setting up a project with the new tool",
        "Tech layoffs slow as hiring picks up",
        "Why nobody is hiring junior developers",
    ]
    body = "**原文标题**: the original title\n\n一段介绍这条新闻的文字，讲清楚它说了什么。\n\n"
    heads = [
        "新的数据库发布 2.0 版",
        "Acme (YC W23) 诚聘 Rust / 性能工程师",
        "某公司暂停招聘",
        "Zeta (YC S24) 正在招聘首位后端工程师",
        "某中学招聘10名教师校长亲自面试",
    ]
    daily = "".join(f"## {n}. {h}\n\n{body}" for n, h in enumerate(heads, start=1))
    chinese = read(f"# 每日摘要 2025-10-10\n\n{daily}", source="summary_2025-10-10.md")
    assert titles(chinese) == [
        "新的数据库发布 2.0 版",
        "某公司暂停招聘",
        "某中学招聘10名教师校长亲自面试",
    ]


def test_a_bold_labelled_linked_paragraph_before_the_first_heading_is_a_story() -> None:
    """`**Security Alert**: … [link](u)` ahead of the story headings is a story, not intro."""
    text = (
        "---\ntitle: Week Ending June 2, 2019\n---\n\n"
        "We're back! After a break for travel, the update returns with the week's news.\n\n"
        "**Newsletter Restart**: issues now live at [our site](https://letter.example/).\n\n"
        "**Security Alert**: agent v1.13.6 has a [security regression](https://lists.example/9)."
        "  Downgrade to the prior patch release, or upgrade later this week.\n\n"
        + _NEWS.split("---\n\n", 1)[1]
    )
    reading = read(text, source="2019-06-02-update.md")
    assert titles(reading) == ["Security Alert", "Developer News", "Release Schedule"]
    assert reading.items[0].links == ("https://lists.example/9",)


def test_hiring_said_in_a_sections_prose_is_no_jobs_section() -> None:
    """招聘 said in a section's prose is not the section saying it lists offers; 招聘信息 is."""
    news = "## 新闻\n\n1、[新电池量产](https://n.example/1)\n\n2、[风电新纪录](https://n.example/2)\n\n"

    def section(intro: str) -> str:
        return (
            f"## 观点\n\n{intro}\n\n"
            "1、[资金过剩之后](https://v.example/1)\n\n2、[慢一点增长](https://v.example/2)\n\n"
        )

    prose = "许多创业公司资金充足，就过度招聘并迅速扩张，但并没有真正的增长。"
    said = read(f"# 周刊 2024-01-08\n\n{news}{section(prose)}", source="2024-01-08.md")
    assert titles(said) == ["新电池量产", "风电新纪录", "资金过剩之后", "慢一点增长"]
    offers = read(f"# 周刊 2024-01-08\n\n{news}{section('以下是本周的招聘信息：')}", source="a.md")
    assert titles(offers) == ["新电池量产", "风电新纪录"]
