"""Ingest reads a series as a series (issue 22): the furniture that recurs at the end of most of
its files is no story, a file that alone reads weakly is read by its series' rule, a rule a
publisher names in ``[[series]]`` wins, wikilinks point where the notes they name do, and a
scan reads again only what its learning changed."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import SeriesRule
from bot.digest.learning import Signature
from bot.ingest.folder import scan_folder
from bot.store.database import Store

TODAY = dt.date(2024, 9, 30)
FOOTER = "- [Subscribe to the letter](https://letter.example/subscribe)"


def day(n: int, *, footer: bool = True) -> str:
    """A daily digest of two linked stories, with the series' subscribe footer."""
    stories = (
        f"# Letter 2024-09-{n:02d}\n\n"
        f"- [Solar farm {n} opens](https://news.example/solar/{n}) grid capacity grows\n"
        f"- [Wind auction {n}](https://news.example/wind/{n}) record bids\n"
    )
    return stories + (f"\n## More\n\n{FOOTER}\n" if footer else "")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "bot.sqlite3")
    yield s
    s.close()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    d = tmp_path / "digests"
    d.mkdir()
    return d


def titles(store: Store, day_of_month: int) -> list[str]:
    (edition,) = store.editions.editions_on(dt.date(2024, 9, day_of_month))
    return [item.title for item in edition.items]


def scan(store: Store, folder: Path, **kw: object) -> object:
    return scan_folder(store, folder, today=TODAY, **kw)  # type: ignore[arg-type]


def test_a_footer_in_most_files_of_a_series_is_no_story(store: Store, folder: Path) -> None:
    """Ten days with the same subscribe line at the bottom: no edition lists it."""
    for n in range(1, 11):
        (folder / f"2024-09-{n:02d}.md").write_text(day(n), "utf-8")
    report = scan(store, folder)
    assert len(report.new) == 10  # type: ignore[attr-defined]
    for n in range(1, 11):
        assert titles(store, n) == [f"Solar farm {n} opens", f"Wind auction {n}"]


def test_one_file_alone_keeps_its_footer(store: Store, folder: Path) -> None:
    """With nothing to learn from, a file is read as it reads alone: the footer stays."""
    (folder / "2024-09-01.md").write_text(day(1), "utf-8")
    scan(store, folder)
    assert "Subscribe to the letter" in titles(store, 1)


def test_old_editions_lose_the_footer_once_the_series_shows_it(store: Store, folder: Path) -> None:
    """Two files cannot teach a template; the third does, and the first two are read again:
    their editions change, the others are not touched."""
    for n in (1, 2):
        (folder / f"2024-09-{n:02d}.md").write_text(day(n), "utf-8")
    (folder / "2024-09-03.md").write_text(day(3, footer=False), "utf-8")
    scan(store, folder)
    assert "Subscribe to the letter" in titles(store, 1)
    for n in (4, 5):
        (folder / f"2024-09-{n:02d}.md").write_text(day(n), "utf-8")
    report = scan(store, folder)
    changed = sorted(k.date.day for k in report.changed)  # type: ignore[attr-defined]
    assert changed == [1, 2]
    for n in (1, 2, 4, 5):
        assert "Subscribe to the letter" not in titles(store, n)
    again = scan(store, folder)
    assert not again.touched  # type: ignore[attr-defined]


def test_a_named_rule_wins_and_a_changed_rule_rereads_the_folder(
    store: Store, folder: Path
) -> None:
    """``[[series]] items = "headings:2"`` makes the ``##`` headings over linked lists the
    stories; taking it out of the config reads every file again, as it reads alone."""
    text = (
        "# Letter 2024-09-01\n\n## Solar news\n\n"
        "- [Solar farm opens](https://news.example/solar) grid capacity grows\n"
        "- [Panels cheaper](https://news.example/panels) prices fall\n\n"
        "## Wind news\n\n- [Wind auction](https://news.example/wind) record bids\n"
        "- [Turbine order](https://news.example/turbine) a record order\n"
    )
    (folder / "2024-09-01.md").write_text(text, "utf-8")
    rule = SeriesRule(match="Letter", items="headings:2")
    scan(store, folder, rules=(rule,))
    assert titles(store, 1) == ["Solar news", "Wind news"]
    report = scan(store, folder)
    assert [k.date.day for k in report.changed] == [1]  # type: ignore[attr-defined]
    assert titles(store, 1) == ["Solar farm opens", "Panels cheaper", "Wind auction",
                                "Turbine order"]  # fmt: skip


def test_wikilinks_point_where_their_notes_do(store: Store, folder: Path) -> None:
    """``[[note|alias]]`` to a note of the folder with a url is a link to that url; to a
    note that is not there, its text alone."""
    (folder / "notes").mkdir()
    (folder / "notes" / "solar farm.md").write_text(
        "---\nurl: https://news.example/solar\n---\n\nA solar farm.\n", "utf-8"
    )
    (folder / "2024-09-01.md").write_text(
        "# Letter 2024-09-01\n\n"
        "- [[notes/solar farm|Solar farm opens]] grid capacity grows\n"
        "- [[Wind auction]] record bids, [more](https://news.example/wind)\n",
        "utf-8",
    )
    scan(store, folder)
    (edition,) = store.editions.editions_on(dt.date(2024, 9, 1))
    first, second = edition.items
    assert (first.title, first.links) == ("Solar farm opens", ("https://news.example/solar",))
    assert "[[" not in second.text
    assert second.links == ("https://news.example/wind",)


