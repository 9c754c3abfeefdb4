"""What frames an edition is not a story: its masthead, links to its own back issues."""

from __future__ import annotations

from conftest import titles

from bot.digest import read


def _edition(lead: str) -> str:
    return (
        "---\ndate: 2024/03/04\n---\n\n"
        "<small>封面是周末在河边拍的，天气很好。</small>\n\n"
        f"**{lead}**\n\n"
        "## 工具\n\n"
        "**Quill：一个记笔记的命令行工具**  \n<https://github.com/example/quill>  \n"
        "在终端里记笔记，按日期归档。\n\n"
        "**Lumen：给截图加阴影**  \n<https://lumen.example/>  \n"
        "拖进去就好，很省事。\n\n"
        "## 文章\n\n"
        "**如何读一本技术书**  \n<https://blog.example/read-books>  \n"
        "作者分享了自己的读书方法。\n\n"
    )


_STORIES = ["Quill：一个记笔记的命令行工具", "Lumen：给截图加阴影", "如何读一本技术书"]


def test_a_tagline_about_the_newsletter_itself_is_no_story() -> None:
    """A linkless lead before any section about the weekly itself is masthead; news stays."""
    zh = "每周整理看到的好用工具和文章，挑选后发在这里，喜欢的话可以关注此周刊，及时收到更新"
    assert titles(read(_edition(zh), source="12-河边.md")) == _STORIES
    en = "A weekly roundup of tools we liked; subscribe to this newsletter to get every issue"
    assert titles(read(_edition(en), source="12-river.md")) == _STORIES
    news = "Acme 发布了 2.0 版本，支持离线同步"
    assert titles(read(_edition(news), source="12-河边.md")) == [news, *_STORIES]


def _with_back_issues(back: str) -> str:
    return (
        "## 新闻\n\n"
        "1、[Acme 发布 2.0](https://acme.example/blog/2-0)\n\n新版本支持离线同步。\n\n"
        "2、[关于 issue 追踪的思考](https://essays.example/issue-tracking)\n\n"
        "作者谈团队如何用好问题追踪。\n\n"
        f"## 旧文\n\n{back}"
    )


def test_links_to_the_publications_own_back_issues_are_navigation() -> None:
    """Items that only link to the same publication's other editions are no stories."""
    urls = "".join(
        f"[旧文标题 {n}](https://blog.example/{2020 + n}/05/weekly-issue-{n * 50}.html)"
        f"（{2020 + n} #{n * 50}）\n\n"
        for n in (1, 2, 3)
    )
    online = read(_with_back_issues(urls), source="issue-200.md")
    assert titles(online) == ["Acme 发布 2.0", "关于 issue 追踪的思考"]
    files = "[上一期：雨天](issue-199.md)\n\n[一年前：晴天](./issue-150.md)\n\n"
    siblings = read(_with_back_issues(files), source="docs/issue-200.md")
    assert titles(siblings) == ["Acme 发布 2.0", "关于 issue 追踪的思考"]
