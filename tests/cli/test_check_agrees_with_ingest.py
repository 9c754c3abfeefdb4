"""`check DIR` refuses exactly what `ingest DIR` refuses, in the same words and with the
same exit status: two files claiming one edition, a symlink out of the folder, a draft, an
undated file under `digests.undated = "skip"`; a clean folder passes both."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cli.main import main


def dated(day: str, text: str, front: str = "") -> str:
    return f"---\ntitle: 每日碳新闻 {day}\n{front}---\n1. {text} https://e.org/{day}\n"


def duplicate(folder: Path) -> None:
    (folder / "2024-03-02.md").write_text(dated("2024-03-02", "另一份"))
    (folder / "copy.md").write_text(dated("2024-03-02", "同一天的第二份"))


def symlink_out(folder: Path) -> None:
    outside = folder.parent / "private"
    outside.mkdir()
    (outside / "2024-03-05.md").write_text(dated("2024-03-05", "机密"))
    (folder / "2024-03-05.md").symlink_to(outside / "2024-03-05.md")


def draft(folder: Path) -> None:
    (folder / "2024-03-03.md").write_text(dated("2024-03-03", "草稿", "draft: true\n"))


def undated(folder: Path) -> None:
    (folder / "notes.md").write_text(
        "---\ntitle: 每日碳新闻\n---\n1. 没有日期。 https://e.org/u\n"
    )


def clean(folder: Path) -> None:
    (folder / "2024-03-04.md").write_text(dated("2024-03-04", "一切正常"))


@pytest.mark.parametrize(
    ("case", "refused"),
    [
        (duplicate, "error: digests/copy.md: date 2024-03-02 is already the edition of "
                    "2024-03-02.md: give one of them a `series:` in its front matter, or its "
                    "own folder"),
        (symlink_out, "error: digests/2024-03-05.md: skipped: a symlink to "),
        (draft, "skipped: digests/2024-03-03.md: draft, not published (draft: true)"),
        (undated, 'skipped: digests/notes.md: no date (digests.undated = "skip")'),
        (clean, ""),
    ],
    ids=["duplicate-edition", "symlink-out", "draft", "undated-skip", "clean"],
)  # fmt: skip
def test_check_dir_and_ingest_refuse_alike(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    case: Callable[[Path], None],
    refused: str,
) -> None:
    """Both commands print the same refusal lines for the folder, and agree on failing."""
    for var in ("DIGESTBOT_CONFIG", "DIGESTBOT_TOKEN", "TELEGRAM_BOT_TOKEN", "DIGESTBOT_DATA"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.toml").write_text('[digests]\nundated = "skip"\n')
    folder = tmp_path / "digests"
    folder.mkdir()
    (folder / "2024-03-01.md").write_text(dated("2024-03-01", "碳市场成交活跃。"))
    case(folder)
    said: dict[str, tuple[int, list[str]]] = {}
    for command in ("check", "ingest"):
        code = main([command, "digests"])
        printed = capsys.readouterr().out.splitlines()
        said[command] = (code, sorted(x for x in printed if x.startswith(("error:", "skipped:"))))
    assert said["check"] == said["ingest"]
    code, lines = said["ingest"]
    assert code == (1 if refused.startswith("error:") else 0)
    assert [line.startswith(refused) for line in lines] == ([True] if refused else [])
