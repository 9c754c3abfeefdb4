"""Keyword alerts and topic tagging over one Aho-Corasick automaton (pure; pyahocorasick).

Semantics are textnorm's: a term matches where it occurs as a substring of the normalised
text, and a term that starts with a letter or digit only where the text character before is
not of that same class (``ai`` is not in ``mail``; ``gwh`` is in ``74.9GWh``).

``AlertIndex`` holds every active alert of every chat. Alerts with the same terms and
exclusions share one *rule*, whose chats and alert ids sit in one int64 array; an alert with
``OR`` groups (``储能 OR 氢能 政策``) is one rule per way to satisfy it (储能 政策 and 氢能 政策,
at most ``MAX_BRANCHES``). A rule with one required term is filed under that term; a rule
with more under its two least-used terms (a, b). Matching an item runs the automaton once
over its text (every distinct term of every alert), visits the rules filed under a found term
(and, for pairs, a found b: a C-level set intersection), checks their other terms and
exclusions against the found set, and maps each rule that fires to its chats — no loop over
chats, no regex per term. The automaton is rebuilt lazily, on the first match after an alert
brought a term it does not know.

Measured (tests/bench/bench_alerts.py, 100 000 chats x 10 terms, 2-core VM): build ~3.5 s,
~130 MiB; one 10-item edition matched and mapped to chats in ~5 ms.
"""

from __future__ import annotations

import array
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol

import ahocorasick  # type: ignore[import-not-found]  # pyahocorasick ships no stubs

from .textnorm import DIGIT, WORD, char_class, merge_spans, normalize

MAX_BRANCHES = 64  # rules one alert with OR groups may expand to
Span = tuple[int, int]
Spans = tuple[Span, ...]
Hit = tuple[int, Spans]  # (alert id, where its terms occur)


class AlertLike(Protocol):
    """What the index needs of an alert (``bot.store.readers.Alert`` fits)."""

    @property
    def id(self) -> int: ...
    @property
    def chat_id(self) -> int: ...
    @property
    def terms(self) -> tuple[str, ...]: ...
    @property
    def excluded(self) -> tuple[str, ...]: ...


def branches(alert: AlertLike) -> list[tuple[str, ...]]:
    """The required terms of each way to satisfy an alert: its terms, and one term of each of
    its ``any_of`` groups (``Alert.any_of``; an alert without them is one branch)."""
    groups: tuple[tuple[str, ...], ...] = getattr(alert, "any_of", ())
    picks = itertools.islice(itertools.product(*groups), MAX_BRANCHES)
    return [(*alert.terms, *pick) for pick in picks]


class TermMatcher:
    """Every occurrence of a fixed set of normalised terms in a text, in one pass."""

    def __init__(self, terms: Iterable[tuple[int, str]]) -> None:
        """``terms``: (id, normalised term) pairs; the ids come back from ``find``."""
        self._automaton = ahocorasick.Automaton(ahocorasick.STORE_ANY, ahocorasick.KEY_STRING)
        self.size = 0
        for term_id, term in terms:
            if term:
                ruled = char_class(term[0])
                value = (term_id, len(term) - 1, ruled if ruled in (WORD, DIGIT) else "")
                self._automaton.add_word(term, value)
                self.size += 1
        if self.size:
            self._automaton.make_automaton()

    def find(self, normalized_text: str) -> dict[int, list[Span]]:
        """Term id → the spans where it occurs (word-start rule applied), in text order."""
        found: dict[int, list[Span]] = {}
        if not self.size:
            return found
        for last, (term_id, before, ruled) in self._automaton.iter(normalized_text):
            start = last - before
            if ruled and start and char_class(normalized_text[start - 1]) == ruled:
                continue
            spans = found.get(term_id)
            if spans is None:
                found[term_id] = [(start, last + 1)]
            else:
                spans.append((start, last + 1))
        return found


class _Rule:
    """The alerts (of any chats) that share one set of required and excluded terms."""

    __slots__ = ("a", "b", "excluded", "members", "required", "words")

    def __init__(self, required: tuple[int, ...], excluded: tuple[int, ...], a: int, b: int):
        self.required = required
        self.excluded = excluded
        self.a = a  # the anchor: the least-used required term
        self.b = b  # the next least-used one, -1 when the rule requires one term
        self.members = array.array("q")  # chat id, alert id, chat id, alert id, …
        self.words: tuple[tuple[str, ...], tuple[str, ...]] | None = None  # once it fires


class AlertMatch(NamedTuple):
    """Alert terms satisfied by an item: one value shared by every chat with that alert.

    A NamedTuple, not a dataclass: thousands are made per edition, and it is 3x cheaper.
    """

    item: int  # index of the item in the texts given to match_edition
    terms: tuple[str, ...]  # normalised
    excluded: tuple[str, ...]
    spans: Spans  # where the terms occur in the item's text (merged, sorted)


@dataclass(frozen=True, slots=True)
class IndexStats:
    alerts: int
    rules: int  # distinct (terms, excluded) sets
    terms: int  # distinct terms in use


