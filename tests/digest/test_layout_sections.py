"""Sections, modules and their entries: which headings are stories and which group them."""

from __future__ import annotations

from conftest import titles

from bot.digest import read


def test_a_numbered_list_and_the_linked_bullets_beside_it_are_all_stories() -> None:
    """A section's numbered list of links and the linked bullets after it are all its stories."""
    numbered = "".join(f"{n}. [Story {n}](https://news.example/{n}) text\n" for n in (1, 2, 3))
    bullets = "".join(f"- [More {n}](https://more.example/{n}) text\n" for n in (1, 2))
    reading = read(f"# Weekly 35\n\n{numbered}\n{bullets}", source="issue-35.md")
    assert titles(reading) == ["Story 1", "Story 2", "Story 3", "More 1", "More 2"]


def test_a_heading_over_linked_bullets_beside_prose_story_headings_is_their_section() -> None:
    """Among prose `###` stories, `### New apps` over linked bullets is their section, not one."""
    prose = "".join(
        f"### News {n}\n\nThe team wrote about [it](https://blog.example/{n}) at length.\n\n"
        for n in (1, 2, 3)
    )
    cited = (
        "### A tip\n\nManage subscriptions with either link:\n\n"
        "* https://buy.example/manage\n\n* https://apps.example/subs\n\nThe second is newer.\n\n"
    )
    apps = "### New apps\n\n" + "".join(
        f"* **[App {n}](https://apps.example/app{n})**: does {n} things\n" for n in (1, 2, 3)
    )
    closing = "\n### Tips and Feedback\n\nTell us on [the forum](https://forum.example/).\n"
    reading = read(f"# TWIF 38\n\n{prose}{cited}{apps}{closing}", source="twif-38.md")
    assert titles(reading) == [
        "News 1", "News 2", "News 3", "A tip", "App 1", "App 2", "App 3",
    ]  # fmt: skip


def test_pull_requests_told_in_paragraphs_are_stories_and_one_liners_a_changelog() -> None:
    """Pull requests explained in paragraphs are stories; the same as one-liners, a changelog."""
    why = "it changes how the node relays transactions, so wallets must update. " * 4
    told = "".join(
        f"- [Core #{n}](https://github.com/acme/core/pull/{n}): {why}\n" for n in (1, 2, 3)
    )
    terse = "".join(
        f"- [Fix crash {n}](https://github.com/acme/core/pull/{n})\n" for n in (4, 5, 6)
    )
    news = "- [Soft fork proposal](https://lists.example/1) discussed at length\n"
    told_reading = read(f"# Letter #6\n\n## News\n\n{news}\n## Notable changes\n\n{told}")
    terse_reading = read(f"# Letter #7\n\n## News\n\n{news}\n## Merged\n\n{terse}")
    assert titles(told_reading) == ["Soft fork proposal", "Core #1", "Core #2", "Core #3"]
    assert titles(terse_reading) == ["Soft fork proposal"]


def test_a_list_split_by_link_definitions_is_one_list() -> None:
    """Link definitions between bullets do not split a list: a linkless last bullet is a story."""
    text = (
        "# Letter 3\n\n## News\n\n"
        "- **Backup format:** a new [encoding][enc] for keys is proposed.\n\n"
        "[enc]: https://lists.example/1\n\n"
        "- **Coin selection:** simulations of the [new algorithm][bnb] run.\n\n"
        "[bnb]: https://papers.example/bnb.pdf\n\n"
        "- **Dynamic wallets:** new RPCs create, load and unload wallets at run time.\n"
    )
    assert titles(read(text, source="3.md")) == [
        "Backup format",
        "Coin selection",
        "Dynamic wallets",
    ]


def test_a_section_that_includes_an_article_is_one_story() -> None:
    """A section whose body is an included article is one story; trailing site includes are not."""
    text = (
        "# Letter 9\n\n## News\n\n"
        "- [Soft fork proposal](https://lists.example/1) discussed at length\n\n"
        "## Field report: running a node at a bank\n\n"
        "{% include articles/bank-node.md %}\n\n"
        "## Releases\n\n"
        "- [Core 1.2](https://core.example/releases/v1.2): fixes a crash\n\n"
        "## Corrections\n\nLast week's letter misnamed a flag.\n\n"
        "{% include snippets/recap-ad.md %}\n{% include references.md %}\n"
    )
    assert titles(read(text, source="9.md")) == [
        "Soft fork proposal",
        "Field report: running a node at a bank",
        "Core 1.2",
    ]


