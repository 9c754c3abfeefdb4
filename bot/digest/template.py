"""A series' template: what recurs in most of its editions is furniture, not stories (pure).

A publisher writes the same footer, subscribe box, editor line, "follow us" links or sponsor
slot into every edition. ``unit_prints`` are a candidate story's fingerprints — its text with
numbers and dates blanked, and each of its links without query or fragment — and
``learn(files)`` finds those that recur in most files of a series *at the same end of the
file* (among its first or last few candidates): a popular link that many editions mention in
the middle of their stories is news, a link in the same place at the bottom of each is a
footer. ``Curation`` drops a candidate whose text and links all are template.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_DIGITS = re.compile(r"[0-9０-９]+")
_SPACE = re.compile(r"\s+")
_URL_TAIL = re.compile(r"[?#].*$")
EDGE = 4  # candidates from either end of a file where a template sits
SHARE = 0.4  # in at least this share of a series' files
MIN_FILES = 3  # a template needs this many files to be seen at all
MANY_LINKS = 3  # links that all recur make a paragraph template whatever its wording


# how prints are written and of what: a store that kept others reads its files again
PRINTS = "blake2b-8 candidates+linked blocks"


def text_print(text: str) -> str:
    """A line of text as its template fingerprint: case, spaces, numbers and dates blanked
    (kept for every file of a series, so a short hash of it)."""
    flat = _SPACE.sub(" ", _DIGITS.sub("#", text)).strip().casefold()
    return "t:" + _short(flat[:160]) if flat.strip("#. ") else ""


def link_print(url: str) -> str:
    return "l:" + _short(_URL_TAIL.sub("", url).rstrip("/").casefold())


def _short(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


def unit_prints(text: str, links: Iterable[str]) -> tuple[str, tuple[str, ...]]:
    """(the text's fingerprint, the links' fingerprints) of a candidate story."""
    return text_print(text), tuple(dict.fromkeys(link_print(u) for u in links))


def is_template(text: str, links: Sequence[str], template: frozenset[str]) -> bool:
    """Whether a candidate is the series' furniture: everything it has recurs — its text and
    each of its links (a recurring heading over a new story each day, such as a daily
    "news in brief", is a story)."""
    if not template:
        return False
    text_fp, link_fps = unit_prints(text, links)
    if not text_fp and not link_fps:
        return False
    if not all(fp in template for fp in link_fps):
        return False
    # its words recur too; or it is a boilerplate paragraph of several recurring links whose
    # wording the publisher touched up over the years
    return not text_fp or text_fp in template or len(link_fps) >= MANY_LINKS


@dataclass(frozen=True, slots=True)
class Edges:
    """What one file shows at its ends: the fingerprints of its first and last ``EDGE``
    candidates (kept for each file of a series, so the template is learned without reading
    the files again)."""

    prints: frozenset[str]

    @classmethod
    def of(cls, candidates: Sequence[tuple[str, Sequence[str]]]) -> Edges:
        ends = list(candidates[:EDGE]) + list(candidates[-EDGE:])
        found: set[str] = set()
        for text, links in ends:
            text_fp, link_fps = unit_prints(text, links)
            if text_fp:
                found.add(text_fp)
            found.update(link_fps)
        return cls(frozenset(found))

    def union(self, other: Edges) -> Edges:
        return Edges(self.prints | other.prints)


def learn(files: Sequence[Edges]) -> frozenset[str]:
    """The fingerprints at the ends of at least ``SHARE`` (and three) of a series' files."""
    if len(files) < MIN_FILES:
        return frozenset()
    counts = Counter(fp for edges in files for fp in edges.prints)
    need = max(MIN_FILES, SHARE * len(files))
    return frozenset(fp for fp, n in counts.items() if n >= need)
