"""A throwaway PostgreSQL cluster for the tests: a real server, not a mock.

``running_cluster()`` runs ``initdb`` into a fresh folder in memory (``FOLDERS``) and starts
the server on a Unix socket in that folder only (``listen_addresses = ''``: no TCP port at all),
with durability off for speed (a test cluster never outlives its run).
``PgCluster.create_database()`` gives each test its own database; the URL is the one the bot
takes as ``storage.url``. At the end the server is stopped (``-m immediate``: nothing in it is
worth a checkpoint) and the folder removed.

initdb refuses to run as root, so as root the cluster belongs to an unprivileged user
(``postgres`` when Debian's package made one, else ``nobody``): the binaries run as that user
and the folder is theirs. The folder sits right under /dev/shm (else /tmp), not $TMPDIR: a Unix
socket's path has room for about 107 bytes. In memory, because every test database is a copy of
several megabytes: on a disk other processes keep busy, making one took 0.4 s instead of 0.05.
"""

from __future__ import annotations

import itertools
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:
    import psycopg

MIN_VERSION = 14  # what the bot supports (storage.url)
SUPERUSER = "postgres"  # initdb -U: the same role name whoever runs the server
PORT = 5432  # names the socket file (.s.PGSQL.5432) in the cluster's own folder; no TCP
SETTINGS = {
    "listen_addresses": "''",  # no TCP port: the Unix socket only
    "port": str(PORT),  # not $PGPORT
    "fsync": "off",  # a test cluster is thrown away: durability buys nothing
    "synchronous_commit": "off",
    "full_page_writes": "off",
}
DEBIAN_BINARIES = Path("/usr/lib/postgresql")  # one <major>/bin folder per installed version
RUN_AS = ("postgres", "nobody")  # as root: the first of these users that exists
FOLDERS = (Path("/dev/shm"), Path("/tmp"))  # where the cluster lives: the first that will do
ROOM = 1024**3  # free bytes a folder needs for a worker's cluster (a container's /dev/shm: 64 MB)
# A process of its own that stops the server and removes its folder once the test process is
# gone without doing it (killed: SIGTERM from `timeout`, SIGKILL): an orphaned cluster would
# keep its server running and, in /dev/shm, its files in memory until the machine restarts.
REAPER = """
import os, shutil, subprocess, sys, time
owner, root, pg_ctl, uid, gid = int(sys.argv[1]), *sys.argv[2:6]
def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
while alive(owner) and os.path.isdir(root):
    time.sleep(1)
if os.path.isdir(root):
    user = {} if uid == "-" else {"user": int(uid), "group": int(gid), "extra_groups": []}
    stop = [pg_ctl, "stop", "-D", os.path.join(root, "data"), "-m", "immediate", "-s"]
    subprocess.run(stop, cwd=root, capture_output=True, timeout=60, check=False, **user)
    shutil.rmtree(root, ignore_errors=True)
"""


class PgUnavailable(RuntimeError):
    """The cluster cannot start here (no initdb, too old, a failure): the reason."""


@dataclass(frozen=True, slots=True)
class PgBinaries:
    initdb: Path
    pg_ctl: Path
    version: int


@dataclass(frozen=True, slots=True)
class PgCluster:
    """A running cluster: its folder (which holds the socket) and who runs it."""

    root: Path
    binaries: PgBinaries
    uid: int | None  # None: the server runs as this process's user
    gid: int | None
    reaper: subprocess.Popen[bytes] | None = None  # REAPER, watching this process
    names: Iterator[int] = field(default_factory=itertools.count)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "server.log"

    def url(self, dbname: str) -> str:
        """A libpq URI for ``dbname`` over this cluster's socket (what ``storage.url`` holds)."""
        host = quote(str(self.root), safe="/")
        return f"postgresql:///{dbname}?host={host}&port={PORT}&user={SUPERUSER}"

    def create_database(self, *, template: str = "template1") -> str:
        """A new database (collation C, UTF8), a copy of ``template`` (by default template1:
        empty); its name. No one may be connected to the template meanwhile."""
        from psycopg import sql

        name = f"test_{next(self.names)}"
        with self._admin() as conn:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(template)
                )
            )
        return name

    def drop_database(self, dbname: str) -> None:
        """Drop ``dbname``, closing whatever connections a test left open to it."""
        from psycopg import sql

        with self._admin() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname))
            )

    def stop(self) -> None:
        """Stop the server at once and remove its folder."""
        try:
            _run(self, [self.binaries.pg_ctl, "stop", "-D", self.data, "-m", "immediate", "-s"])
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
            if self.reaper is not None:
                self.reaper.kill()
                self.reaper.wait()

    def _admin(self) -> psycopg.Connection[tuple[Any, ...]]:
        import psycopg

        return psycopg.connect(self.url("postgres"), autocommit=True, connect_timeout=10)


