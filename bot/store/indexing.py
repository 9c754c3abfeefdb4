"""What the search index stores of an item: its tokens and its topics (pure computation).

``ItemIndexer`` is what the index triggers call (``dg_tokens``, ``dg_topics``: see ``index``);
it is picklable, so an ingest computes the rows in worker processes and primes the store.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.digest.models import body_of
from bot.search.matching import TopicTagger
from bot.search.textnorm import index_text, normalize

# The version of what an item's tokens are made of. A contentless FTS5 index deletes a row by
# the tokens it was given, so it must never hold tokens made by an older rule: change this
# whenever the same item would get other tokens (``body_of``, textnorm's ``index_text``), and
# every item is indexed again at the next start (``retag_if_changed``).
TOKENS = "body-3"  # 3: each OTHER character indexed as its mark (1: one gap token)


def item_tokens(title: str | None, text: str | None) -> str:
    """What the index stores for an item: tokens of its normalised body (``body_of``)."""
    return index_text(normalize(body_of(title or "", text or "")))


class ItemIndexer:
    """(tokens, topic keys as JSON) of an item: what the index triggers store.

    Pure and picklable, so an ingest can run it in worker processes and hand the results to
    the store with ``prime`` (the triggers then find them instead of computing them again).
    """

    def __init__(self, topics: Sequence[tuple[str, Sequence[str]]]) -> None:
        self.topics = [(str(k), [str(w) for w in words]) for k, words in topics]
        self._tagger: TopicTagger | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"topics": self.topics}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.topics, self._tagger = state["topics"], None

    def __call__(self, title: str | None, text: str | None) -> tuple[str, str]:
        if self._tagger is None:
            self._tagger = TopicTagger(self.topics)
        normalized = normalize(body_of(title or "", text or ""))
        found = sorted(self._tagger.tags(normalized))
        tokens = " ".join([index_text(normalized), EVERY, *map(topic_token, found)])
        return tokens, json.dumps(found)


EVERY = "\ue004"  # an index token every item has: searches by date, topic or exclusion alone


def topic_token(key: str) -> str:
    """The index token of a topic (one token for the ascii tokenizer: no ASCII punctuation)."""
    return "\ue001" + key.replace("-", "\ue002").replace("_", "\ue003")
