"""The /search query language (pure): parse a reader's query, turn it into FTS5 MATCH text.

``储能 绿证`` (every word), ``储能 OR 氢能`` (either: ``OR`` in capitals joins the words on
its sides, so ``a OR b c`` is (a or b) and c), ``"exact phrase"`` / “…” / 「…」, ``-煤炭``
and ``-"a phrase"`` (exclude), ``2024-01`` (a month), ``2024-01-08`` (a day),
``2024-01-01..2024-03-31`` (either side may be left open, months work too),
``since:2024-01-01``, ``until:2024-03`` (dates), ``#topic`` (a topic key or name, returned as
written, normalised: the caller maps it), ``dup:all`` (every hit shown: hits telling a story
a hit above them told are not folded). Everything else is literal text: FTS5 syntax
(``AND``, ``NEAR``, ``or`` in lower case, ``*``, ``(``, ``:``, ``+``…) means nothing here and
is never passed to FTS5 outside a quoted string. Words are split at
whitespace only; a word keeps its punctuation (``c++``, ``74.9gwh``). A word with no letter,
digit or CJK character (``*``, ``🔥``) is dropped.

A query needs a term, an exclusion, a date or a topic: only filters is a valid "browse"
query. Otherwise ``QueryError`` with a short reason key (``QUERY_ERRORS``).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from .textnorm import Phrase, contains, find, merge_spans, normalize, runs, term_phrase

MAX_QUERY_CHARS = 200
QUERY_ERRORS = ("empty", "too_long", "no_terms", "bad_date", "bad_range")

_OPEN_CLOSE = {'"': '"', "“": "”", "「": "」", "『": "』"}  # ＂ is " after normalize
_DAY = r"\d{4}-\d{1,2}-\d{1,2}"
_MONTH = r"\d{4}-\d{1,2}"
_DATE = rf"(?:{_DAY}|{_MONTH})"
_RANGE = re.compile(rf"({_DATE})?\.\.({_DATE})?")
_SINCE_UNTIL = re.compile(r"(since|until):(.*)")
_SPACE = re.compile(r"\s+")
_OR = re.compile(r"(?<!\S)OR(?!\S)")  # a bare OR in capitals, before normalize folds case
OR_MARK = "∨"  # what a bare OR becomes: normalize keeps it, and it is one word on its own


class QueryError(ValueError):
    """A query that cannot run; ``reason`` is one of QUERY_ERRORS (an i18n key suffix)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query: terms all required, excluded none allowed, an inclusive date range.

    Terms, exclusions and topic labels are normalised (textnorm.normalize), de-duplicated, in
    the order typed. ``since``/``until`` are None when open.
    """

    terms: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    since: dt.date | None = None
    until: dt.date | None = None
    topics: tuple[str, ...] = ()
    series: tuple[str, ...] = ()  # series:NAME, as written (the caller maps it)
    any_of: tuple[tuple[str, ...], ...] = ()  # ``a OR b``: one term of each group required
    every_story: bool = False  # dup:all: duplicates of a story shown, not folded

    @property
    def has_text(self) -> bool:
        """True when rows must contain some term (not a browse by date/topic)."""
        return bool(self.terms or self.any_of)

    def matches(self, normalized_text: str) -> bool:
        """Exactly the text condition: every term occurs, one of each group, no excluded."""
        return (
            all(contains(normalized_text, t) for t in self.terms)
            and all(any(contains(normalized_text, t) for t in g) for g in self.any_of)
            and not any(contains(normalized_text, t) for t in self.excluded)
        )

    def spans(self, normalized_text: str) -> list[tuple[int, int]]:
        """Where the terms occur (merged, sorted): offsets for bold in the original text."""
        every = [*self.terms, *(t for g in self.any_of for t in g)]
        return merge_spans([s for t in every for s in find(normalized_text, t)])


@dataclass(frozen=True, slots=True)
class FtsPlan:
    """How to ask a contentless FTS5 table (tokens from textnorm.index_text) for a Query.

    ``match``: rows must match it (None: no text condition). It holds the terms ANDed and,
    when there is a term, the exclusions as ``NOT``. ``exclude``: only when there is no term,
    rows must NOT match it (``rowid NOT IN (SELECT rowid … MATCH exclude)``). ``exact``: the
    SQL alone is exactly ``Query.matches``; when False, keep only rows where
    ``query.matches(normalize(text))`` (a term or exclusion that starts with punctuation
    or a space, or holds a run of them a mark does not spell whole: ``textnorm``).
    """

    match: str | None
    exclude: str | None
    exact: bool
    terms: tuple[Phrase, ...] = ()  # the phrases behind ``match``, every one required
    excluded: tuple[Phrase, ...] = ()  # the exclusions SQL may apply (exact ones), none allowed
    any_of: tuple[tuple[Phrase, ...], ...] = ()  # one phrase of each group required


def fts_plan(query: Query) -> FtsPlan:
    """The FTS5 MATCH strings for a query; every user string is inside FTS5 double quotes."""
    positive = [p for p in map(term_phrase, query.terms) if p is not None]
    negative = [p for p in map(term_phrase, query.excluded) if p is not None]
    groups = [tuple(p for p in map(term_phrase, g) if p is not None) for g in query.any_of]
    groups = [g for g in groups if g]
    exact = all(p.exact for p in [*positive, *negative, *(p for g in groups for p in g)])
    # an inexact exclusion in SQL could drop a row that does not contain it: residual only
    certain = tuple(p for p in negative if p.exact)
    sure = [p.fts() for p in certain]
    terms, any_of = tuple(positive), tuple(groups)
    if not positive and not groups:
        return FtsPlan(None, " OR ".join(sure) or None, exact, terms, certain, any_of)
    either = [f"({' OR '.join(p.fts() for p in g)})" for g in groups]
    match = " AND ".join([*(p.fts() for p in positive), *either])
    if sure:
        match = f"({match}) NOT ({' OR '.join(sure)})"
    return FtsPlan(match, None, exact, terms, certain, any_of)


def match_expression(query: Query) -> str | None:
    """One FTS5 MATCH string for the query's terms (None for a browse query), see fts_plan."""
    return fts_plan(query).match


