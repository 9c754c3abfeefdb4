"""What a digest holds that is no story: notes, quotations, intros, appendices, furniture."""

from __future__ import annotations

from conftest import titles

from bot.digest import read


def test_a_weekly_pick_an_ad_tag_and_a_contact_box_are_no_stories() -> None:
    """A weekly pick, an "(ad)" bullet and a contact box are no stories; an "(ad hoc)" title is."""
    text = (
        "# Weekly 57\n\n## Featured\n\n"
        "- [Typed holes, explained](https://blog.example/holes) a tour\n"
        "- [Ad hoc polymorphism (ad hoc) revisited](https://blog.example/adhoc) notes\n"
        "- [Acme is hiring Haskellers](https://acme.example/jobs) (ad)\n\n"
        "## Packages of the week\n\n"
        "- [lens](https://hackage.example/lens)\n- [text](https://hackage.example/text)\n\n"
        "## Contact us\n\n"
        "- [Issue 56](https://weekly.example/56)\n- [Issue 55](https://weekly.example/55)\n"
    )
    assert titles(read(text, source="issue-57.md")) == [
        "Typed holes, explained",
        "Ad hoc polymorphism (ad hoc) revisited",
    ]


def test_numbered_points_a_story_quotes_are_the_quotes_not_stories() -> None:
    """Numbered steps a story quotes are the quote's, not stories; the next story follows them."""
    text = (
        "# 周报 88\n\n## 摸一下鱼\n\n"
        "1、[Cursor](https://cursor.example/)：集成 GPT-4 的编辑器。有人总结了要点：\n\n"
        "> 1.写明程序目的\n>\n> 2.写明实现的方法\n>\n> 3.记录要点于文件中。\n\n"
        "2、[CopilotX](https://copilot.example/)：全流程赋能的工具。\n\n"
        "3、[Prompt 编写模式](https://prompt.example/)：以设计模式的形式思考。\n"
    )
    assert titles(read(text, source="88.md")) == ["Cursor", "CopilotX", "Prompt 编写模式"]


def test_prose_story_sections_among_furniture_sections_are_the_stories() -> None:
    """Prose stories under headings are the items; takeaways, posts, quote, navigation are not."""
    story = "It {verb} the [report](https://news.example/{n}) and what it means for schools.\n\n"
    text = (
        "# DL 393\n\n"
        "## 🔖 Key Takeaways\n- **Ads**: one missed.\n- **Speed**: slow down.\n\n"
        "## 📚 Recent Posts\n- [Running models locally](https://me.example/local/) - a guide\n"
        "- [Serial focusing](https://me.example/focus/) - one thing at a time\n\n"
        "## 🍏 Missing the Mark?\n\n"
        + story.format(verb="reads", n=1)
        + "## 🐢 Move Slow and Be Things That Break\n\n"
        + story.format(verb="weighs", n=2)
        + "## Where Are We Headed?\n\n"
        + story.format(verb="asks about", n=3)
        + "### What this means\n\nWe teach trust differently now.\n\n"
        "## ⁉️ A Moral Imperative\n\n> Science is organized knowledge.\n> — **Kant**\n\n"
        "Wisdom balances it.\n\n"
        "## Reflect and Engage\n- What do you think? Reflect in [[Notes]].\n"
        "- Would you change it? Share in [[Ideas]].\n\n"
        "## 🔗 Navigation\n\n**Previous**: [DL 392](https://me.example/dl-392/)\n\n"
        "## 🔗 Connected Concepts\n- [[Ads]]\n- [[Speed]]\n"
    )
    assert titles(read(text, source="DL 393.md")) == [
        "🍏 Missing the Mark?",
        "🐢 Move Slow and Be Things That Break",
        "Where Are We Headed?",
    ]


def test_a_quotation_heading_among_story_headings_is_no_story() -> None:
    """A `### quoted sentence.` over its author in a closing section is an epigraph, no story."""
    text = (
        "# TLDR 7\n\n## 📚 Read\n\n"
        "### [Deepfake creator hired](https://news.example/1)\n\nA studio hires him.\n\n"
        "### [Judges and the law](https://news.example/2)\n\nA ruling is ignored.\n\n"
        "### Schools ban phones\n\nThe [report](https://news.example/3) says why.\n\n"
        "## 🤔 Consider\n\n"
        "### I have no special talents. I am only passionately curious.\n\n"
        "*Albert Einstein*\n\nCuriosity frames this issue.\n"
    )
    assert titles(read(text, source="TLDR 7.md")) == [
        "Deepfake creator hired",
        "Judges and the law",
        "Schools ban phones",
    ]


