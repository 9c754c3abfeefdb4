"""An edition shows each item's title once: the text's repetition of it is left out
(``Item.body``), in full and compact mode, and alert marks still bold the matched words."""

from __future__ import annotations

import datetime as dt

from bot.delivery.content import item_texts
from bot.digest.models import Edition, Item
from bot.render.edition import render_edition
from bot.search.matching import AlertIndex
from bot.store.readers import Alert
from tgsandbox.telegram_html import ParsedText, check_message

DAY = dt.date(2024, 1, 8)
LINK = "https://example.org/gpt5"
EN_TITLE = "OpenAI ships GPT-5"
ZH_TITLE = "储能电站并网"
EDITION = Edition(
    DAY,
    "Tech daily",
    (
        # `- [t](u) t. summary`: linked title, the text repeats it
        Item(1, f"{EN_TITLE} {EN_TITLE}. The model tops the charts.", (LINK,), title=EN_TITLE),
        # a bold lead without a link: the title leads in bold, then the rest
        Item(2, f"{ZH_TITLE}：新型储能电站在江苏并网，容量100MW。", title=ZH_TITLE),
        # the text is only the title (a trending list)
        Item(3, "owner / repo:", ("https://github.com/owner/repo",), title="owner / repo"),
    ),
)


def message(parts: list[str]) -> ParsedText:
    [part] = parts
    return check_message(part)  # as Telegram stores it; raises if Telegram would refuse it


def bold(parsed: ParsedText) -> list[str]:
    units = parsed.text.encode("utf-16-le")
    return [
        units[2 * e.offset : 2 * (e.offset + e.length)].decode("utf-16-le")
        for e in parsed.entities
        if e.type == "bold"
    ]


def test_an_item_that_repeats_its_title_shows_it_once() -> None:
    """The title leads (bold, linked when there is a link), the rest follows, no title twice."""
    parsed = message(render_edition(EDITION, lang="en"))
    text = parsed.text
    assert text.count(EN_TITLE) == 1
    assert f"1. {EN_TITLE}\nThe model tops the charts." in text
    assert text.count(ZH_TITLE) == 1
    assert f"2. {ZH_TITLE}\n新型储能电站在江苏并网，容量100MW。" in text
    assert text.count("owner / repo") == 1
    assert "owner / repo:" not in text
    assert EN_TITLE in bold(parsed)
    assert ZH_TITLE in bold(parsed)


def test_compact_mode_shows_each_title_once() -> None:
    """One linked headline per item: the title, nothing of the text that repeats it."""
    text = message(render_edition(EDITION, lang="en", compact=True)).text
    assert text.count(EN_TITLE) == text.count(ZH_TITLE) == text.count("owner / repo") == 1


def test_alert_marks_bold_the_matched_words_after_the_title() -> None:
    """Alerts match the body; their spans bold the same words in the rendered rest, whether
    the title leads linked or in the runs, and in an untitled item."""
    untitled = Item(4, "  储能项目招标启动，规模200MW。  ")
    edition = Edition(DAY, "Tech daily", (*EDITION.items, untitled))
    index = AlertIndex([Alert(1, 7, ("model",)), Alert(2, 7, ("江苏",)), Alert(3, 7, ("招标",))])
    found = index.match_edition(item_texts(edition)).get(7, [])
    marks: dict[int, list[tuple[int, int]]] = {}
    for match in found:
        marks.setdefault(edition.items[match.item].position, []).extend(match.spans)
    assert sorted(marks) == [1, 2, 4]
    for position, spans in marks.items():  # the spans are offsets in the body
        body = edition.items[position - 1].body
        assert {body[s:e] for s, e in spans} <= {"model", "江苏", "招标"}
    strong = bold(message(render_edition(edition, lang="en", marks=marks)))
    assert {"model", "江苏", "招标"} <= set(strong)
