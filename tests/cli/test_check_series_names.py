"""The publisher's commands name a series as the bot does: `check DIR`, `ingest` and
`preview --series` agree on one display name, the one most of the series' editions carry."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli.main import main


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A digests folder: three 每日碳新闻 files and one titled Tech Daily (one series), and a
    weekly that declares its own."""
    folder = tmp_path / "digests"
    folder.mkdir()
    for day in (1, 2, 3):
        (folder / f"2024-03-0{day}.md").write_text(
            f"---\ntitle: 每日碳新闻 2024-03-0{day}\n---\n1. 碳市场成交 {day}。 https://e.org/{day}\n"
        )
    (folder / "2024-03-04.md").write_text(
        "---\ntitle: Tech Daily 2024-03-04\n---\n1. 储能新品发布。 https://e.org/4\n"
    )
    (folder / "weekly.md").write_text(
        "---\ntitle: 碳周报 2024-03-01\nseries: Carbon Weekly\n---\n1. 本周回顾。 https://e.org/w\n"
    )
    monkeypatch.chdir(tmp_path)
    for var in ("DIGESTBOT_CONFIG", "DIGESTBOT_TOKEN", "TELEGRAM_BOT_TOKEN", "DIGESTBOT_DATA"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """The exit status and everything printed (stdout, then stderr)."""
    code = main(list(argv))
    printed = capsys.readouterr()
    return code, printed.out + printed.err


def test_check_ingest_and_preview_name_the_series_alike(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`check DIR` calls the folder's series 每日碳新闻 (also for the Tech Daily file), the
    store names it so after `ingest`, and `preview --series` lists display names."""
    code, out = run(capsys, "check", "digests")
    assert code == 0
    assert "series 每日碳新闻: " in out
    assert "series Tech Daily" not in out
    assert out.count("  series   每日碳新闻") == 4
    assert "  series   Tech Daily" not in out
    code, _ = run(capsys, "ingest", "digests")
    assert code == 0
    code, out = run(capsys, "preview", "--series", "每日碳新闻")
    assert (code, "储能新品发布" in out) == (0, True)  # its latest: the Tech Daily file's
    code, out = run(capsys, "preview", "--series", "Tech")
    assert code != 0
    assert "(there are: 每日碳新闻, Carbon Weekly)" in out