def test_a_hugo_readfile_of_an_article_is_one_story() -> None:
    """Hugo's `{{< readfile file="x.md" >}}` puts an article in a section as Liquid does."""
    text = (
        "# Letter 10\n\n## News\n\n"
        "- [Soft fork proposal](https://lists.example/1) discussed at length\n\n"
        "## Field report: a node at a bank\n\n"
        '{{< readfile file="articles/bank-node.md" >}}\n\n'
        "## Releases\n\n"
        "- [Core 1.2](https://core.example/releases/v1.2): fixes a crash\n"
    )
    assert titles(read(text, source="10.md")) == [
        "Soft fork proposal",
        "Field report: a node at a bank",
        "Core 1.2",
    ]


def test_headings_told_in_prose_under_modules_are_entries() -> None:
    """Prose `### entry` headings under `## module`s are items, with their points and addresses."""
    text = (
        "# Weekly 7\n\n## Tips\n\n### Name folders well\n\nKeep names short.\n\n"
        "1、use lower case\n\n2、no spaces\n\n### Cache the build\n\nSee the docs:\n\n"
        "* https://docs.dev/cache\n* https://docs.dev/build\n\n"
        "## Concepts\n\n### What is a shell\n\nA program that reads commands.\n\n"
        "### What is a pipe\n\nIt joins two programs.\n"
    )
    assert titles(read(text, source="issue-7.md")) == [
        "Name folders well",
        "Cache the build",
        "What is a shell",
        "What is a pipe",
    ]


def test_an_entrys_fact_box_is_not_a_run_of_stories() -> None:
    """A tool entry opening with `**label**：value` lines is one item: facts, not stories."""
    tool = (
        "### {name}\n\n**推荐**：[ed](https://people.example/ed)\n\n"
        "**地址**：https://{name}.app/\n\n**状态**：免费\n\n**介绍**\n\nIt does a thing.\n\n"
    )
    text = (
        "# Weekly 8\n\n## Tips\n\n### Name folders well\n\nKeep names short.\n\n"
        "### Cache the build\n\nIt is faster.\n\n"
        "## Concepts\n\n### What is a shell\n\nA program that reads commands.\n\n"
        "## Tools\n\n" + tool.format(name="zipper") + tool.format(name="launcher")
    )
    assert titles(read(text, source="issue-8.md")) == [
        "Name folders well",
        "Cache the build",
        "What is a shell",
        "zipper",
        "launcher",
    ]


def test_headings_that_group_titled_links_beside_entries_are_groups() -> None:
    """Beside prose entries, `###` headings over linked article lines read as those articles."""
    group = "### {team}\n\n[{team} on caching](https://{team}.example/1) -- from blog\n\n" + (
        "[{team} on testing](https://{team}.example/2) -- from blog\n\n"
    )
    text = (
        "# Weekly 9\n\n## Tips\n\n### Name folders well\n\nKeep [names](https://n.example).\n\n"
        "### Cache the build\n\nIt is [faster](https://f.example).\n\n"
        "## Concepts\n\n### What is a shell\n\nIt reads [commands](https://c.example).\n\n"
        "## Blogs\n\n" + group.format(team="alpha") + group.format(team="beta")
    )
    assert titles(read(text, source="issue-9.md"))[3:] == [
        "alpha on caching",
        "alpha on testing",
        "beta on caching",
        "beta on testing",
    ]


def test_a_module_told_in_prose_among_modules_of_entries_is_one_entry() -> None:
    """Among modules of `###` entries, a module told in prose is one item, not its points."""
    text = (
        "# Weekly 10\n\n## Tips\n\n### Name folders well\n\nKeep names short.\n\n"
        "### Cache the build\n\nIt is faster.\n\n"
        "## Interview\n\nWhy does a [cache](https://c.dev/why) help?\n\n"
        "1. fewer reads\n2. less work\n\n"
        "## Concepts\n\n### What is a shell\n\nA program that reads commands.\n"
    )
    assert titles(read(text, source="issue-10.md")) == [
        "Name folders well",
        "Cache the build",
        "Interview",
        "What is a shell",
    ]


