"""One text normalisation for indexing, queries, topics and alerts; search tokens (pure).

``normalize`` is length-preserving (apart from the zero-width characters it drops), so an
offset found in the normalised text is the same offset in the original text.

Character classes (of normalised text): CJK (Han with its extensions and radicals, 〇 々,
kana and hangul — all treated alike: substring matching), WORD (letters of any other script),
DIGIT (decimal digits) and OTHER (space, punctuation, symbols, emoji, marks, controls).

Matching semantics (``contains``): a term occurs in a text where it is a substring, with the
word-start rule: when the term starts with a WORD or DIGIT character, the text character just
before the occurrence must not be of that same class (``ai`` matches ``AI芯片`` and
``ai-native`` but not ``mail``; ``gwh`` matches ``74.9GWh``). The end is free: ``carbon``
matches ``carbonization`` (a word-start, prefix match), as the issue's "word-start rule" says.

Index tokens (``index_tokens``), per maximal run of one class: a CJK run gives its first
character, every overlapping pair and its last character (a 1-character run: that character,
once); a WORD or DIGIT run gives itself; each OTHER character (punctuation, a space, an
emoji: before, between or after the runs) gives its mark (``mark``: a private-use character
of its own, so no tokenizer splits it and no query word can equal one), and adjacent runs
(``5G基站``) carry nothing between them. ``term_phrase`` turns a term into an FTS5 phrase over
the same tokens (only its last token may be a prefix) such that "the phrase occurs in the
text's token stream" is exactly ``contains(text, term)``: ``亿元，`` ends with a mark,
``74.9gwh``, ``ai-native`` and ``.net`` hold one. Only a term with an OTHER character past
U+1FFFD (which share one mark) gets a phrase that finds a superset, and ``Phrase.exact`` is
False: check those rows with ``contains``.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

import opencc

ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
# the mark of an OTHER character c: chr(MARK_BASE + ord(c)) when c is below MARK_TO, in the
# private use areas of planes 15 and 16 (no text run holds one: they are OTHER), so U+0000 to
# U+1FFFD (punctuation, spaces, symbols, emoji) each have their own; any other is MARK_ELSE
MARK_BASE = 0xF0000
MARK_TO = 0x1FFFD
MARK_ELSE = "\U0010fffd"

CJK, WORD, DIGIT, OTHER = "cjk", "word", "digit", "other"

_CJK_RANGES = (
    "\u1100-\u11ff"  # hangul jamo
    "\u2e80-\u2fdf"  # CJK radicals, Kangxi radicals
    "\u3005\u3007\u3021-\u3029\u3038-\u303b"  # 々 〇 Hangzhou numerals
    "\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fc-\u30ff"  # kana (not ・)
    "\u3131-\u318e\u31c0-\u31e3\u31f0-\u31ff"  # compatibility jamo, strokes, kana ext.
    "\u3400-\u4dbf\u4e00-\u9fff"  # Han: extension A, unified
    "\ua960-\ua97f\uac00-\ud7a3\ud7b0-\ud7ff"  # hangul
    "\uf900-\ufaff\uff66-\uff9d\uffa0-\uffdc"  # compatibility ideographs, halfwidth forms
    "\U0001b000-\U0001b16f"  # kana supplement, extended
    "\U00020000-\U0003ffff"  # Han extensions B… (planes 2 and 3)
)
_RUN = re.compile(rf"([{_CJK_RANGES}]+)|([^\W\d_{_CJK_RANGES}]+)|(\d+)")
_CLASS_OF_GROUP = (CJK, WORD, DIGIT)
_RULED = (WORD, DIGIT)  # classes the word-start rule applies to

# CJK code points handed to OpenCC: every Han block (kana and hangul have no t2s mapping)
_T2S_RANGES = ((0x2E80, 0x2FE0), (0x3400, 0xA000), (0xF900, 0xFB00), (0x20000, 0x323B0))


def _one_to_one() -> dict[int, str]:
    """NFKC then lower-casing, each kept only where it maps one character to exactly one."""
    table: dict[int, str] = {}
    for start in range(0, 0x110000, 256):
        if 0xD800 <= start < 0xE000:  # surrogates: left as they are
            continue
        chunk = "".join(map(chr, range(start, start + 256)))
        if unicodedata.is_normalized("NFKC", chunk) and chunk.lower() == chunk:
            continue  # nothing in this block changes (most of the code space)
        for cp in range(start, start + 256):
            ch = chr(cp)
            nfkc = unicodedata.normalize("NFKC", ch)
            out = nfkc if len(nfkc) == 1 else ch
            lower = out.lower()
            out = lower if len(lower) == 1 else out
            if out != ch:
                table[cp] = out
    return table


def _traditional_to_simplified() -> dict[int, str]:
    """OpenCC 't2s' applied to each Han code point alone; 1→1 results only."""
    converter = opencc.OpenCC("t2s")
    points = [cp for lo, hi in _T2S_RANGES for cp in range(lo, hi)]
    # one call, one character a line: dictionary phrases never span a newline
    converted = converter.convert("\n".join(map(chr, points))).split("\n")
    if len(converted) != len(points):  # pragma: no cover - OpenCC changed its behaviour
        converted = [converter.convert(chr(cp)) for cp in points]
    return {cp: out for cp, out in zip(points, converted, strict=True) if len(out) == 1}


@dataclass(frozen=True, slots=True)
class _Tables:
    bmp: list[int | None]  # code point -> code point (None: drop), for str.translate
    astral: dict[int, str]  # the changes above U+FFFF


@functools.cache
def _tables() -> _Tables:
    """The per-character map, built once (about 0.2 s) and composed to a fixed point."""
    first = _one_to_one()
    t2s = _traditional_to_simplified()
    mapping: dict[int, str] = {}
    for cp in first.keys() | t2s.keys():
        ch = first.get(cp, chr(cp))
        ch = t2s.get(ord(ch), ch)
        if ch != chr(cp):
            mapping[cp] = ch
    for cp in list(mapping):  # idempotence: normalize(normalize(s)) == normalize(s)
        for _ in range(8):
            nxt = mapping.get(ord(mapping[cp]))
            if nxt is None or nxt == mapping[cp]:
                break
            mapping[cp] = nxt
    for cp in [cp for cp, ch in mapping.items() if ord(ch) == cp]:
        del mapping[cp]
    bmp: list[int | None] = list(range(0x10000))
    for cp, ch in mapping.items():
        if cp < 0x10000:
            bmp[cp] = ord(ch)
    for ch in ZERO_WIDTH:
        bmp[ord(ch)] = None
    return _Tables(bmp, {cp: ch for cp, ch in mapping.items() if cp >= 0x10000})


def normalize(text: str) -> str:
    """NFKC (1→1 only), lower case (1→1), Traditional→Simplified per character, no zero-width.

    ``len(normalize(s)) == len(s)`` whenever ``s`` has no zero-width characters, so offsets
    carry over to the original text. Idempotent. Lower-casing covers every script where it
    maps one character to one (``É`` → ``é``), not only ASCII.
    """
    if text.isascii():
        return text.lower()
    tables = _tables()
    out = text.translate(tables.bmp)  # a list: no KeyError per character, ~2x a dict
    if out and max(out) > "\uffff":
        out = out.translate(tables.astral)
    return out


@functools.lru_cache(maxsize=8192)
def char_class(ch: str) -> str:
    """CJK, WORD, DIGIT or OTHER for one character of normalised text."""
    m = _RUN.match(ch)
    return OTHER if m is None else _CLASS_OF_GROUP[m.lastindex - 1]  # type: ignore[operator]


def runs(normalized: str) -> Iterator[tuple[str, int, int]]:
    """The maximal runs of one searchable class: ``(class, start, end)``."""
    for m in _RUN.finditer(normalized):
        yield _CLASS_OF_GROUP[m.lastindex - 1], m.start(), m.end()  # type: ignore[operator]


def mark(other: str) -> str:
    """The token of one OTHER character (see ``MARK_BASE``)."""
    return chr(MARK_BASE + ord(other)) if ord(other) < MARK_TO else MARK_ELSE


def marks(others: str) -> list[str]:
    """The tokens of a run of OTHER characters: one mark each."""
    return [mark(c) for c in others]


def is_mark(token: str) -> bool:
    """Whether an index token is the mark of an OTHER character."""
    return token >= chr(MARK_BASE)


def _told(others: str) -> bool:
    """Whether every one of these OTHER characters has a mark of its own."""
    return all(ord(c) < MARK_TO for c in others)


def index_tokens(normalized: str) -> list[str]:
    """The tokens the search index stores for a normalised text (see the module docstring)."""
    tokens: list[str] = []
    end = 0
    for m in _RUN.finditer(normalized):
        if m.start() > end:
            tokens.extend(marks(normalized[end : m.start()]))
        run = m.group()
        end = m.end()
        if m.lastindex == 1 and len(run) > 1:
            tokens.append(run[0])
            tokens.extend([run[i : i + 2] for i in range(len(run) - 1)])
            tokens.append(run[-1])
        else:
            tokens.append(run)
    if end < len(normalized):
        tokens.extend(marks(normalized[end:]))
    return tokens


def index_text(normalized: str) -> str:
    """``index_tokens`` joined by spaces: the column value for a contentless FTS5 table."""
    return " ".join(index_tokens(normalized))


@dataclass(frozen=True, slots=True)
class Phrase:
    """An FTS5 phrase for one term: consecutive tokens, the last one a prefix if ``prefix``.

    ``exact``: the phrase matches a text's tokens exactly when ``contains(text, term)``;
    otherwise (the term has OTHER characters) it matches a superset.
    """

    tokens: tuple[str, ...]
    prefix: bool
    exact: bool

    def fts(self) -> str:
        """The FTS5 syntax: one quoted string (inert), then ``*`` for a prefix."""
        quoted = '"' + " ".join(self.tokens).replace('"', '""') + '"'
        return quoted + "*" if self.prefix else quoted

    def tsquery(self) -> str:
        """The same phrase in PostgreSQL's tsquery syntax: each token a quoted lexeme, each
        next one adjacent (``<->``), ``:*`` for a prefix."""
        lexemes = [lexeme(token) for token in self.tokens]
        if self.prefix:
            lexemes[-1] += ":*"
        return lexemes[0] if len(lexemes) == 1 else "(" + " <-> ".join(lexemes) + ")"


def lexeme(token: str) -> str:
    """A token as a quoted tsvector/tsquery lexeme (inert: quotes and backslashes escaped)."""
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def term_phrase(term: str) -> Phrase | None:
    """The phrase for a normalised term; None when it has no CJK, WORD or DIGIT character."""
    found = list(runs(term))
    if not found:
        return None
    lead = term[: found[0][1]]  # OTHER characters first
    tokens, prefix, exact = marks(lead), False, _told(lead)
    for k, (cls, start, end) in enumerate(found):
        if k and start > found[k - 1][2]:
            between = term[found[k - 1][2] : start]  # OTHER characters between two runs
            tokens.extend(marks(between))
            exact = exact and _told(between)
        run = term[start:end]
        starts_fixed = k > 0 or start > 0 or cls in _RULED  # must start where a text run does
        ends_fixed = end < len(term)  # must end where a text run does
        if cls != CJK:
            tokens.append(run)
            prefix = not ends_fixed
        elif len(run) == 1:
            tokens.append(run)
            prefix = not (starts_fixed or ends_fixed)
        else:
            tokens.extend([run[0]] if starts_fixed else [])
            tokens.extend([run[i : i + 2] for i in range(len(run) - 1)])
            tokens.extend([run[-1]] if ends_fixed else [])
            prefix = False
    tail = term[found[-1][2] :]
    if tail:  # OTHER characters last: the text has them after the run
        tokens.extend(marks(tail))
        prefix, exact = False, exact and _told(tail)
    return Phrase(tuple(tokens), prefix, exact)


def query_tokens(normalized_term: str) -> str:
    """The FTS5 MATCH fragment for one normalised term ("" when it has nothing searchable)."""
    phrase = term_phrase(normalized_term)
    return "" if phrase is None else phrase.fts()


def find(normalized_text: str, term: str) -> Iterator[tuple[int, int]]:
    """Every occurrence of a normalised term, as ``(start, end)``, with the word-start rule."""
    if not term:
        return
    ruled = char_class(term[0]) if char_class(term[0]) in _RULED else None
    at = normalized_text.find(term)
    while at >= 0:
        if ruled is None or at == 0 or char_class(normalized_text[at - 1]) != ruled:
            yield at, at + len(term)
        at = normalized_text.find(term, at + 1)


def contains(normalized_text: str, term: str) -> bool:
    """The reference matcher: does the normalised term occur (word-start rule for WORD/DIGIT)?"""
    return next(find(normalized_text, term), None) is not None


def merge_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted spans with overlapping or touching ones joined (for bolding)."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged
