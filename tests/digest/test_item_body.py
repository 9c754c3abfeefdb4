"""An item's body names its title once: ``Item.body`` = the title, then the text without the
title it repeats (``bot.digest.models.body_of``), on made-up items and on the shared corpus."""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from bot.digest import DigestError, not_a_digest, read_file
from bot.digest.models import Item, body_of, rest_of
from bot.search.textnorm import index_text, is_mark, normalize

# ../shared/corpus next to the checkout; DIGESTBOT_CORPUS points elsewhere (as test_corpus.py)
CORPUS = Path(
    os.environ.get("DIGESTBOT_CORPUS") or Path(__file__).resolve().parents[3] / "shared" / "corpus"
)


@pytest.mark.parametrize(
    ("title", "text", "body"),
    [
        # the common layouts: `- [t](u) t: summary`, a bold lead, a heading and its paragraph
        (
            "OpenAI ships GPT-5",
            "OpenAI ships GPT-5. The model tops",
            "OpenAI ships GPT-5\nThe model tops",
        ),
        ("owner / repo", "owner / repo:A tool", "owner / repo\nA tool"),
        ("owner / repo", "owner / repo:", "owner / repo"),
        ("标题", "标题：正文。", "标题\n正文。"),
        ("标题", "标题 — 正文", "标题\n正文"),
        ("标题", "标题 | 正文", "标题\n正文"),
        ("标题", "标题 - 正文", "标题\n正文"),
        ("标题", "• 标题 • 正文", "标题\n正文"),
        ("【快讯】固本强基", "【快讯】固本强基\n央视网消息", "【快讯】固本强基\n央视网消息"),
        (
            "🌟 Lottie：动画库",
            "🌟 Lottie：动画库\nLottie 是一个",
            "🌟 Lottie：动画库\nLottie 是一个",
        ),
        ("不容错过！", "不容错过！苹果将于", "不容错过！\n苹果将于"),
        ("增长17.2%", "增长17.2%", "增长17.2%"),
        ('Say "hi"', 'Say "hi" to X', 'Say "hi"\nto X'),
        ("Foo", "“Foo” said X", "Foo\nsaid X"),
        # compared folded: case, full width, whitespace
        (
            "OpenAI ships GPT-5",
            "OPENAI  ships\nGPT-5 — The model",
            "OpenAI ships GPT-5\nThe model",
        ),
        ("ＯｐｅｎＡＩ", "OpenAI：发布", "ＯｐｅｎＡＩ\n发布"),
        # repeated twice (link text, then the summary's own start)
        ("Rust 1.80", "Rust 1.80 Rust 1.80 released", "Rust 1.80\nreleased"),
        # a tag before the repetition stays: it is the publisher's word
        ("Crust of Rust", "[video] Crust of Rust", "Crust of Rust\n[video]"),
        ("Spike - ep 9", "[podcast] Spike - ep 9. We chat", "Spike - ep 9\n[podcast] We chat"),
        # not a repetition: the title ends inside a word, a number or a unit
        ("Rust", "Rust's borrow checker", "Rust\nRust's borrow checker"),
        ("Open", "OpenAI ships", "Open\nOpenAI ships"),
        ("Rust 1", "Rust 1.22 released", "Rust 1\nRust 1.22 released"),
        ("Up 5", "Up 5% today", "Up 5\nUp 5% today"),
        ("C", "C++ is", "C\nC++ is"),
        ("std", "std::fmt", "std\nstd::fmt"),
        ("state", "state-of-the-art", "state\nstate-of-the-art"),
        ("OpenAI ships GPT-5", "OpenAI ships a model", "OpenAI ships GPT-5\nOpenAI ships a model"),
        # Han text has no word ends: the title's characters are its repetition, and the
        # rest runs on from the title as the text did (储能电站 stays a word for search)
        ("储能", "储能电站建设", "储能电站建设"),
        ("储能", "储能 储能电站建设", "储能电站建设"),
        ("AI", "AI芯片", "AI芯片"),
        ("应用推广", "应用推广Apple Search Ads 帮助", "应用推广Apple Search Ads 帮助"),
        # untitled, or nothing to compare
        ("", "  plain text  ", "plain text"),
        ("  ", "plain", "plain"),
        ("🌟", "🌟 foo", "🌟\n🌟 foo"),
        ("Title", "", "Title"),
        ("Title", "   ", "Title"),
    ],
)
def test_body_names_the_title_once(title: str, text: str, body: str) -> None:
    item = Item(1, text, title=title)
    assert item.body == body_of(title, text) == body
    assert item.body.endswith(item.rest)
    assert item.rest == rest_of(title, text)


