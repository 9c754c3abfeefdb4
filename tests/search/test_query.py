"""The /search query language, and proof that the index's token scheme finds exactly what a
substring test finds (simulated FTS5 over the token lists, then real SQLite FTS5)."""

from __future__ import annotations

import datetime as dt
import random
import re
import sqlite3
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.search.query import (
    MAX_QUERY_CHARS,
    QUERY_ERRORS,
    FtsPlan,
    Query,
    QueryError,
    fts_plan,
    parse_query,
)
from bot.search.textnorm import index_text, index_tokens, mark, normalize

# ---- a generated archive: Chinese words, Latin words, numbers, punctuation, variant forms

HAN_WORDS = [
    *("碳市场", "储能", "绿证", "绿电", "新能源", "锂电池", "能源", "电池", "碳排放权", "光伏"),
    *("风电", "基站", "芯片", "煤炭", "氢能", "市场", "电力", "交易", "配额", "全国", "碳"),
]
LATIN_WORDS = ["ai", "mail", "openai", "GWh", "MW", "CCER", "ESG", "carbon", "carbonization"]
NUMBERS = ["5G", "2024", "74.9", "100", "15", "3"]
SEPARATORS = ["", "", "", "，", "。", " ", "-", ".", "、", "（", "）"]
TRADITIONAL = str.maketrans("储绿证场电池权风煤气国", "儲綠證場電池權風煤氣國")


def variant(word: str, rng: random.Random) -> str:
    """The same word as a reader may meet it: Traditional, full-width or upper case."""
    roll = rng.random()
    if roll < 0.2:
        return word.translate(TRADITIONAL)
    if roll < 0.35:
        return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in word)
    return word.upper() if roll < 0.5 else word


def archive(n: int, seed: int = 8) -> list[str]:
    rng = random.Random(seed)
    pool = HAN_WORDS * 3 + LATIN_WORDS + NUMBERS
    texts = []
    for _ in range(n):
        parts = [variant(rng.choice(pool), rng) for _ in range(rng.randint(2, 10))]
        texts.append("".join(p + rng.choice(SEPARATORS) for p in parts))
    return texts


TEXTS = archive(600)
NORMS = [normalize(t) for t in TEXTS]
TOKENS = [index_tokens(n) for n in NORMS]


def queries() -> list[str]:
    rng = random.Random(5)
    han_chars = sorted({c for w in HAN_WORDS for c in w})
    substrings = []
    for _ in range(200):
        text = rng.choice(NORMS)
        start = rng.randrange(len(text))
        substrings.append(text[start : start + rng.randint(1, 6)])
    fixed = [
        *("ai", "gwh", "carbon", "carb", "mail", "open", "esg", "ccer", "g", "5g", "5g基站"),
        *("ai芯片", "74.9gwh", "9gwh", "4.9", "2024", "024", "mw", "w", "15", "5"),
        *("儲能", "綠證", "碳市場", "ＣＣＥＲ", "５Ｇ基站", "ＡＩ", "新能源汽车", "能源电池"),
        *("储能 -电池", "绿证 ai", '"ai 芯片"', "碳 -碳市场", "市场 2024 -“绿电”", "电 ai -mw"),
        *("储能 OR 绿证", "ai OR 5g -mw", '"ai 芯片" OR 碳市场 2024', "碳 OR gwh OR 電池 -储能"),
    ]
    found = [*han_chars, *HAN_WORDS, *LATIN_WORDS, *NUMBERS, *fixed, *substrings]
    return [q for q in dict.fromkeys(found) if re.search(r"\w", q)]  # not only punctuation


QUERIES = queries()

# ---- FTS5, simulated: the subset of its syntax fts_plan emits, over the token lists

_LEX = re.compile(r'\s*(?:"((?:[^"]|"")*)"(\*?)|(AND|OR|NOT)\b|([()]))')


