"""Search over the store: exact recall for Chinese, the query language, pages, hostile input."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import random
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.digest.models import body_of
from bot.ingest.folder import scan_folder
from bot.search.query import QueryError, parse_query
from bot.search.taxonomy import DEFAULT_TOPICS
from bot.search.textnorm import index_text, normalize
from bot.store.database import Store
from bot.store.hits import COUNT_CAP, Hit
from bot.store.index import Filters
from bot.store.indexing import TOKENS
from bot.store.lookup import filters_for, search

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from archive import PLACES, VOCAB, write_archive
from conftest import ENGINES, database_of

# one worker runs them all: the module's fixture is built once, not again each time
# another module's tests come between two of these on a worker
pytestmark = pytest.mark.xdist_group("search_archive")

TOPICS = tuple((t.key, t.keywords) for t in DEFAULT_TOPICS)


@pytest.fixture(scope="module", params=ENGINES)
def archive(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    """A generated 60-day archive (about 600 items) with a few hand-written edge items, on
    each engine."""
    folder = tmp_path_factory.mktemp("archive")
    write_archive(folder, days=60, start=dt.date(2024, 1, 1))
    extra = (
        "---\ntitle: 边界 2024-03-15\n---\n"
        "1. 建设5G基站与 5 G 基站不同 https://e.org/1\n"
        "2. Mail servers and OpenAI, not AI chips; AI芯片 ai-native https://e.org/2\n"
        "3. 装机74.9GWh，容量 12 gwh https://e.org/3\n"
        "4. 儲能與綠證（繁體）ＣＣＥＲ全角 https://e.org/4\n"
        '5. 引号"碳市场"和 NEAR AND OR * ^ ( ) : 符号 https://e.org/5\n'
    )
    (folder / "2024-03-15.md").write_text(extra, "utf-8")
    store = Store(
        database_of(request, request.param, tmp_path_factory.mktemp("db")), topics=TOPICS
    )
    report = scan_folder(store, folder)
    assert report.ok, report.errors
    yield store
    store.close()


def all_items(store: Store) -> dict[int, str]:
    """Each item's normalised body: what the index holds and a search matches."""
    rows = store.db.execute("SELECT id, title, text FROM items").fetchall()
    return {r[0]: normalize(body_of(r[1], r[2])) for r in rows}


def every_page_hit(store: Store, text: str) -> list[Hit]:
    """All hits of a query, following the pages to the end."""
    result = search(store, text, topics=DEFAULT_TOPICS, limit=50)
    hits = list(result.page.hits)
    while result.page.more_after:
        result = search(store, text, topics=DEFAULT_TOPICS, after=hits[-1].id, limit=50)
        hits += result.page.hits
    assert len(hits) == result.page.total or (result.page.at_least and len(hits) > COUNT_CAP)
    return hits


def every_hit(store: Store, text: str) -> list[int]:
    """All hit ids of a query, following the pages to the end."""
    return [h.id for h in every_page_hit(store, text)]


def queries() -> list[str]:
    rng = random.Random(5)
    words = [w for w in VOCAB if not w.isascii()]
    chars = sorted({c for w in words for c in w})
    out = [rng.choice(chars) for _ in range(50)]  # 1 character
    out += [w[:2] for w in rng.sample(words, 40)]  # 2 characters
    out += [w for w in words if len(w) >= 3][:40]  # 3+ characters
    out += [a[-1] + b[0] for a, b in itertools.pairwise(words)][:40]  # across words
    out += ["ccer", "CBAM", "esg", "gwh", "GWh", "mw", "ai", "5g基站", "5G", "g基站", "74.9gwh"]
    out += ["儲能", "綠證", "碳市場", "ＣＣＥＲ", "５Ｇ基站", "全國", "微電網"]
    out += [f"{a} {b}" for a, b in zip(rng.sample(words, 15), rng.sample(words, 15), strict=True)]
    out += [f"{a} -{b}" for a, b in zip(rng.sample(words, 10), rng.sample(words, 10), strict=True)]
    out += list(PLACES)
    return out


QUERIES = queries()


