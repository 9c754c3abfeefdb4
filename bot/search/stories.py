"""One story, one notice: whether two items tell the same story (pure; no vector database).

Two kinds of evidence, computed once per item into a ``Fingerprint``:

- **the article it links to**: each link as ``urlnorm.article_url`` keys it (tracking
  parameters, ``www.``/``m.``, AMP and the like dropped). Two items that link one article
  tell one story, whatever their wording or language — an English line and a Chinese summary
  of one press release are caught only this way.
- **near-duplicate text**: the item's title and body as the search index tokenises them
  (``textnorm.index_tokens``: overlapping CJK bigrams, Latin and digit words), each token a
  shingle, summarised by a one-permutation MinHash of ``BINS`` bins (one hash per shingle,
  not one per bin as in classic MinHash), with optimal densification. The fraction of equal
  bins estimates the Jaccard similarity of the two shingle sets. MinHash rather than SimHash,
  measured on the labelled pairs with the same shingles and rules: MinHash leaves a gap
  between the wording of different stories (at most 0.70) and of true repeats (at least 0.79),
  SimHash (64 bits) mixes them (Hamming distances of repeats 1–23, of different stories from
  9), so its best threshold (13) gives precision 0.917 where MinHash gives 0.957, at the same
  recall. Its bins also band directly into an LSH index.
- **the figures**: the numbers of the title, and of the body without its dates and times. A
  daily report in a fixed wording (the health commission's case counts, "AI daily report,
  June 12") repeats most of its text every day; its numbers tell one day's from the next.
  A byline's "2026-06-06 11:15" says when, not what: a standing ad re-published with a new
  stamp is the same story.

``same_story(a, b)``: a shared article URL; or, both texts having at least ``MIN_SHINGLES``
distinct shingles, an estimated Jaccard similarity of at least ``THRESHOLD`` with figures
that agree (when both have any, at least ``FIGURES`` of them in common, as a Jaccard
similarity). Measured against the 85 hand-labelled pairs of tests/stories/pairs.json (real
items of ../shared/corpus; tests/bench/bench_stories.py prints the figures): rewordings of
one story by a summarising model score 0.1–0.45 and cross-language ones ~0, so wording alone
catches only near-verbatim repeats (a moved repository, a re-published post) and the link
carries the rest; different stories in one template (``awesome-java`` / ``awesome-python``)
are estimated at up to 0.70 and the least similar true repeat (a moved repository) at 0.79,
hence 0.75. ``BINS`` is 256, not 128: at 128 the estimates' spread (±0.04) crossed that
gap both ways. Known misses: a story retold in other words without a shared link. Known
false matches: an item with a wrong link (it shares another story's URL), and two items
with no text beyond a byline.

``StoryIndex`` finds an item's likely duplicates among many fingerprints without comparing
with each: by article URL (a dict) and by locality-sensitive hashing of the signature
(``BANDS`` bands of ``ROWS`` bins: two texts at the threshold share a band with probability
0.98, at 0.9 with 1.0, at 0.5 with 0.27 and at 0.3 with 0.015), then ``same_story`` on the
few candidates.
"""

from __future__ import annotations

import array
import base64
import functools
import hashlib
import json
import random
import re
import sys
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar, Union

from bot.digest.models import Item

from .textnorm import index_tokens, is_mark, normalize
from .urlnorm import article_url

BINS = 256  # one-permutation MinHash bins (a power of two: the low bits pick the bin)
BANDS, ROWS = 20, 6  # LSH: the first BANDS * ROWS bins, in bands
THRESHOLD = 0.75  # estimated Jaccard similarity from which two texts tell one story
MIN_SHINGLES = 8  # a text with fewer distinct shingles is too short to judge by wording
FIGURES = 0.5  # Jaccard similarity of their digit tokens from which two texts' figures agree

_DIGITS = re.compile(r"\d+")  # a number as the search tokens have it (a DIGIT run)
# a date or a time of day in a body: when it was published, not what it tells (normalised text)
_STAMP = re.compile(
    r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?"
    r"|\d{1,2}\s*月\s*\d{1,2}\s*[日号]"
    r"|\b\d{1,2}:\d{2}(?::\d{2})?\b"
)
_EMPTY = (1 << 64) - 1
_SHIFT = BINS.bit_length() - 1
_MASK = BINS - 1