Signature = tuple[tuple[int, ...], tuple[int, ...]]
Signatures = tuple[Signature, ...]


class AlertIndex:
    """Every active alert of every chat, matched against a normalised text in one pass."""

    def __init__(self, alerts: Iterable[AlertLike] = ()) -> None:
        self._term_ids: dict[str, int] = {}  # term, and raw spellings seen -> term id
        self._terms: list[str] = []
        self._term_use: list[int] = []  # alerts using each term (0: not in use)
        self._rule_ids: dict[Signature, int] = {}
        self._rules: list[_Rule | None] = []
        self._free_rules: list[int] = []
        self._single: dict[int, list[int]] = {}  # term -> rules requiring only that term
        self._paired: dict[int, dict[int, list[int]]] = {}  # a -> b -> rules anchored at a, b
        self._alerts: dict[int, tuple[int, ...]] = {}  # alert id -> its rules' indexes
        self._branched = False  # an alert has several rules: one text may fire it twice
        self._matcher = TermMatcher(())
        self._built: set[int] = set()  # term ids in the automaton
        self._stale = False
        # bulk load: count term use first so every rule gets a well-chosen anchor
        pending = {a.id: (a.chat_id, self._signatures(a)) for a in alerts}  # an id once
        for _, signatures in pending.values():
            for required, excluded in signatures:
                for term_id in required + excluded:
                    self._term_use[term_id] += 1
        for alert_id, (chat_id, signatures) in pending.items():
            self._insert(alert_id, chat_id, signatures, counted=True)

    def __len__(self) -> int:
        return len(self._alerts)

    def __contains__(self, alert_id: object) -> bool:
        return alert_id in self._alerts

    def stats(self) -> IndexStats:
        in_use = sum(1 for n in self._term_use if n)
        return IndexStats(len(self._alerts), len(self._rule_ids), in_use)

    def add(self, alert: AlertLike) -> None:
        """Add (or replace, by id) an alert; ValueError if it has no term to match."""
        signatures = self._signatures(alert)
        self.remove(alert.id)
        self._insert(alert.id, alert.chat_id, signatures, counted=False)

    def remove(self, alert_id: int) -> bool:
        """Forget an alert; False if it was not there."""
        indexes = self._alerts.pop(alert_id, None)
        if indexes is None:
            return False
        for index in indexes:
            rule = self._rules[index]
            assert rule is not None  # noqa: S101 - an alert always points at a live rule
            at = 2 * rule.members[1::2].index(alert_id)
            del rule.members[at : at + 2]
            for term_id in rule.required + rule.excluded:
                self._term_use[term_id] -= 1
            if not rule.members:
                self._unfile(rule, index)
                del self._rule_ids[(rule.required, rule.excluded)]
                self._rules[index] = None
                self._free_rules.append(index)
        return True

    def match(self, normalized_text: str) -> dict[int, list[Hit]]:
        """chat id → [(alert id, spans of its terms)] for every alert the text satisfies."""
        out: dict[int, list[Hit]] = {}
        for rule, spans in self._fired(normalized_text):
            members = rule.members
            for chat_id, alert_id in zip(members[::2], members[1::2], strict=True):
                hits = out.get(chat_id)
                if hits is None:
                    out[chat_id] = [(alert_id, spans)]
                else:
                    hits.append((alert_id, spans))
        if self._branched:  # an alert whose branches both fired: once, with all its spans
            out = {chat: _once(hits) for chat, hits in out.items()}
        return out

    def match_edition(self, normalized_texts: Sequence[str]) -> dict[int, list[AlertMatch]]:
        """chat id → the alert matches of the edition's items, in item order.

        The fan-out path: one AlertMatch per (item, alert terms) shared by all chats that
        have such an alert, so mapping 50 000 hits to chats costs one list append each.
        A chat's alert id is its alert with those terms (alert ids: ``match``).
        """
        out: dict[int, list[AlertMatch]] = {}
        terms = self._terms
        for item, text in enumerate(normalized_texts):
            for rule, spans in self._fired(text):
                if rule.words is None:
                    rule.words = (
                        tuple(terms[t] for t in rule.required),
                        tuple(terms[t] for t in rule.excluded),
                    )
                hit = AlertMatch(item, *rule.words, spans)
                for chat_id in rule.members[::2]:
                    hits = out.get(chat_id)
                    if hits is None:
                        out[chat_id] = [hit]
                    else:
                        hits.append(hit)
        return out

    def _fired(self, text: str) -> Iterator[tuple[_Rule, Spans]]:
        """The rules whose required terms all occur and excluded terms do not."""
        if self._stale:
            self._rebuild()
        found = self._matcher.find(text)
        rules, single, paired = self._rules, self._single, self._paired
        for a, spans_a in found.items():
            for index in single.get(a, ()):
                rule = rules[index]
                if rule is not None and not any(t in found for t in rule.excluded):
                    yield rule, tuple(merge_spans(spans_a) if len(spans_a) > 1 else spans_a)
            by_b = paired.get(a)
            if by_b is None:
                continue
            for b in by_b.keys() & found.keys():
                for index in by_b[b]:
                    rule = rules[index]
                    if (
                        rule is not None
                        and all(t in found for t in rule.required)
                        and not any(t in found for t in rule.excluded)
                    ):
                        spans = [s for t in rule.required for s in found[t]]
                        yield rule, tuple(merge_spans(spans))

    def _signatures(self, alert: AlertLike) -> Signatures:
        excluded = self._ids(alert.excluded)
        found = tuple(dict.fromkeys((self._ids(b), excluded) for b in branches(alert)))
        if not found or not all(required for required, _ in found):
            raise ValueError(f"alert {alert.id} has no term to match")
        return found

    def _ids(self, terms: Iterable[str]) -> tuple[int, ...]:
        ids: set[int] = set()
        for raw in terms:
            term_id = self._term_ids.get(raw)
            if term_id is None:
                term = normalize(raw).strip()
                if not term:
                    continue
                term_id = self._term_ids.get(term)
                if term_id is None:
                    term_id = len(self._terms)
                    self._terms.append(term)
                    self._term_use.append(0)
                    self._term_ids[term] = term_id
                self._term_ids[raw] = term_id  # raw spellings seen before skip normalize
            ids.add(term_id)
        return tuple(sorted(ids))

    def _insert(
        self, alert_id: int, chat_id: int, signatures: Signatures, *, counted: bool
    ) -> None:
        indexes = tuple(
            self._insert_rule(alert_id, chat_id, s, counted=counted) for s in signatures
        )
        self._alerts[alert_id] = indexes
        self._branched = self._branched or len(indexes) > 1

    def _insert_rule(
        self, alert_id: int, chat_id: int, signature: Signature, *, counted: bool
    ) -> int:
        required, excluded = signature
        if not counted:
            for term_id in required + excluded:
                self._term_use[term_id] += 1
        index = self._rule_ids.get(signature)
        rule = None if index is None else self._rules[index]
        if index is None or rule is None:
            rule = self._new_rule(signature)
            index = self._free_rules.pop() if self._free_rules else len(self._rules)
            if index == len(self._rules):
                self._rules.append(rule)
            else:
                self._rules[index] = rule
            self._rule_ids[signature] = index
            self._file(rule, index)
        rule.members.append(chat_id)
        rule.members.append(alert_id)
        return index

    def _new_rule(self, signature: Signature) -> _Rule:
        required, excluded = signature
        use, terms = self._term_use, self._terms
        ranked = sorted(required, key=lambda t: (use[t], -len(terms[t]), t))
        if not self._stale and any(t not in self._built for t in required + excluded):
            self._stale = True  # a term the automaton does not know: rebuild on next match
        return _Rule(required, excluded, ranked[0], ranked[1] if len(ranked) > 1 else -1)

    def _file(self, rule: _Rule, index: int) -> None:
        if rule.b < 0:
            self._single.setdefault(rule.a, []).append(index)
        else:
            self._paired.setdefault(rule.a, {}).setdefault(rule.b, []).append(index)

    def _unfile(self, rule: _Rule, index: int) -> None:
        if rule.b < 0:
            rules = self._single[rule.a]
            rules.remove(index)
            if not rules:
                del self._single[rule.a]
        else:
            by_b = self._paired[rule.a]
            rules = by_b[rule.b]
            rules.remove(index)
            if not rules:
                del by_b[rule.b]
                if not by_b:
                    del self._paired[rule.a]

    def _rebuild(self) -> None:
        """A new automaton over the terms in use (terms no alert uses any more are dropped)."""
        live = [(t, term) for t, term in enumerate(self._terms) if self._term_use[t]]
        self._matcher = TermMatcher(live)
        self._built = {t for t, _ in live}
        self._stale = False


