"""Numbered issues through the store: a back catalogue of undated issues loads whole and only
its newest issue is pushed, issue numbers are read from the file, a git work tree dates each
file by its first commit, two files claiming one issue stay an error (issue 22)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.config import Config
from bot.delivery.plan import plan_due
from bot.digest import read
from bot.digest.dating import issue_in_text
from bot.digest.models import EditionKey
from bot.ingest.folder import scan_folder
from bot.ingest.gitdates import first_commits
from bot.render.buttons import MAX_BYTES, encode
from bot.store.database import Store
from bot.store.lookup import search
from bot.store.numbered import Neighbours

TODAY = dt.date(2024, 9, 2)
CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


def issue(n: int) -> str:
    """An undated weekly issue: its number is in its file name and its title."""
    return (
        f"# Rust 周刊 第 {n} 期\n\n"
        f"1. [Tokio {n}.0 发布](https://tokio.rs/blog/{n}) 异步运行时更新。\n"
        f"2. [第{n}期储能笔记](https://example.org/notes/{n}) 储能电站并网。\n"
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Thirty undated numbered issues, issue-1.md … issue-30.md."""
    d = tmp_path / "digests"
    d.mkdir()
    for n in range(1, 31):
        (d / f"issue-{n}.md").write_text(issue(n), "utf-8")
    return d


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "bot.sqlite3")
    yield s
    s.close()


def subscriber(store: Store, chat_id: int = 7) -> None:
    store.chats.ensure_chat(chat_id, type="private", title="reader")
    store.chats.subscribe(chat_id)


def noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)


def test_a_back_catalogue_of_undated_issues_loads_whole_and_pushes_only_its_newest(
    store: Store, folder: Path
) -> None:
    """30 undated issues seen the same day are 30 editions (no "already the edition"), each
    known by its number; all searchable; the highest is the latest and the only one pushed."""
    subscriber(store)
    report = scan_folder(store, folder, today=TODAY)
    assert report.errors == []
    assert report.warnings == []  # a numbered file is known by its number
    assert sorted(k.issue for k in report.new) == list(range(1, 31))
    assert {k.date for k in report.new} == {TODAY}
    assert sorted(k.issue for k in report.quiet) == list(range(1, 30))
    assert store.editions.latest_key() == EditionKey(0, TODAY, 30)
    latest = store.editions.latest_edition(0)
    assert latest is not None
    assert latest.issue == 30
    assert latest.items[0].title == "Tokio 30.0 发布"
    assert [r.key for r in store.editions.recent_editions(TODAY)] == [EditionKey(0, TODAY, 30)]
    hits = search(store, "储能", limit=50).page
    assert hits.total == 30  # the whole back catalogue is searchable
    assert [h.issue for h in hits.hits[:3]] == [30, 29, 28]  # newest issue first
    twelve = store.editions.by_issue(0, 12)
    assert twelve == EditionKey(0, TODAY, 12)
    edition = store.editions.get_edition(twelve)
    assert edition is not None
    assert edition.items[0].title == "Tokio 12.0 发布"
    assert store.editions.neighbours(twelve) == Neighbours(
        before=EditionKey(0, TODAY, 11), after=EditionKey(0, TODAY, 13)
    )
    assert plan_due(store, Config(), noon(TODAY)) == 1  # one delivery: issue 30
    assert store.outbox.deliveries_summary(EditionKey(0, TODAY, 30))["deliveries"] == {
        "edition": {"pending": 1}
    }
    again = scan_folder(store, folder, today=TODAY + dt.timedelta(days=1))
    assert (again.new, again.errors, again.unchanged) == ([], [], 30)


def test_a_new_issue_is_pushed_and_a_late_old_one_is_not(store: Store, folder: Path) -> None:
    """Issue 31 after 30 is pushed as usual; an older issue that turns up later (a gap filled)
    is stored and searchable but never pushed."""
    (folder / "issue-20.md").unlink()
    scan_folder(store, folder, today=TODAY)
    later = TODAY + dt.timedelta(days=1)
    (folder / "issue-31.md").write_text(issue(31), "utf-8")
    report = scan_folder(store, folder, today=later)
    assert (report.new, report.quiet) == ([EditionKey(0, later, 31)], [])
    assert store.editions.latest_key(0) == EditionKey(0, later, 31)
    (folder / "issue-20.md").write_text(issue(20), "utf-8")
    report = scan_folder(store, folder, today=later)
    assert report.new == report.quiet == [EditionKey(0, later, 20)]
    assert store.editions.latest_key(0) == EditionKey(0, later, 31)  # the highest, not the last
    pushed = [r.key.issue for r in store.editions.recent_editions(TODAY)]
    assert pushed == [30, 31]


