"""How fast the publisher's commands start, side by side with the CLI before it loaded lazily.

Prints one JSON line: the median wall time of ``digestbot --help`` and ``digestbot check FILE``
(one digest) over several fresh processes, for this tree and for the tree of ``BEFORE`` (the
last commit whose CLI imported the whole bot at start, checked out into a temporary folder
and run with the same interpreter). Targets: ``--help`` ≤ 0.35 s, ``check`` ≤ 0.6 s.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "digests" / "2024-01-08.md"
BEFORE = "c226236"  # issue 15's last commit: `digestbot` imported PTB, aiohttp, matplotlib
RUNS = 7
TARGETS = {"help_s": 0.35, "check_s": 0.6}
LAUNCH = "import sys; sys.path.insert(0, sys.argv.pop(1)); from {module} import main; main()"


def timed(tree: Path, module: str, *argv: str) -> float:
    """The median seconds of ``digestbot ARGV`` from ``tree`` in a fresh interpreter."""
    times = []
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGESTBOT_")}
    env["PYTHONDONTWRITEBYTECODE"] = "0"
    for _ in range(RUNS + 1):  # the first run fills the bytecode cache: not counted
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", LAUNCH.format(module=module), str(tree), *argv],
            cwd=tree,
            env=env,
            capture_output=True,
            check=True,
        )
        times.append(time.perf_counter() - start)
    return round(statistics.median(times[1:]), 3)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "before"
        subprocess.run(
            ["git", "worktree", "add", "--detach", "-q", str(old), BEFORE], cwd=ROOT, check=True
        )
        try:
            figures = {
                "help_s": timed(ROOT, "bot.cli.main", "--help"),
                "check_s": timed(ROOT, "bot.cli.main", "check", str(SEED)),
                "before_help_s": timed(old, "bot.cli", "--help"),
                "before_check_s": timed(old, "bot.cli", "check", str(SEED)),
            }
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT)
    figures["help_speedup"] = round(figures["before_help_s"] / figures["help_s"], 1)
    figures["check_speedup"] = round(figures["before_check_s"] / figures["check_s"], 1)
    passed = all(figures[k] <= v for k, v in TARGETS.items())
    print(
        json.dumps(
            {"bench": "cli_startup", **figures, "runs": RUNS, "targets": TARGETS, "pass": passed}
        )
    )


if __name__ == "__main__":
    main()
