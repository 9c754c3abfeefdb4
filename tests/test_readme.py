"""The README documents what the bot really has."""

from __future__ import annotations

from pathlib import Path

from bot.chat import settings
from bot.chat.handlers import COMMANDS
from bot.cli.main import build_parser

README = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")


def test_readme_lists_every_command_with_an_example() -> None:
    """Each command of the COMMANDS table has a README row with its example."""
    for command in COMMANDS:
        assert f"| `/{command.name}` |" in README
        assert f"`{command.example}`" in README


def test_readme_shows_the_two_commands() -> None:
    """The first screen shows `make run` and `make test`."""
    head = README[:1500]
    assert "make run" in head
    assert "make test" in head


def test_readme_lists_the_settings_table() -> None:
    """The README's settings list is the one the SETTINGS table makes (names, aliases, values)."""
    rows = settings.readme_rows()
    assert rows in README, f"README.md: the settings list is out of date; it should be:\n{rows}"


def test_readme_lists_every_command_line_command() -> None:
    """Each ``digestbot`` subcommand has a row in the README's command line table."""
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    assert commands
    for name in commands:
        assert f"| `{name}" in README, f"README.md: no row for `digestbot {name}`"
