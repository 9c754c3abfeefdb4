"""What is in the digests folder now, without a ``stat`` per file each tick: ``walk`` kept up
to date by the kernel's file-system events where the platform has them.

Part of ingest. ``listing(folder)`` is ``walk(folder)``. On Linux (inotify, through
inotify_simple) every sub-folder is watched and a scan stats only the names an event named: a
file written in place, added, removed or renamed; a sub-folder added, removed or renamed is
walked again. Events are read without waiting (the scan runs in a reader thread; the event
loop never waits on it), and a scan still compares every file's size and mtime against the
store's file states, so a change in the store (a new database) is read as before.

A full walk instead: the first time; every ``RECHECK`` seconds (a write through a hard link
from outside the folder, or through ``mmap``, raises no event); after the kernel's queue
overflowed or the folder itself was moved; while the folder holds a symlink, an unreadable
entry or a name that is not UTF-8 (the walk's rules decide those); and always where there is
no inotify (not Linux, the watch limit reached) or the folder is on a network or FUSE file
system (another host's writes raise no event here).
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import re
import stat
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import NamedTuple

from .walk import SUFFIXES, Listing, shown, walk

try:
    from inotify_simple import INotify
    from inotify_simple import flags as F
except (ImportError, OSError):  # not Linux: full walks
    INotify = None

log = logging.getLogger(__name__)

MOUNTS = Path("/proc/self/mounts")  # what is mounted where, and its file system
RECHECK = 600.0  # seconds between full walks even when the watch says nothing changed
KEPT = 4  # folders watched at once per process (each holds an inotify instance)
# network and FUSE file systems: another host's writes raise no event on this one
REMOTE = {"nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "virtiofs", "ceph", "glusterfs",
          "afs", "lustre", "gpfs", "davfs", "vboxsf", "vmhgfs", "prl_fs", "fuseblk"}  # fmt: skip

if INotify is not None:
    CHANGES = F.CREATE | F.DELETE | F.MODIFY | F.CLOSE_WRITE | F.ATTRIB | F.MOVED_FROM
    MASK = CHANGES | F.MOVED_TO | F.DELETE_SELF | F.MOVE_SELF | F.ONLYDIR | F.DONT_FOLLOW


def open_inotify() -> INotify | None:
    """An inotify instance that never blocks, or None where there is none."""
    if INotify is None:
        return None
    try:
        return INotify(nonblocking=True)
    except OSError as exc:  # too many instances (fs.inotify.max_user_instances)
        once("no file-system watch (%s): every scan stats every file", exc.strerror)
        return None


_SAID: set[str] = set()


def once(message: str, *args: object) -> None:
    """A warning logged the first time it is met (a scan runs every few seconds)."""
    text = message % args
    if text not in _SAID:
        _SAID.add(text)
        log.warning("%s", text)


class Agreement(NamedTuple):
    """A scan found the store's file states as the folder's listing: with the store's
    ``token`` and the listing's ``version`` both the same, the next finds them so too."""

    version: int
    token: str
    errors: tuple[tuple[str, str, int | None], ...]  # each file's stored error, reported again


