"""A story told in prose among sections of listed stories."""

from __future__ import annotations

from bot.digest import read

_LISTS = (
    "#### New apps\n\n"
    "* **[Nomad](https://apps.example/nomad)**: a client for Hubzilla\n"
    "* **[Disroot](https://apps.example/disroot)**: the Disroot platform\n\n"
    "#### Updated apps\n\n"
    "* **[WaveUp](https://apps.example/waveup)** wakes the phone up.\n"
    "* **[FairEmail](https://apps.example/fairemail)** sends plain text.\n"
)


def test_a_headline_told_in_prose_before_the_lists_is_a_story() -> None:
    """One prose section headed like news, before the lists of apps, is the first story."""
    text = (
        "---\ntitle: Apps 24\ndate: 2018-10-04\n---\n\n#### BotBot.me closing its doors\n\n"
        "Citing [GDPR](https://law.example/gdpr), the logging service "
        "[BotBot.me](https://botbot.example) shuts down.\n\n" + _LISTS
    )
    titles = [item.title for item in read(text, source="apps-24.md").items]
    assert titles == ["BotBot.me closing its doors", "Nomad", "Disroot", "WaveUp", "FairEmail"]


def test_a_one_word_label_told_in_prose_before_the_lists_is_no_story() -> None:
    """A prose section named by one word ("Survey") is the publisher's notice, no story."""
    text = (
        "---\ntitle: Apps 79\ndate: 2017-11-02\n---\n\n#### Survey\n\n"
        "We announce [our first survey](https://apps.example/survey). Please fill it in.\n\n"
        + _LISTS
    )
    titles = [item.title for item in read(text, source="apps-79.md").items]
    assert titles == ["Nomad", "Disroot", "WaveUp", "FairEmail"]


def test_a_headline_after_the_stories_is_the_pictures_caption_no_story() -> None:
    """A prose heading after the day's stories, with no list after it, takes nothing over."""
    text = (
        "### 2020.11.18 第 452 天\n\n"
        "[新闻] 微软开源的 web 前端开发课程：<https://code.example/web>\n\n"
        "[文章] 为什么需要使用 Tailwind CSS：<https://dev.example/tailwind>\n\n"
        "[类库] npm publish 辅助，自动升版本：<https://code.example/np>\n\n"
        "### 配图 --- 微软开源的 web 前端开发\n\n"
        "其中包含[课程模版](https://code.example/web/template)，可以开发课程\n"
    )
    items = read(text, source="2020/11/18.md").items
    assert [item.links[0] for item in items] == [
        "https://code.example/web",
        "https://dev.example/tailwind",
        "https://code.example/np",
    ]