# -- made-up items ---------------------------------------------------------------------

LATIN = "abcXYZ019"
HAN = "储能电站并网碳市场绿证"
PUNCT = ",.:;!?-—|：，。！？、()（）【】“”\"'·•"
WORDS = st.text(st.sampled_from(LATIN + HAN), min_size=1, max_size=8)
SPACES = st.sampled_from([" ", "  ", "\n", "\t"])
SEPARATORS = st.sampled_from(
    ["", " ", ": ", ":", "：", " — ", " - ", " | ", "\n", "。", "，", ". "]
)
DECORATION = st.sampled_from(["", "🌟 ", "【", "“", "• ", "- ", "🚀"])


@st.composite
def phrases(draw: st.DrawFn, max_words: int = 6) -> str:
    """Words with spaces and punctuation between them (no markup)."""
    words = draw(st.lists(WORDS, min_size=1, max_size=max_words))
    out = words[0]
    for word in words[1:]:
        out += draw(st.one_of(SPACES, st.sampled_from(PUNCT), st.just(""))) + word
    return out


def vary(title: str, draw: st.DrawFn) -> str:
    """The title as a text repeats it: other case, other whitespace."""
    variant = title.upper() if draw(st.booleans()) else title
    return re.sub(r"\s+", lambda _: draw(SPACES), variant)


@st.composite
def items(draw: st.DrawFn) -> tuple[str, str, str]:
    """(title, text, how): the title repeated once or twice, partly, or not at all."""
    title = draw(st.one_of(st.just(""), phrases(4)))
    rest = draw(st.one_of(st.just(""), phrases()))
    how = draw(st.sampled_from(["repeated", "twice", "partly", "not"]))
    if how in ("repeated", "twice") and title:
        text = draw(DECORATION) + vary(title, draw) + draw(SEPARATORS)
        if how == "twice":
            text += vary(title, draw) + draw(SEPARATORS)
        return title, text + rest, how
    if how == "partly" and len(title) > 1:
        cut = draw(st.integers(1, len(title) - 1))
        return title, title[:cut] + draw(SEPARATORS) + rest, how
    return title, rest, "not"


def folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def repeats(title: str, text: str) -> bool:
    """A plainer reading of "the text starts with the title" than the rule's (a check on it):
    folded, spaces collapsed, a leading ``[tag]``, item number (``1 |``, ``2.``) and
    punctuation left out, the title's letters followed by the end, a space, punctuation or
    Han text (not more of a Latin word)."""
    key = re.sub(r"^\W+|\W+$", "", " ".join(folded(title).split()))
    lead = r"^(\[[^\]\n]{1,24}\]\s*)?(\d{1,4}\s*[|.、)]\s*)?\W*"
    start = re.sub(lead, "", " ".join(folded(text).split()))
    if not key or not start.startswith(key):
        return False
    after = start[len(key) : len(key) + 1]
    return not (after.isascii() and after.isalnum() and key[-1].isascii() and key[-1].isalnum())


def words(text: str) -> set[str]:
    """Latin words and digit runs, and every Han character (Han has no spaces to split on)."""
    out = set(re.findall(r"[a-z0-9]+", folded(text)))
    return out | {c for c in text if unicodedata.east_asian_width(c) == "W" and c.isalpha()}


def tokens(text: str) -> set[str]:
    """The search index's words of a text (not the marks of punctuation and spaces)."""
    return {t for t in index_text(normalize(text)).split() if not is_mark(t)}


MARKUP = re.compile(r"\*\*|\]\(|<a |</?\w+>|https?://|`")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items())
@example(("OpenAI ships GPT-5", "OpenAI ships GPT-5 OpenAI ships GPT-5. The model", "twice"))
@example(("储能电站并网", "储能电站并网的细节说明。", "repeated"))
@example(("Rust 1", "Rust 1.22", "partly"))
def test_the_body_holds_the_title_once_and_every_word(case: tuple[str, str, str]) -> None:
    """Whatever the title and text: the body starts with the title (an untitled item's body
    is its text), never repeats it after that, loses no word of the text, adds no markup."""
    title, text, _how = case
    item = Item(1, text, title=title)
    body, rest = item.body, item.rest
    if title.strip():
        assert body.startswith(title)
        assert body in ((f"{title}\n{rest}", f"{title}{rest}") if rest else (title,))
        if body != title + rest:  # the rest on its own line: no repetition left in it
            assert rest_of(title, rest) == rest
    else:
        assert body == rest == text.strip()
    assert rest == rest.strip()
    assert words(text) <= words(title) | words(body)
    assert tokens(text) <= tokens(title) | tokens(body)  # search finds what it found before
    if not MARKUP.search(title + "\n" + text):
        assert not MARKUP.search(body)


