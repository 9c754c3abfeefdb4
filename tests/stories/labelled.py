"""The hand-labelled pairs of pairs.json, read from the shared corpus, and how a detector
scores on them (used by test_story_pairs.py and tests/bench/bench_stories.py).

Each pair names two items as ``<file under ../shared/corpus>#<item position>`` (the corpus is
read in place, never copied), says whether they tell the same story, and why (checked by
hand against both items)."""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.digest import parse_file
from bot.digest.models import Item
from bot.search.stories import Fingerprint, of_item

PAIRS = Path(__file__).with_name("pairs.json")
# ../shared/corpus next to the checkout; DIGESTBOT_CORPUS points elsewhere
CORPUS = Path(
    os.environ.get("DIGESTBOT_CORPUS") or Path(__file__).resolve().parents[3] / "shared" / "corpus"
)


@dataclass(frozen=True, slots=True)
class Labelled:
    a: str
    b: str
    same: bool
    why: str


@dataclass(frozen=True, slots=True)
class Score:
    precision: float
    recall: float
    wrong: tuple[Labelled, ...]  # the pairs the detector got wrong


def labels() -> list[Labelled]:
    rows = json.loads(PAIRS.read_text("utf-8"))
    return [Labelled(r["a"], r["b"], r["same"], r["why"]) for r in rows]


@functools.cache
def _items(path: Path) -> dict[int, Item]:
    return {item.position: item for item in parse_file(path).items}


def item(key: str, corpus: Path = CORPUS) -> Item:
    """The item a key names: ``<file>#<position>``."""
    name, _, position = key.rpartition("#")
    return _items(corpus / name)[int(position)]


def print_of(key: str, corpus: Path = CORPUS) -> Fingerprint:
    return of_item(item(key, corpus))


def score(
    same: Callable[[Fingerprint, Fingerprint], bool],
    corpus: Path = CORPUS,
    *,
    prints: Callable[[str, Path], Fingerprint] = print_of,
) -> Score:
    """Precision and recall of ``same`` over the labelled pairs (``prints``: how a key's item
    becomes a fingerprint)."""
    tp = fp = fn = 0
    wrong: list[Labelled] = []
    for pair in labels():
        said = same(prints(pair.a, corpus), prints(pair.b, corpus))
        tp += said and pair.same
        fp += said and not pair.same
        fn += pair.same and not said
        if said != pair.same:
            wrong.append(pair)
    return Score(tp / max(1, tp + fp), tp / max(1, tp + fn), tuple(wrong))
