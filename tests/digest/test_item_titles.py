"""An item's title and body as a person reads them: where the title ends and the body begins."""

from __future__ import annotations

from bot.digest import read


def test_a_link_whose_text_wraps_is_the_whole_title() -> None:
    """A link text wrapped over lines is the whole title; the next paragraph is the body."""
    text = (
        "# News\n\n"
        "- [Proposal for improving Nix error\n"
        "  messages](https://blog.example/proposal)\n\n"
        "  Crowdfunding campaign to rework them.\n\n"
        "- [Contextflow is hiring!\n"
        "  ](https://jobs.example/cf)\n\n"
        "  Work on medical imaging.\n\n"
        "- [新版编辑器\n"
        "  发布](https://cn.example/e)\n\n"
        "  更快了。\n"
    )
    items = read(text, source="2020-03-18.md").items
    assert [(i.title, i.rest, i.links[0]) for i in items] == [
        (
            "Proposal for improving Nix error messages",
            "Crowdfunding campaign to rework them.",
            "https://blog.example/proposal",
        ),
        ("Contextflow is hiring!", "Work on medical imaging.", "https://jobs.example/cf"),
        ("新版编辑器发布", "更快了。", "https://cn.example/e"),
    ]
