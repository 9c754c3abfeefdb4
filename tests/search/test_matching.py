"""Alerts and topics: one Aho-Corasick pass gives what checking every alert's terms gives."""

from __future__ import annotations

import pytest
from conftest import SEED
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import DEFAULT_TOPICS
from bot.digest import parse_file
from bot.search.matching import AlertIndex, AlertMatch, TopicTagger
from bot.search.textnorm import contains, find, merge_spans, normalize
from bot.store.readers import Alert

Found = dict[int, set[tuple[int, tuple[tuple[int, int], ...]]]]  # chat -> {(alert id, spans)}


def naive(alerts: list[Alert], text: str) -> Found:
    """The slow, obvious answer: every alert of every chat, every term, the reference matcher."""
    norm = normalize(text)
    out: Found = {}
    for alert in alerts:
        terms = [normalize(t) for t in alert.terms]
        if all(contains(norm, t) for t in terms) and not any(
            contains(norm, normalize(t)) for t in alert.excluded
        ):
            spans = tuple(merge_spans([s for t in set(terms) for s in find(norm, t)]))
            out.setdefault(alert.chat_id, set()).add((alert.id, spans))
    return out


def matched(index: AlertIndex, text: str) -> Found:
    return {chat: set(hits) for chat, hits in index.match(normalize(text)).items()}


ALPHABET = "储能碳市场電池aiAIｍgw5 .，"
words = st.text(ALPHABET, min_size=1, max_size=4).filter(lambda w: w.strip() == w and w != "")
alert_data = st.lists(
    st.tuples(
        st.integers(1, 6),  # chat
        st.lists(words, min_size=1, max_size=3),
        st.lists(words, max_size=2),
    ),
    max_size=25,
)


def build(data: list[tuple[int, list[str], list[str]]]) -> list[Alert]:
    return [
        Alert(n, -100 - chat, tuple(terms), tuple(excluded))
        for n, (chat, terms, excluded) in enumerate(data, 1)
    ]


@settings(max_examples=200)
@given(alert_data, st.lists(st.text(ALPHABET, max_size=30), min_size=1, max_size=4))
def test_automaton_equals_the_naive_check(
    data: list[tuple[int, list[str], list[str]]], texts: list[str]
) -> None:
    """Every chat gets exactly the alerts whose terms all occur and no exclusion does."""
    alerts = build(data)
    index = AlertIndex(alerts)
    for text in texts:
        assert matched(index, text) == naive(alerts, text)


@settings(max_examples=100)
@given(alert_data, st.lists(st.text(ALPHABET, max_size=30), min_size=1, max_size=4))
def test_edition_matching_agrees_with_item_matching(
    data: list[tuple[int, list[str], list[str]]], texts: list[str]
) -> None:
    """The fan-out path for a whole edition names the same alerts, items and highlights."""
    alerts = build(data)
    index = AlertIndex(alerts)
    norms = [normalize(t) for t in texts]
    by_alert = {a.id: a for a in alerts}
    want: dict[int, set[tuple[int, frozenset[str], frozenset[str], object]]] = {}
    for item, norm in enumerate(norms):
        for chat, hits in index.match(norm).items():
            for alert_id, spans in hits:
                a = by_alert[alert_id]
                terms = frozenset(normalize(t) for t in a.terms)
                excluded = frozenset(normalize(t) for t in a.excluded)
                want.setdefault(chat, set()).add((item, terms, excluded, spans))
    got = {
        chat: {(h.item, frozenset(h.terms), frozenset(h.excluded), h.spans) for h in hits}
        for chat, hits in index.match_edition(norms).items()
    }
    assert got == want


@settings(max_examples=100)
@given(
    alert_data,
    st.lists(st.tuples(st.booleans(), st.integers(1, 25)), max_size=30),
    st.text(ALPHABET, max_size=30),
)
def test_add_and_remove_keep_the_index_current(
    data: list[tuple[int, list[str], list[str]]],
    ops: list[tuple[bool, int]],
    text: str,
) -> None:
    """Alerts added or deleted at any time, with new words or old, take effect at once."""
    pool = build(data)
    live: dict[int, Alert] = {}
    index = AlertIndex()
    for add, n in ops:
        if not pool:
            break
        alert = pool[n % len(pool)]
        if add:
            index.add(alert)
            live[alert.id] = alert
        else:
            assert index.remove(alert.id) is (alert.id in live)
            live.pop(alert.id, None)
        assert matched(index, text) == naive(list(live.values()), text)
    assert len(index) == len(live)


@pytest.mark.parametrize(
    ("term", "text", "hit"),
    [
        ("ai", "AI芯片需求大增", True),
        ("ai", "ai-native 应用", True),
        ("ai", "请发 mail 给我", False),
        ("ai", "OpenAI 发布新模型", False),
        ("gwh", "储能装机74.9GWh", True),
        ("5G基站", "建设5G基站", True),
        ("5G基站", "建设15G基站", False),
        ("ccer", "ＣＣＥＲ重启", True),
        ("儲能", "新型储能", True),
        ("储能", "新型儲能", True),
        ("碳市場", "全国碳市场扩容", True),
        ("碳市", "全国碳市场扩容", True),
    ],
)
def test_boundary_cases(term: str, text: str, hit: bool) -> None:
    """Latin words match at a word start, Chinese anywhere, in any width or script form."""
    index = AlertIndex([Alert(1, 42, (term,))])
    assert (42 in index.match(normalize(text))) is hit


