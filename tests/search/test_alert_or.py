"""The alert index with OR groups: one alert, several ways to satisfy it."""

from __future__ import annotations

from bot.search.matching import AlertIndex
from bot.search.query import parse_query
from bot.search.textnorm import normalize
from bot.store.readers import Alert


def alert_of(alert_id: int, chat_id: int, text: str) -> Alert:
    """An alert as /alert stores it: the parsed query's terms, groups and exclusions."""
    q = parse_query(text)
    return Alert(alert_id, chat_id, q.terms, q.excluded, q.any_of)


def test_an_or_alert_fires_once_on_either_term_and_goes_whole() -> None:
    """`储能 OR 氢能 政策 -煤炭` fires where /search's query matches, once per text, and
    removing it removes every branch."""
    text = "储能 OR 氢能 政策 -煤炭"
    index = AlertIndex([alert_of(1, 10, text), alert_of(2, 20, "储能")])
    query = parse_query(text)
    for sample in ("储能政策", "氢能政策", "储能与氢能政策", "储能政策 煤炭", "氢能", "政策"):
        hits = index.match(normalize(sample)).get(10, [])
        assert (len(hits) == 1) is query.matches(normalize(sample)), sample
        assert len(hits) <= 1
    assert index.remove(1)
    assert 10 not in index.match(normalize("储能与氢能政策"))
    assert index.match(normalize("储能")) == {20: [(2, ((0, 2),))]}
    assert index.stats().rules == 1