def test_enough_queries() -> None:
    """The recall test covers over 200 queries of every kind."""
    assert len(QUERIES) >= 200


@pytest.mark.parametrize("text", QUERIES)
def test_recall_equals_substring_truth(archive: Store, text: str) -> None:
    """A query finds exactly the items a plain normalised substring test finds."""
    expected_query = search(archive, text, topics=DEFAULT_TOPICS, limit=1).query
    truth = {i for i, body in all_items(archive).items() if expected_query.matches(body)}
    assert set(every_hit(archive, text)) == truth


def test_word_start_rule_for_latin(archive: Store) -> None:
    """`ai` finds AI芯片 but not mail/OpenAI alone; gwh finds 74.9GWh; 5G基站 needs no space."""
    bodies = all_items(archive)

    def item(fragment: str) -> int:
        [found] = [i for i, b in bodies.items() if fragment in b]
        return found

    assert item("mail servers") in every_hit(archive, "ai")
    assert item("mail servers") not in every_hit(archive, "mail server openai x")
    assert item("74.9gwh") in every_hit(archive, "gwh")
    assert item("建设5g基站") in every_hit(archive, "5G基站")
    assert every_hit(archive, "ils") == []  # inside "mail": not at a word start
    assert item("储能与绿证(繁体)ccer") in every_hit(archive, "儲能")


def test_results_newest_first_and_pages_cover_everything(archive: Store) -> None:
    """Hits come newest first; ▶ / ◀ pages walk the same list forwards and backwards."""
    forward = every_hit(archive, "储能")
    dates = [
        archive.db.execute("SELECT edition_date FROM items WHERE id = ?", [i]).fetchone()[0]
        for i in forward
    ]
    assert dates == sorted(dates, reverse=True)
    first = search(archive, "储能", topics=DEFAULT_TOPICS, limit=5)
    second = search(archive, "储能", topics=DEFAULT_TOPICS, after=first.page.hits[-1].id, limit=5)
    back = search(archive, "储能", topics=DEFAULT_TOPICS, before=second.page.hits[0].id, limit=5)
    assert [h.id for h in back.page.hits] == [h.id for h in first.page.hits]
    assert not first.page.more_before
    assert second.page.more_before


def test_date_and_topic_filters(archive: Store) -> None:
    """2024-01, ranges, since: and #topic narrow the hits; a browse query needs no words."""
    jan = every_hit(archive, "储能 2024-01")
    total = every_hit(archive, "储能")
    assert 0 < len(jan) < len(total)
    assert set(every_hit(archive, "储能 2024-01-01..2024-01-31")) == set(jan)
    assert set(every_hit(archive, "储能 since:2024-02-01")) == set(total) - set(jan)
    topic = every_hit(archive, "#储能 2024-02")
    assert topic
    assert all("storage" in archive.index.item_topics(i) for i in topic)


def test_excluding_only_and_phrases(archive: Store) -> None:
    """-word alone browses everything without it; "a phrase" keeps its punctuation literal."""
    without = set(every_hit(archive, "-储能 2024-03"))
    bodies = all_items(archive)
    assert without
    assert all("储能" not in bodies[i] for i in without)
    literal = every_hit(archive, '"NEAR AND OR"')
    assert len(literal) == 1


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("x" * 201, "too_long"),
        ("* ^ ( )", "no_terms"),
        ("#no-such-topic", "unknown_topic"),
    ],
)
def test_queries_that_cannot_run(archive: Store, text: str, reason: str) -> None:
    """Empty, over-long, symbol-only and unknown-topic queries are refused with a reason."""
    with pytest.raises(QueryError) as info:
        search(archive, text, topics=DEFAULT_TOPICS)
    assert info.value.reason == reason


HOSTILE = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            'NEAR("a" "b")',
            "a OR b AND NOT c",
            "储能* ^绿证",
            "'; DROP TABLE items; --",
            '"unterminated',
            "col:储能",
            "\x00\x07\x1b",
            "🔥🔥 emoji 储能",
            "x" * 10_000,
            "\\ud800 lone",
            "((((((",
            "2024-99..2024-01",
        ]
    ),
)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=HOSTILE)
def test_hostile_queries_never_raise(archive: Store, text: str) -> None:
    """FTS5 syntax, SQL, control characters, emoji or 10 000 characters: hits or a QueryError."""
    try:
        result = search(archive, text, topics=DEFAULT_TOPICS)
    except QueryError:
        return
    assert result.page.total >= len(result.page.hits)


