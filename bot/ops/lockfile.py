"""One bot per database: an exclusive lock held beside it for as long as the process writes.

``DataLock.acquire(db_path, role="run")`` takes ``flock(LOCK_EX)`` on ``<database>.lock``
beside the file the path resolves to (created 0600) and writes ``<pid> <role>`` into it; the
kernel releases the lock when the process ends, ``kill -9`` included, so a stale file never
blocks a restart. A second holder is refused with ``LockHeld``, whose message is one line
naming the holder's pid and what to do. ``wait`` seconds: keep trying that long first (a bot
starting while ``ingest`` runs waits for it; nobody waits for a running bot, which holds the
lock for days).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from pathlib import Path
from types import TracebackType

BOT_ROLES = ("run", "demo")  # long-lived holders: waiting for them is pointless
POLL = 0.05  # s between tries while waiting


class LockHeld(Exception):
    """The database is in use by another digestbot process; ``str()`` says which and what to do."""

    def __init__(self, path: Path, *, pid: int | None, role: str, hint: str) -> None:
        self.path = path
        self.pid = pid
        self.role = role
        holder = f"digestbot {role}" if role else "another digestbot process"
        who = f"{holder} (pid {pid})" if pid else holder
        super().__init__(f"{path}: in use by {who}: {hint}")


class DataLock:
    """The held lock; ``release`` (or leaving the ``with`` block) gives it up."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, db_path: Path, *, role: str, wait: float = 0.0) -> DataLock:
        """Lock ``db_path`` for this process as ``role`` (``run``, ``ingest``…)."""
        path = lock_path(db_path)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + wait
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    pid, holder = _holder(fd)
                    if holder in BOT_ROLES or time.monotonic() >= deadline:
                        raise LockHeld(
                            db_path, pid=pid, role=holder, hint=_hint(holder, role)
                        ) from None
                    time.sleep(POLL)
            try:
                os.ftruncate(fd, 0)
                os.pwrite(fd, f"{os.getpid()} {role}\n".encode(), 0)
            except OSError as exc:  # a full disk: name the file (the caller says it in a line)
                raise OSError(exc.errno, exc.strerror, str(path)) from None
        except BaseException:
            os.close(fd)
            raise
        return cls(db_path, fd)

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            os.close(fd)  # closing the last descriptor releases the flock

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __enter__(self) -> DataLock:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def lock_path(db_path: Path) -> Path:
    """Beside the database file itself: a ``storage.path`` that is a symlink to another bot's
    database (or a path through a symlinked folder) shares that bot's lock."""
    real = db_path.resolve()
    return real.with_name(real.name + ".lock")


def _holder(fd: int) -> tuple[int | None, str]:
    """(pid, role) the holder wrote; (None, "") while it has not written yet."""
    try:
        text = os.pread(fd, 100, 0).decode("ascii", "replace").split()
    except OSError:
        return None, ""
    pid = int(text[0]) if text and text[0].isdigit() else None
    return pid, text[1] if len(text) > 1 else ""


def _hint(holder: str, role: str) -> str:
    if holder in BOT_ROLES:
        if role == "ingest":
            return "the running bot loads the digests itself (send it /reload to scan now)"
        if role == "push" and holder == "demo":  # its clock is not ours: rows would wait
            return "send /push in the sandbox's web chat instead (its user is the admin there)"
        if role == "push":
            return "send /push to the running bot instead, or stop it first"
        return "stop it first, or give this one another data folder (DIGESTBOT_DATA)"
    return "wait for it to finish, then try again"
