"""An item's title and body as a person reads them: where the title ends and the body begins."""

from __future__ import annotations

from bot.digest import read


def test_a_link_whose_text_wraps_is_the_whole_title() -> None:
    """A link text wrapped over lines is the whole title; the next paragraph is the body."""
    text = (
        "# News\n\n"
        "- [Proposal for clearer compiler error\n"
        "  messages](https://blog.example/proposal)\n\n"
        "  A fund to rework them opens today.\n\n"
        "- [Imaging pipeline moves to Bazel!\n"
        "  ](https://imaging.example/cf)\n\n"
        "  Builds are reproducible now.\n\n"
        "- [新版编辑器\n"
        "  发布](https://cn.example/e)\n\n"
        "  更快了。\n"
    )
    items = read(text, source="2020-03-18.md").items
    assert [(i.title, i.rest, i.links[0]) for i in items] == [
        (
            "Proposal for clearer compiler error messages",
            "A fund to rework them opens today.",
            "https://blog.example/proposal",
        ),
        (
            "Imaging pipeline moves to Bazel!",
            "Builds are reproducible now.",
            "https://imaging.example/cf",
        ),
        ("新版编辑器发布", "更快了。", "https://cn.example/e"),
    ]


def test_a_list_items_first_paragraph_is_its_title_and_the_rest_its_body() -> None:
    """A headline paragraph over the item's other paragraphs titles it; prose does not."""
    text = (
        "# News\n\n"
        "- Package set passed 300,000 commits\n\n"
        "  It took under 2 years since the [last one](https://m.example/200k).\n\n"
        "- An online IDE [ships a template](https://g.example/t)\n\n"
        "  Set up once, it gives you ready workspaces.\n\n"
        "- The client is out. It has new data settings for cheap phones.\n\n"
        "  As said last week, old Androids are [no longer](https://f.example/a) supported.\n\n"
        "- **Bold title** — its text on the same line\n\n"
        "- [Linked title](https://l.example/t): its text on the same line\n"
    )
    items = read(text, source="2020-03-18.md").items
    assert [(i.title, i.rest[:22]) for i in items] == [
        ("Package set passed 300,000 commits", "It took under 2 years "),
        ("An online IDE ships a template", "Set up once, it gives "),
        ("", "The client is out. It "),
        ("Bold title", "its text on the same l"),
        ("Linked title", "its text on the same l"),
    ]


def test_a_failed_summarys_placeholder_is_no_body() -> None:
    """A failed summary's placeholder (生成摘要时出错, Error generating summary) is no body."""
    text = (
        "# Daily summary\n\n"
        "## 1. Crew returns to Earth\n\n"
        "**原文链接**: [https://space.example/crew](https://space.example/crew)\n\n"
        "生成摘要时出错\n\n"
        "---\n\n"
        "## 2. Notes on structured metadata\n\n"
        "**原文链接**: [https://notes.example/loki](https://notes.example/loki)\n\n"
        "Error generating summary.\n\n"
        "---\n\n"
        "## 3. A summary that tells of an error\n\n"
        "**原文链接**: [https://blog.example/err](https://blog.example/err)\n\n"
        "The author explains why generating summary failed for his tool.\n"
    )
    items = read(text, source="summary_2025-03-19.md").items
    assert [(i.title, i.rest, i.links) for i in items] == [
        ("Crew returns to Earth", "", ("https://space.example/crew",)),
        ("Notes on structured metadata", "", ("https://notes.example/loki",)),
        (
            "A summary that tells of an error",
            "The author explains why generating summary failed for his tool.",
            ("https://blog.example/err",),
        ),
    ]


def test_a_line_naming_the_title_again_is_no_body() -> None:
    """`原文标题: X` under the title X adds nothing; the original of a translated title stays."""
    text = (
        "# Daily summary\n\n"
        "## 1. Crew returns to Earth\n\n"
        "**原文标题**: Crew returns to Earth\n\n"
        "**原文链接**: [https://space.example/crew](https://space.example/crew)\n\n"
        "生成摘要时出错\n\n"
        "---\n\n"
        "## 2. 我做了一个迁移推文的工具\n\n"
        "**原文标题**: I made a tool to port tweets\n\n"
        "**原文链接**: [https://port.example/t](https://port.example/t)\n\n"
        "这个工具把推文迁移过去。\n"
    )
    items = read(text, source="summary_2025-03-19.md").items
    assert [(i.title, i.rest) for i in items] == [
        ("Crew returns to Earth", ""),
        (
            "我做了一个迁移推文的工具",
            "原文标题: I made a tool to port tweets\n这个工具把推文迁移过去。",
        ),
    ]