def test_index_follows_edits_moves_and_removals(tmp_path: Path, database: str) -> None:
    """Edited, moved and removed items are found by their new text only, at their new place."""
    folder = tmp_path / "d"
    folder.mkdir()
    digest = folder / "2024-05-01.md"
    digest.write_text("1. 甲项目储能 https://e.org/a\n2. 乙项目光伏 https://e.org/b\n", "utf-8")
    store = Store(database, topics=TOPICS)
    scan_folder(store, folder)
    assert len(every_hit(store, "光伏")) == 1
    digest.write_text(
        "1. 新插入的风电消息 https://e.org/c\n2. 甲项目储能 https://e.org/a\n"
        "3. 乙项目氢能 https://e.org/b\n",
        "utf-8",
    )
    os.utime(digest, ns=(1, 2))
    scan_folder(store, folder)
    assert every_hit(store, "光伏") == []
    [moved] = search(store, "甲项目", topics=DEFAULT_TOPICS).page.hits
    assert moved.position == 2
    assert len(every_hit(store, "氢能")) == 1
    assert store.index.item_topics(moved.id) == {"storage"}
    digest.unlink()
    scan_folder(store, folder)
    assert every_hit(store, "储能") == []
    store.close()


TAG = "\U000e0100"  # an ideographic variation selector: no mark of its own (MARK_TO)


def test_a_common_term_is_counted_up_to_the_cap(tmp_path: Path, database: str) -> None:
    """Past COUNT_CAP hits the total says "at least" and stops counting; every hit is still on
    the pages, newest first; a narrower query below the cap is counted exactly."""
    folder = tmp_path / "d"
    folder.mkdir()
    per_day = 345  # three files (each under digests.max_items): 1035 hits
    for day in (1, 2, 3):
        lines = [
            f"{n}. 储能项目第{day}-{n}号，容量{TAG} {n} MW https://e.org/{day}/{n}"
            for n in range(1, per_day + 1)
        ]
        lines.append(f"{per_day + 1}. 光伏电站 https://e.org/{day}/pv")
        (folder / f"2024-05-0{day}.md").write_text("\n".join(lines) + "\n", "utf-8")
    store = Store(database, topics=TOPICS)
    assert scan_folder(store, folder).ok
    assert filters_for(parse_query(f"容量{TAG}"), DEFAULT_TOPICS).residual is not None
    for text in ("储能", "号，容量", f"容量{TAG}"):  # from the index; the last checked row by row
        page = search(store, text, topics=DEFAULT_TOPICS).page
        assert (page.total, page.at_least) == (COUNT_CAP, True), text
        hits = every_page_hit(store, text)
        assert len({h.id for h in hits}) == 3 * per_day
        assert [h.date.day for h in hits[::per_day]] == [3, 2, 1]  # newest first
    narrow = search(store, "储能 2024-05-02", topics=DEFAULT_TOPICS).page
    assert (narrow.total, narrow.at_least) == (per_day, False)
    assert (search(store, "光伏", topics=DEFAULT_TOPICS).page.total) == 3
    store.close()


def test_changed_topics_retag_the_archive(tmp_path: Path, database: str) -> None:
    """Changing the configured topics re-tags stored items at the next start."""
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "2024-05-01.md").write_text("1. 光伏电站并网 https://e.org/a\n", "utf-8")
    first = Store(database, topics=(("solar", ("光伏",)),))
    scan_folder(first, folder)
    first.close()
    store = Store(database, topics=(("grid", ("并网",)),))
    [hit] = store.index.search_items(Filters(topics=("grid",)), limit=5).hits
    assert store.index.item_topics(hit.id) == {"grid"}
    assert store.index.search_items(Filters(topics=("solar",)), limit=5).hits == ()
    store.close()