def test_a_headline_that_ends_with_a_full_stop_is_still_a_story() -> None:
    """A story heading written as a sentence, among stories and before more, stays a story."""
    text = (
        "# Markets 12\n\n## Today\n\n"
        "### The Fed held rates steady for a third month.\n\n"
        "The statement cites inflation and jobs.\n\n"
        "### Oil prices fall\n\nBrent [slid](https://oil.example/2) on demand.\n\n"
        "## Elsewhere\n\n### Chips rally\n\nShares [rose](https://chips.example/3).\n\n"
        "### Bonds calm\n\nYields [eased](https://bonds.example/4).\n"
    )
    assert titles(read(text, source="Markets 12.md")) == [
        "The Fed held rates steady for a third month.",
        "Oil prices fall",
        "Chips rally",
        "Bonds calm",
    ]


def test_the_editors_note_about_the_newsletter_itself_is_no_story() -> None:
    """A link-less topic that names the weekly (a revamp, a farewell) is the editor's note."""
    text = (
        "# 摸鱼周报 #57 | 周报改版\n\n## 本期话题\n\n### 周报改版\n\n"
        "[@ferry](https://ferry.example)：周报停了一期，为了这期改版。\n\n"
        "### Xcode 14 发布\n\n[Xcode 14](https://apple.example/xcode) 支持新系统。\n\n"
        "### 高效记忆\n\n[@ferry](https://ferry.example)：本期讲下记忆这个话题。\n\n"
        "## 内容推荐\n\n1、[SwiftUI 导航](https://swift.example/nav)\n\n新的导航系统。\n\n"
        "2、[WWDC 笔记](https://notes.example/wwdc)\n\n一周的笔记。\n"
    )
    reading = read(text, source="57.md")
    assert titles(reading) == ["Xcode 14 发布", "高效记忆", "SwiftUI 导航", "WWDC 笔记"]
    assert any("editor's note" in why for why in reading.skipped)


def test_the_authors_own_posts_before_the_first_story_section_are_the_intro() -> None:
    """The author's own linked posts before the first story section are the intro, not stories."""
    text = (
        "# DL 258\n\n## 🔖 Key Takeaways\n- **Snowden**: a court rules.\n\n---\n\n"
        "Welcome back. This week I worked on the following:\n\n"
        "- [Gone for a Minute](https://me.example/gone/) - a month offline\n"
        "- [Is Social Media Bad?](https://me.example/social/) - what I found\n\n"
        "## 📺 Watch\n\n### [How Do You Start Your Day?](https://video.example/1)\n\nRoutines.\n\n"
        "## 📚 Read\n\n### [Surveillance Ruled Illegal](https://news.example/1)\n\nA ruling.\n\n"
        "### [Anti-Racism Education](https://news.example/2)\n\nFor all schools.\n"
    )
    assert titles(read(text, source="DL 258.md")) == [
        "How Do You Start Your Day?",
        "Surveillance Ruled Illegal",
        "Anti-Racism Education",
    ]


def test_an_article_with_a_list_of_points_and_a_fact_box_has_no_items() -> None:
    """A one-app review with a list of points and a fact box is an article: it has no items."""
    prose = "There are plenty of options for mapping on phones, but none in its league. " * 3
    text = (
        f"# gvSIG Mini\n\n{prose}\n\n{prose}\n\nAmongst the preloaded layers are:\n\n"
        "- OpenStreetMap\n- Ordnance Survey\n- Geological data\n\n"
        f"{prose}\n\n### Vital Statistics\n\n- License: GPL v2\n"
        "- Developer: [Prodevelop](https://prodevelop.example/)\n"
        "- Web Site: <https://wiki.prodevelop.example/gvsig>\n"
    )
    reading = read(text, source="2010-10-13-gvsig-mini.md")
    assert reading.items == ()


