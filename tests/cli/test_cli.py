"""The publisher's command line: ingest, check, editions, preview, check-config."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.store.database import Store
from bot.store.edition_rows import ArchiveCounts
from tgsandbox.telegram_html import check_message

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "digests" / "2024-01-08.md"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with the sample digest, used as the bot's working directory."""
    (tmp_path / "digests").mkdir()
    shutil.copy(SEED, tmp_path / "digests" / SEED.name)
    monkeypatch.chdir(tmp_path)
    for var in ("DIGESTBOT_CONFIG", "DIGESTBOT_TOKEN", "TELEGRAM_BOT_TOKEN", "DIGESTBOT_DATA"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_ingest_then_preview_shows_ten_numbered_items(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`ingest digests && preview latest` shows the seed as 10 numbered items with links."""
    code, out, _ = run(capsys, "ingest", "digests")
    assert code == 0
    assert "1 new" in out
    assert "1 editions, 10 items" in out
    code, out, _ = run(capsys, "preview", "latest")
    assert code == 0
    assert "每日碳新闻" in out
    assert "2024年1月8日" in out
    for n in range(1, 11):
        assert f"{n}." in out
    assert out.count(" <https://") == 10  # each item's source, by name
    assert out.count("微信 <https://mp.weixin.qq.com/") >= 9
    assert "原文" not in out
    assert "https://mp.weixin.qq.com/s/CNXXGYu7FeE_mmXg389mwQ" in out


def test_preview_html_parts_are_valid_telegram_messages(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`preview --json` gives the message parts exactly as sent, each one Telegram accepts."""
    run(capsys, "ingest")
    code, out, _ = run(capsys, "preview", "2024-01-08", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["date"] == "2024-01-08"
    assert doc["series"] == "每日碳新闻"
    assert [i["position"] for i in doc["items"]] == list(range(1, 11))
    assert set(doc["items"][0]) >= {"position", "section", "text", "links"}
    for part in doc["parts"]:
        check_message(part)
    code, out, _ = run(capsys, "preview", "--html")
    assert '<a href="https://www.163.com/dy/article/IN2THDBL0514R9MQ.html">' in out


def test_preview_without_editions_explains(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Previewing before any ingest says what to do instead of failing obscurely."""
    code, _, err = run(capsys, "preview")
    assert code == 2
    assert "digestbot ingest" in err
    code, _, err = run(capsys, "preview", "2023-13-45")
    assert code == 2
    assert "not a date" in err


def test_ingest_reports_errors_as_file_line_reason(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A broken file is listed as file:line: reason, the rest loads, and the exit status is 1."""
    bad = workdir / "digests" / "broken.md"
    bad.write_bytes(b"---\ndate: 2024-01-09\n---\n1. ok\n\xff\n")
    code, out, _ = run(capsys, "ingest")
    assert code == 1
    assert f"error: {Path('digests') / 'broken.md'}:5: " in out
    assert "1 new" in out
    code, out, _ = run(capsys, "ingest", "--json")
    doc = json.loads(out)
    assert doc["editions"] == 1
    assert doc["errors"][0].startswith("digests/broken.md:5: ")


def test_editions_lists_what_is_stored(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`editions --json` lists dates with their item counts."""
    run(capsys, "ingest")
    code, out, _ = run(capsys, "editions", "--json")
    assert code == 0
    [row] = json.loads(out)
    assert (row["date"], row["series"], row["item_count"]) == ("2024-01-08", "每日碳新闻", 10)


def test_check_needs_no_database(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`check` reports date, series and items of a file without creating a database."""
    code, out, _ = run(capsys, "check", str(SEED))
    assert code == 0
    assert "  date     2024-01-08 (from the permalink)" in out
    assert "  series   每日碳新闻" in out
    assert "  items    10 items: numbered paragraphs" in out
    assert not (workdir / "data").exists()


def test_check_json_lists_files_in_order_with_failures(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`check --json` on several files prints a list in file order; a failure is {file, error};
    a file with no date is no failure: its date is null."""
    broken = workdir / "broken.md"
    broken.write_bytes(b"1. \xff\xfe")
    empty = workdir / "empty.md"
    empty.write_bytes(b"")
    code, out, _ = run(capsys, "check", "--json", str(broken), str(SEED), str(empty))
    assert code == 1
    first, second, third = json.loads(out)
    assert first["file"] == str(broken)
    assert str(broken) in first["error"]
    assert second["date"] == "2024-01-08"
    assert second["date_source"] == "the permalink"
    assert second["rule"] == "10 items: numbered paragraphs"
    assert len(second["items"]) == 10
    assert (third["date"], third["items"], third["warnings"]) == (None, [], ["file is empty"])
    code, out, _ = run(capsys, "check", "--json", str(SEED))
    assert json.loads(out)["series"] == "每日碳新闻"


def test_check_config_reports_bad_values(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad config value is one clear line and exit status 2; a good one is summarised."""
    (workdir / "config.toml").write_text('[push]\ntime = "25:00"\n', "utf-8")
    code, _, err = run(capsys, "check-config")
    assert code == 2
    assert err.strip() == 'digestbot: config.toml: push.time: expected HH:MM, got "25:00"'
    (workdir / "config.toml").write_text('[push]\ntime = "06:45"\n', "utf-8")
    code, out, _ = run(capsys, "check-config", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["push"].startswith("06:45 Asia/Shanghai")
    assert doc["token"].startswith("not set")


def test_console_entry_point_runs(workdir: Path) -> None:
    """`python -m bot` works as the digestbot command in a fresh process."""
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "check", "--json", str(SEED)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["date"] == "2024-01-08"


HEAVY = ("telegram", "aiohttp", "matplotlib", "apscheduler")
LOADED = """
import sys
from bot.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
heavy = set(sys.argv[0].split(","))
print("loaded:", ",".join(sorted({m.split(".")[0] for m in sys.modules} & heavy)))
"""


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["check", str(SEED)], ["editions"], ["preview", str(SEED)], ["search", "储能"]],
    ids=lambda argv: argv[0],
)
def test_publisher_commands_load_no_bot_runtime(workdir: Path, argv: list[str]) -> None:
    """`--help`, `check`, `editions`, `preview` and `search` start without loading
    python-telegram-bot, aiohttp or matplotlib (what `run` and `trend` need)."""
    proc = subprocess.run(
        [sys.executable, "-c", LOADED.replace("sys.argv[0]", repr(",".join(HEAVY))), *argv],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert proc.stdout.splitlines()[-1] == "loaded: ", proc.stderr[-300:]


def test_push_dry_run_counts_chats_and_variants(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`push --dry-run` says how many chats and variants the edition would go to."""
    run(capsys, "ingest")
    store = Store(workdir / "data" / "digestbot.sqlite3")
    for chat_id, lang in ((1, "zh"), (2, "zh"), (3, "en")):
        store.chats.ensure_chat(chat_id, type="private", language=lang)
        store.chats.subscribe(chat_id)
    store.chats.ensure_chat(4, type="private")
    store.chats.set_scopes(4, {"finance"})
    store.close()
    code, out, _ = run(capsys, "push", "--dry-run", "--json")
    assert code == 0
    assert json.loads(out) == {
        "date": "2024-01-08",
        "chats": 4,
        "variants": 3,
        "skipped": 0,
        "planned": 0,
        "dry_run": True,
    }
    code, out, _ = run(capsys, "push")
    assert "planned to 4 chats in 3 variants" in out
    assert "4 new deliveries" in out
    code, out, _ = run(capsys, "deliveries", "--json")
    assert json.loads(out)["deliveries"] == {"edition": {"pending": 4}}
    code, out, _ = run(capsys, "deliveries", "--date", "2024-01-08")
    assert out.startswith("edition: 4 pending")


def test_backup_is_a_consistent_copy_while_writing(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`backup` copies the database while another connection writes; the copy opens whole."""
    run(capsys, "ingest")
    (workdir / "backups").mkdir()
    writer = Store(workdir / "data" / "digestbot.sqlite3")
    writer.db.execute("BEGIN IMMEDIATE")
    writer.chats.ensure_chat(99, type="private")
    code, out, _ = run(capsys, "backup", str(workdir / "backups"))
    writer.db.execute("COMMIT")
    writer.close()
    assert code == 0
    [copy] = list((workdir / "backups").glob("digestbot-*.sqlite3"))
    assert str(copy) in out
    restored = Store(copy)
    assert restored.editions.counts() == ArchiveCounts(editions=1, items=10)
    assert restored.chats.get_chat(99) is None
    restored.close()


def test_backup_to_a_folder_path_creates_the_folder(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`backup backups/nightly/` makes the folder and says which file it wrote; a file path in a
    folder that is not there is refused in one line, nothing written."""
    run(capsys, "ingest")
    code, out, _ = run(capsys, "backup", "backups/nightly/")
    assert code == 0
    [copy] = list((workdir / "backups" / "nightly").glob("digestbot-*.sqlite3"))
    assert out.splitlines()[0] == f"created folder {Path('backups/nightly')}"
    assert f"to {Path('backups/nightly') / copy.name} (" in out
    code, _, error = run(capsys, "backup", "elsewhere/copy.sqlite3")
    assert code == 2
    assert error == (
        "digestbot: elsewhere: no such folder (end the path with / to have it created)\n"
    )
    assert not (workdir / "elsewhere").exists()


def numbered(count: int, text: str = "储能电站并网") -> str:
    items = "".join(f"{n}. {text} {n}。 https://example.org/{n}\n" for n in range(1, count + 1))
    return f"---\ntitle: 日报 2024-01-09\n---\n{items}"


@pytest.mark.parametrize(
    ("body", "limit"),
    [
        (numbered(600), "600 items, more than digests.max_items (500) allows"),
        (
            numbered(200, "很长的摘要" * 150),
            "messages per reader, more than digests.max_parts (30)",
        ),
    ],
    ids=["items", "parts"],
)
def test_a_digest_past_the_limits_is_refused_by_check_and_ingest(
    workdir: Path, capsys: pytest.CaptureFixture[str], body: str, limit: str
) -> None:
    """Too many items, or an edition that would be too many messages: `check` and `ingest` say
    which limit and how to change it, and nothing is loaded."""
    big = workdir / "digests" / "2024-01-09.md"
    big.write_text(body, "utf-8")
    code, out, _ = run(capsys, "check", str(big))
    assert code == 1
    assert out.startswith(f"error: {big}: ")
    assert limit in out
    code, out, _ = run(capsys, "ingest")
    assert code == 1
    assert limit in out
    assert "1 editions, 10 items" in out  # only the seed
    (workdir / "config.toml").write_text("[digests]\nmax_items = 1000\nmax_parts = 100\n")
    code, out, _ = run(capsys, "ingest")
    assert code == 0
    assert "1 new" in out


def test_check_explains_an_unusual_layout_and_lists_what_it_skipped(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`check FOLDER`: each digest's date and where it came from, the rule its items were
    found by, items with their links; an undated file says what ingest will do with it;
    a README is listed as skipped; nothing of this is an error."""
    folder = workdir / "weekly"
    folder.mkdir()
    (folder / "README.md").write_text("# About this folder\n")
    (folder / "issue-7.md").write_text(
        "# 周刊 第 7 期\n\n<div>\n<h4>储能电站并网</h4>\n"
        '<p>容量 100MW。<a href="https://example.org/a">原文</a></p>\n</div>\n'
    )
    code, out, _ = run(capsys, "check", str(folder))
    assert code == 0
    assert f"{folder / 'README.md'}: skipped, not a digest" in out
    assert "  date     none: no date: none in the" in out
    assert "ingest dates it the day it first sees it" in out
    assert "  items    1 item: level-4 headings each with its body" in out
    assert "      1. 储能电站并网" in out
    assert "         https://example.org/a" in out


def test_check_dir_reports_each_series_and_the_rule_to_name(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`check DIR` learns a series from its files: how many agree on one rule, and, when too
    few do, the ``[[series]]`` table that would make the bot read every file by it."""
    folder = workdir / "letter"
    folder.mkdir()
    numbered = "1. [Solar {n}](https://x.example/s{n}) up\n2. [Wind {n}](https://x.example/w{n})\n"
    weak = "- Solar {n}: the grid grows\n- Wind {n}: record bids\n"
    for n in range(1, 6):
        body = (numbered if n <= 3 else weak).format(n=n)
        (folder / f"2024-09-0{n}.md").write_text(f"# Letter 2024-09-0{n}\n\n{body}")
    code, out, _ = run(capsys, "check", str(folder))
    assert code == 0
    assert "series Letter: read as numbered, 3/5 files agree" in out
    assert '  [[series]]\n  match = "Letter"\n  items = "numbered"' in out


def test_check_config_says_where_the_config_came_from(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without a config file `check-config` says the defaults are in effect, never "None"."""
    code, out, _ = run(capsys, "check-config")
    assert code == 0
    [line] = [x for x in out.splitlines() if x.startswith("file ")]
    assert "None" not in line
    assert "default" in line
    (workdir / "config.toml").write_text('[push]\ntime = "06:45"\n', "utf-8")
    code, out, _ = run(capsys, "check-config")
    [line] = [x for x in out.splitlines() if x.startswith("file ")]
    assert line.split() == ["file", "config.toml"]


def test_backup_is_readable_by_the_owner_only(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A backup holds every chat and alert: its file is created 0600, whatever the umask."""
    run(capsys, "ingest")
    old = os.umask(0o022)
    try:
        code, _, _ = run(capsys, "backup", "backups/")
    finally:
        os.umask(old)
    assert code == 0
    [copy] = list((workdir / "backups").glob("digestbot-*.sqlite3"))
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
