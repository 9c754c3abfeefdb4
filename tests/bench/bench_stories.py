"""The duplicate-story detector: how right it is on the hand-labelled pairs, how fast it is.

Prints one JSON line: the labelled pairs (tests/stories/pairs.json over ../shared/corpus or
$DIGESTBOT_CORPUS), the detector's precision and recall on them, and those of its halves
alone (links only, wording only); the threshold; the time to fingerprint one item (mean over
every item of the corpora, ../shared/corpus and tests/corpus); and the time to find an item's
duplicates (``StoryIndex.duplicates``, median and 99th percentile over 1 000 real items) among
``INDEXED`` fingerprints: every real item, padded with made-up ones whose shingles are drawn
from the corpus's own shingle frequencies (so the index's bands are as crowded as real text
would make them), with the mean number of candidates compared, and the memory the index
takes besides the fingerprints (tracemalloc, a second build).
Targets: precision and recall >= 0.9, lookup median <= 1 ms.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
import tracemalloc
from collections import Counter
from itertools import accumulate
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "stories"))

from labelled import CORPUS, labels, score

from bot.digest import DigestError, parse_file
from bot.digest.models import Item
from bot.search.stories import (
    BINS,
    THRESHOLD,
    Fingerprint,
    StoryIndex,
    of_item,
    same_story,
    shingle_hash,
    shingles,
    signature,
)

ROOT = Path(__file__).resolve().parents[2]
INDEXED = 100_000
QUERIES = 1_000
TARGETS = {"precision": 0.9, "recall": 0.9, "lookup_median_ms": 1.0}


def corpus_items() -> list[Item]:
    found: list[Item] = []
    for root in (CORPUS, ROOT / "tests" / "corpus"):
        for path in sorted(root.rglob("*.md")):
            try:
                found.extend(parse_file(path).items)
            except DigestError:
                continue
    return found


def made_up(count: int, items: list[Item], rng: random.Random) -> list[Fingerprint]:
    """Fingerprints of ``count`` made-up items: each as long as a real one, its shingles drawn
    by the corpus's shingle frequencies, its own link."""
    freq: Counter[str] = Counter()
    sizes = []
    for item in items:
        found = shingles(f"{item.title}\n{item.rest}")
        freq.update(found)
        sizes.append(len(found))
    vocab = list(freq)
    weights = list(accumulate(freq[s] for s in vocab))
    prints = []
    for k in range(count):
        drawn = set(rng.choices(vocab, cum_weights=weights, k=rng.choice(sizes)))
        urls = frozenset({f"made-up.example/{k}"})
        figures = frozenset(s for s in drawn if s[0].isdecimal())
        prints.append(Fingerprint(urls, signature(map(shingle_hash, drawn)), len(drawn), figures))
    return prints


def main() -> None:
    if not CORPUS.is_dir():
        print(json.dumps({"bench": "stories", "skipped": f"no corpus at {CORPUS}"}))
        return
    pairs = labels()
    full = score(same_story)
    url_only = score(lambda a, b: bool(a.urls & b.urls))
    text_only = score(
        lambda a, b: same_story(
            Fingerprint(frozenset(), a.signature, a.size, a.figures),
            Fingerprint(frozenset(), b.signature, b.size, b.figures),
        )
    )

    items = corpus_items()
    t0 = time.perf_counter()
    real = [of_item(item) for item in items]
    per_item_us = (time.perf_counter() - t0) / len(items) * 1e6

    rng = random.Random(20261206)
    prints = real + made_up(max(0, INDEXED - len(real)), items, rng)
    index: StoryIndex[int] = StoryIndex()
    t0 = time.perf_counter()
    for key, print_ in enumerate(prints):
        index.add(key, print_)
    build_s = time.perf_counter() - t0
    tracemalloc.start()  # a second build, traced: what the index holds besides the prints
    traced: StoryIndex[int] = StoryIndex()
    for key, print_ in enumerate(prints):
        traced.add(key, print_)
    index_mb = tracemalloc.get_traced_memory()[0] / 2**20
    tracemalloc.stop()
    del traced

    times, compared = [], []
    for print_ in rng.sample(real, QUERIES):
        t0 = time.perf_counter()
        index.duplicates(print_)
        times.append((time.perf_counter() - t0) * 1e3)
        compared.append(len(index.candidates(print_)))
    times.sort()
    median = statistics.median(times)
    figures = {
        "bench": "stories",
        "pairs": len(pairs),
        "same": sum(p.same for p in pairs),
        "precision": round(full.precision, 3),
        "recall": round(full.recall, 3),
        "url_only": {
            "precision": round(url_only.precision, 3),
            "recall": round(url_only.recall, 3),
        },
        "text_only": {
            "precision": round(text_only.precision, 3),
            "recall": round(text_only.recall, 3),
        },
        "threshold": THRESHOLD,
        "items": len(items),
        "fingerprint_us_per_item": round(per_item_us, 1),
        "indexed": len(prints),
        "indexed_real": len(real),
        "index_build_s": round(build_s, 2),
        "index_memory_mb": round(index_mb, 1),
        "signature_bytes": BINS * 4,
        "lookup_median_ms": round(median, 3),
        "lookup_p99_ms": round(times[int(len(times) * 0.99)], 3),
        "candidates_mean": round(statistics.mean(compared), 1),
        "targets": TARGETS,
        "pass": full.precision >= TARGETS["precision"]
        and full.recall >= TARGETS["recall"]
        and median <= TARGETS["lookup_median_ms"],
    }
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