def compile_fts(expression: str) -> Callable[[list[str]], bool]:
    """A predicate over a text's tokens: phrases, prefix phrases, AND, OR, NOT, parentheses."""
    lexed = []
    at = 0
    while at < len(expression.rstrip()):
        m = _LEX.match(expression, at)
        assert m, f"unexpected FTS5 syntax at {expression[at:]!r}"
        lexed.append(m)
        at = m.end()
    pos = 0

    def primary() -> Callable[[list[str]], bool]:
        nonlocal pos
        m = lexed[pos]
        pos += 1
        if m[4] == "(":
            inner = or_expr()
            assert lexed[pos][4] == ")"
            pos += 1
            return inner
        assert m[1] is not None, m.group()
        return phrase(m[1].replace('""', '"').split(), prefix=m[2] == "*")

    def binary(sub: Callable[[], Callable[[list[str]], bool]], op: str) -> Callable[..., bool]:
        nonlocal pos
        left = sub()
        while pos < len(lexed) and lexed[pos][3] == op:
            pos += 1
            right = sub()
            left = {
                "AND": lambda t, a=left, b=right: a(t) and b(t),
                "OR": lambda t, a=left, b=right: a(t) or b(t),
                "NOT": lambda t, a=left, b=right: a(t) and not b(t),
            }[op]
        return left

    def not_expr() -> Callable[[list[str]], bool]:
        return binary(primary, "NOT")

    def and_expr() -> Callable[[list[str]], bool]:
        return binary(not_expr, "AND")

    def or_expr() -> Callable[[list[str]], bool]:
        return binary(and_expr, "OR")

    predicate = or_expr()
    assert pos == len(lexed)
    return predicate


def phrase(words: list[str], *, prefix: bool) -> Callable[[list[str]], bool]:
    """FTS5 phrase semantics: the words at consecutive positions, the last one maybe a prefix."""

    def test(tokens: list[str]) -> bool:
        n = len(words)
        for i in range(len(tokens) - n + 1):
            if tokens[i : i + n - 1] == words[:-1]:
                last = tokens[i + n - 1]
                if last == words[-1] or (prefix and last.startswith(words[-1])):
                    return True
        return False

    return test


def simulated(plan: FtsPlan) -> set[int]:
    """Rows the SQL would return, on the simulated FTS5."""
    rows = set(range(len(TEXTS)))
    if plan.match is not None:
        keep = compile_fts(plan.match)
        rows = {i for i in rows if keep(TOKENS[i])}
    if plan.exclude is not None:
        drop = compile_fts(plan.exclude)
        rows = {i for i in rows if not drop(TOKENS[i])}
    return rows


def truth(query: Query) -> set[int]:
    return {i for i, norm in enumerate(NORMS) if query.matches(norm)}


def check(query: Query, rows: set[int]) -> None:
    """Exact plans give exactly the truth; others a superset the residual check trims."""
    want = truth(query)
    if fts_plan(query).exact:
        assert rows == want, (query, sorted(rows ^ want)[:5])
    else:
        assert want <= rows, (query, sorted(want - rows)[:5])
        assert {i for i in rows if query.matches(NORMS[i])} == want


def test_archive_and_queries_cover_the_cases() -> None:
    """The proof below runs on 200+ queries of every kind, most of them finding something."""
    parsed = [parse_query(q) for q in QUERIES]
    assert len(parsed) >= 200
    assert sum(1 for q in parsed if truth(q)) >= 180
    exact = [q for q in parsed if fts_plan(q).exact]
    assert len(exact) >= 120  # the rest have punctuation: checked as superset + residual
    assert sum(1 for q in exact if truth(q)) >= 100
    lengths = {len(t) for q in parsed for t in q.terms if re.fullmatch(r"[\u4e00-\u9fff]+", t)}
    assert {1, 2, 3, 4} <= lengths


@pytest.mark.parametrize("text", QUERIES)
def test_token_scheme_finds_exactly_the_substring_matches(text: str) -> None:
    """Search finds every item a plain substring test finds (word-start rule), and no other."""
    query = parse_query(text)
    check(query, simulated(fts_plan(query)))


@pytest.fixture(scope="module")
def fts() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(x, content='', tokenize='ascii', prefix='1')")
    db.executemany("INSERT INTO t(rowid, x) VALUES (?, ?)", enumerate(map(index_text, NORMS)))
    return db