def find_binaries() -> PgBinaries:
    """initdb and pg_ctl: on PATH, else the newest of Debian's /usr/lib/postgresql/*/bin."""
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl:
        return _checked(Path(initdb), Path(pg_ctl))
    found = [
        folder
        for folder in DEBIAN_BINARIES.glob("*/bin")
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file()
    ]
    if not found:
        raise PgUnavailable(
            f"PostgreSQL's initdb and pg_ctl are not on PATH nor in {DEBIAN_BINARIES}/*/bin "
            "(apt-get install postgresql)"
        )
    newest = max(found, key=lambda folder: _number(folder.parent.name))
    return _checked(newest / "initdb", newest / "pg_ctl")


def _number(text: str) -> int:
    match = re.match(r"\d+", text)
    return int(match.group()) if match else -1


def _checked(initdb: Path, pg_ctl: Path) -> PgBinaries:
    """The binaries, if they are PostgreSQL ≥ MIN_VERSION."""
    out = subprocess.run([pg_ctl, "--version"], capture_output=True, text=True, check=False)
    match = re.search(r"\(PostgreSQL\) (\d+)", out.stdout)
    version = int(match.group(1)) if match else 0
    if version < MIN_VERSION:
        raise PgUnavailable(
            f"{pg_ctl} is PostgreSQL {version or '?'}; the bot needs {MIN_VERSION} or newer"
        )
    return PgBinaries(initdb=initdb, pg_ctl=pg_ctl, version=version)


def _server_user() -> tuple[int | None, int | None]:
    """Who runs the server: this process's user, or as root an unprivileged one (RUN_AS)."""
    if os.geteuid() != 0:
        return None, None
    for name in RUN_AS:
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return entry.pw_uid, entry.pw_gid
    raise PgUnavailable(f"running as root and none of the users {', '.join(RUN_AS)} exists")


def _run(cluster: PgCluster, args: list[Any]) -> None:
    """Run a PostgreSQL binary as the cluster's user; PgUnavailable with its output if it fails."""
    as_user: dict[str, Any] = {}
    if cluster.uid is not None:
        as_user = {"user": cluster.uid, "group": cluster.gid, "extra_groups": []}
    try:
        subprocess.run(
            [str(arg) for arg in args],
            cwd=cluster.root,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
            **as_user,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        output = getattr(exc, "stderr", None) or getattr(exc, "stdout", None) or ""
        raise PgUnavailable(f"{Path(args[0]).name} failed: {exc} {output.strip()}") from exc


def _roomy(folder: Path) -> bool:
    """A folder the cluster can live in: writable, with ``ROOM`` free."""
    usable = folder.is_dir() and os.access(folder, os.W_OK | os.X_OK)
    return usable and shutil.disk_usage(folder).free >= ROOM


def start_cluster(*, password: str | None = None) -> PgCluster:
    """initdb into a new folder (``FOLDERS``) and start the server on its socket (waits for it).

    ``password``: the superuser's, asked of every connection (scram-sha-256) instead of
    trusting them all."""
    binaries = find_binaries()
    uid, gid = _server_user()
    parent = next((f for f in FOLDERS if _roomy(f)), FOLDERS[-1])
    root = Path(tempfile.mkdtemp(prefix="pg-", dir=parent))
    ids = ["-", "-"] if uid is None or gid is None else [str(uid), str(gid)]
    reaper = subprocess.Popen(
        [sys.executable, "-c", REAPER, str(os.getpid()), str(root), str(binaries.pg_ctl), *ids],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # not in the process group a `kill -- -PGID` ends
    )
    cluster = PgCluster(root=root, binaries=binaries, uid=uid, gid=gid, reaper=reaper)
    try:
        if uid is not None and gid is not None:
            os.chown(root, uid, gid)
        auth = ["--auth=trust"]
        if password is not None:
            pwfile = root / "pwfile"
            pwfile.write_text(password + "\n", "utf-8")
            if uid is not None and gid is not None:
                os.chown(pwfile, uid, gid)
            auth = ["--auth=scram-sha-256", f"--pwfile={pwfile}"]
        _run(
            cluster,
            [
                *(binaries.initdb, "-D", cluster.data, "-U", SUPERUSER, *auth),
                *("--no-sync", "-E", "UTF8", "--locale=C"),
            ],
        )
        if password is not None:
            (root / "pwfile").unlink()
        settings = {**SETTINGS, "unix_socket_directories": f"'{root}'"}
        with (cluster.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("\n# tests/pgserver.py\n")
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        try:
            _run(
                cluster,
                [binaries.pg_ctl, "start", "-D", cluster.data, "-l", cluster.log, "-w", "-s"],
            )
        except PgUnavailable as exc:
            log = cluster.log.read_text("utf-8", "replace") if cluster.log.exists() else ""
            raise PgUnavailable(f"{exc}\n{log[-2000:]}") from exc
    except BaseException:
        with suppress(PgUnavailable):  # the server may never have started
            cluster.stop()
        raise
    return cluster


@contextmanager
def running_cluster() -> Iterator[PgCluster]:
    """A started cluster, stopped and removed on the way out."""
    cluster = start_cluster()
    try:
        yield cluster
    finally:
        cluster.stop()
