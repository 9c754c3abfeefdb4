"""The digest parser on the real corpora, side by side with the readers before it.

Prints one JSON line: files per second over the ``.md`` / ``.markdown`` files of the corpora
(../shared/corpus, or $DIGESTBOT_CORPUS, and tests/corpus), best of three passes each, of the
reader now, the reader before series learning (``BEFORE_SERIES``, issue 22) and the line
scanner the markdown reader replaced (the commit before the one that removed
``bot/mdtext.py``); the older two are taken from this repository's history and run in the
same process. The files are the ones listed in ``parse_files.txt`` (pinned: the corpora's
first ``CORPUS_FILES`` files, sorted, when it was written), so a corpus that grows does not
change what is measured; the line says how many were read, how many listed are missing and a
short hash of their names (``file_set``): two lines with the same hash measured the same files.
``--pin`` writes the list again from the corpora as they are now.
Target: now at most 1.5x the line scanner.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bot.digest import DigestError, read_bytes

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("DIGESTBOT_CORPUS") or ROOT.parent / "shared" / "corpus")
SLOWER_AT_MOST = 1.5
ROUNDS = 5  # rounds of the three readers, interleaved
OLD_MODULES = ("digest", "mdtext", "editiondate", "models")
BEFORE_SERIES = "2558b4d"  # the reader before issue 22 (series learning, layout rules)
CORPUS_FILES = 600
PINNED = Path(__file__).with_name("parse_files.txt")


def old_parser(tmp: Path) -> Callable[..., object]:
    """``parse_bytes`` of the line scanner this parser replaced, from the repository's history."""
    last = subprocess.run(
        ["git", "rev-list", "-n", "1", "HEAD", "--", "bot/mdtext.py"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    package = tmp / "oldparser"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for name in OLD_MODULES:
        source = subprocess.run(
            ["git", "show", f"{last}^:bot/{name}.py"],
            cwd=ROOT, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        for other in OLD_MODULES:
            source = source.replace(f"from bot.{other} import", f"from oldparser.{other} import")
        (package / f"{name}.py").write_text(source)
    sys.path.insert(0, str(tmp))
    module = importlib.import_module("oldparser.digest")
    return module.parse_bytes  # type: ignore[no-any-return]


def before_series(tmp: Path) -> Callable[..., object]:
    """``read_bytes`` of the reader before issue 22, from the repository's history."""
    archive = subprocess.run(
        ["git", "archive", BEFORE_SERIES, "bot/digest"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(tmp)], input=archive, check=True)
    (tmp / "bot" / "digest").rename(tmp / "before22")
    module = importlib.import_module("before22")
    return module.read_bytes  # type: ignore[no-any-return]


def roots() -> dict[str, Path]:
    """The corpora by the name their files are listed under in ``PINNED``."""
    return {"shared": CORPUS, "tests": ROOT / "tests" / "corpus"}


def pin() -> None:
    """Write ``PINNED``: the corpora's first ``CORPUS_FILES`` digests now, sorted."""
    names = sorted(
        f"{name}/{p.relative_to(root).as_posix()}"
        for name, root in roots().items()
        if root.is_dir()
        for p in root.rglob("*")
        if p.suffix in (".md", ".markdown") and p.is_file()
    )[:CORPUS_FILES]
    PINNED.write_text("".join(f"{n}\n" for n in names), "utf-8")
    print(f"{PINNED.name}: {len(names)} files, set {file_set(names)}")


def file_set(names: list[str]) -> str:
    """How many files and a short hash of their names: the same value, the same files."""
    digest = hashlib.sha256("\n".join(names).encode()).hexdigest()[:12]
    return f"{len(names)}:{digest}"


def corpus_files() -> tuple[list[str], list[Path], int]:
    """The pinned files that are there (names, paths) and how many listed are missing."""
    where = roots()
    names, paths, missing = [], [], 0
    for name in PINNED.read_text("utf-8").splitlines():
        root, _, rest = name.partition("/")
        path = where[root] / rest
        if path.is_file():
            names.append(name)
            paths.append(path)
        else:
            missing += 1
    return names, paths, missing


def corpus_speed(tmp: Path) -> dict[str, object]:
    """Files per second of the three readers over the corpora's digests (best of ROUNDS)."""
    names, paths, missing = corpus_files()
    data = [(str(p), p.read_bytes()) for p in paths]
    old = old_parser(tmp)
    before = before_series(tmp)

    def ours(blob: bytes, source: str) -> object:
        return read_bytes(blob, source=source)

    def once(parse: Callable[..., object]) -> float:
        t0 = time.perf_counter()
        for source, blob in data:
            try:
                parse(blob, source=source)
            except Exception as exc:  # the old parser refuses undated files
                if type(exc).__name__ != "DigestError" and not isinstance(exc, DigestError):
                    raise
        return time.perf_counter() - t0

    # the three side by side, round after round, each its best: a busy moment of the machine
    # slows all three alike instead of whichever happened to run then
    times: dict[str, list[float]] = {"new": [], "before": [], "old": []}
    for _ in range(ROUNDS):
        for name, parse in (("new", ours), ("before", before), ("old", old)):
            times[name].append(once(parse))
    new_s, before_s, old_s = (min(times[name]) for name in ("new", "before", "old"))
    ratio = new_s / old_s
    return {
        "bench": "parse_corpus",
        "files": len(data),
        "files_missing": missing,  # listed in parse_files.txt, not in the corpora
        "file_set": file_set(names),
        "mb": round(sum(len(b) for _, b in data) / 2**20, 2),
        "new_s": round(new_s, 3),
        "before_series_s": round(before_s, 3),
        "old_s": round(old_s, 3),
        "new_files_per_s": round(len(data) / new_s),
        "before_series_files_per_s": round(len(data) / before_s),
        "old_files_per_s": round(len(data) / old_s),
        "new_vs_before_series_time": round(new_s / before_s, 2),
        "new_vs_old_time": round(ratio, 2),
        "targets": {"new_vs_old_time": SLOWER_AT_MOST},
        "pass": ratio <= SLOWER_AT_MOST,
    }


def main() -> None:
    if sys.argv[1:] == ["--pin"]:
        pin()
        return
    if not CORPUS.is_dir():
        print(json.dumps({"bench": "parse_corpus", "skipped": f"no corpus at {CORPUS}"}))
        return
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(corpus_speed(Path(tmp)), ensure_ascii=False))


if __name__ == "__main__":
    main()
