"""The sandbox's HTML parse mode accepts, rejects and reports exactly as Telegram does.

Expected values follow tdlib's parse_html / fix_formatted_text (td/telegram/MessageEntity.cpp,
misc.cpp, LinkManager.cpp, tdutils HttpUrl.cpp) and the Bot API server's error wording.
"""

from __future__ import annotations

import pytest

from tgsandbox.telegram_html import (
    MAX_RAW_BYTES,
    MAX_TEXT_UTF16,
    EntityParseError,
    MessageEmpty,
    MessageEntity,
    MessageRejected,
    MessageTooLong,
    ParsedText,
    check_message,
    parse_html,
    utf16_len,
)
from tgsandbox.telegram_links import checked_link

E = MessageEntity


@pytest.mark.parametrize(
    ("html", "text", "entities"),
    [
        ("<b>bold <i>both</i></b>", "bold both", (E("bold", 0, 9), E("italic", 5, 4))),
        (
            "<strong>a</strong><em>b</em><ins>c</ins>",
            "abc",
            (E("bold", 0, 1), E("italic", 1, 1), E("underline", 2, 1)),
        ),
        (
            "<s>a</s><strike>b</strike><del>c</del>",
            "abc",
            (E("strikethrough", 0, 1), E("strikethrough", 1, 1), E("strikethrough", 2, 1)),
        ),
        ("<B>x</b>", "x", (E("bold", 0, 1),)),
        ("<b>x</>", "x", (E("bold", 0, 1),)),
        ("<b>x</b >", "x", (E("bold", 0, 1),)),
        ("<b foo>x</b>", "x", (E("bold", 0, 1),)),
        ("<b >x</b>", "x", (E("bold", 0, 1),)),
        ("<b></b>x", "x", ()),
        ("<u><b>ab</b></u>", "ab", (E("bold", 0, 2), E("underline", 0, 2))),
        ("😀 <b>x</b>", "😀 x", (E("bold", 3, 1),)),
        ("<i>😀</i>中", "😀中", (E("italic", 0, 2),)),
        ("&lt;b&gt; &amp; &quot;x&quot; &#65;&#x42;", '<b> & "x" AB', ()),
        ("&#x1F600;<b>x</b>", "😀x", (E("bold", 2, 1),)),
        (
            "AT&T &amp &ampx; &#38 &nbsp; &#X41; &#0; &#1114111;",
            "AT&T & &ampx; & &nbsp; &#X41; &#0; &#1114111;",
            (),
        ),
        ("a > b", "a > b", ()),
        (
            '<tg-spoiler>s</tg-spoiler><span class="tg-spoiler">t</span>',
            "st",
            (E("spoiler", 0, 1), E("spoiler", 1, 1)),
        ),
        ("<code>x</code>", "x", (E("code", 0, 1),)),
        ('<code class="language-python">x</code>', "x", (E("code", 0, 1),)),
        ("<pre>x</pre>", "x", (E("pre", 0, 1),)),
        (
            '<pre><code class="language-python">x = 1</code></pre>',
            "x = 1",
            (E("pre", 0, 5, language="python"),),
        ),
        ('<code class="language-go"><pre>x</pre></code>', "x", (E("pre", 0, 1, language="go"),)),
        ("<blockquote>q</blockquote>", "q", (E("blockquote", 0, 1),)),
        ("<blockquote expandable>q</blockquote>", "q", (E("expandable_blockquote", 0, 1),)),
        (
            '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
            "👍",
            (E("custom_emoji", 0, 2, custom_emoji_id="5368324170671202286"),),
        ),
        ('<a href="tg://user?id=123">u</a>', "u", (E("text_mention", 0, 1, user_id=123),)),
    ],
)
def test_accepted_html_gives_telegrams_text_and_entities(
    html: str, text: str, entities: tuple[MessageEntity, ...]
) -> None:
    """A message shows the same text and formatting (UTF-16 offsets) as in Telegram."""
    assert parse_html(html) == ParsedText(text, entities)