@settings(max_examples=200, deadline=None)
@given(title=phrases(4), rest=phrases(), sep=SEPARATORS, lead=DECORATION)
def test_a_repeated_title_leaves_exactly_the_rest(
    title: str, rest: str, sep: str, lead: str
) -> None:
    """Decoration, the title (in capitals), a separator, the rest: the body is the title and
    that rest, exactly, on its own line unless the text ran on from the title (储能电站)."""
    title = title.strip(PUNCT + " \n\t")
    rest = rest.strip(PUNCT + " \n\t")
    assume(title and rest and rest_of(title, rest) == rest)  # the rest does not repeat it
    assume(not (sep == "" and title[-1] in LATIN and rest[0] in LATIN))  # one word: no end
    text = f"{lead}{title.upper()}{sep}{rest}"
    joint = "\n" if sep else ""  # a text that ran straight on still does
    assert body_of(title, text) == f"{title}{joint}{rest}"


# -- the shared corpus -----------------------------------------------------------------


def corpus_files() -> list[Path]:
    """Every digest of the corpus (not README.md, SOURCE.md, index pages); [] without it."""
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.rglob("*.md") if not_a_digest(str(p)) is None)


def archives() -> list[str]:
    return sorted({p.relative_to(CORPUS).parts[0] for p in corpus_files()}) or ["(no corpus)"]


TITLE_MARKUP = re.compile(r"\]\(|\*\*|<a\s|https?://|<!--|</?(?:p|br|div|span|td|tr|img)\b", re.I)
BODY_MARKUP = TITLE_MARKUP


@pytest.mark.parametrize("archive", archives())
def test_no_corpus_item_repeats_its_title_or_holds_markup(archive: str) -> None:
    """Every item of every digest of the corpus: its body names its title once, and neither
    title nor body holds markdown or HTML (link syntax, bold, anchors, URLs, comments)."""
    files = [p for p in corpus_files() if p.relative_to(CORPUS).parts[0] == archive]
    if not files:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the shared digest corpus is missing: {CORPUS}")
        pytest.skip(f"no shared digest corpus at {CORPUS}")
    problems: list[str] = []
    items = 0
    for path in files:
        try:
            reading = read_file(path)
        except DigestError:
            continue  # test_corpus.py says which files give no edition
        for item in reading.items:
            items += 1
            where = f"{path.relative_to(CORPUS)} #{item.position}"
            title, body, rest = item.title, item.body, item.rest
            if title.strip() and (rest_of(title, rest) != rest or repeats(title, rest)):
                problems.append(f"{where}: {title[:40]!r} repeated in {rest[:60]!r}")
            if match := TITLE_MARKUP.search(title):
                problems.append(f"{where}: markup in the title: {match.group()!r} {title[:80]!r}")
            if match := BODY_MARKUP.search(body):
                problems.append(f"{where}: markup in the body: {match.group()!r} {body[:80]!r}")
    assert items
    assert not problems, "\n".join(problems[:20]) + f"\n({len(problems)} in all)"


def test_corpus_texts_repeat_their_titles_and_bodies_do_not() -> None:
    """Most titled items of the corpus open their text with the title (what made every
    edition, snippet and inline result say it twice); their bodies hold it once."""
    files = corpus_files()
    if not files:
        pytest.skip(f"no shared digest corpus at {CORPUS}")
    titled = in_text = in_body = 0
    for path in files:
        try:
            reading = read_file(path)
        except DigestError:
            continue
        for item in reading.items:
            if item.title.strip():
                titled += 1
                in_text += repeats(item.title, item.text)
                in_body += repeats(item.title, item.body) and not repeats(item.title, item.rest)
    assert titled > 1000
    assert in_text > titled // 2
    assert in_body > titled // 2  # the body starts with the title, and once
