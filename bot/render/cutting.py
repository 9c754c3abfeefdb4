"""Shortening a line for a reader: cut where a reader would, never inside a word (pure).

``shorten(text, size)`` keeps at most ``size`` characters, ``…`` included. It never cuts inside
a Latin word or a number (``1031.80``, ``3.5GW``, ``COP28``), never between a character and
the combining mark or variation selector that follows it, and prefers to stop after
punctuation or a space when one is near the end; between two Han characters is a boundary (a
reader sees phrases there). A text with no boundary at all (one long word) is cut where it
must be. Compact headlines, inline results and search snippets use it.
"""

from __future__ import annotations

import re
import unicodedata

ELLIPSIS = "…"
_TOKEN = re.compile(r"[A-Za-z0-9\u00c0-\u024f]+(?:[.,:'’/\-][A-Za-z0-9\u00c0-\u024f]+)*%?")
_SOFT = set("，。、；：！？,.;:!?）)」』》”’ ")
_NEAR = 0.6  # a punctuation or space stop is preferred in the last 40 % of the room


def forbidden(text: str) -> set[int]:
    """Prefix lengths that would cut inside a word, a number or a combining sequence."""
    inside: set[int] = set()
    for match in _TOKEN.finditer(text):
        inside.update(range(match.start() + 1, match.end()))
    for index in range(1, len(text)):
        if unicodedata.combining(text[index]) or "\ufe00" <= text[index] <= "\ufe0f":
            inside.add(index)
        if text[index] == "\u200d" or text[index - 1] == "\u200d":  # emoji joiners
            inside.add(index)
    return inside


def shorten(text: str, size: int) -> str:
    """``text`` on one line, cut to at most ``size`` characters (see the module doc)."""
    line = " ".join(text.split())
    if len(line) <= size:
        return line
    if size <= 1:
        return ELLIPSIS[:size]
    room = size - 1
    inside = forbidden(line)
    allowed = [n for n in range(room, 0, -1) if n not in inside]
    soft = [n for n in allowed if n >= room * _NEAR and line[n - 1] in _SOFT]
    cut = soft[0] if soft else allowed[0] if allowed else room
    kept = line[:cut].rstrip(" ，、,;；:：")
    return (kept or line[:cut]) + ELLIPSIS
