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


_LEAD = (
    "Last week, Ana [proposed](https://lists.example/1) two changes to the rules. The first "
    "permits spending by a signature or by a script; the second changes the script language "
    "to be used in those spends. Both are opt-in for every wallet.\n\n"
    "For readers with less background, we have prepared the following summary of the key "
    "features, looking at them from the point of view of a wallet that wants to upgrade and "
    "of what it would gain. This only skims the surface of what the proposals make "
    "available; we leave the rest for another time and focus on existing uses.\n\n"
    "Please note that all of the features will be opt-in for wallets, so no existing wallet "
    "will need to change how it works; only those that want the benefits need to upgrade.\n\n"
)
_NEWS = (
    "---\ntitle: Weekly 46\ndate: 2019-05-14\n---\n\n## News\n\n"
    "- **Soft fork discussion:** Matt [posted](https://lists.example/2) a proposal.\n\n"
    "- **Derivation paths:** Stepan [asked](https://lists.example/3) for paths.\n\n"
)


def test_a_feature_article_with_sub_headings_on_its_subject_is_one_story() -> None:
    """An article's lead and parts on its subject, even under headings of its level, are one."""
    text = _NEWS + (
        "## Overview of the Taproot proposals\n\n"
        + _LEAD
        + "### What is not in the proposals\n\nNo new [opcodes](https://bips.example/1).\n\n"
        "### Single-sig spending using Taproot\n\nA key [tweak](https://bips.example/2).\n\n"
        "## Complex spending with Taproot\n\nScripts get [cheaper](https://bips.example/3).\n\n"
        "### Taproot summary and next steps\n\nReview the [drafts](https://bips.example/4).\n\n"
        "## Notable code changes\n\n"
        "- [Core #15730](https://code.example/15730) extends an RPC.\n"
        "- [Core #15930](https://code.example/15930) deprecates a field.\n"
    )
    items = read(text, source="2019-05-14-newsletter.md").items
    assert [item.title for item in items] == [
        "Soft fork discussion",
        "Derivation paths",
        "Overview of the Taproot proposals",
        "Core #15730",
        "Core #15930",
    ]
    assert "Review the drafts" in items[2].text


def test_talks_introduced_by_a_lead_stay_stories_of_their_own() -> None:
    """Under a workshop's lead, sub-headings on subjects of their own are each a story."""
    text = _NEWS.replace("## News", "## Discussion") + (
        "## Workshop summary: Scaling Bitcoin V\n\n"
        + _LEAD
        + "### Adjusting the block subsidy\n\nA [talk](https://video.example/1) on fees.\n\n"
        "### Forward blocks without a hard fork\n\nA [talk](https://video.example/2).\n\n"
        "### Accumulators for merkle trees\n\nA [talk](https://video.example/3) on proofs.\n"
    )
    titles = [item.title for item in read(text, source="2018-10-09-newsletter.md").items]
    assert titles[-3:] == [
        "Adjusting the block subsidy",
        "Forward blocks without a hard fork",
        "Accumulators for merkle trees",
    ]
