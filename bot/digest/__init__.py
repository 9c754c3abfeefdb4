"""Reading digest files: markdown (markdown-it), HTML, dates, layouts → an Edition (pure).

Owns everything between a file's bytes and its ``Edition``: normalisation (text), the header
(meta), the date and series (dating), one markdown parse (tree, inline, htmlblock; guard
keeps it linear, alive and quiet on any input), item numbers (numbers), the top of the body
(opening: title heading, date line), the layout that carries the stories (layout) and the
items (items); ``reading`` ties them together. May import: the standard library,
markdown-it-pyrs, PyYAML and python-frontmatter, ``bot.models``. Never Telegram, aiohttp or
SQLite.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # loaded on first use: ``bot.digest.rulenames`` alone stays light
    from .reading import (
        MAX_FILE_BYTES,
        DigestError,
        Reading,
        bytes_reader,
        not_a_digest,
        parse,
        parse_bytes,
        parse_file,
        read,
        read_bytes,
        read_file,
        too_many_items,
    )

__all__ = [
    "MAX_FILE_BYTES",
    "DigestError",
    "Reading",
    "bytes_reader",
    "not_a_digest",
    "parse",
    "parse_bytes",
    "parse_file",
    "read",
    "read_bytes",
    "read_file",
    "too_many_items",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(import_module(".reading", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