def test_two_files_claiming_one_issue_stay_an_error(store: Store, folder: Path) -> None:
    """A second file numbered 7 is refused, saying how to make them two; so is one that turns
    up a day later (an undated issue is its number, whatever day it is seen)."""
    (folder / "issue_7.md").write_text(issue(7).replace("Tokio", "Tokyo"), "utf-8")
    report = scan_folder(store, folder, today=TODAY)
    assert [str(e) for e in report.errors] == [
        f"{folder / 'issue_7.md'}: issue 7 is already the edition of issue-7.md: give one of "
        "them another number (`issue:` in its front matter), a `series:`, or its own folder"
    ]
    assert len(report.new) == 30
    (folder / "no-7.md").write_text(issue(7), "utf-8")
    report = scan_folder(store, folder, today=TODAY + dt.timedelta(days=1))
    assert sorted(e.path for e in report.errors) == [
        str(folder / "issue_7.md"),
        str(folder / "no-7.md"),
    ]
    assert all("issue 7 is already the edition of issue-7.md" in e.reason for e in report.errors)
    edition = store.editions.get_edition(EditionKey(0, TODAY, 7))
    assert edition is not None
    assert edition.source == "issue-7.md"


def test_a_renamed_issue_keeps_its_edition(store: Store, folder: Path) -> None:
    """Renaming an undated issue's file (a day later) keeps its edition: same key, same item
    ids, nothing new to push."""
    scan_folder(store, folder, today=TODAY)
    key = EditionKey(0, TODAY, 30)
    ids = store.editions.item_ids(key)
    (folder / "issue-30.md").rename(folder / "030.md")
    report = scan_folder(store, folder, today=TODAY + dt.timedelta(days=1))
    assert (report.new, report.removed, report.errors) == ([], [], [])
    assert report.changed == [key]
    assert store.editions.item_ids(key) == ids
    assert store.editions.edition_source(key) == "030.md"


def test_dated_numbered_files_keep_their_dates(store: Store, tmp_path: Path) -> None:
    """Pelican files with `Date:` and `Number:` (This Week in Rust) are their dates' editions
    with their numbers; the latest is the highest number; the same number on two dates (a
    publisher's slip) is two editions, as it was before numbers were read."""
    folder = tmp_path / "twir"
    folder.mkdir()
    for number, day in ((90, "2015-08-03"), (91, "2015-08-10"), (92, "2015-08-17")):
        (folder / f"{day}-this-week-in-rust.md").write_text(
            f"Title: This Week in Rust {number}\nNumber: {number}\nDate: {day}\n"
            "Category: This Week in Rust\n\n"
            f"- [Rust {number} news](https://example.org/{number}) text\n",
            "utf-8",
        )
    (folder / "2015-08-18-again.md").write_text(
        "Title: This Week in Rust 92\nNumber: 92\nDate: 2015-08-18\n"
        "Category: This Week in Rust\n\n- [again](https://example.org/again) text\n",
        "utf-8",
    )
    report = scan_folder(store, folder, today=TODAY)
    assert report.errors == []
    assert sorted((k.date.isoformat(), k.issue) for k in report.new) == [
        ("2015-08-03", 90),
        ("2015-08-10", 91),
        ("2015-08-17", 92),
        ("2015-08-18", 92),
    ]
    assert store.editions.latest_key() == EditionKey(0, dt.date(2015, 8, 18), 92)