def sqlite_rows(db: sqlite3.Connection, plan: FtsPlan) -> set[int]:
    rows = set(range(len(TEXTS)))
    if plan.match is not None:
        rows = {r for (r,) in db.execute("SELECT rowid FROM t WHERE t MATCH ?", (plan.match,))}
    if plan.exclude is not None:
        rows -= {r for (r,) in db.execute("SELECT rowid FROM t WHERE t MATCH ?", (plan.exclude,))}
    return rows


def test_real_fts5_agrees(fts: sqlite3.Connection) -> None:
    """SQLite's FTS5 (ascii tokenizer, prefix='1') returns the same rows as the simulation."""
    for text in QUERIES:
        query = parse_query(text)
        rows = sqlite_rows(fts, fts_plan(query))
        assert rows == simulated(fts_plan(query)), text
        check(query, rows)


ALPHABET = '碳市场储能电池绿证5gGａＩi .-，"“”#:*()'


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(ALPHABET, min_size=1, max_size=12))
def test_random_queries_find_exactly_the_substring_matches(text: str) -> None:
    """Any query over the archive's alphabet finds what the substring test finds."""
    try:
        query = parse_query(text)
    except QueryError:
        return
    check(query, simulated(fts_plan(query)))


hostile = st.one_of(
    st.text(st.characters(exclude_categories=()), max_size=300),
    st.text('"“”「」()*^:+-#.NEARNOTAND 储能ai\x00\x1b\u202e\ud800😀', max_size=60),
)


