"""The digest parser on the real corpora, side by side with the line scanner it replaced.

Prints one JSON line: files per second of both over every ``.md`` / ``.markdown`` file of the
corpora (../shared/corpus, or $DIGESTBOT_CORPUS), best of three passes each. The old parser
is taken from this repository's history (the commit before the one that removed
``bot/mdtext.py``) and run in the same process. Target: the new one at most 1.5x slower.
"""

from __future__ import annotations

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
OLD_MODULES = ("digest", "mdtext", "editiondate")


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


def corpus_speed(tmp: Path) -> dict[str, object]:
    """Files per second of both parsers over every digest of the corpora (best of 3)."""
    files = sorted(
        p for p in CORPUS.rglob("*") if p.suffix in (".md", ".markdown") and p.is_file()
    )
    data = [(str(p), p.read_bytes()) for p in files]
    old = old_parser(tmp)

    def ours(blob: bytes, source: str) -> object:
        return read_bytes(blob, source=source)

    def best(parse: Callable[..., object]) -> float:
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            for source, blob in data:
                try:
                    parse(blob, source=source)
                except Exception as exc:  # the old parser refuses undated files
                    if type(exc).__name__ != "DigestError" and not isinstance(exc, DigestError):
                        raise
            times.append(time.perf_counter() - t0)
        return min(times)

    new_s, old_s = best(ours), best(old)
    ratio = new_s / old_s
    return {
        "bench": "parse_corpus",
        "files": len(data),
        "mb": round(sum(len(b) for _, b in data) / 2**20, 2),
        "new_s": round(new_s, 3),
        "old_s": round(old_s, 3),
        "new_files_per_s": round(len(data) / new_s),
        "old_files_per_s": round(len(data) / old_s),
        "new_vs_old_time": round(ratio, 2),
        "targets": {"new_vs_old_time": SLOWER_AT_MOST},
        "pass": ratio <= SLOWER_AT_MOST,
    }


def main() -> None:
    if not CORPUS.is_dir():
        print(json.dumps({"bench": "parse_corpus", "skipped": f"no corpus at {CORPUS}"}))
        return
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(corpus_speed(Path(tmp)), ensure_ascii=False))


if __name__ == "__main__":
    main()