def git(folder: Path, *args: str, day: str = "") -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    if day:
        env |= {"GIT_AUTHOR_DATE": f"{day}T10:00:00", "GIT_COMMITTER_DATE": f"{day}T10:00:00"}
    env |= {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(
        ["git", "-c", "user.name=Pub", "-c", "user.email=pub@example.org", *args],
        cwd=folder,
        env=env,
        check=True,
        capture_output=True,
    )


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_a_git_work_tree_dates_undated_issues_by_their_first_commit(
    store: Store, tmp_path: Path
) -> None:
    """issue-1.md committed on 2021-03-04 and issue-2.md on 2022-05-06 (edited later: still
    its first commit's day) are those days' editions; issue-3.md, not committed yet, is dated
    the day the bot sees it."""
    repo = tmp_path / "repo"
    folder = repo / "digests"
    folder.mkdir(parents=True)
    git(repo, "init", "-q")
    (folder / "issue-1.md").write_text(issue(1), "utf-8")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "one", day="2021-03-04")
    (folder / "issue-2.md").write_text(issue(2), "utf-8")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "two", day="2022-05-06")
    (folder / "issue-2.md").write_text(issue(2) + "3. [More](https://example.org/m) x\n", "utf-8")
    git(repo, "commit", "-qam", "edit", day="2023-01-01")
    (folder / "issue-3.md").write_text(issue(3), "utf-8")
    assert first_commits(folder) == {
        "issue-1.md": dt.date(2021, 3, 4),
        "issue-2.md": dt.date(2022, 5, 6),
    }
    report = scan_folder(store, folder, today=TODAY)
    assert report.errors == []
    assert sorted(report.new) == [
        EditionKey(0, dt.date(2021, 3, 4), 1),
        EditionKey(0, dt.date(2022, 5, 6), 2),
        EditionKey(0, TODAY, 3),
    ]
    assert first_commits(tmp_path) == {}  # no work tree: no dates


@pytest.mark.parametrize(
    ("name", "text", "number"),
    [
        ("issue-42.md", "- [a](https://a.example) x\n", 42),
        ("issue_42.md", "- [a](https://a.example) x\n", 42),
        ("第42期.md", "- [a](https://a.example) x\n", 42),
        ("42.md", "- [a](https://a.example) x\n", 42),
        ("2024.md", "- [a](https://a.example) x\n", None),  # a year
        ("2024/01/08.md", "- [a](https://a.example) x\n", None),  # a day of a month
        ("piano-3.md", "- [a](https://a.example) x\n", None),
        ("notes.md", "---\nissue: 7\n---\n- [a](https://a.example) x\n", 7),
        ("notes.md", "---\nno: 8\n---\n- [a](https://a.example) x\n", 8),
        ("notes.md", "Title: Weekly\nNumber: 9\n\n- [a](https://a.example) x\n", 9),
        ("notes.md", "# 碳周报 第 9 期\n\n- [a](https://a.example) x\n", 9),
        ("notes.md", "# Weekly Issue #12\n\n- [a](https://a.example) x\n", 12),
        ("notes.md", "# News #2024-03-16\n\n- [a](https://a.example) x\n", None),  # a date
        ("notes.md", "# C# 12 is out\n\n- [a](https://a.example) x\n", None),
    ],
)
def test_the_issue_number_is_read_from_front_matter_name_title(
    name: str, text: str, number: int | None
) -> None:
    assert read(text, source=f"/digests/{name}").issue == number


@pytest.mark.parametrize(
    ("text", "number"),
    [("#42", 42), ("No. 42", 42), ("Issue 42", 42), ("Vol. 42", 42), ("第 42 期", 42),
     ("第42期", 42), ("iOS摸鱼周报 第十期", 10), ("第一百零五期", 105), ("Top 10 tools", None),
     ("v1.2.3", None)],
)  # fmt: skip
def test_issue_numbers_in_words(text: str, number: int | None) -> None:
    assert issue_in_text(text) == number


def test_files_named_alike_but_for_a_number_are_numbered_issues(
    store: Store, tmp_path: Path
) -> None:
    """A folder of iOSWeeklyLearning_1.md, _3, _10 … (no prefix such as issue-) numbers its
    issues by the names it shares; a lone notes-2.md numbers nothing."""
    folder = tmp_path / "weekly"
    folder.mkdir()
    for n in (1, 3, 10, 57):
        text = issue(n).replace(f" 第 {n} 期", "")  # the number only in the name
        (folder / f"iOSWeeklyLearning_{n}.md").write_text(text, "utf-8")
    (folder / "notes-2.md").write_text(issue(2).replace(" 第 2 期", ""), "utf-8")
    report = scan_folder(store, folder, today=TODAY)
    assert report.errors == []
    assert sorted(k.issue for k in report.new) == [0, 1, 3, 10, 57]
    assert report.warnings == [
        f"{folder / 'notes-2.md'}: no date in the file: dated {TODAY}, the day the bot first "
        "saw it"
    ]


