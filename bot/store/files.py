"""What the last scan learned of each digest file (the ``files`` table): part of the store.

``reading_is`` / ``record_reading`` remember the settings digests were read with, so files that
failed are read again when the limits change.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import NamedTuple

from bot.digest.learning import Signature
from bot.digest.models import EditionKey

from .repository import Repository, upsert
from .stamps import stamp

META_UPSERT = upsert("meta", ("key", "value"), ("key",))
FILES_UPSERT = upsert(
    "files",
    ("path", "size", "mtime_ns", "hash", "edition_date", "error", "error_line", "checked_at",
     "origin", "signature", "link"),
    ("path",),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class FileState:
    """What the last scan learned of one digest file (path relative to the digests folder)."""

    path: str
    size: int
    mtime_ns: int
    hash: str
    edition: EditionKey | None = None  # the edition it gave (kept while it fails)
    error: str | None = None
    error_line: int | None = None
    # what it taught its series when last read (bot.ingest.lenses): None when nothing
    origin: str | None = None
    signature: Signature | None = None
    link: str = ""


class FileStamp(NamedTuple):
    """What an unchanged scan compares of a file's state (and the error it reports again)."""

    size: int
    mtime_ns: int
    error: str | None
    error_line: int | None


class FileStore(Repository):
    """A repository of the Store."""

    def file_stamps(self) -> dict[str, FileStamp]:
        """Each file's size, mtime and error, without the rest of its state (a tenth of the
        cost of ``file_states``: no signature to parse)."""
        rows = self.db.execute("SELECT path, size, mtime_ns, error, error_line FROM files")
        return {r[0]: FileStamp(r[1], r[2], r[3], r[4]) for r in rows.fetchall()}

    def file_states(self) -> dict[str, FileState]:
        return {
            r["path"]: FileState(
                path=r["path"],
                size=r["size"],
                mtime_ns=r["mtime_ns"],
                hash=r["hash"],
                edition=EditionKey.from_ref(r["edition_date"]) if r["edition_date"] else None,
                error=r["error"],
                error_line=r["error_line"],
                origin=r["origin"],
                signature=_signature(r["signature"]),
                link=r["link"] or "",
            )
            for r in self.db.query("SELECT * FROM files")
        }

    def put_file_state(self, state: FileState) -> None:
        self.db.execute(
            FILES_UPSERT,
            [
                state.path,
                state.size,
                state.mtime_ns,
                state.hash,
                state.edition.ref if state.edition else None,
                state.error,
                state.error_line,
                stamp(self.now()),
                state.origin,
                signature_json(state.signature),
                state.link or None,
            ],
        )
        self._changed()

    def delete_file_state(self, path: str) -> None:
        self.db.execute("DELETE FROM files WHERE path = ?", [path])
        self._changed()

    def token(self) -> str:
        """A mark that changes with every change of the file states, in the same transaction
        ("" before any): a scan that finds it as it last saw it, and nothing changed in the
        folder, need not read them (bot.ingest.survey)."""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'files'").fetchone()
        return str(row[0]) if row else ""

    def _changed(self) -> None:
        self.db.execute(META_UPSERT, ["files", secrets.token_hex(8)])

    def reading_is(self, fingerprint: str) -> bool:
        """Whether digests were last read with these settings (limits); when not, files
        that failed must be read again: they may pass now."""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'reading'").fetchone()
        return row is not None and row[0] == fingerprint

    def record_reading(self, fingerprint: str) -> None:
        self.db.execute(META_UPSERT, ["reading", fingerprint])

    def reread_wanted(self) -> bool:
        """Whether every file must be read again once (a migration asked for it)."""
        return bool(self.db.execute("SELECT 1 FROM meta WHERE key = 'reread'").fetchone())

    def reread_done(self) -> None:
        self.db.execute("DELETE FROM meta WHERE key = 'reread'")


def signature_json(signature: Signature | None) -> str | None:
    return json.dumps(signature.to_json(), ensure_ascii=False) if signature else None


def _signature(text: str | None) -> Signature | None:
    if not text:
        return None
    try:
        return Signature.from_json(json.loads(text))
    except ValueError:  # written by no version of the bot: read the file again to learn it
        return None
