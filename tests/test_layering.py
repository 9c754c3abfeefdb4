"""The architecture holds: a pure core, SQL in one module, a self-contained sandbox."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[1] / "bot"
PURE_CORE = (
    "models",
    "digest",
    "limits",
    "config",
    "taxonomy",
    "dates",
    "textnorm",
    "query",
    "matching",
    "render",
    "snippets",
    "callbacks",
    "i18n",
    "roundup",
    "trend",
)
IO_LIBRARIES = {"telegram", "aiohttp", "sqlite3", "sqlite_utils", "apsw", "httpx", "requests"}
# third-party libraries the pure core may use: parsing, matching and drawing, no network or SQL
PURE_LIBRARIES = {"yaml", "frontmatter", "ahocorasick", "opencc", "matplotlib", "markdown_it_pyrs"}
MAX_MODULE_LINES = 450


def imports_of(path: Path) -> set[str]:
    """Every module a file imports, as dotted names with relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(BOT.parent).with_suffix("").parts[:-1])
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def top(name: str) -> str:
    return name.split(".")[0]


def modules() -> list[Path]:
    return sorted(p for p in BOT.rglob("*.py") if "__pycache__" not in p.parts)


def files_of(name: str) -> list[Path]:
    """The files of a module (``x.py``) or a package (``x/``) of bot/; none if neither exists."""
    if (BOT / f"{name}.py").exists():
        return [BOT / f"{name}.py"]
    return sorted((BOT / name).glob("*.py")) if (BOT / name).is_dir() else []


@pytest.mark.parametrize("name", PURE_CORE)
def test_pure_core_imports_no_io(name: str) -> None:
    """models, digest, render, i18n … never import Telegram, aiohttp or SQLite."""
    files = files_of(name)
    assert files, f"bot/{name} is in the pure core but does not exist"
    found = set().union(*(imports_of(f) for f in files))
    assert not {top(n) for n in found} & IO_LIBRARIES, found
    outside = {top(n) for n in found} - set(sys.stdlib_module_names) - PURE_LIBRARIES - {"bot"}
    assert not outside, outside
    allowed = {f"bot.{m}" for m in PURE_CORE} | {"bot"}
    inner = {n for n in found if top(n) == "bot"}
    assert all(any(n == a or n.startswith(a + ".") for a in allowed) for n in inner), inner


def test_only_store_speaks_sql() -> None:
    """Only the store (store.py and its store_*.py parts) imports sqlite3 or sqlite-utils."""
    speakers = {
        p.relative_to(BOT).as_posix()
        for p in modules()
        if {top(n) for n in imports_of(p)} & {"sqlite3", "sqlite_utils"}
    }
    assert all(s == "store.py" or s.startswith("store_") for s in speakers), speakers


def test_sandbox_is_self_contained() -> None:
    """bot/sandbox imports only the standard library, aiohttp and itself."""
    for path in (BOT / "sandbox").rglob("*.py"):
        for name in imports_of(path):
            if top(name) == "bot":
                assert name.startswith("bot.sandbox"), (path, name)
            else:
                assert top(name) not in {"telegram", "sqlite3", "sqlite_utils"}, (path, name)


def test_modules_stay_small() -> None:
    """No module grows past ~400 lines (house style: cut by concern)."""
    sizes = {
        p.relative_to(BOT).as_posix(): len(p.read_text("utf-8").splitlines()) for p in modules()
    }
    assert {k: v for k, v in sizes.items() if v > MAX_MODULE_LINES} == {}


def test_no_grab_bag_modules() -> None:
    """There is no utils.py / helpers.py / misc.py grab-bag."""
    names = {p.stem for p in modules()}
    assert not names & {"utils", "helpers", "misc", "common"}