def test_a_link_named_only_demo_or_address_is_no_story() -> None:
    """A lone `[demo 地址](u)` line says where a demo is: it titles nothing, so it is no story."""
    text = (
        "### 2020.12.2\n\n"
        "[文章] 我点了页面上的元素，VSCode 打开了对应的组件：<https://juejin.example/post/1>\n\n"
        "[文章] 使用 IntersectionObserver 联动标题：<https://zxx.example/2020/12/nav/>\n\n"
        "### 配图 --- 点击打开 vscode 对应文件\n\n![](https://img.example/1.gif)\n\n"
        "[demo 地址](https://inspector.example/)\n"
    )
    assert len(read(text, source="2020-12-02.md").items) == 2


def test_an_italic_note_is_not_a_sections_story() -> None:
    """A section holding only an italic note has no story, though the note has a link."""
    text = (
        "Intro to this week's issue.\n\n"
        "## News\n\n"
        "*Nothing this week was found in any of our [sources](/sources/).*\n\n"
        "## Club meeting\n\n"
        "*In this section, we summarize a [meeting](/club/).*\n\n"
        "[Testing the release](https://club.example/rc)\nwas a group testing effort.\n\n"
        "## Notable changes\n\n"
        "- **Faster sync:** it [lands](https://code.example/1) this week.\n"
        "- **Smaller index:** it [shrinks](https://code.example/2) the index.\n"
    )
    reading = read(text, source="2026-04-10.md")
    assert [i.title for i in reading.items] == [
        "Testing the release",
        "Faster sync",
        "Smaller index",
    ]


def test_a_template_comment_opened_mid_line_hides_its_headings() -> None:
    """`{% comment %}<!--` opened mid-line hides the headings and bullets up to its close."""
    text = (
        "## News\n\n"
        "- **Alpha:** a [story](https://a.example/1).\n"
        "- **Beta:** a [story](https://a.example/2).\n\n"
        "Some text {% comment %}<!--\n"
        "## Scratch\n\n"
        "- [draft one](https://x.example/1)\n"
        "- [draft two](https://x.example/2)\n"
        "-->{% endcomment %} and more text.\n"
    )
    assert titles(read(text, source="2019-03-05.md")) == ["Alpha", "Beta"]


def test_an_appendix_is_background_not_stories() -> None:
    """An `## Appendix` of `###` explainers and reading links is background, not stories."""
    text = (
        "## News\n\n"
        "- **Alpha:** a [story](https://a.example/1).\n"
        "- **Beta:** a [story](https://a.example/2).\n\n"
        "## Appendix: how the attack works\n\n"
        "### The attack\n\n"
        "It works like this.\n\n"
        "- [A paper on it](https://paper.example/1) by someone\n"
        "- [A thread on it](https://list.example/2) by others\n"
    )
    assert titles(read(text, source="2019-03-05.md")) == ["Alpha", "Beta"]


def test_a_list_inside_an_essay_is_its_points() -> None:
    """A linked list that an essay's sentence leads into is the essay's points, not stories."""
    text = (
        "## News\n\n"
        "- **Alpha:** a [story](https://a.example/1).\n"
        "- **Beta:** a [story](https://a.example/2).\n\n"
        "## A note from the editor\n\n"
        "This is our hundredth letter. Since the first one, we've:\n\n"
        "* Published many [letters](https://l.example/all).\n"
        "* Started a [topics index](https://l.example/topics).\n\n"
        "The letters are the work of many people.\n\n"
        "Thanks to everyone who reviewed them.\n\n"
        "Finally, thank you, our readers.\n"
    )
    assert titles(read(text, source="2021-05-26.md")) == ["Alpha", "Beta"]


def test_an_italic_line_of_links_is_a_storys_body() -> None:
    """A talk's `*[video](u), [slides](v)*` line is its links, not a note; talks are stories."""
    talk = (
        "### {t}\n\n*Research by someone*\n\nWhat the talk said.\n\n"
        "*[video]({u}), [slides]({u}/s)*\n\n"
    )
    text = "## Workshop summary\n\nNotes from the talks.\n\n" + "".join(
        talk.format(t=t, u=f"https://talks.example/{n}")
        for n, t in enumerate(["Block subsidy", "Forward blocks", "Accumulators"])
    )
    assert titles(read(text, source="2018-10-09.md")) == [
        "Block subsidy",
        "Forward blocks",
        "Accumulators",
    ]
