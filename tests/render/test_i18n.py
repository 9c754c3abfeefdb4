"""The zh/en catalogue: both languages for every key, and every use fills its placeholders."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from bot.render.i18n import CATALOGUE, LANGUAGES, t

BOT = Path(__file__).resolve().parents[2] / "bot"
LOOKUPS = {"say", "t"}
DYNAMIC_PREFIXES = ("format_",)  # looked up as f"format_{chat.format}"


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def needs(key: str) -> set[str]:
    """Every value a lookup of ``key`` must pass (a language may leave some unused)."""
    return set().union(*(placeholders(text) for text in CATALOGUE[key].values()))


def uses() -> list[tuple[str, str, set[str] | None]]:
    """(file:line, key, keyword names passed — None when **values are passed on)."""
    found = []
    for path in sorted(BOT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) in LOOKUPS):
                continue
            if not node.args or not isinstance(node.args[0], ast.Constant):
                continue
            names = {k.arg for k in node.keywords if k.arg is not None}
            spread = any(k.arg is None for k in node.keywords)
            found.append(
                (f"{path.name}:{node.lineno}", node.args[0].value, None if spread else names)
            )
    return found


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_every_key_in_both_languages_and_renders(key: str) -> None:
    """Each string exists in zh and en and renders with its placeholders filled."""
    entry = CATALOGUE[key]
    assert set(entry) == set(LANGUAGES)
    values = dict.fromkeys(needs(key), "X")
    for lang in LANGUAGES:
        rendered = t(key, lang, **values)
        assert rendered.strip()
        assert "{" not in rendered


def test_every_lookup_names_a_key_and_fills_its_placeholders() -> None:
    """Every say()/t() call in the bot uses an existing key with exactly its placeholders."""
    problems = []
    for where, key, names in uses():
        if key not in CATALOGUE:
            problems.append(f"{where}: unknown key {key!r}")
        elif names is not None and names != needs(key):
            problems.append(f"{where}: {key!r} needs {needs(key)}, got {names}")
    assert problems == []


def test_every_key_is_used() -> None:
    """No dead strings: each key is looked up somewhere (or by a known dynamic prefix)."""
    used = {key for _, key, _ in uses()}
    sources = "".join(p.read_text("utf-8") for p in BOT.rglob("*.py"))
    dead = {
        k
        for k in CATALOGUE
        if k not in used and not k.startswith(DYNAMIC_PREFIXES) and f'"{k}"' not in sources
    }
    assert dead == set()


def test_unknown_language_falls_back_to_chinese() -> None:
    """A chat with an unexpected language code still gets a message (in Chinese)."""
    assert t("no_editions", "fr") == CATALOGUE["no_editions"]["zh"]