SERIES_WORDS = frozenset({"series", "系列"})  # series:NAME narrows to one series
EVERY_STORY_WORDS = frozenset({"dup:all"})  # every hit, duplicates of a story too


def parse_query(text: str) -> Query:
    """Parse a /search query; raises QueryError (never anything else) for unusable input."""
    if len(text.strip()) > MAX_QUERY_CHARS:
        raise QueryError("too_long")
    marked = normalize(_OR.sub(OR_MARK, text))
    cleaned = "".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in marked)
    if not cleaned.strip():
        raise QueryError("empty")
    clauses: list[list[str]] = []  # the required terms, each with its OR alternatives
    last: list[str] | None = None  # the clause of the term before (an OR extends it)
    either = False  # the word before was OR
    excluded: list[str] = []
    topics: list[str] = []
    series: list[str] = []
    since: dt.date | None = None
    until: dt.date | None = None
    every_story = False
    for negative, quoted, word in _words(cleaned):
        if quoted:
            word = word.replace(OR_MARK, "or")  # a quoted OR is a word of the phrase
        elif word == OR_MARK and not negative:
            either = last is not None  # joins the terms on its sides (alone, it means nothing)
            continue
        joined, either, before = either, False, last
        last = None
        if not quoted and not negative:
            if word.lower() in EVERY_STORY_WORDS:
                every_story = True
                continue
            if word.startswith("#") and len(word) > 1:
                _add(topics, word[1:])
                continue
            head, colon, name = word.partition(":")
            if colon and name and head.lower() in SERIES_WORDS:
                _add(series, name)
                continue
            window = _date_filter(word)
            if window is not None:
                since = _later(since, window[0])
                until = _earlier(until, window[1])
                continue
        if not any(True for _ in runs(word)):  # nothing searchable
            continue
        if negative:
            _add(excluded, word)
        elif joined and before is not None:
            _add(before, word)
            last = before
        else:
            last = [word]
            if last not in clauses:  # else required already: an OR with it adds nothing
                clauses.append(last)
    if since is not None and until is not None and since > until:
        raise QueryError("bad_range")
    terms = [c[0] for c in clauses if len(c) == 1]
    groups = tuple(tuple(c) for c in clauses if len(c) > 1)
    query = Query(
        tuple(terms),
        tuple(excluded),
        since,
        until,
        tuple(topics),
        tuple(series),
        any_of=groups,
        every_story=every_story,
    )
    if not (terms or groups or excluded or topics or since or until or series):
        raise QueryError("no_terms")
    return query


def _words(text: str) -> list[tuple[bool, bool, str]]:
    """Split into ``(negative, quoted, word)``; a quote opens a phrase only at a word start."""
    words: list[tuple[bool, bool, str]] = []
    at, n = 0, len(text)
    while at < n:
        if text[at] == " ":
            at += 1
            continue
        negative = text[at] == "-" and at + 1 < n and text[at + 1] != " "
        start = at + 1 if negative else at
        closer = _OPEN_CLOSE.get(text[start])
        if closer is not None:
            end = text.find(closer, start + 1)
            end = n if end < 0 else end  # an unclosed quote runs to the end
            phrase = _SPACE.sub(" ", text[start + 1 : end]).strip()
            words.append((negative, True, phrase))
            at = end + 1
        else:
            end = text.find(" ", start)
            end = n if end < 0 else end
            words.append((negative, False, text[start:end]))
            at = end
    return words


def _add(target: list[str], word: str) -> None:
    if word not in target:
        target.append(word)


def _date_filter(word: str) -> tuple[dt.date | None, dt.date | None] | None:
    """The inclusive window a date word names, None if it is not one; QueryError if invalid."""
    if re.fullmatch(_DATE, word):
        return _first(word), _last(word)
    if m := _RANGE.fullmatch(word):
        if not (m[1] or m[2]):
            return None  # ".." is text
        return (_first(m[1]) if m[1] else None), (_last(m[2]) if m[2] else None)
    if m := _SINCE_UNTIL.fullmatch(word):
        if not re.fullmatch(_DATE, m[2]):
            raise QueryError("bad_date")
        return (_first(m[2]), None) if m[1] == "since" else (None, _last(m[2]))
    return None


def _parts(value: str) -> tuple[int, int, int | None]:
    numbers = [int(p) for p in value.split("-")]
    return numbers[0], numbers[1], numbers[2] if len(numbers) == 3 else None


def _first(value: str) -> dt.date:
    year, month, day = _parts(value)
    try:
        return dt.date(year, month, day or 1)
    except ValueError:
        raise QueryError("bad_date") from None


def _last(value: str) -> dt.date:
    _, month, day = _parts(value)
    if day is not None:
        return _first(value)
    start = _first(value)
    if month == 12:
        return start.replace(day=31)
    return start.replace(month=month + 1) - dt.timedelta(days=1)


def _later(a: dt.date | None, b: dt.date | None) -> dt.date | None:
    return b if a is None else a if b is None else max(a, b)


def _earlier(a: dt.date | None, b: dt.date | None) -> dt.date | None:
    return b if a is None else a if b is None else min(a, b)
