"""The parser on real digests (../shared/corpus, under their own licences: read in place; and
the archives of tests/corpus). The archives with hand-checked truths are also read the way
ingest reads them: the folder at once, each file with what its series teaches (``check DIR``).
The shared ones must read right file for file; the ones in tests/corpus, which the reader was
not written against, at least as well as they do now (a ratchet: better is welcome, worse
fails)."""

from __future__ import annotations

import functools
import json
import os
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.cli.check import examine, files_of, read_series
from bot.config import Config, DigestLimits
from bot.digest import DigestError, Reading, not_a_digest, parse_file, read_file
from bot.digest.guard import defuse
from bot.digest.models import Edition

# ../shared/corpus next to the checkout; DIGESTBOT_CORPUS points elsewhere (a clone in /tmp)
CORPUS = Path(
    os.environ.get("DIGESTBOT_CORPUS") or Path(__file__).resolve().parents[3] / "shared" / "corpus"
)
DIGEST_NAME = re.compile(r"(?:(?:ios)?dailynews_)?(\d{4}-\d{2}-\d{2})\.md", re.IGNORECASE)
MARKUP = re.compile(r"https?://|\*\*|\]\(|<!--")


def corpus_root(root: Path, *, ci: bool) -> Path:
    """``root`` if it is there; else skip the test, or fail it on CI (CI has the corpus)."""
    if not root.is_dir():
        if ci:
            pytest.fail(f"the shared digest corpus is missing: {root}")
        pytest.skip(f"no shared digest corpus at {root}")
    return root


@pytest.fixture(scope="module")
def corpus() -> Path:
    return corpus_root(CORPUS, ci=os.environ.get("CI") == "true")


def test_missing_corpus_fails_on_ci_and_skips_elsewhere(tmp_path: Path) -> None:
    """Without the corpus the tests skip on a laptop but fail under CI=true."""
    missing = tmp_path / "corpus"
    with pytest.raises(pytest.fail.Exception, match="corpus is missing"):
        corpus_root(missing, ci=True)
    with pytest.raises(pytest.skip.Exception):
        corpus_root(missing, ci=False)
    assert corpus_root(tmp_path, ci=True) == tmp_path


@functools.cache
def read(path: Path) -> Edition | DigestError:
    try:
        return parse_file(path)
    except DigestError as exc:
        return exc


def edition(path: Path) -> Edition:
    result = read(path)
    assert isinstance(result, Edition), str(result)
    return result


