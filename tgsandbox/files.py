"""Uploaded files: kept in memory with Telegram-like file_id / file_unique_id / file_path.

A photo's width and height come from its header (PNG, JPEG, GIF, WebP); bytes that are none of
those are refused as Telegram refuses them ("IMAGE_PROCESS_FAILED").
"""

from __future__ import annotations

import mimetypes
import struct
from dataclasses import dataclass
from typing import Any

PHOTO_PREFIX, DOCUMENT_PREFIX = "AgACAgIAAxkDAAI", "BQACAgIAAxkDAAI"
THUMBNAIL_SIDE = 90


@dataclass(frozen=True, slots=True)
class StoredFile:
    """One stored file (a URL the sandbox was given instead of bytes has ``data == b""``)."""

    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    content_type: str
    file_name: str | None = None
    width: int = 0
    height: int = 0
    url: str | None = None

    def size_json(self, *, width: int | None = None, height: int | None = None) -> dict[str, Any]:
        """A PhotoSize."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
            "width": self.width if width is None else width,
            "height": self.height if height is None else height,
        }

    def document_json(self) -> dict[str, Any]:
        """A Document."""
        result: dict[str, Any] = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
        }
        if self.file_name:
            result["file_name"] = self.file_name
        result["mime_type"] = self.content_type
        result["file_size"] = len(self.data)
        return result

    def file_json(self) -> dict[str, Any]:
        """getFile's File."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
            "file_path": self.file_path,
        }


def image_size(data: bytes) -> tuple[str, int, int] | None:
    """(MIME type, width, height) from an image header, or None if it is not an image."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return "image/png", width, height
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return "image/gif", width, height
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and len(data) >= 30:
        if data[12:16] == b"VP8X":
            width = int.from_bytes(data[24:27], "little") + 1
            height = int.from_bytes(data[27:30], "little") + 1
            return "image/webp", width, height
        return "image/webp", 1, 1
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[str, int, int] | None:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return "image/jpeg", width, height
        i += 2 + length
    return None


class FileStore:
    """Every file the bot uploaded (or named by URL), by file_id and by file_path."""

    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._count = 0

    def add(
        self,
        data: bytes,
        *,
        kind: str,
        content_type: str = "",
        file_name: str | None = None,
        url: str | None = None,
        size: tuple[int, int] = (0, 0),
    ) -> StoredFile:
        """Store bytes as a "photo" or a "document" and give them Telegram-like identifiers."""
        self._count += 1
        n = self._count
        prefix, folder = (
            (PHOTO_PREFIX, "photos") if kind == "photo" else (DOCUMENT_PREFIX, "documents")
        )
        if not content_type:
            content_type = mimetypes.guess_type(file_name or "")[0] or "application/octet-stream"
        extension = mimetypes.guess_extension(content_type) or ".bin"
        stored = StoredFile(
            file_id=f"{prefix}{n:08d}",
            file_unique_id=f"AQAD{n:06d}",
            file_path=f"{folder}/file_{n}{'.jpg' if kind == 'photo' else extension}",
            data=data,
            content_type=content_type,
            file_name=file_name,
            width=size[0],
            height=size[1],
            url=url,
        )
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def all(self) -> list[StoredFile]:
        return list(self._by_id.values())

    def put(self, stored: StoredFile) -> None:
        """A file kept from an earlier run (persist.py); new files are numbered after it."""
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        self._count = max(self._count, int(stored.file_unique_id.removeprefix("AQAD") or 0))

    def by_path(self, path: str) -> StoredFile | None:
        return self._by_path.get(path)

    def clear(self) -> None:
        self._by_id.clear()
        self._by_path.clear()


def photo_sizes(stored: StoredFile) -> list[dict[str, Any]]:
    """The PhotoSize list of a sent photo: a 90-pixel thumbnail (if bigger) and the photo."""
    width, height = stored.width, stored.height
    sizes = []
    if max(width, height) > THUMBNAIL_SIDE:
        scale = THUMBNAIL_SIDE / max(width, height)
        sizes.append(
            stored.size_json(
                width=max(1, round(width * scale)), height=max(1, round(height * scale))
            )
        )
    sizes.append(stored.size_json())
    return sizes