def test_exclusions_veto_an_alert() -> None:
    """储能 -煤炭 fires on storage news, stays quiet when coal is mentioned too."""
    index = AlertIndex([Alert(1, 7, ("储能",), ("煤炭",)), Alert(2, 8, ("储能",))])
    assert set(index.match(normalize("储能电站投运"))) == {7, 8}
    assert set(index.match(normalize("煤炭企业布局储能"))) == {8}


def test_all_terms_are_required_and_highlighted() -> None:
    """An alert with two words fires only when both occur; both are highlighted."""
    index = AlertIndex([Alert(1, 7, ("储能", "电池"))])
    assert index.match(normalize("储能项目")) == {}
    assert index.match(normalize("电池储能项目")) == {7: [(1, ((0, 4),))]}
    assert index.match(normalize("储能，电池")) == {7: [(1, ((0, 2), (3, 5)))]}


def test_alerts_filed_under_the_same_rare_word() -> None:
    """Several multi-word alerts around one rare word each fire on their own other words."""
    common = [Alert(100 + n, 1, (w,)) for n, w in enumerate(["储能", "光伏", "氢能"] * 3)]
    pairs = [
        Alert(1, 11, ("钠电", "储能")),
        Alert(2, 12, ("钠电", "光伏")),
        Alert(3, 13, ("钠电", "氢能", "储能")),
        Alert(4, 14, ("钠电", "氢能"), ("光伏",)),
    ]
    index = AlertIndex([*common, *pairs])
    assert set(index.match("钠电光伏")) == {1, 12}
    assert set(index.match("钠电氢能")) == {1, 14}
    assert set(index.match("钠电氢能储能")) == {1, 11, 13, 14}
    assert set(index.match("钠电氢能光伏")) == {1, 12}


def test_shared_alerts_share_one_rule() -> None:
    """Ten thousand chats alerting on the same word cost one rule, and all of them get it."""
    index = AlertIndex(Alert(n, 10**12 + n, ("储能",)) for n in range(10_000))
    assert index.stats().rules == 1
    assert index.stats().terms == 1
    hits = index.match_edition([normalize("储能"), normalize("光伏")])
    assert len(hits) == 10_000
    assert hits[10**12] == [AlertMatch(0, ("储能",), (), ((0, 2),))]


def test_add_replaces_and_rejects() -> None:
    """Re-adding an alert id replaces its terms; an alert with no usable term is refused."""
    index = AlertIndex([Alert(1, 7, ("储能",))])
    index.add(Alert(1, 7, ("光伏",)))
    assert index.match("储能") == {}
    assert 7 in index.match("光伏")
    assert len(index) == 1
    assert 1 in index
    with pytest.raises(ValueError, match="no term"):
        index.add(Alert(2, 7, ("  ", "\u200b")))
    assert index.remove(99) is False


def test_bulk_load_keeps_the_last_alert_of_an_id() -> None:
    """Loading the same alert id twice leaves one alert, with its latest terms."""
    index = AlertIndex([Alert(1, 7, ("储能",)), Alert(1, 7, ("光伏",))])
    assert len(index) == 1
    assert index.match("储能") == {}
    assert index.remove(1)
    assert index.match("光伏") == {}


def test_a_new_word_after_matching_is_picked_up() -> None:
    """An alert added after the automaton was built still fires on its new word."""
    index = AlertIndex([Alert(1, 7, ("储能",))])
    assert index.match("氢能") == {}
    index.add(Alert(2, 8, ("氢能",)))
    assert set(index.match("氢能储能")) == {7, 8}
    index.remove(2)
    assert set(index.match("氢能储能")) == {7}


def test_seed_edition_items_all_get_a_topic() -> None:
    """With the default taxonomy every item of the seed edition lands in some topic."""
    tagger = TopicTagger((t.key, t.keywords) for t in DEFAULT_TOPICS)
    edition = parse_file(SEED)
    tags = [tagger.tags(normalize(item.text)) for item in edition.items]
    assert len(tags) == 10
    assert all(tags), [i for i, t in enumerate(tags, 1) if not t]
    keys = {t.key for t in DEFAULT_TOPICS}
    assert set().union(*tags) <= keys


def test_topic_keywords_follow_the_word_start_rule() -> None:
    """ESG and CCER tag items that say so, not words that merely contain the letters."""
    tagger = TopicTagger([("finance", ["ESG"]), ("carbon-market", ["CCER", "碳市场"])])
    assert tagger.tags(normalize("ESG投资升温")) == {"finance"}
    assert tagger.tags(normalize("MESG协议")) == frozenset()
    assert tagger.tags(normalize("ＣＣＥＲ与全国碳市場")) == {"carbon-market"}
    assert tagger.keywords(normalize("CCER与碳市场")) == {"carbon-market": ["ccer", "碳市场"]}