def test_the_command_line_takes_the_highest_issue_and_issue_numbers(
    folder: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`ingest` says how many older issues stay unpushed; `editions` lists them by number;
    `push --dry-run` and `preview` take the highest issue; `preview 12` / `push --date '#12'`
    issue 12; `check` names the issue and where it came from."""
    monkeypatch.setenv("DIGESTBOT_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("DIGESTBOT_CONFIG", raising=False)
    assert main(["ingest", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "30 new" in out
    assert "29 older issues stored for search and /day, never pushed" in out
    assert main(["editions"]) == 0
    assert " #30 " in capsys.readouterr().out.splitlines()[0]
    assert main(["push", "--dry-run", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["issue"] == 30
    assert main(["preview"]) == 0
    assert "Rust 周刊 #30 · " in capsys.readouterr().out
    assert main(["preview", "12"]) == 0
    assert "Tokio 12.0 发布" in capsys.readouterr().out
    assert main(["push", "--dry-run", "--date", "#12", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["issue"] == 12
    assert main(["deliveries", "--date", "第12期", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["date"].endswith("#12")  # its ref
    assert main(["preview", "99"]) == 2  # a CliError
    assert "no issue 99" in capsys.readouterr().err
    assert main(["check", str(folder / "issue-7.md")]) == 0
    assert "  issue    7 (from the file name)" in capsys.readouterr().out


def test_edition_refs_and_tokens_round_trip() -> None:
    """Issue 0 keeps the refs and tokens written before (outbox rows, files, buttons); a
    numbered edition's round-trip and fit a button's 64 bytes."""
    day = dt.date(2024, 1, 8)
    assert (EditionKey(0, day).ref, EditionKey(2, day).ref) == ("2024-01-08", "2024-01-08+2")
    assert (EditionKey(0, day).token, EditionKey(2, day).token) == ("20240108", "20240108.2")
    for key in (EditionKey(0, day, 42), EditionKey(999, day, 99_999), EditionKey(3, day)):
        assert EditionKey.from_ref(key.ref) == key
        assert EditionKey.from_ref(key.token) == key
        assert len(encode("ap", key.token, "go").encode()) <= MAX_BYTES
    assert EditionKey(2, day, 42).ref == "2024-01-08+2#42"
    assert EditionKey(2, day, 42).token == "20240108.2_42"
    for bad in ("2024-01-08#0", "2024-01-08#", "20240108_x", "2024-01-08#100000"):
        assert EditionKey.from_ref(bad) is None


LOCAL = Path(__file__).resolve().parents[1] / "corpus"


@pytest.mark.parametrize("archive", sorted(p.name for p in LOCAL.iterdir() if p.is_dir()))
def test_the_numbered_test_archives_load_whole(archive: str, tmp_path: Path) -> None:
    """Every archive of tests/corpus (numbered weeklies without dates among them) ingests with
    no file refused for an edition another file already is."""
    store = Store(tmp_path / "bot.sqlite3")
    try:
        report = scan_folder(store, LOCAL / archive, today=TODAY)
        assert [e for e in report.errors if "already the edition" in e.reason] == []
    finally:
        store.close()


# editions each shared archive gave `digestbot ingest` before issue numbers were read (at
# 2558b4d): each must still load at least these (the reader may load more of them since)
LOADED_BEFORE = {
    "AIDailyNews": 210,
    "ai-bubblebrain-daily-news": 155,
    "arxiv-daily": 0,
    "github-trending": 30,
    "this-week-in-rust": 26,
    "weibo-trending-hot-search": 22,
    "xin-wen-lian-bo": 30,
}


@pytest.mark.skipif(not CORPUS.is_dir(), reason="needs ../shared/corpus")
@pytest.mark.parametrize("archive", sorted(LOADED_BEFORE))
def test_the_shared_archives_still_load_every_file_they_loaded(
    archive: str, tmp_path: Path
) -> None:
    """Every file a shared archive loaded before still loads (a number in a title makes no
    clash); This Week in Rust's numbered issues keep their Pelican dates."""
    store = Store(tmp_path / "bot.sqlite3")
    try:
        report = scan_folder(store, CORPUS / archive, today=TODAY)
        loaded = [*report.new, *report.scheduled]  # dated after TODAY: held, not lost
        assert len(loaded) >= LOADED_BEFORE[archive]
        if archive == "this-week-in-rust":
            assert report.errors == []
            numbered = [k for k in loaded if k.issue]
            assert len(numbered) == 20
            for key in numbered:
                source = store.editions.edition_source(key)
                assert source is not None
                assert source.removeprefix("content/").startswith(key.date.isoformat())
    finally:
        store.close()