Key = TypeVar("Key", bound=Hashable)
T = TypeVar("T", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What ``same_story`` compares of one item: its article URLs, its text's MinHash and
    its figures.

    ``size`` is the number of distinct shingles (0: no text); ``signature`` is ``BINS``
    32-bit values, little-endian (``BINS * 4`` bytes: a BLOB a store can keep; empty when
    ``size`` is 0); ``figures`` are the distinct numbers of the title and of the body without
    its dates and times.
    """

    urls: frozenset[str]
    signature: bytes
    size: int
    figures: frozenset[str] = frozenset()


def shingles(text: str) -> set[str]:
    """The text's shingles: its search tokens (CJK bigrams and single characters at the ends
    of a run, Latin and digit words), without the marks of punctuation and spaces."""
    return {token for token in index_tokens(normalize(text)) if not is_mark(token)}


@functools.lru_cache(maxsize=1 << 17)  # shingles recur (common bigrams and words): ~3x faster
def shingle_hash(shingle: str) -> int:
    """A shingle's 64-bit hash (blake2b: the same in every process)."""
    digest = hashlib.blake2b(shingle.encode("utf-8", "surrogatepass"), digest_size=8)
    return int.from_bytes(digest.digest(), "little")


def _probe_orders() -> bytes:
    """For each bin, the other bins in a fixed random order (seeded: the same in every
    process, so fingerprints can be stored), one byte a bin, ``BINS - 1`` bytes a row."""
    rng = random.Random(20261206)
    orders = []
    for b in range(BINS):
        others = [o for o in range(BINS) if o != b]
        rng.shuffle(others)
        orders.append(bytes(others))
    return b"".join(orders)


if BINS > 256:  # pragma: no cover - a bin is one byte of _PROBES
    raise ValueError(f"BINS = {BINS}: at most 256")
_PROBES = _probe_orders()
_ROW = BINS - 1


def signature(hashes: Iterable[int]) -> bytes:
    """One-permutation MinHash of 64-bit shingle hashes; an empty bin takes the value of the
    first non-empty bin in its own fixed random order of the others ("optimal densification",
    Shrivastava 2017: the chance that two signatures agree in a bin stays their Jaccard
    similarity, with about the variance of classic MinHash, even for a short text that
    leaves most bins empty). When most bins are empty, the search runs in C: every probe row
    translated at once to "filled or not", then one ``find`` a row."""
    bins = [_EMPTY] * BINS
    for h in hashes:
        b, v = h & _MASK, h >> _SHIFT
        if v < bins[b]:
            bins[b] = v
    filled = bytes(v != _EMPTY for v in bins)
    if not any(filled):
        return b""
    out = array.array("I", [v & 0xFFFFFFFF for v in bins])
    count = sum(filled)
    if count * 2 < BINS:  # mostly empty: search every row in C
        found = _PROBES.translate(filled.ljust(256, b"\0"))
        for i in range(BINS):
            if not filled[i]:
                at = found.find(1, i * _ROW, (i + 1) * _ROW)
                out[i] = bins[_PROBES[at]] & 0xFFFFFFFF
    elif count < BINS:  # mostly filled: the first probes hit
        for i in range(BINS):
            if not filled[i]:
                row = _PROBES[i * _ROW : (i + 1) * _ROW]
                out[i] = next(bins[o] for o in row if filled[o]) & 0xFFFFFFFF
    if sys.byteorder == "big":  # pragma: no cover - the stored form is little-endian
        out.byteswap()
    return out.tobytes()


def fingerprint(title: str, body: str, links: Iterable[str] = ()) -> Fingerprint:
    """An item's fingerprint from its title, its body (text) and its links."""
    urls = frozenset(key for key in map(article_url, links) if key is not None)
    title, body = normalize(title), normalize(body)  # per character: joins commute with it
    found = {token for token in index_tokens(f"{title}\n{body}") if not is_mark(token)}
    figures = frozenset(_DIGITS.findall(title))
    figures |= frozenset(_DIGITS.findall(_STAMP.sub(" ", body)))
    return Fingerprint(urls, signature(map(shingle_hash, found)), len(found), figures)


def of_item(item: Item) -> Fingerprint:
    """An edition item's fingerprint: its title, the text that does not repeat it, its links."""
    return fingerprint(item.title, item.rest, item.links)


def stored(print_: Fingerprint) -> str:
    """The fingerprint as a store keeps it (JSON text: both engines hold it alike)."""
    signature = base64.b64encode(print_.signature).decode("ascii")
    urls, figures = sorted(print_.urls), sorted(print_.figures)
    return json.dumps({"u": urls, "s": signature, "n": print_.size, "f": figures})


def from_stored(text: str) -> Fingerprint:
    """A fingerprint from what ``stored`` made of it."""
    held = json.loads(text)
    signature = base64.b64decode(held["s"])
    return Fingerprint(frozenset(held["u"]), signature, int(held["n"]), frozenset(held["f"]))


def similarity(a: Fingerprint, b: Fingerprint) -> float:
    """The estimated Jaccard similarity of the two texts' shingles (0.0 if one has none)."""
    if not a.signature or not b.signature:
        return 0.0
    mine, theirs = memoryview(a.signature).cast("I"), memoryview(b.signature).cast("I")
    return sum(x == y for x, y in zip(mine, theirs, strict=True)) / BINS