def raw_lines(path: Path) -> list[str]:
    """The file's lines, read independently of the parser."""
    text = path.read_bytes().decode("utf-8-sig")
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def digests(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.md") if DIGEST_NAME.fullmatch(p.name))


# the archives these assertions were written for; the newer ones have their own truths.json
ORIGINAL = ("AIDailyNews", "ai-bubblebrain-daily-news")


def original_files(root: Path) -> list[Path]:
    """Every file of the original archives (digests and the files beside them)."""
    return sorted(p for name in ORIGINAL for p in (root / name).rglob("*") if p.is_file())


def original_digests(root: Path) -> list[Path]:
    return [p for name in ORIGINAL for p in digests(root / name)]


def test_every_corpus_file_gives_an_edition_or_a_clear_error(corpus: Path) -> None:
    """AIDailyNews and ai-bubblebrain: each digest yields an edition dated as its file name;
    other files are not digests, or have no date."""
    files = original_files(corpus)
    assert len(original_digests(corpus)) >= 300
    for path in files:
        result = read(path)
        named = DIGEST_NAME.fullmatch(path.name)
        if named is None:
            assert isinstance(result, DigestError), path
            assert result.reason.startswith(("no date", "not a digest")), str(result)
            assert str(result).startswith(str(path))
        else:
            assert isinstance(result, Edition), str(result)
            assert result.date.isoformat() == named.group(1), path
            assert result.items, path


def test_ai_daily_news_items_are_the_table_of_contents(corpus: Path) -> None:
    """AIDailyNews: one item per `> - ` TOC line, with the TOC line as its title, in order."""
    for path in sorted((corpus / "AIDailyNews").glob("dailyNews_*.md")):
        toc = [line[4:].strip() for line in raw_lines(path) if re.match(r"> [-*] ", line)]
        assert [item.title for item in edition(path).items] == toc, path


def test_ios_daily_news_items_are_the_table_of_contents(corpus: Path) -> None:
    """iOSDailyNews: as many items as TOC lines, the same titles (its TOC is not in order)."""
    for path in sorted((corpus / "AIDailyNews" / "iOSDailyNews").glob("*.md")):
        toc = [line[4:].strip() for line in raw_lines(path) if re.match(r"> [-*] ", line)]
        titles = [item.title for item in edition(path).items]
        assert Counter(titles) == Counter(toc), path


def test_ai_daily_news_items_lead_with_their_heading_link(corpus: Path) -> None:
    """Each `### [t](u)` item's first link is u; body links are real hrefs of the file."""
    for path in sorted((corpus / "AIDailyNews").rglob("*DailyNews_*.md")):
        lines = raw_lines(path)
        heads = [m.group(1) for s in lines if (m := re.fullmatch(r"### \[.*\]\((\S+)\)\s*", s))]
        items = edition(path).items
        assert [item.links[0] for item in items] == heads, path
        text = "\n".join(lines)
        assert all(link in text for item in items for link in item.links), path


def test_bubblebrain_numbering_is_one_to_n_in_each_section(corpus: Path) -> None:
    """ai-bubblebrain before 2026-06: per section, the items are the lines numbered 1…N."""
    checked = 0
    for path in digests(corpus / "ai-bubblebrain-daily-news"):
        if path.name >= "2026-06":
            continue
        section, numbers, fenced = "", {}, False
        for line in raw_lines(path):
            if line.startswith("```"):
                fenced = not fenced
            elif not fenced and (m := re.match(r"(?:#{1,6}\s+)?(\d+)\.\s", line)):
                numbers.setdefault(section, []).append(int(m.group(1)))
            elif not fenced and line.startswith("#"):
                section = line.lstrip("#").strip().strip("*").strip()
        assert all(n == list(range(1, len(n) + 1)) for n in numbers.values()), path
        sections = Counter(item.section for item in edition(path).items)
        assert sections == Counter({s: len(n) for s, n in numbers.items()}), path
        checked += 1
    assert checked >= 100


def test_bubblebrain_linked_layouts_have_a_link_on_every_item(corpus: Path) -> None:
    """`1. **t** — src`, `#### 1. t` and `- [t](<u>)` items carry their link and title t
    (unless t is only a URL, which some sources do)."""
    layouts = [
        re.compile(r"\d+\. \*\*(.+?)\*\* — "),
        re.compile(r"#### \d+\. (.+?)\s*"),
        re.compile(r"- \[(.+?)\]\(<https?://"),
    ]
    seen = 0
    for path in digests(corpus / "ai-bubblebrain-daily-news"):
        lines = raw_lines(path)
        linked = [m for s in lines for rx in layouts if (m := rx.match(s))]
        if not linked:
            continue
        items = edition(path).items
        with_links = [item for item in items if item.links]
        assert len(with_links) == len(linked), path
        titled = [m for m in linked if re.sub(r"https?://\S+", "", m.group(1)).strip()]
        assert sum(1 for item in with_links if item.title) == len(titled), path
        seen += len(linked)
    assert seen > 2000


def test_no_markup_in_any_corpus_item_text(corpus: Path) -> None:
    """No item text of AIDailyNews and ai-bubblebrain holds a URL, `**`, `](` or a comment."""
    for path in original_digests(corpus):
        for item in edition(path).items:
            assert MARKUP.search(item.text) is None, (path, item.position, item.text[:200])
            assert MARKUP.search(item.title) is None, (path, item.position, item.title)
            assert all(link.startswith(("http://", "https://")) for link in item.links)


def test_defuse_changes_no_corpus_file(corpus: Path) -> None:
    """No real digest comes near what defuse takes away (at most 2 container marks open a
    line, 44 delimiter runs and brackets 3 deep in a paragraph, 12 definitions in a row):
    the parser reads every file of every archive exactly as it is written."""
    files = sorted(corpus.rglob("*.md"))
    assert len(files) >= 300
    for path in files:
        text = path.read_text("utf-8", "replace")
        assert defuse(text) == (text, frozenset()), path


def test_series_names_of_the_corpus(corpus: Path) -> None:
    """AIDailyNews and ai-bubblebrain: the series is the title without its date, one name
    per archive and format."""
    names = Counter(edition(path).series for path in original_digests(corpus))
    assert set(names) >= {"My Daily News", "Bubble's Brain", "Bubble's Brain 阅读手册"}
    assert all(name and not re.search(r"\d{4}-\d{2}-\d{2}", name) for name in names), names


# -- the archives with hand-checked truths (truths.json) --------------------------------------

TRUTHS = ("github-trending", "weibo-trending-hot-search", "this-week-in-rust")


@pytest.mark.parametrize("archive", TRUTHS)
def test_hand_checked_files_read_as_their_truths(corpus: Path, archive: str) -> None:
    """Each file of the archive's truths.json: its date exactly, its item count within ±5 %,
    its first item's title and link (a null title: the item has none)."""
    truths = json.loads((corpus / archive / "truths.json").read_text("utf-8"))
    assert truths["files"]
    for entry in truths["files"]:
        reading = read_file(corpus / archive / entry["path"])
        where = f"{archive}/{entry['path']}: {reading.rule}"
        assert reading.date is not None, where
        assert reading.date.isoformat() == entry["date"], where
        count, want = len(reading.items), entry["items"]
        assert count_agrees(count, entry), (count, want, where)
        first = entry.get("first_item")
        if first is None:
            assert reading.items == (), where
            continue
        item = reading.items[0]
        assert item.title == (first["title"] or ""), where
        assert item.links[0] == first["link"], where


@pytest.mark.parametrize("archive", TRUTHS)
def test_every_file_of_the_new_archives_checks_without_an_exception(
    corpus: Path, archive: str
) -> None:
    """`digestbot check` of every file of the archive gives a report or a clear error."""
    files = sorted(p for p in (corpus / archive).rglob("*") if p.suffix in (".md", ".markdown"))
    assert len(files) >= 20
    for path in files:
        doc, lines, _ = examine(path, Config())
        assert doc["file"] == str(path)
        assert lines
        if "error" in doc:
            assert str(doc["error"]).startswith(str(path)), doc


# -- read as ingest reads them: as series -------------------------------------------------------

OURS = Path(__file__).resolve().parents[1] / "corpus"
ARCHIVES = sorted(p.parent.name for p in OURS.glob("*/truths.json"))  # ours, hand-checked
SHARED = ("arxiv-daily", "github-trending", "this-week-in-rust", "weibo-trending-hot-search",
          "xin-wen-lian-bo")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Score:
    right: int
    total: int
    wrong: tuple[str, ...]


def plain(title: str | None) -> str:
    """A title as two readers agree on it: its words, without the emoji, marks and spaces
    around them, any case."""
    text = unicodedata.normalize("NFKC", title or "").casefold()
    return " ".join(_EDGE_MARKS.sub("", text).split())


_EDGE_MARKS = re.compile(r"^[\W_]+|[\W_]+$")


def same_title(ours: str, truth: str | None) -> bool:
    """Whether the first item opens with the truth's title (an untitled item with its text),
    or the truth's title with it — labels differ on where a title ends."""
    want, got = plain(truth), plain(ours)
    if not want:
        return True
    return got.startswith(want) or (len(got) >= 8 and want.startswith(got))


def count_agrees(count: int, entry: dict[str, object]) -> bool:
    """An item count within ±5 % of the truth's, or one of the counts its rule allows: the
    other reading a person could give, recorded beside it (``items_alternative``,
    ``items_if_discussion_bullets_counted``…; the first item stays the truth's)."""
    want = entry["items"]
    assert isinstance(want, int)
    allowed = {v for k, v in entry.items() if k.startswith("items_") and isinstance(v, int)}
    return abs(count - want) <= 0.05 * want or count in allowed


def link_agrees(links: tuple[str, ...], want: object) -> bool:
    """The item's first link is the truth's; a null link in a truth means the item has no link
    on the web: none at all, or only the site's own pages (the truths say so: "its only links
    are site-relative")."""
    if want is None:
        return not any(u.startswith(("http://", "https://")) for u in links)
    return bool(links) and links[0] == want


def score(archive: Path) -> Score:
    """Files whose date is the truth's, whose item count agrees with it and whose first
    item's first link and title are the truth's (``link_agrees``; titles as ``plain`` has
    them)."""
    truths = json.loads((archive / "truths.json").read_text("utf-8"))
    config = Config(limits=DigestLimits(max_items=5000, max_parts=1000))
    targets, errors = files_of([str(archive)])
    assert not errors, errors
    readings, _ = read_series(targets, config)
    right, wrong = 0, []
    for entry in truths["files"]:
        path = archive / entry["path"]
        if not_a_digest(str(path)) is not None:
            right += entry["items"] == 0
            continue
        reading = readings.get(path)
        if not isinstance(reading, Reading):
            wrong.append(f"{entry['path']}: {reading}")
            continue
        date = reading.date.isoformat() if reading.date else None
        want = entry["items"]
        first = entry.get("first_item")
        links = reading.items[0].links if reading.items else ()
        link = links[0] if links else None
        head = (reading.items[0].title or reading.items[0].text) if reading.items else ""
        ok = (
            date == entry.get("date")
            and count_agrees(len(reading.items), entry)
            and (
                first is None
                or want == 0
                or (link_agrees(links, first.get("link")) and same_title(head, first.get("title")))
            )
        )
        right += ok
        if not ok:
            wrong.append(f"{entry['path']}: {date}, {reading.rule}, first {head[:60]!r} {link}")
    return Score(right, len(truths["files"]), tuple(wrong))


@pytest.mark.parametrize("archive", SHARED)
def test_shared_archives_read_right_as_series(corpus: Path, archive: str) -> None:
    """Each hand-checked file of the shared corpus reads right when its folder is read."""
    found = score(corpus / archive)
    assert found.right == found.total, found.wrong


@pytest.mark.parametrize("archive", ARCHIVES)
def test_new_archives_read_right_as_series(archive: str) -> None:
    """Each hand-checked file of the archives in tests/corpus reads right as a series."""
    found = score(OURS / archive)
    assert found.right == found.total, found.wrong


def test_tests_corpus_holds_the_six_archives() -> None:
    """The archives added for issue 22 are all there to be read (none lost in a move)."""
    assert len(ARCHIVES) >= 6