def test_a_byline_under_a_module_is_no_link_of_a_story() -> None:
    """An `Edited by: [name](u)` byline under a `## module` makes no story of the module."""
    text = (
        "# Weekly 11\n\n## Tips\n\nEdited by: [ann](https://people.example/ann)\n\n"
        "### Name folders well\n\nKeep names short.\n\n### Cache the build\n\nIt is faster.\n\n"
        "## Concepts\n\n编辑：[bob](https://people.example/bob)\n\n"
        "### What is a shell\n\nA program that reads commands.\n\n"
        "### What is a pipe\n\nIt joins two programs.\n"
    )
    assert titles(read(text, source="issue-11.md")) == [
        "Name folders well",
        "Cache the build",
        "What is a shell",
        "What is a pipe",
    ]


def test_an_entrys_part_that_lists_tools_does_not_make_it_a_group() -> None:
    """A `###` entry whose `#### Tools` part lists linked tools is one item, not a group."""
    text = (
        "# Weekly 12\n\n## Tips\n\n### Shrink images\n\nLossy or not.\n\n#### Kinds\n\n"
        "Two kinds.\n\n#### Tools\n\n- [tiny](https://tiny.example): squeezes PNGs\n"
        "- [optim](https://optim.example): runs three tools\n\n#### Harm\n\nIt can grow.\n\n"
        "## Concepts\n\n### What is a shell\n\nA program.\n\n### What is a pipe\n\nIt joins.\n"
    )
    assert titles(read(text, source="issue-12.md")) == [
        "Shrink images",
        "What is a shell",
        "What is a pipe",
    ]


def test_back_issues_hanging_under_the_last_module_leave_its_entries() -> None:
    """`### Recent posts` under the last `## module` is furniture; the module's entry stays."""
    text = (
        "# Weekly 13\n\n## Tips\n\n### Name folders well\n\nKeep names short.\n\n"
        "### Cache the build\n\nIt is faster.\n\n## Tools\n\n### zipper\n\nIt zips files.\n\n"
        "### Recent posts\n\n- [Weekly 12](https://w.example/12)\n"
        "- [Weekly 11](https://w.example/11)\n"
    )
    assert titles(read(text, source="issue-13.md")) == [
        "Name folders well",
        "Cache the build",
        "zipper",
    ]


def test_a_module_told_in_prose_before_the_footer_is_one_entry() -> None:
    """A prose module before the footer is one item; a module that is only a to-do list is none."""
    entries = (
        "## Tips\n\n### Name folders well\n\nKeep names short.\n\n"
        "### Cache the build\n\nIt is faster.\n\n"
        "## Concepts\n\n### What is a shell\n\nA program that reads commands.\n\n"
    )
    footer = "## Contact us\n\nWrite to [us](https://w.example/contact).\n"
    tool = (
        "## Tools\n\n**Address**: https://zipper.example\n\n**Price**: free\n\n"
        "Zipper packs files into one. It is handy:\n\n1. fast\n2. free\n\n"
    )
    todo = "## Do this week\n\n- **Ask** what you depend on.\n- **Try** one new tool.\n\n"
    assert titles(read("# Weekly 14\n\n" + entries + tool + footer, source="issue-14.md")) == [
        "Name folders well",
        "Cache the build",
        "What is a shell",
        "Tools",
    ]
    assert titles(read("# Weekly 15\n\n" + entries + todo + footer, source="issue-15.md")) == [
        "Name folders well",
        "Cache the build",
        "What is a shell",
    ]


def test_references_after_an_entry_are_its_sources() -> None:
    """`### References` right after a `###` entry lists its sources: no items of their own."""
    text = (
        "# Weekly 16\n\n## Tips\n\n### Name folders well\n\nKeep names short.\n\n"
        "### Cache the build\n\nIt is faster.\n\n"
        "## Interview\n\n### How events travel\n\nFrom the screen to the app.\n\n"
        "### References\n\n[Events in depth](https://events.example/deep)\n\n"
        "## Concepts\n\n### What is a shell\n\nA program that reads commands.\n"
    )
    assert titles(read(text, source="issue-16.md")) == [
        "Name folders well",
        "Cache the build",
        "How events travel",
        "What is a shell",
    ]


