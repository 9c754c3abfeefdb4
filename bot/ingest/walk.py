"""Walking the digests folder: every digest file and its stat, never raising for one entry.

Part of ingest. An unreadable sub-folder or file, a symlink loop, a file gone mid-walk, a name
that is not UTF-8 is a per-file error and the rest is listed; a symlink that resolves outside
the folder is skipped with an error (its target is not the publisher's to publish). What
``check`` and the scan both use, so they agree on what is in the folder.
"""

from __future__ import annotations

import errno
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.config import StartupError

log = logging.getLogger(__name__)

SUFFIXES = (".md", ".markdown", ".html", ".htm")  # a digest written as HTML is read too


@dataclass(frozen=True, slots=True)
class FileError:
    path: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.reason}"


@dataclass(slots=True)
class Listing:
    """What a walk of the digests folder found: the files, and where it could not look."""

    files: dict[str, os.stat_result] = field(default_factory=dict)
    errors: list[FileError] = field(default_factory=list)
    blind: list[str] = field(default_factory=list)  # relative paths that could not be read
    links: bool = False  # a symlink was met: the same file may be listed under two names
    version: int = 0  # its watch's count of changes seen (0: not from a watch)

    @property
    def clean(self) -> bool:
        """Whether every entry was read and none is a symlink (what a watch can keep)."""
        return not (self.errors or self.blind or self.links)

    def copy(self) -> Listing:
        return Listing(
            dict(self.files), list(self.errors), list(self.blind), self.links, self.version
        )

    def covers(self, rel: str) -> bool:
        """Whether ``rel`` was seen, or lies where the walk could not look (so it may still
        be there: its edition must not be removed for it)."""
        return rel in self.files or any(
            rel == b or rel.startswith(f"{b}/") or not b for b in self.blind
        )


def shown(path: str) -> str:
    """A path as it can be printed and stored: bytes that are not UTF-8 as ``\\xNN``."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def walk(
    folder: Path, *, under: str = "", arm: Callable[[Path, str], None] | None = None
) -> Listing:
    """Every digest file under ``folder`` (relative posix path → stat); hidden entries skipped.

    Symlinked folders inside the folder are walked once each. ``under``: only that sub-folder
    (relative posix path); ``arm(path, rel)`` is called for each folder before it is listed (a
    watch on it then sees what changes while, or after, it is listed).
    """
    listing = Listing()
    root = folder.resolve()
    start = folder / under if under else folder
    seen = {root, start.resolve()}
    stack = [start]
    while stack:
        current = stack.pop()
        rel_dir = Path(current).relative_to(folder).as_posix()
        if arm is not None:
            arm(current, "" if rel_dir == "." else rel_dir)
        try:
            with os.scandir(current) as it:
                entries = list(it)
        except OSError as exc:
            listing.blind.append("" if rel_dir == "." else rel_dir)
            reason = f"cannot read folder: {why(exc)}"
            listing.errors.append(FileError(shown(str(current)), reason))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            rel = Path(entry.path).relative_to(folder).as_posix()
            if shown(entry.name) != entry.name:  # a surrogate-escaped byte: not UTF-8
                listing.blind.append(rel)
                reason = "skipped: its name is not valid UTF-8: rename it"
                listing.errors.append(FileError(shown(entry.path), reason))
                continue
            try:
                if entry.is_symlink():
                    listing.links = True
                    try:
                        target = Path(entry.path).resolve(strict=True)
                    except FileNotFoundError:
                        listing.errors.append(FileError(entry.path, "skipped: a broken symlink"))
                        continue
                    if not target.is_relative_to(root):
                        outside = shown(str(target))
                        reason = f"skipped: a symlink to {outside}, outside the digests folder"
                        listing.errors.append(FileError(entry.path, reason))
                        log.warning("%s: %s", entry.path, reason)
                        continue
                    if target.is_dir():
                        if target not in seen:
                            seen.add(target)
                            stack.append(Path(entry.path))
                        continue
                elif entry.is_dir(follow_symlinks=False):
                    seen.add(Path(entry.path).resolve())
                    stack.append(Path(entry.path))
                    continue
                if entry.name.endswith(SUFFIXES) and entry.is_file():
                    listing.files[rel] = entry.stat()
            except (OSError, RuntimeError) as exc:  # RuntimeError: pathlib's symlink loop
                listing.blind.append(rel)
                listing.errors.append(FileError(entry.path, f"cannot read: {why(exc)}"))
    return listing


def why(exc: BaseException) -> str:
    """A short reason: "Permission denied", "Too many levels of symbolic links", …"""
    if isinstance(exc, FileNotFoundError):
        return "it vanished during the scan"
    if isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == errno.ELOOP:
        return "a symlink loop"
    return (exc.strerror if isinstance(exc, OSError) else None) or str(exc)


def read_limited(path: Path, size: int, limit: int) -> bytes:
    """The file's bytes, when its size (``size`` from the walk's stat, and what is really
    there) is at most ``limit``: a huge or sparse file is refused before it is read."""
    if size > limit:
        raise TooLarge(size, limit)
    with path.open("rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:  # it grew since the walk
        raise TooLarge(len(data), limit)
    return data


class TooLarge(ValueError):
    """A file over the size a digest may have."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"file too large ({size} bytes, limit {limit})")


def usable_folder(folder: Path) -> None:
    """Refuse to start on a digests folder that is there but cannot be read (one line, the
    key); a folder not there yet is only reported by each scan."""
    try:
        if folder.exists():
            with os.scandir(folder):
                pass
    except OSError as exc:
        reason = (
            "is not a folder" if exc.errno == errno.ENOTDIR else f"cannot be read ({exc.strerror})"
        )
        raise StartupError(
            f"digests folder {folder} {reason}: fix it, or set digests.dir to another folder"
        ) from None