@pytest.mark.parametrize(
    ("href", "url"),
    [
        ("https://e.com/?q=&quot;x&quot;&amp;y=1", 'https://e.com/?q="x"&y=1'),
        (
            "https://mp.weixin.qq.com/s/CNXXGYu7FeE_mmXg389mwQ",
            "https://mp.weixin.qq.com/s/CNXXGYu7FeE_mmXg389mwQ",
        ),
        ("example.com", "http://example.com/"),
        ("HTTPS://EXAMPLE.com:0443/x y ", "https://example.com:443/x%20y"),
        ("tg:resolve?domain=x", "tg://resolve?domain=x"),
        ("http://[::1]/", "http://[::1]/"),
    ],
)
def test_links_keep_the_url_telegram_normalises_to(href: str, url: str) -> None:
    """A link opens the URL Telegram stores: scheme added, host lowercased, spaces escaped."""
    assert parse_html(f'<a href="{href}">t</a>').entities == (E("text_link", 0, 1, url=url),)


def test_single_quoted_href_may_contain_double_quotes() -> None:
    """href='…"…"' keeps its double quotes, as in Telegram."""
    parsed = parse_html("<a href='https://e.com/\"x\"'>t</a>")
    assert parsed.entities == (E("text_link", 0, 1, url='https://e.com/"x"'),)


def test_link_without_href_links_its_own_text() -> None:
    """<a>URL</a> becomes a link to the URL it shows."""
    assert parse_html("<a>https://t.me/x</a>").entities == (
        E("text_link", 0, 14, url="https://t.me/x"),
    )


@pytest.mark.parametrize(
    "href",
    [
        "ftp://x.com/",
        "http://localhost/",
        "http://exa mple.com/",
        "https:///x",
        "javascript:alert(1)",
        "http://[::zz]/",
        "http://[fe80::1%eth0]/",
        "https://[::1/",
        "tg://u:p@resolve",
        "tg://res.olve?x=1",
    ],
)
def test_links_telegram_refuses_leave_plain_text(href: str) -> None:
    """An href Telegram does not accept shows the text with no link, no error."""
    assert parse_html(f'<a href="{href}">t</a>') == ParsedText("t")
    assert checked_link(href) is None


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("中文<p>", 'Unsupported start tag "p" at byte offset 6'),
        ("<br/>", 'Unsupported start tag "br/" at byte offset 0'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("a<b", "Unclosed start tag at byte offset 1"),
        ("x <", "Unclosed start tag at byte offset 2"),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("</b>", "Unexpected end tag at byte offset 0"),
        ("<b>x</ b>", "Unclosed end tag at byte offset 4"),
        ("<b =x>", 'Empty attribute name in the tag "b" at byte offset 0'),
        ("<b x=", 'Unclosed start tag "b" at byte offset 0'),
        ("<b x", 'Unclosed start tag "b" at byte offset 0'),
        ('<a href="https://e.com"', "Unclosed start tag at byte offset 0"),
        ("<a href=https://e.com>t</a>", "Unexpected end of name token at byte offset 8"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ('<tg-emoji emoji-id="abc">x</tg-emoji>', "Invalid custom emoji identifier specified"),
        (
            "&#xD83D;&#xDE00;",
            "Text contains invalid Unicode characters after decoding HTML entities, "
            "check for unmatched surrogate code units",
        ),
    ],
)
def test_malformed_html_is_refused_with_telegrams_words(html: str, error: str) -> None:
    """Bad HTML fails with the Bot API's "can't parse entities" text and byte offset."""
    with pytest.raises(EntityParseError) as raised:
        parse_html(html)
    assert str(raised.value) == error
    assert raised.value.description == f"Bad Request: can't parse entities: {error}"