def same_story(a: Fingerprint, b: Fingerprint) -> bool:
    """Do the two items tell the same story? A shared article URL, or near-duplicate text."""
    if a.urls & b.urls:
        return True
    if a.size < MIN_SHINGLES or b.size < MIN_SHINGLES:
        return False
    return similarity(a, b) >= THRESHOLD and figures_agree(a, b)


def figures_agree(a: Fingerprint, b: Fingerprint) -> bool:
    """Do the two texts' numbers agree (or one of them has none)?"""
    if not a.figures or not b.figures:
        return True
    return len(a.figures & b.figures) >= FIGURES * len(a.figures | b.figures)


_BAND_BYTES = ROWS * 4


def _bands(sig: bytes) -> list[int]:
    """The signature's LSH bands, each as one int (in-memory only: ``hash`` of bytes differs
    between processes)."""
    return [hash((b, sig[b * _BAND_BYTES : (b + 1) * _BAND_BYTES])) for b in range(BANDS)]


# what a URL or a band holds: the one key filed there (almost every band), or a list of them
Filed = Union[Key, list[Key]]  # noqa: UP007 (a TypeVar alias: ``|`` cannot subscript it)


def _file(table: dict[T, Filed[Key]], at: T, key: Key) -> None:
    if at not in table:
        table[at] = key
        return
    held = table[at]
    if isinstance(held, list):
        held.append(key)
    else:
        table[at] = [held, key]


def _unfile(table: dict[T, Filed[Key]], at: T, key: Key) -> None:
    if at not in table:
        return
    held = table[at]
    if not isinstance(held, list):
        if held == key:
            del table[at]
        return
    if key in held:
        held.remove(key)
    if len(held) == 1:
        table[at] = held[0]


def _filed(table: dict[T, Filed[Key]], at: T) -> list[Key]:
    if at not in table:
        return []
    held = table[at]
    return held if isinstance(held, list) else [held]


class StoryIndex(Generic[Key]):
    """Fingerprints by key (an item id, a (chat, item) pair …), for "is this story already
    here?" in time independent of how many there are. Not thread-safe.

    A URL or a band holds its one key itself, a list only when it has several: almost every
    band holds one, and 100 000 fingerprints file two million of them (bench_stories).
    """

    def __init__(self) -> None:
        self._prints: dict[Key, Fingerprint] = {}
        self._by_url: dict[str, Filed[Key]] = {}
        self._by_band: dict[int, Filed[Key]] = {}

    def __len__(self) -> int:
        return len(self._prints)

    def __contains__(self, key: object) -> bool:
        return key in self._prints

    def add(self, key: Key, print_: Fingerprint) -> None:
        """File ``print_`` under ``key`` (replacing what the key held)."""
        self.remove(key)
        self._prints[key] = print_
        for url in print_.urls:
            _file(self._by_url, url, key)
        if print_.size >= MIN_SHINGLES:
            for band in _bands(print_.signature):
                _file(self._by_band, band, key)

    def remove(self, key: Key) -> None:
        """Forget ``key`` (nothing if it is not here): an item leaves the window."""
        print_ = self._prints.pop(key, None)
        if print_ is None:
            return
        for url in print_.urls:
            _unfile(self._by_url, url, key)
        if print_.size >= MIN_SHINGLES:
            for band in _bands(print_.signature):
                _unfile(self._by_band, band, key)

    def candidates(self, print_: Fingerprint) -> set[Key]:
        """Keys that share an article URL or an LSH band with ``print_`` (a superset, mostly,
        of its duplicates here)."""
        found: set[Key] = set()
        for url in print_.urls:
            found.update(_filed(self._by_url, url))
        if print_.size >= MIN_SHINGLES:
            for band in _bands(print_.signature):
                found.update(_filed(self._by_band, band))
        return found

    def duplicates(self, print_: Fingerprint) -> list[Key]:
        """The keys whose fingerprints tell the same story as ``print_``, most similar first."""
        found = [k for k in self.candidates(print_) if same_story(print_, self._prints[k])]
        return sorted(found, key=lambda k: -similarity(print_, self._prints[k]))


def folds(prints: Sequence[Fingerprint]) -> dict[int, int]:
    """Which of these (a page of hits, in the order shown) fold under one before them: the
    index of each that tells the story of an earlier one not folded itself → that one's."""
    index: StoryIndex[int] = StoryIndex()
    out: dict[int, int] = {}
    for at, print_ in enumerate(prints):
        same = index.duplicates(print_)
        if same:
            out[at] = min(same)
        else:
            index.add(at, print_)
    return out
