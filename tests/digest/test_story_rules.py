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