def _once(hits: list[Hit]) -> list[Hit]:
    """One hit per alert, with the spans of every branch of it that fired."""
    spans: dict[int, list[Span]] = {}
    for alert_id, found in hits:
        spans.setdefault(alert_id, []).extend(found)
    return [(a, tuple(merge_spans(s))) for a, s in spans.items()]


class TopicTagger:
    """Topic keys for a text: a topic applies when any of its keywords occurs."""

    def __init__(self, topics: Iterable[tuple[str, Iterable[str]]]) -> None:
        keys: dict[str, set[str]] = {}
        for key, keywords in topics:
            for keyword in keywords:
                term = normalize(keyword).strip()
                if term:
                    keys.setdefault(term, set()).add(key)
        self._terms = list(keys)
        self._keys = [frozenset(keys[t]) for t in self._terms]
        self._matcher = TermMatcher(enumerate(self._terms))

    def tags(self, normalized_text: str) -> frozenset[str]:
        """The keys of every topic with a keyword in the text."""
        found = self._matcher.find(normalized_text)
        return frozenset().union(*(self._keys[t] for t in found))

    def keywords(self, normalized_text: str) -> dict[str, list[str]]:
        """topic key → its keywords that occur (to explain a tag)."""
        out: dict[str, list[str]] = {}
        for t in self._matcher.find(normalized_text):
            for key in self._keys[t]:
                out.setdefault(key, []).append(self._terms[t])
        return out
