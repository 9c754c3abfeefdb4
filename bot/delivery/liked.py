"""What readers said of pushed editions, as the publisher sees it: per edition and per topic
(/stats, ``digestbot stats``), and per item (the weekly roundup's ranking).

A vote or a reaction is on one message part (feedback.py); it counts for every item that part
held, and for every topic of those items (once a topic). 👍 and any reaction but the plainly
negative ones (``NEGATIVE``) count for an item, 👎 and those against it (``Tally.score``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.digest.models import EditionKey
from bot.render.i18n import t
from bot.search.taxonomy import Topic
from bot.store.database import Store
from bot.store.feedback import DOWN, UP, Feedback, Source

NEGATIVE = frozenset({DOWN, "💩", "🤮", "🤬", "😡", "🥱"})
STATS_EDITIONS = 5  # editions /stats shows feedback for


@dataclass
class Tally:
    """What readers said: button votes and reactions (by emoji)."""

    up: int = 0
    down: int = 0
    reactions: Counter[str] = field(default_factory=Counter)

    @property
    def score(self) -> int:
        """For minus against: 👍 and liking reactions, less 👎 and negative ones."""
        against = sum(n for emoji, n in self.reactions.items() if emoji in NEGATIVE)
        return self.up - self.down + sum(self.reactions.values()) - 2 * against

    def figures(self, lang: str) -> str:
        """``👍 3 · 👎 1 · 回应 ❤ 2 🔥 1`` (the buttons' votes, then the reactions)."""
        said = [f"{UP} {self.up}", f"{DOWN} {self.down}"]
        if self.reactions:
            shown = " ".join(f"{e} {n}" for e, n in self.reactions.most_common())
            said.append(t("feedback_reactions", lang, reactions=shown))
        return " · ".join(said)

    def as_json(self) -> dict[str, object]:
        return {"up": self.up, "down": self.down, "reactions": dict(self.reactions),
                "score": self.score}  # fmt: skip


def tally_parts(rows: Iterable[Feedback]) -> dict[tuple[int, int], Tally]:
    """(chat, part) → what its readers said. A channel's counts and its readers' own
    reactions are never both sent for one message; if they were, the larger of each stands."""
    by_part: dict[tuple[int, int], list[Feedback]] = defaultdict(list)
    for row in rows:
        by_part[(row.chat_id, row.part)].append(row)
    tallies = {}
    for where, found in by_part.items():
        tally = Tally()
        own: Counter[str] = Counter()
        counted: Counter[str] = Counter()
        for row in found:
            if row.source is Source.BUTTON:
                tally.up += row.amount * (row.emoji == UP)
                tally.down += row.amount * (row.emoji == DOWN)
            else:
                (own if row.source is Source.REACTION else counted)[row.emoji] += row.amount
        tally.reactions = Counter({e: max(own[e], counted[e]) for e in own | counted})
        tallies[where] = tally
    return tallies


def _add(total: Tally, part: Tally) -> None:
    total.up += part.up
    total.down += part.down
    total.reactions.update(part.reactions)


def _items_of(rows: Iterable[Feedback]) -> dict[tuple[int, int], tuple[int, ...]]:
    return {(row.chat_id, row.part): row.items for row in rows}


@dataclass(frozen=True, slots=True)
class Report:
    """Feedback per edition (newest first) and per topic (the configured order)."""

    editions: list[tuple[EditionKey, str, Tally]]  # key, "series date", what readers said
    topics: list[tuple[str, str, Tally]]  # key, name, what readers said


def report(
    store: Store, topics: Sequence[Topic], *, lang: str, limit: int = STATS_EDITIONS
) -> Report:
    """What readers said of the ``limit`` newest editions they gave feedback on; a vote counts
    for every topic of the items in its part (once a topic)."""
    names = store.series.series_names() if len(store.series.all_series()) > 1 else {}
    editions, by_topic = [], {topic.key: Tally() for topic in topics}
    for key in store.feedback.latest_editions(limit):
        rows = store.feedback.of_editions([key])
        tallies, items = tally_parts(rows), _items_of(rows)
        total = Tally()
        tags = store.index.edition_item_topics(key)
        for where, tally in tallies.items():
            _add(total, tally)
            for topic in set().union(*(tags.get(p, set()) for p in items[where])):
                if topic in by_topic:
                    _add(by_topic[topic], tally)
        name = names.get(key.series, "")
        label = " ".join(x for x in (name, key.date.isoformat()) if x)
        editions.append((key, f"{label} #{key.issue}" if key.issue else label, total))
    shown = [
        (topic.key, topic.name_en if lang == "en" else topic.name_zh, by_topic[topic.key])
        for topic in topics
        if by_topic[topic.key].up or by_topic[topic.key].down or by_topic[topic.key].reactions
    ]
    return Report(editions, shown)


def report_lines(found: Report, lang: str) -> list[str]:
    """The report as /stats (and ``digestbot stats``) show it, as plain text."""
    if not found.editions:
        return [t("stats_feedback_none", lang)]
    lines = [t("stats_feedback", lang, n=len(found.editions))]
    lines += [t("stats_feedback_edition", lang, edition=label, figures=tally.figures(lang))
              for _, label, tally in found.editions]  # fmt: skip
    if found.topics:
        lines.append(t("stats_feedback_topics", lang))
        lines += [t("stats_feedback_topic", lang, topic=name, figures=tally.figures(lang))
                  for _, name, tally in found.topics]  # fmt: skip
    return lines


def item_scores(store: Store, editions: Sequence[EditionKey]) -> dict[tuple[EditionKey, int], int]:
    """(edition, item position) → the score of the votes and reactions on the parts that held
    the item (the weekly roundup ranks by it when ``push.roundup_rank = "feedback"``)."""
    scores: dict[tuple[EditionKey, int], int] = defaultdict(int)
    for key in editions:
        rows = store.feedback.of_editions([key])
        items = _items_of(rows)
        for where, tally in tally_parts(rows).items():
            for position in items[where]:
                scores[(key, position)] += tally.score
    return dict(scores)
