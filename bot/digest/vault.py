"""Obsidian vault links: ``[[note]]`` and ``[[note|alias]]`` between the notes of a digests
folder (pure).

What a note is, only its folder knows: a ``Vault`` maps a note's name (its path or its file
name, without ``.md``, any case) to the note's own link — its front matter ``url``, ``link``
or ``source``, else the first http(s) link it holds. ``links_of_vault(body, vault)`` writes
each wikilink to a note with a link as a markdown link to it, its alias (or the note's name)
as its text, before the file is read, so it is a link and a title like any other (``-
[[owner--repo|owner/repo]] summary`` is a story titled ``owner/repo``); a wikilink to a note
that is not there, or has no link — or any, when a file is read outside its folder — is its
text alone. Embeds (``![[image.png]]``) are images: nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import PurePosixPath
from urllib.parse import unquote

_WIKILINK = re.compile(
    r"(!?)\[\[([^\[\]\n|#^\\]{1,300})(?:[#^][^\[\]\n|\\]{0,200})?(?:\\?\|([^\[\]\n]{0,300}))?\]\]"
)
_HTTP = re.compile(r"https?://[^\s)<>\]\"']+", re.IGNORECASE)
_URL_KEYS = ("url", "link", "source", "href")


def links_of_vault(body: str, vault: Vault | None = None) -> str:
    """``body`` with its wikilinks written as markdown: a link to the note's link, or the
    text alone (embeds left out)."""
    if "[[" not in body:
        return body

    def link(m: re.Match[str]) -> str:
        if m.group(1):
            return ""
        target = m.group(2).strip()
        shown = (m.group(3) or PurePosixPath(target).name).strip() or target
        url = vault.link(target) if vault is not None else ""
        if not url:
            return shown
        shown = shown.replace("[", "\\[").replace("]", "\\]")
        return f"[{shown}](<{url}>)"

    return _WIKILINK.sub(link, body)


def wikilink_targets(body: str) -> set[str]:
    """The notes ``body`` links to (embeds aside): what a vault resolves for it."""
    if "[[" not in body:
        return set()
    return {m.group(2).strip() for m in _WIKILINK.finditer(body) if not m.group(1)}


def note_key(name: str) -> str:
    """How a note is named in a wikilink: its path without ``.md``, any case."""
    path = unquote(name).replace("\\", "/").strip().strip("/")
    for suffix in (".md", ".markdown"):
        if path.lower().endswith(suffix):
            path = path[: -len(suffix)]
    return " ".join(path.split()).casefold()


def note_link(meta: Mapping[str, object], text: str) -> str:
    """A note's own link: its front matter url / link / source, else its first http link."""
    for key in _URL_KEYS:
        value = meta.get(key)
        if isinstance(value, str) and _HTTP.fullmatch(value.strip()):
            return value.strip()
    found = _HTTP.search(text)
    return found.group().rstrip(".,;:!?") if found else ""


class Vault:
    """The notes of a folder by name, and their links (``add`` each, then ``resolve``)."""

    def __init__(self) -> None:
        self._links: dict[str, str] = {}

    def add(self, rel: str, link: str) -> None:
        if not link:
            return
        key = note_key(rel)
        self._links.setdefault(key, link)
        self._links.setdefault(note_key(PurePosixPath(rel).name), link)

    def __len__(self) -> int:
        return len(self._links)

    def link(self, target: str) -> str:
        return self._links.get(note_key(target), "")