@settings(max_examples=300)
@given(hostile)
def test_hostile_queries_never_break_search(text: str) -> None:
    """Syntax, control characters, emoji, lone surrogates: a QueryError or a valid FTS5 query."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(x, content='', tokenize='ascii', prefix='1')")
    try:
        query: Query | None = parse_query(text)
    except QueryError as exc:
        query, reason = None, exc.reason
    if query is None:
        assert reason in QUERY_ERRORS
    else:
        sqlite_rows(db, fts_plan(query))  # FTS5 accepts it: no syntax error, all encodable


@pytest.mark.parametrize(
    "text",
    [
        "储能 AND 绿证",
        "NEAR(储能 绿证)",
        "储能* ^绿证",
        "title:储能",
        "'; DROP TABLE items; --",
        '"unclosed 储能',
        "c++ -(煤炭)",
        "储能 or NOT",
    ],
)
def test_fts5_syntax_is_literal_text(text: str, fts: sqlite3.Connection) -> None:
    """FTS5 operators in a query are searched as words, never obeyed."""
    query = parse_query(text)
    check(query, sqlite_rows(fts, fts_plan(query)))
    words = [w.lower().lstrip("-\"'") for w in text.split()]
    assert all(t in words or t in text.lower() for t in query.terms)


def test_words_are_anded_phrases_and_exclusions() -> None:
    """Words must all appear; "…" and “…” keep a phrase whole; -word and -"…" exclude."""
    q = parse_query('储能 “绿色 债券” -煤炭 -"焦化 厂" 储能')
    assert q.terms == ("储能", "绿色 债券")
    assert q.excluded == ("煤炭", "焦化 厂")
    assert q.matches("新型储能与绿色 债券")
    assert not q.matches("储能 绿色 债券 煤炭")


def test_or_in_capitals_joins_the_words_on_its_sides() -> None:
    """`储能 OR 氢能 政策` needs 政策 and either; a quoted or lower-case or is a word."""
    q = parse_query('储能 OR 氢能 OR "绿色 债券" 政策 -煤炭')
    assert q.any_of == (("储能", "氢能", "绿色 债券"),)
    assert q.terms == ("政策",)
    assert q.matches("氢能政策")
    assert q.matches("绿色 债券政策")
    assert not q.matches("储能")
    assert not q.matches("储能政策 煤炭")
    assert parse_query('"储能 OR 氢能"').terms == ("储能 or 氢能",)
    assert parse_query("储能 or 氢能").terms == ("储能", "or", "氢能")
    assert parse_query("储能 OR").terms == ("储能",)


def test_or_is_searched_as_either(fts: sqlite3.Connection) -> None:
    """The FTS5 plan of an OR query finds exactly the rows Query.matches keeps."""
    for text in ("储能 OR 氢能", "储能 OR 绿证 -煤炭", '光伏 OR "绿色 债券" 政策', "a OR c++"):
        query = parse_query(text)
        check(query, sqlite_rows(fts, fts_plan(query)))


def test_terms_are_normalised_and_deduplicated() -> None:
    """Traditional, full-width and upper-case forms are the same search."""
    q = parse_query("儲能 储能 ＣＣＥＲ ccer 「碳市場」")
    assert q.terms == ("储能", "ccer", "碳市场")


@pytest.mark.parametrize(
    ("text", "since", "until"),
    [
        ("2024-01", dt.date(2024, 1, 1), dt.date(2024, 1, 31)),
        ("2024-02", dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
        ("2024-12", dt.date(2024, 12, 1), dt.date(2024, 12, 31)),
        ("2024-01-08", dt.date(2024, 1, 8), dt.date(2024, 1, 8)),
        ("2024-01-01..2024-03-31", dt.date(2024, 1, 1), dt.date(2024, 3, 31)),
        ("2024-01..2024-03", dt.date(2024, 1, 1), dt.date(2024, 3, 31)),
        ("2024-03-01..", dt.date(2024, 3, 1), None),
        ("..2024-03", None, dt.date(2024, 3, 31)),
        ("since:2024-01-01", dt.date(2024, 1, 1), None),
        ("until:2024-03", None, dt.date(2024, 3, 31)),
        ("since:2024-01-01 until:2024-01-15 2024-01", dt.date(2024, 1, 1), dt.date(2024, 1, 15)),
        ("２０２４－０１", dt.date(2024, 1, 1), dt.date(2024, 1, 31)),
    ],
)
def test_date_filters(text: str, since: dt.date | None, until: dt.date | None) -> None:
    """Months, days, ranges and since:/until: narrow the dates; several narrow together."""
    q = parse_query(text)
    assert (q.since, q.until, q.terms) == (since, until, ())


def test_topics_and_browsing() -> None:
    """#topic filters by topic (name or key, as typed); filters alone browse the archive."""
    q = parse_query("#碳市場 #storage 2024-01")
    assert q.topics == ("碳市场", "storage")
    assert not q.has_text
    assert fts_plan(q) == FtsPlan(None, None, exact=True)
    only_excluded = fts_plan(parse_query("-煤炭"))
    assert (only_excluded.match, only_excluded.exclude) == (None, '"煤炭"')
    assert [p.tokens for p in only_excluded.excluded] == [("煤炭",)]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   \u3000\t", "empty"),
        ("*** ^ ()", "no_terms"),
        ("-", "no_terms"),
        ("x" * (MAX_QUERY_CHARS + 1), "too_long"),
        ("储能 " * 5000, "too_long"),
        ("2024-13", "bad_date"),
        ("since:yesterday", "bad_date"),
        ("2024-02-30", "bad_date"),
        ("2024-03..2024-01", "bad_range"),
    ],
)
def test_unusable_queries(text: str, reason: str) -> None:
    """Empty, unsearchable, over-long or impossible-date queries get a reason to show."""
    with pytest.raises(QueryError) as caught:
        parse_query(text)
    assert caught.value.reason == reason


def test_a_query_at_the_limit_is_accepted() -> None:
    """Exactly 200 characters is still a query."""
    assert parse_query("储" * MAX_QUERY_CHARS).terms == ("储" * MAX_QUERY_CHARS,)


def test_inexact_terms_are_flagged_for_a_residual_check() -> None:
    """Punctuation in a term is asked of the index itself; a character with no mark of its own
    makes the SQL over-approximate, and it says so."""
    assert fts_plan(parse_query("74.9gwh 亿元， .net")).exact
    assert fts_plan(parse_query("5G基站 储能")).exact
    assert fts_plan(parse_query("储能 -ai-native")).match == (
        f'("储能") NOT ("ai {mark("-")} native"*)'
    )
    plan = fts_plan(parse_query("储能 -葛\U000e0100"))  # a variation selector: no own mark
    assert plan.match == '"储能"'
    assert not plan.exact


def test_spans_for_highlighting() -> None:
    """Highlights cover every occurrence of every term, merged, in original offsets."""
    q = parse_query("储能 ai")
    text = "AI储能，储能电站 mail"
    assert q.spans(normalize(text)) == [(0, 4), (5, 7)]
