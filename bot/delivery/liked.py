"""What readers said of pushed editions, as the publisher sees it: per edition and per topic
(/stats, ``digestbot stats``), and per item (the weekly roundup's ranking).

A vote or a reaction is on one message part (feedback.py); it counts for every item that part
held, and for every topic of those items (once a topic). 👍 and any reaction but the plainly
negative ones (``NEGATIVE``) count for an item, 👎 and those against it (``Tally.score``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from bot.digest.models import EditionKey
from bot.render.i18n import t
from bot.search.taxonomy import Topic
from bot.store.database import Store
from bot.store.feedback import DOWN, UP, Feedback, Source

NEGATIVE = frozenset({DOWN, "💩", "🤮", "🤬", "😡", "🥱"})
STATS_EDITIONS = 5  # editions /stats shows feedback for


@dataclass(frozen=True, slots=True)
class Tally:
    """What readers said: button votes and reactions (by emoji)."""

    up: int = 0
    down: int = 0
    reactions: Mapping[str, int] = field(default_factory=dict)

    def __add__(self, other: Tally) -> Tally:
        both = Counter(self.reactions) + Counter(other.reactions)
        return Tally(self.up + other.up, self.down + other.down, dict(both))

    def __bool__(self) -> bool:
        return bool(self.up or self.down or self.reactions)

    @property
    def score(self) -> int:
        """For minus against: 👍 and liking reactions, less 👎 and negative ones."""
        against = sum(n for emoji, n in self.reactions.items() if emoji in NEGATIVE)
        return self.up - self.down + sum(self.reactions.values()) - 2 * against

    def figures(self, lang: str) -> str:
        """``👍 3 · 👎 1 · 回应 ❤ 2 🔥 1`` (the buttons' votes, then the reactions)."""
        said = [f"{UP} {self.up}", f"{DOWN} {self.down}"]
        if self.reactions:
            common = Counter(self.reactions).most_common()
            said.append(
                t("feedback_reactions", lang, reactions=" ".join(f"{e} {n}" for e, n in common))
            )
        return " · ".join(said)

    def as_json(self) -> dict[str, object]:
        return {"up": self.up, "down": self.down, "reactions": dict(self.reactions),
                "score": self.score}  # fmt: skip


def _tally(rows: Iterable[Feedback]) -> Tally:
    """What the rows of one part say. A channel's counts and its readers' own reactions are
    never both sent for one message; if they were, the larger of each stands."""
    votes: Counter[str] = Counter()
    own: Counter[str] = Counter()
    counted: Counter[str] = Counter()
    for row in rows:
        kind = {Source.BUTTON: votes, Source.REACTION: own}.get(row.source, counted)
        kind[row.emoji] += row.amount
    reactions = {e: max(own[e], counted[e]) for e in own | counted}
    return Tally(votes[UP], votes[DOWN], reactions)


def _parts(rows: Iterable[Feedback]) -> dict[tuple[int, int], tuple[Tally, tuple[int, ...]]]:
    """(chat, part) → what its readers said, and the positions of the items it held."""
    by_part: dict[tuple[int, int], list[Feedback]] = defaultdict(list)
    for row in rows:
        by_part[(row.chat_id, row.part)].append(row)
    return {where: (_tally(found), found[0].items) for where, found in by_part.items()}


@dataclass(frozen=True, slots=True)
class EditionFeedback:
    edition: EditionKey
    label: str  # "series date #issue", as much as tells it apart
    tally: Tally


@dataclass(frozen=True, slots=True)
class TopicFeedback:
    key: str
    name: str
    tally: Tally


@dataclass(frozen=True, slots=True)
class Report:
    """Feedback per edition (newest first) and per topic (the configured order)."""

    editions: list[EditionFeedback]
    topics: list[TopicFeedback]


def report(
    store: Store, topics: Sequence[Topic], *, lang: str, limit: int = STATS_EDITIONS
) -> Report:
    """What readers said of the ``limit`` newest editions they gave feedback on; a vote counts
    for every topic of the items in its part (once a topic)."""
    names = store.series.series_names() if len(store.series.all_series()) > 1 else {}
    editions, by_topic = [], {topic.key: Tally() for topic in topics}
    for key in store.feedback.latest_editions(limit):
        tags, total = store.index.edition_item_topics(key), Tally()
        for tally, items in _parts(store.feedback.of_editions([key])).values():
            total += tally
            for topic in set().union(*(tags.get(p, set()) for p in items)) & set(by_topic):
                by_topic[topic] += tally
        label = " ".join(x for x in (names.get(key.series, ""), key.date.isoformat()) if x)
        editions.append(EditionFeedback(key, f"{label} #{key.issue}" if key.issue else label,
                                        total))  # fmt: skip
    shown = [
        TopicFeedback(topic.key, topic.name_en if lang == "en" else topic.name_zh, said)
        for topic in topics
        if (said := by_topic[topic.key])
    ]
    return Report(editions, shown)


def report_lines(found: Report, lang: str) -> list[str]:
    """The report as /stats (and ``digestbot stats``) show it, as plain text."""
    if not found.editions:
        return [t("stats_feedback_none", lang)]
    lines = [t("stats_feedback", lang, n=len(found.editions))]
    lines += [t("stats_feedback_edition", lang, edition=e.label, figures=e.tally.figures(lang))
              for e in found.editions]  # fmt: skip
    if found.topics:
        lines.append(t("stats_feedback_topics", lang))
        lines += [t("stats_feedback_topic", lang, topic=f.name, figures=f.tally.figures(lang))
                  for f in found.topics]  # fmt: skip
    return lines


def item_scores(store: Store, editions: Sequence[EditionKey]) -> dict[tuple[EditionKey, int], int]:
    """(edition, item position) → the score of the votes and reactions on the parts that held
    the item (the weekly roundup ranks by it when ``push.roundup_rank = "feedback"``)."""
    scores: dict[tuple[EditionKey, int], int] = defaultdict(int)
    for key in editions:
        for tally, items in _parts(store.feedback.of_editions([key])).values():
            for position in items:
                scores[(key, position)] += tally.score
    return dict(scores)