def test_a_rule_between_a_sections_stories_keeps_them_in_the_section() -> None:
    """`---` between a section's `###` stories separates them; all stay in the section."""
    text = (
        "# TLDR 150\n\n## 📚 Read\n\n### [Alternative facts](https://news.example/1)\n\nOne.\n\n"
        "---\n\n### [Depression rises](https://news.example/2)\n\nTwo.\n\n---\n\n"
        "### [Real friends](https://news.example/3)\n\nThree.\n\n---\n\nThanks for reading.\n"
    )
    assert [i.section for i in read(text, source="TLDR 150.md").items] == ["📚 Read"] * 3


def test_entries_with_links_on_wrapped_lines_or_site_references_make_their_heading_a_section() -> (
    None
):
    """Entries linked on a wrapped line or by a site's `[ref][]` make their heading a section."""
    prose = "In this monthly section we summarize a [meeting](https://reviews.example/1).\n\n"
    text = (
        "# Letter 9\n\n## News\n\n"
        "- **Draft BIPs for Utreexo:** Calvin posted to the list about the\n"
        "  [accumulator](https://lists.example/1) and two more drafts.\n"
        "- **Relay feerate:** the discussion of lowering it goes on in a\n"
        "  [thread](https://forum.example/1886) with new data.\n\n"
        "  Several developers [replied](https://forum.example/1887) since.\n\n"
        "## Review Club\n\n" + prose + "## Releases\n\n"
        "- [LND 0.19.3][] is a release candidate.\n- [Core 29.1][] fixes a crash.\n\n"
        "## Notable changes\n\nNotable changes in [Core](https://core.example/) and "
        "[LDK](https://ldk.example/) this week.\n\n"
        "- [Core #33106][] lowers the relay feerate.\n- [Eclair #3107][] adds a field.\n"
        "- [LDK #3968][] changes the API.\n\n"
        "## Correction\n\nLast week's [paper](https://eprint.example/1307) was misnamed.\n"
    )
    items = read(text, source="2025-08-08-letter.md").items
    heads = [item.title or item.text.partition(" is ")[0][:12] for item in items]
    assert heads[:2] == ["Draft BIPs for Utreexo", "Relay feerate"]
    assert [h for h in heads if h[:1] in "CLE"][:5] == [
        "LND 0.19.3",
        "Core 29.1 fi",
        "Core #33106 ",
        "Eclair #3107",
        "LDK #3968 ch",
    ]
    assert not {"News", "Releases", "Notable changes"} & set(heads)


def test_a_further_reading_section_after_the_stories_is_the_issues_list() -> None:
    """`## Further reading` after `###` stories is the issue's reading list, not their sources."""
    text = (
        "# W 1\n\n## News\n\n### [S1](https://a.example/1)\n\nText.\n\n"
        "### [S2](https://a.example/2)\n\nText.\n\n## Further reading\n\n"
        "- [R1](https://r.example/1) x\n- [R2](https://r.example/2) y\n"
    )
    assert titles(read(text, source="2024-01-01.md")) == ["S1", "S2", "R1", "R2"]


def test_a_boxed_summary_beside_a_months_stories_is_one_story() -> None:
    """A `<div>` box's heading over its list is one sidebar story; the month's own stay."""
    text = (
        "---\ntitle: Year in review\ndate: 2023-12-20\n---\n\n## June\n\n"
        "- **Silent payments:** a [draft](https://bips.example/sp) for reusable codes.\n\n"
        '<div markdown="1" class="callout" id="releases">\n\n'
        "### Summary: Major releases\n\nThe year's releases:\n\n"
        "- [Eclair 0.8.0](https://rel.example/eclair)\n- [HWI 2.2.0](https://rel.example/hwi)\n"
        "- [LND 0.16](https://rel.example/lnd)\n\n</div>\n\n## July\n\n"
        "- **Signer:** a [beta](https://vls.example/beta) of the remote signer.\n\n"
        "- **Meeting:** the [notes](https://ln.example/notes) of the LN summit.\n"
    )
    reading = read(text, source="2023-12-20-newsletter.md")
    assert titles(reading) == [
        "Silent payments",
        "Summary: Major releases",
        "Signer",
        "Meeting",
    ]
    assert "HWI 2.2.0" in reading.items[1].text
