"""The date of each file's first commit, when the digests folder is a git work tree.

Part of ingest. An undated digest (``issue-42.md``) is dated by the commit that added it: the
day its publisher published it, not the day the bot first saw it. One ``git log`` run gives
every file's first commit (``FirstCommits.load``, in a worker thread: never on the event loop);
a scan asks for it only when it meets an undated file, and keeps it for the rest of the scan.
No git, no work tree, a file not committed yet: no date (the caller falls back to the day the
bot first sees the file).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
import threading
from pathlib import Path

log = logging.getLogger(__name__)

GIT_SECONDS = 60.0  # a git log that takes longer is given up (the files are dated when seen)
_MARK = "\x01"  # starts each commit's line in the log


def first_commits(folder: Path) -> dict[str, dt.date]:
    """Relative path (under ``folder``) → the author date of the commit that added it, for
    every file git knows in ``folder``; {} when it is no git work tree or git fails."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    command = [
        "git", "-c", "core.quotepath=off", "log", "--diff-filter=A", "--no-renames",
        "--relative", "--name-only", "--date=short", f"--format={_MARK}%ad", "--", ".",
    ]  # fmt: skip
    try:
        done = subprocess.run(  # noqa: S603 - a fixed command, the folder as its cwd
            command,
            cwd=folder,
            env=env,
            capture_output=True,
            timeout=GIT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        log.debug("no git dates for %s: %s", folder, exc)
        return {}
    if done.returncode != 0:  # not a work tree (or no commits yet)
        return {}
    found: dict[str, dt.date] = {}
    day: dt.date | None = None
    for line in done.stdout.decode("utf-8", "surrogateescape").splitlines():
        if line.startswith(_MARK):
            try:
                day = dt.date.fromisoformat(line[1:].strip())
            except ValueError:
                day = None
        elif line and day is not None:
            found[line] = day  # newest first: an older commit that added it wins
    return found


class FirstCommits:
    """``first_commits`` of one folder, run once (on first use) and kept for one scan."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._found: dict[str, dt.date] | None = None
        self._lock = threading.Lock()

    def load(self) -> dict[str, dt.date]:
        with self._lock:
            if self._found is None:
                self._found = first_commits(self.folder)
            return self._found

    def get(self, rel: str) -> dt.date | None:
        """The date of the commit that added ``rel`` (relative to the folder), if any."""
        return self.load().get(rel)