class FolderWatch:
    """``walk(folder)``, kept up to date by inotify events (see the module doc)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.full_walks = 0
        self._lock = threading.Lock()
        self._inotify: INotify | None = None
        self._dirs: dict[int, str] = {}  # watch descriptor → its folder (relative, "" root)
        self._listing: Listing | None = None  # what the folder holds, while it is watched
        self._walked = 0.0  # time.monotonic() of the last full walk
        self._broken = False  # a folder could not be watched during this walk
        self._version = 0  # changes seen: a listing's ``version``
        # the last scan's finding that the store held this listing (version, token, errors)
        self.agreed: Agreement | None = None

    def listing(self) -> Listing:
        with self._lock:
            inotify, known = self._inotify, self._listing
            fresh = time.monotonic() - self._walked < RECHECK
            if inotify and known and fresh and self._caught_up(inotify, known):
                known.version = self._version
                return known.copy()
            return self._full()

    def close(self) -> None:
        with self._lock:
            self._close()

    def _close(self) -> None:
        if self._inotify is not None:
            self._inotify.close()
        self._inotify, self._listing, self._dirs = None, None, {}

    def _full(self) -> Listing:
        """Walk the whole folder, arming a watch on each sub-folder before it is listed."""
        self._close()
        if local(self.folder):
            self._inotify = open_inotify()
        self._broken = False
        listing = walk(self.folder, arm=self._arm if self._inotify else None)
        self.full_walks += 1
        self._walked = time.monotonic()
        if self._inotify is not None and listing.clean and not self._broken:
            self._version += 1
            listing.version = self._version
            self._listing = listing.copy()
        else:
            self._close()
        return listing

    def _arm(self, path: Path, rel: str) -> None:
        if self._inotify is None or self._broken or path.is_symlink():
            return  # a symlink: the listing is not kept (the walk's rules)
        try:
            self._dirs[self._inotify.add_watch(path, MASK)] = rel
        except OSError as exc:  # ENOSPC: fs.inotify.max_user_watches reached
            self._broken = True
            once("cannot watch %s (%s): every scan stats every file", path, exc.strerror)

    def _caught_up(self, inotify: INotify, known: Listing) -> bool:
        """Apply the events since the last scan to the listing; False when only a full walk
        can tell what the folder holds now."""
        try:
            events = inotify.read(timeout=0)
        except OSError:
            return False
        files: set[str] = set()
        folders: set[str] = set()  # sub-folders added, removed, renamed, their mode changed
        for event in events:
            if event.mask & F.Q_OVERFLOW:
                return False
            base = self._dirs.get(event.wd)
            if base is None:  # a watch dropped since (its folder moved or went)
                continue
            if event.mask & (F.DELETE_SELF | F.MOVE_SELF | F.IGNORED | F.UNMOUNT):
                if not base:  # the digests folder itself
                    return False
                if event.mask & F.IGNORED:
                    del self._dirs[event.wd]
                continue  # its parent's event names it
            name = event.name
            if not name:  # about the watched folder itself: its parent's event names it
                if not base and event.mask & F.ATTRIB:  # the digests folder's mode changed
                    return False
                continue
            if name.startswith("."):  # hidden: neither listed nor watched
                continue
            if shown(name) != name:  # not UTF-8: the walk reports it
                return False
            rel = f"{base}/{name}" if base else name
            (folders if event.mask & F.ISDIR else files).add(rel)
        if files or folders:
            self._version += 1
        return self._refresh(inotify, known, files, folders)

    def _refresh(
        self, inotify: INotify, listing: Listing, files: set[str], folders: set[str]
    ) -> bool:
        for rel in folders:  # forgotten first, then walked again as they are now
            under = f"{rel}/"
            for gone in [f for f in listing.files if f.startswith(under)]:
                del listing.files[gone]
            for wd, at in list(self._dirs.items()):
                if at == rel or at.startswith(under):
                    del self._dirs[wd]
                    with contextlib.suppress(OSError):  # removed with its folder already
                        inotify.rm_watch(wd)
        for rel in sorted(folders):
            path = self.folder / rel
            if not path.is_dir() or path.is_symlink():
                files.add(rel)  # gone, or a symlink now (the stat below says which)
                continue
            part = walk(self.folder, under=rel, arm=self._arm)
            if not part.clean or self._broken:
                return False
            listing.files.update(part.files)
        for rel in files:
            try:
                st = os.lstat(self.folder / rel)
            except (FileNotFoundError, NotADirectoryError):
                listing.files.pop(rel, None)
                continue
            except OSError:
                return False
            if stat.S_ISLNK(st.st_mode) or stat.S_ISDIR(st.st_mode):
                return False  # a symlink (the walk's rules), or a folder its event missed
            if stat.S_ISREG(st.st_mode) and rel.endswith(SUFFIXES):
                listing.files[rel] = st
            else:
                listing.files.pop(rel, None)
        return True


_OCTAL = re.compile(r"\\([0-7]{3})")
_WATCHES: OrderedDict[tuple[Path, Path], FolderWatch] = OrderedDict()
_GUARD = threading.Lock()


def watch_of(folder: Path) -> FolderWatch:
    """The folder's watch (made on first use; the least recently used past ``KEPT`` closed).
    A relative ``folder`` is another folder in another working directory: each its own watch
    (the paths the walk prints stay as given)."""
    key = (folder, folder.absolute())
    with _GUARD:
        watch = _WATCHES.pop(key, None) or FolderWatch(folder)
        _WATCHES[key] = watch
        while len(_WATCHES) > KEPT:
            _WATCHES.popitem(last=False)[1].close()
    return watch


@atexit.register
def close_watches() -> None:
    """Close every folder's watch (its inotify descriptor): at exit, or when told to."""
    with _GUARD:
        while _WATCHES:
            _WATCHES.popitem()[1].close()


def listing(folder: Path) -> Listing:
    """What ``walk(folder)`` would find, from the folder's watch where it has one."""
    return watch_of(folder).listing()


def local(folder: Path) -> bool:
    """Whether ``folder`` and every mount under it are on a local file system (its events are
    raised here); False where that cannot be told."""
    try:
        mounts = MOUNTS.read_text("utf-8", "replace").splitlines()
        root = folder.resolve()
    except OSError:
        return False
    best, best_type, inside = "", "", []
    for line in mounts:
        parts = line.split()
        if len(parts) < 3:
            continue
        point = _OCTAL.sub(lambda m: chr(int(m[1], 8)), parts[1])  # "\040": a space
        kind = parts[2]
        if root.is_relative_to(point) and len(point) >= len(best):
            best, best_type = point, kind
        elif Path(point).is_relative_to(root):
            inside.append(kind)
    return not any(k in REMOTE or k.startswith("fuse") for k in [best_type, *inside])