def test_text_is_trimmed_and_cleaned_as_telegram_stores_it() -> None:
    """Spaces and newlines around the text go, \\r goes, a tab becomes a space."""
    assert check_message("  <b>x</b> \n ") == ParsedText("x", (E("bold", 0, 1),))
    assert check_message("a\r\n\tb") == ParsedText("a\n b")
    assert check_message("x<b>a\rb</b>") == ParsedText("xab", (E("bold", 1, 2),))


def test_leading_space_inside_an_entity_is_kept() -> None:
    """Telegram trims leading spaces only before the first entity."""
    assert check_message("<b> x </b>") == ParsedText(" x", (E("bold", 0, 2),))


@pytest.mark.parametrize(
    ("html", "description"),
    [
        ("", "Bad Request: message text is empty"),
        (" \n ", "Bad Request: text must be non-empty"),
        ("<b> </b>", "Bad Request: text must be non-empty"),
        ("\u200b\u3000", "Bad Request: text must be non-empty"),
    ],
)
def test_empty_messages_are_refused(html: str, description: str) -> None:
    """A message with nothing to show is refused like Telegram refuses it."""
    with pytest.raises(MessageEmpty) as raised:
        check_message(html)
    assert raised.value.description == description


@pytest.mark.parametrize(
    ("fits", "too_long"),
    [
        ("a" * MAX_TEXT_UTF16, "a" * (MAX_TEXT_UTF16 + 1)),
        ("😀" * (MAX_TEXT_UTF16 // 2), "😀" * (MAX_TEXT_UTF16 // 2) + "a"),
        ("&lt;" * MAX_TEXT_UTF16, "&lt;" * MAX_TEXT_UTF16 + "&gt;"),
        (" " + "中" * MAX_TEXT_UTF16 + "\n", "<b>" + "中" * (MAX_TEXT_UTF16 + 1) + "</b>"),
    ],
)
def test_visible_length_limit_is_4096_utf16_units(fits: str, too_long: str) -> None:
    """4096 visible UTF-16 units are accepted, 4097 are "message is too long"."""
    assert utf16_len(check_message(fits).text) == MAX_TEXT_UTF16
    with pytest.raises(MessageTooLong) as raised:
        check_message(too_long)
    assert raised.value.description == "Bad Request: message is too long"


def test_raw_html_limit_is_32_kib() -> None:
    """32768 bytes of HTML are accepted, one byte more is "message is too long"."""
    padding = "<b></b>" * ((MAX_RAW_BYTES - 1) // 7)
    fits = "a" + padding + "a" * ((MAX_RAW_BYTES - 1) % 7)
    assert len(fits.encode()) == MAX_RAW_BYTES
    assert check_message(fits).text.startswith("a")
    with pytest.raises(MessageTooLong):
        check_message(fits + "a")


def test_refusals_are_value_errors_with_a_bot_api_description() -> None:
    """Callers can catch one ValueError type and answer the Bot API description."""
    for html in ("", "<x>", "a" * 5000):
        with pytest.raises(MessageRejected) as raised:
            check_message(html)
        assert isinstance(raised.value, ValueError)
        assert raised.value.description.startswith("Bad Request: ")


def test_lone_surrogates_cannot_be_sent() -> None:
    """Text that is not valid Unicode is refused, not sent half-broken."""
    with pytest.raises(MessageRejected, match="UTF-8"):
        check_message("a\ud800b")


def test_entities_serialise_like_the_bot_api() -> None:
    """Entities come out as the Bot API's JSON objects."""
    html = '<a href="https://e.com">a</a><a href="tg://user?id=7">b</a>'
    parsed = parse_html(html + '<pre><code class="language-go">c</code></pre>')
    assert [e.to_dict() for e in parsed.entities] == [
        {"type": "text_link", "offset": 0, "length": 1, "url": "https://e.com/"},
        {"type": "text_mention", "offset": 1, "length": 1, "user": {"id": 7}},
        {"type": "pre", "offset": 2, "length": 1, "language": "go"},
    ]
