"""The architecture holds: packages by concern that import downwards only, a pure core, SQL in
the store, a self-contained emulator."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BOT = ROOT / "bot"
EMULATOR = ROOT / "tgsandbox"

# What each part of bot/ may import of bot/ besides itself, lowest first (the README draws it).
RULES: dict[str, set[str]] = {
    "bot.digest": set(),
    "bot.render": {"bot.digest"},
    "bot.search": {"bot.digest", "bot.render"},
    "bot.config": {"bot.digest", "bot.search"},
    "bot.store": {"bot.digest", "bot.render", "bot.search", "bot.config"},
    "bot.ingest": {"bot.digest", "bot.render", "bot.search", "bot.config", "bot.store"},
    "bot.ops": {"bot.digest", "bot.render", "bot.config", "bot.store"},
    "bot.services": {"bot.digest", "bot.search", "bot.config", "bot.store", "bot.ops"},
}
# delivery plans and sends what the store holds; it never scans (the cycle calls both)
RULES["bot.delivery"] = {*RULES["bot.ingest"], "bot.ops", "bot.services"}
RULES["bot.cycle"] = {*RULES["bot.delivery"], "bot.ingest", "bot.delivery"}
RULES["bot.chat"] = {*RULES["bot.cycle"], "bot", "bot.cycle"}
RULES["bot.app"] = {*RULES["bot.chat"], "bot", "bot.chat", "tgsandbox"}
RULES["bot.cli"] = {*RULES["bot.app"], "bot.app"}
RULES["bot.__main__"] = {"bot.cli"}
RULES["bot"] = set()

# Pure: no Telegram, aiohttp or SQLite; only these third-party libraries.
PURE = (
    "bot.digest",
    "bot.render",
    "bot.search",
    "bot.config",
    "bot.ingest.limits",
    "bot.delivery.roundup",
)
IO_LIBRARIES = {"telegram", "aiohttp", "sqlite3", "sqlite_utils", "apsw", "httpx", "requests"}
PURE_LIBRARIES = {"yaml", "frontmatter", "ahocorasick", "opencc", "matplotlib", "markdown_it_pyrs"}
MAX_MODULE_LINES = 400


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, *, top_level_only: bool = False) -> set[str]:
    """Every module a file imports, as dotted names with relative imports resolved
    (``top_level_only``: not the imports deferred into functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    if top_level_only:  # include `if TYPE_CHECKING:` and try: blocks at the top
        nodes = [n for stmt in tree.body for n in ast.walk(stmt) if not _deferred(stmt)]
    names: set[str] = set()
    for node in nodes:
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


def _deferred(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)


def top(name: str) -> str:
    return name.split(".")[0]


def modules(root: Path = BOT) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def files_of(name: str) -> list[Path]:
    """The files of a module or a package; none if neither exists."""
    path = ROOT.joinpath(*name.split("."))
    if path.with_suffix(".py").exists():
        return [path.with_suffix(".py")]
    return modules(path) if (path / "__init__.py").exists() else []


def unit_of(name: str) -> str:
    """The part of bot/ a module belongs to: its package, or itself for a top module."""
    parts = name.split(".")
    if parts[0] != "bot":
        return parts[0]
    return ".".join(parts[:2]) if len(parts) > 1 else "bot"


def existing(name: str) -> str | None:
    """The module (or package) of bot/ that ``name`` (a module or a name in one) refers to."""
    while name:
        if files_of(name):
            return name
        name = name.rpartition(".")[0]
    return None


@pytest.mark.parametrize("name", sorted(RULES))
def test_every_part_named_exists(name: str) -> None:
    """Each part the rules name is a module or package of bot/ (a rename fails here)."""
    assert files_of(name), f"{name} is in the layering rules but does not exist"


@pytest.mark.parametrize("path", modules(), ids=lambda p: module_name(p))
def test_imports_go_downwards(path: Path) -> None:
    """A module imports only its own package and the parts below it."""
    here = unit_of(module_name(path))
    assert here in RULES, f"{here} has no layering rule: add it to RULES and to the README"
    wrong = set()
    for name in imports_of(path):
        if top(name) not in {"bot", "tgsandbox"}:
            continue
        target = existing(name) or name
        there = unit_of(target)
        if there != here and there not in RULES[here]:
            wrong.add(target)
    assert not wrong, f"{module_name(path)} may not import {sorted(wrong)}"


def test_no_import_circles() -> None:
    """No circle among bot's modules at import time (deferred imports inside functions aside)."""
    graph: dict[str, set[str]] = {}
    for path in modules():
        name = module_name(path)
        targets = {existing(n) for n in imports_of(path, top_level_only=True) if top(n) == "bot"}
        graph[name] = {t for t in targets if t and t != name and not name.startswith(t + ".")}
        graph[name] -= {"bot"}  # the package's __init__ (a version string) imports nothing
    seen: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        seen[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if seen.get(nxt) == 1:
                raise AssertionError(" → ".join([*stack[stack.index(nxt) :], nxt]))
            if nxt not in seen:
                visit(nxt)
        stack.pop()
        seen[node] = 2

    for node in sorted(graph):
        if node not in seen:
            visit(node)


@pytest.mark.parametrize("name", PURE)
def test_pure_core_imports_no_io(name: str) -> None:
    """digest, render, search, config … never import Telegram, aiohttp or SQLite."""
    files = files_of(name)
    assert files, f"{name} is in the pure core but does not exist"
    found = set().union(*(imports_of(f) for f in files))
    assert not {top(n) for n in found} & IO_LIBRARIES, found
    outside = {top(n) for n in found} - set(sys.stdlib_module_names) - PURE_LIBRARIES - {"bot"}
    assert not outside, outside
    inner = {existing(n) or n for n in found if top(n) == "bot"}
    impure = {n for n in inner if not any(n == p or n.startswith(p + ".") for p in PURE)}
    assert not impure, impure


def test_only_store_speaks_sql() -> None:
    """Only bot/store imports sqlite3 or sqlite-utils."""
    speakers = {
        module_name(p)
        for p in modules()
        if {top(n) for n in imports_of(p)} & {"sqlite3", "sqlite_utils"}
    }
    assert speakers, "nothing speaks SQL: the store moved?"
    assert all(s.startswith("bot.store.") for s in speakers), speakers


def test_emulator_is_self_contained() -> None:
    """tgsandbox imports only the standard library, aiohttp and itself: never bot/."""
    files = modules(EMULATOR)
    assert files, "tgsandbox/ does not exist"
    for path in files:
        for name in imports_of(path):
            assert top(name) not in {"bot", "telegram", "sqlite3", "sqlite_utils"}, (path, name)


def test_modules_stay_small() -> None:
    """No module grows past ~400 lines (house style: cut by concern)."""
    sizes = {
        module_name(p): len(p.read_text("utf-8").splitlines())
        for p in [*modules(), *modules(EMULATOR)]
    }
    assert {k: v for k, v in sizes.items() if v > MAX_MODULE_LINES} == {}


def test_no_grab_bag_modules() -> None:
    """There is no utils.py / helpers.py / misc.py grab-bag."""
    names = {p.stem for p in [*modules(), *modules(EMULATOR)]}
    assert not names & {"utils", "helpers", "misc", "common"}


def test_packages_say_what_they_own() -> None:
    """Every package of bot/ opens with a docstring saying what it owns and may import."""
    for init in [*BOT.glob("*/__init__.py"), EMULATOR / "__init__.py"]:
        doc = ast.get_docstring(ast.parse(init.read_text("utf-8"))) or ""
        assert len(doc) > 120, f"{init.parent.name}/__init__.py: say what it owns"
        if init.parent != EMULATOR:
            assert "import" in doc, f"{init.parent.name}/__init__.py: say what it may import"