def test_an_index_of_title_and_text_is_rebuilt_from_the_bodies(tmp_path: Path) -> None:
    """A database indexed before items had a body (tokens of title + text) is indexed again
    at the next start. A contentless index deletes a row by the tokens the triggers compute
    now, so a token only the old rule made would outlive its item, on the row of the next
    item stored at the same place: 储能 + 储能电站 made 能 a token (a run's last character),
    the body 储能电站 does not."""
    folder = tmp_path / "d"
    folder.mkdir()
    digest = folder / "2024-05-01.md"
    digest.write_text("- [储能](https://e.org/a) 储能电站\n", "utf-8")
    old = tmp_path / "old.sqlite3"
    store = Store(old, topics=TOPICS)
    assert scan_folder(store, folder).ok
    [(title, text)] = store.db.execute("SELECT title, text FROM items").fetchall()
    assert body_of(title, text) == "储能电站"  # the title, run on into the rest of the text
    with store.db.conn:  # as it was: tokens of title and text, no token version
        store.db.execute("DELETE FROM meta WHERE key = 'tokens'")
        store.db.execute("INSERT INTO items_fts(items_fts) VALUES ('delete-all')")
        store.db.execute(
            "INSERT INTO items_fts(rowid, tokens) SELECT sortkey, ? FROM items",
            [index_text(normalize(f"{title}\n{text}")) + " \ue004"],
        )
    store.close()
    unrebuilt = tmp_path / "unrebuilt.sqlite3"  # the same, had the version not changed
    unrebuilt.write_bytes(old.read_bytes())
    with sqlite3.connect(unrebuilt) as conn:
        conn.execute("INSERT INTO meta (key, value) VALUES ('tokens', ?)", [TOKENS])
    digest.write_text("- [光伏](https://e.org/b) 光伏电站\n", "utf-8")  # the same place
    found = {}
    for path in (old, unrebuilt):
        store = Store(path, topics=TOPICS)
        try:
            assert store.index._meta("tokens") == TOKENS
            assert scan_folder(store, folder).ok
            found[path] = store.db.execute(
                """SELECT count(*) FROM items_fts WHERE items_fts MATCH '"能"'"""
            ).fetchone()[0]
            assert search(store, "光伏电站").page.total == 1
            assert search(store, "储能").page.total == 0
        finally:
            store.close()
    assert found == {old: 0, unrebuilt: 1}  # 能: the old item's token, left on 光伏电站's row


def test_both_engines_answer_every_query_alike(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """SQLite's FTS5 and PostgreSQL's tsvector give the same hits, in the same order, with the
    same totals and per-day counts, for every query of the suite over the same archive; on
    PostgreSQL, pages of common hits read in sort-key order, of rare ones through the index."""
    folder = tmp_path / "archive"
    items = write_archive(folder, days=20, start=dt.date(2024, 1, 1))
    stores = [Store(database_of(request, e, tmp_path / e), topics=TOPICS) for e in ENGINES]
    try:
        for store in stores:
            assert scan_folder(store, folder).ok
            store.db.execute("ANALYZE")  # PostgreSQL now knows how many rows the index holds
        text = stores[1].index.text
        [[rows]] = stores[1].db.execute(f"SELECT {text.rows}").fetchall()
        assert rows == items
        assert text.page_match(found=items, rows=rows, limit=50) == text.scan
        assert text.page_match(found=3, rows=rows, limit=50) == text.match
        assert text.page_match(found=COUNT_CAP + 1, rows=10**9, limit=50) == text.scan
        ids = [store.db.execute("SELECT id FROM items ORDER BY id").fetchall() for store in stores]
        assert ids[0] == ids[1]  # the same items under the same ids: hits compare one for one
        for text in [*QUERIES, "#储能", "-储能 2024-01", "#storage -光伏"]:
            answers = [every_hit(store, text) for store in stores]
            assert answers[0] == answers[1], text
            query = search(stores[0], text, topics=DEFAULT_TOPICS).query
            filters = filters_for(query, DEFAULT_TOPICS)
            days = [store.index.term_days(filters) for store in stores]
            assert days[0] == days[1], text
    finally:
        for store in stores:
            store.close()