def test_what_each_file_taught_is_kept(store: Store, folder: Path, tmp_path: Path) -> None:
    """The store keeps each file's origin and signature, so the next scan learns the series
    without reading the unchanged files."""
    for n in range(1, 4):
        (folder / f"2024-09-{n:02d}.md").write_text(day(n), "utf-8")
    scan(store, folder)
    rows = (
        sqlite3.connect(tmp_path / "bot.sqlite3")
        .execute("SELECT path, origin, signature FROM files ORDER BY path")
        .fetchall()
    )
    assert [r[0] for r in rows] == [f"2024-09-{n:02d}.md" for n in range(1, 4)]
    assert all(r[1] is not None and '"rule": "bullets"' in r[2] for r in rows), rows


def test_category_folders_under_a_filing_folder_are_series(store: Store, folder: Path) -> None:
    """``docs/cs-AI/<date>/index.md`` beside ``docs/cs-CV/<date>/index.md``: two series of one
    day, not one date claimed twice (``docs`` files them, the category names them)."""
    for category in ("cs-AI", "cs-CV"):
        day_folder = folder / "docs" / category / "2024-09-01"
        day_folder.mkdir(parents=True)
        (day_folder / "index.md").write_text(
            f"# {category} 2024-09-01\n\n- [Paper on {category}](https://arxiv.org/abs/{category})"
            " a result\n- [Another](https://arxiv.org/abs/2) more\n",
            "utf-8",
        )
    report = scan(store, folder)
    assert not report.errors  # type: ignore[attr-defined]
    editions = store.editions.editions_on(dt.date(2024, 9, 1))
    assert sorted(e.series for e in editions) == ["cs-AI", "cs-CV"]


def test_a_big_first_scan_reads_each_file_once_by_a_sample_and_still_learns_the_footer(
    store: Store, folder: Path
) -> None:
    """300 days, the footer in the last 200 only (a sample of the first files would not see
    it): every edition is new once, none lists the footer, none is reported changed."""
    start = dt.date(2024, 1, 1)
    for n in range(300):
        d = start + dt.timedelta(days=n)
        stories = day(n + 1000, footer=n >= 100).split("\n", 1)[1]  # its stories
        (folder / f"{d}.md").write_text(f"# Letter {d}\n{stories}", "utf-8")
    report = scan_folder(store, folder, today=dt.date(2025, 1, 1))
    assert len(report.new) == 300
    assert report.changed == []
    for edition in store.editions.editions_on(start + dt.timedelta(days=250)), \
            store.editions.editions_on(start + dt.timedelta(days=5)):  # fmt: skip
        assert [len(e.items) for e in edition] == [2]
        assert all("Subscribe" not in i.title for e in edition for i in e.items)


INTRO = (
    "**[Letter](https://letter.example/)** is a weekly about [energy](https://energy.example/)."
)


def heading_week(n: int) -> str:
    """An edition told in story headings: the series' intro paragraph is no candidate here."""
    return (
        f"# Letter {n}\n\n{INTRO}\n\n"
        f"### Solar farm {n} opens\n\n"
        f"The [farm](https://news.example/solar/{n}) feeds the grid.\n\n"
        f"### Wind auction {n}\n\nRecord [bids](https://news.example/wind/{n}) came in.\n"
    )


def bullet_week(n: int) -> str:
    """An edition of linked bullets, where the intro paragraph reads as one more story."""
    return (
        f"# Letter {n}\n\n{INTRO}\n\n### News\n\n"
        f"- [Solar farm {n} opens](https://news.example/solar/{n}) the grid grows\n"
        f"- [Wind auction {n}](https://news.example/wind/{n}) record bids\n"
    )


def test_an_intro_in_every_file_is_template_however_each_file_is_laid_out(
    store: Store, folder: Path
) -> None:
    """The same intro opens every edition; most are told in headings, a few in bullets: the
    bullet editions do not list the intro as a story."""
    for n in range(1, 7):
        week = heading_week(n) if n <= 4 else bullet_week(n)
        (folder / f"2024-09-{n:02d}.md").write_text(week, "utf-8")
    scan(store, folder)
    for n in (1, 5, 6):
        assert titles(store, n) == [f"Solar farm {n} opens", f"Wind auction {n}"]


def test_a_page_of_another_kind_than_the_series_editions_is_no_edition(
    store: Store, folder: Path
) -> None:
    """Four ``layout: letter`` editions and one ``layout: post`` announcement in one folder:
    the post is no edition, its plan's bullets no stories; a signature stored without a kind
    (an older bot's) still loads."""
    for n in range(1, 5):
        (folder / f"2024-09-{n:02d}-letter.md").write_text(
            f"---\ntitle: Letter {n}\nlayout: letter\n---\n" + day(n, footer=False), "utf-8"
        )
    (folder / "2024-09-05-hello.md").write_text(
        "---\ntitle: Hello\nlayout: post\n---\nWe plan to:\n\n"
        "- [Meet the builders](/about/) and listen\n- Write every week\n",
        "utf-8",
    )
    report = scan(store, folder)
    assert len(report.new) == 4  # type: ignore[attr-defined]
    assert not store.editions.editions_on(dt.date(2024, 9, 5))
    skips = report.skipped  # type: ignore[attr-defined]
    skipped = [e for e in skips if "2024-09-05-hello.md" in str(e)]
    assert skipped
    assert "kind 'post'" in str(skipped[0])
    assert "'letter'" in str(skipped[0])
    assert Signature.from_json({"rule": "bullets", "items": 2, "edges": []}) == Signature(
        "bullets", 2
    )
