"""Values shared by every layer: what a digest is, once parsed.

Pure: standard library only. Everything here is a frozen dataclass so a value can be
hashed, compared and passed between threads without copying.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Item:
    """One news item of an edition.

    ``text`` is plain text (no markdown, no URLs); ``title`` is the item's headline when the
    layout gives one (a ``### [title](url)`` heading, a bold lead, a linked bullet), else "".
    ``links`` are the item's hrefs, deduplicated, in order of appearance. ``body`` is what a
    reader sees, searches and is alerted on: the title, then the text without its repetition
    of the title (``rest``); see ``body_of``.
    """

    position: int
    text: str
    links: tuple[str, ...] = ()
    section: str = ""
    title: str = ""
    # what a reader sees of the item (not its position), digested once
    content_hash: str = field(init=False, repr=False, compare=False, default="")

    def __post_init__(self) -> None:
        payload = "\0".join([self.section, self.title, self.text, *self.links])
        digest = hashlib.blake2b(payload.encode("utf-8", "surrogatepass"), digest_size=16)
        object.__setattr__(self, "content_hash", digest.hexdigest())

    @property
    def body(self) -> str:
        """The title, then the text that does not repeat it (see ``body_of``)."""
        return body_of(self.title, self.text)

    @property
    def rest(self) -> str:
        """The text without its repetition of the title: what follows the title in ``body``."""
        return rest_of(self.title, self.text)

    def to_json(self) -> dict[str, object]:
        return {
            "position": self.position,
            "section": self.section,
            "title": self.title,
            "text": self.text,
            "links": list(self.links),
        }


@dataclass(frozen=True, slots=True, order=True)
class EditionKey:
    """What identifies an edition: its series (0 = the bot's first), its date and its issue
    number (0: the edition has none).

    ``ref`` is how the outbox and the files table write it (the date alone for series 0, so
    rows written before there were series still mean the same edition; ``#N`` after it for
    issue N, so rows written before there were issue numbers keep their meaning too);
    ``token`` is the shorter form buttons carry (``_N`` for issue N).
    """

    series: int
    date: dt.date
    issue: int = 0

    @property
    def ref(self) -> str:
        day = self.date.isoformat()
        ref = f"{day}+{self.series}" if self.series else day
        return f"{ref}#{self.issue}" if self.issue else ref

    @property
    def token(self) -> str:
        day = f"{self.date:%Y%m%d}"
        token = f"{day}.{self.series}" if self.series else day
        return f"{token}_{self.issue}" if self.issue else token

    @classmethod
    def from_ref(cls, ref: str) -> EditionKey | None:
        """The key a ``ref`` (or a ``token``) stands for; None for anything else."""
        ref, mark, issue = ref.replace("_", "#").partition("#")
        day, _, series = ref.replace(".", "+").partition("+")
        try:
            date = dt.date.fromisoformat(day) if "-" in day else _compact(day)
            number = int(series) if series else 0
            issued = int(issue) if mark and issue.isascii() and issue.isdigit() else -1
        except ValueError:
            return None
        if mark and not 1 <= issued <= MAX_ISSUE:
            return None
        return cls(number, date, max(issued, 0)) if 0 <= number < MAX_SERIES else None


MAX_SERIES = 1000  # series one bot may have (an item's sort key has three digits for it)
MAX_ISSUE = 99_999  # the highest issue number (an item's sort key has five digits for it)


def _compact(day: str) -> dt.date:
    if len(day) != 8 or not day.isdigit():
        raise ValueError(day)
    return dt.date(int(day[:4]), int(day[4:6]), int(day[6:]))


@dataclass(frozen=True, slots=True)
class Edition:
    """One day's digest: a date, the series it belongs to, and its items in order.

    ``series`` is the series' display name as the file gives it ("" when none);
    ``series_id`` the series the store filed it under (0 until it is stored); ``issue`` its
    issue number (0: none).
    """

    date: dt.date
    series: str
    items: tuple[Item, ...]
    title: str = ""
    source: str = ""
    warnings: tuple[str, ...] = field(default=(), compare=False)
    series_id: int = 0
    issue: int = 0

    @property
    def key(self) -> EditionKey:
        return EditionKey(self.series_id, self.date, self.issue)

    @property
    def label(self) -> str:
        """The series as an edition's heading names it: ``Rust 周刊 #42`` when numbered."""
        return f"{self.series} #{self.issue}".strip() if self.issue else self.series

    @property
    def content_hash(self) -> str:
        """A stable digest of the edition's readable content (ignores source and warnings)."""
        h = hashlib.blake2b(digest_size=16)
        h.update(f"{self.date.isoformat()}\0{self.series}\0{self.title}\0".encode())
        for item in self.items:
            h.update(f"{item.position}:{item.content_hash}\0".encode())
        return h.hexdigest()

    def to_json(self) -> dict[str, object]:
        return {
            "date": self.date.isoformat(),
            **({"issue": self.issue} if self.issue else {}),
            "series": self.series,
            "title": self.title,
            "items": [item.to_json() for item in self.items],
        }


# -- an item's body: its title once ------------------------------------------------------


def body_of(title: str, text: str) -> str:
    """An item's body: its title, then the text without its repetition of the title
    (``rest_of``), joined by a line break, or by nothing when the text ran straight on from
    the repetition (``储能`` + ``电站建设``: a word spanning both stays whole for search); the
    title alone when nothing else is left; an untitled item's body is its text (stripped).

    The one rule for rendering, snippets, the search index and alerts. The body ends with
    ``rest_of``: offsets into it (search and alert spans) less ``len(body) - len(rest)`` are
    offsets into the rest.
    """
    joint, rest = _split(title, text)
    if not title.strip():
        return rest
    return f"{title}{joint}{rest}" if rest else title


def rest_of(title: str, text: str) -> str:
    """``text`` (stripped) without the title it starts by repeating.

    Most layouts repeat the title at the start of the text (``- [t](u) t: summary``, a bold
    lead, a heading and its paragraph). The repetition is compared with the title after
    NFKC, case folding and collapsing whitespace, ignoring the title's leading and trailing
    punctuation and symbols (``🌟``, ``【``, ``!``) and the text's leading ones; it must end
    where a word does (``Rust`` is not repeated in ``Rust's`` nor ``Rust 1`` in ``Rust 1.22``;
    Han text has no word ends: ``储能`` is repeated in ``储能电站``), and the separators after
    it (`` — ``, ``：``, ``: ``, `` - ``, ``|``, ``•``, the title's own closing marks) go with
    it. A short tag before it (``[video]``, ``【快讯】``) stays. Repeated twice (link text, then
    the summary's own first words), it goes twice, unless the first ran on into Han text
    (``储能储能电站``: a word may span the two).
    """
    return _split(title, text)[1]


def _split(title: str, text: str) -> tuple[str, str]:
    """(joint, rest): the text after the title it repeats, and what joins the title to it.
    Linear in the text however often it repeats the title (offsets, no slices per round)."""
    text = text.strip()
    key, tail = _title_key(title)
    if not key:
        return "\n", text
    tags: list[str] = []
    joint, at = "\n", 0
    while True:
        end = _repeat_end(key, tail, text, at)
        if end < 0 and not tags:  # a tag or two first: "[video] Title" repeats "Title"
            end, tags = _tagged_repeat(key, tail, text, at)
        if end < 0:
            break
        ran_on = not tags and end < len(text) and not _decoration(text[end - 1])
        joint = "" if ran_on else "\n"
        at = end
        while at < len(text) and text[at].isspace():
            at += 1
        if ran_on and _han(text[end - 1]) and _han(text[end]):  # 储能|储能电站: a word may
            break  # span the two, what follows is the text's own
    rest = text[at:]
    return joint, " ".join([*tags, rest]) if rest else " ".join(tags)


_TAGS = {"[": "]", "【": "】", "［": "］", "〔": "〕"}
_TAG_CHARS = 24  # a tag is short: [video], 【快讯】, [ES]
_CLOSING = {  # what closes a mark the text opened before the repetition
    "“": "”", "‘": "’", '"': '"', "'": "'", "(": ")", "（": "）", "[": "]", "【": "】",
    "［": "］", "「": "」", "『": "』", "《": "》", "〈": "〉", "〔": "〕", "«": "»", "‹": "›",
}  # fmt: skip
_NOT_SEPARATORS = frozenset("\"'#%&*@\\/¿¡‰‱′″")  # punctuation that opens or belongs to a word
_SEPARATOR_SYMBOLS = frozenset("|｜¦~～→⇒⟶►▶▸")
_JOINERS = frozenset(".,'’‐-_/@&+")  # between two letters or digits: inside a word or number
_UNITS = frozenset("%‰‱°℃℉′″")
_EMOJI_PARTS = frozenset("\ufe0e\ufe0f\u200d\u20e3")  # variation selectors, joiner, keycap


def _fold(c: str) -> str:
    return unicodedata.normalize("NFKC", c).casefold()


def _decoration(c: str) -> bool:
    """Whitespace, punctuation and symbols (emoji, bullets) around a title."""
    return c.isspace() or unicodedata.category(c)[0] in "PS" or c in _EMOJI_PARTS


def _separator(c: str) -> bool:
    """What may stand between a repeated title and the rest: `` — ``, ``：``, ``|``, ``. ``."""
    if c.isspace() or c in _SEPARATOR_SYMBOLS:
        return True
    return unicodedata.category(c) in ("Po", "Pd") and c not in _NOT_SEPARATORS


def _han(c: str) -> bool:
    """A letter of a script written without spaces between words (Han, kana, hangul)."""
    return c.isalnum() and unicodedata.east_asian_width(c) in "WF"


def _latin(c: str) -> bool:
    """A letter or digit of a script that separates its words (not Han, kana, hangul)."""
    return c.isalnum() and unicodedata.east_asian_width(c) not in "WF"


def _title_key(title: str) -> tuple[str, str]:
    """The title as compared (folded, whitespace collapsed, without leading and trailing
    decoration) and the decoration it ends with (``！``, ``”``), folded."""
    folded = " ".join("".join(_fold(c) for c in title).split())
    start, end = 0, len(folded)
    while start < end and _decoration(folded[start]):
        start += 1
    while end > start and _decoration(folded[end - 1]):
        end -= 1
    return folded[start:end], folded[end:]


def _repeat_end(key: str, tail: str, text: str, start: int = 0) -> int:
    """Where the rest begins when ``text[start:]`` repeats the title, else -1."""
    opened = ""
    while start < len(text) and _decoration(text[start]):
        opened += text[start]
        start += 1
    end = _match(key, text, start)
    closers = set(tail) | {_CLOSING[c] for c in opened if c in _CLOSING}
    if end < 0 or not _word_end(text, end, closers):
        return -1
    while end < len(text) and _fold(text[end]) in closers:  # the title's own ！ or ”
        end += 1
    while end < len(text) and _separator(text[end]):
        end += 1
    return end


def _match(key: str, text: str, start: int) -> int:
    """The end of ``text[start:]``'s prefix that folds to ``key`` (whitespace runs count as
    one space), or -1; never inside a character that folds to several."""
    at = 0
    i = start
    while at < len(key):
        if i >= len(text):
            return -1
        c = text[i]
        if c.isspace():
            if key[at] != " ":
                return -1
            while i < len(text) and text[i].isspace():
                i += 1
            at += 1
            continue
        folded = _fold(c)
        if not key.startswith(folded, at):
            return -1
        at += len(folded)
        i += 1
    return i


def _word_end(text: str, end: int, closers: set[str]) -> bool:
    """Whether a repetition may end before ``text[end]``: not inside a word, a number or a
    unit (``Rust``|``'s``, ``1``|``.22``, ``5``|``%``, ``C``|``++``); after a letter or digit
    only at a space, a separator, a closing mark or Han text (which has no word ends)."""
    if end >= len(text):
        return True
    before, after = text[end - 1], text[end]
    following = text[end + 1] if end + 1 < len(text) else ""
    if _fold(after) in closers:  # the title's own ！, ” or %
        return True
    if unicodedata.category(after)[0] == "M" or (after in _UNITS and before.isdigit()):
        return False
    if not _latin(before):
        return True
    if (after == ":" and following == ":") or (after in _JOINERS and _latin(following)):
        return False  # std::fmt, 1.22, Rust's, state-of-the-art
    if after.isspace() or _separator(after):
        return True
    if _latin(after):
        return False
    wide = unicodedata.east_asian_width(after) in "WF"  # 拍我AI（…）, AI芯片
    return wide or unicodedata.category(after)[0] not in "PS"


def _tagged_repeat(key: str, tail: str, text: str, at: int) -> tuple[int, list[str]]:
    """The rest's start when short tags (``[video]``, ``【快讯】``) at ``at`` precede the
    repetition, and the tags (kept: they are the publisher's words); (-1, []) when not."""
    tags: list[str] = []
    while len(tags) < 2 and at < len(text) and text[at] in _TAGS:
        close = text.find(_TAGS[text[at]], at + 1, at + _TAG_CHARS)
        if close < 0 or "\n" in text[at:close]:
            break
        tags.append(text[at : close + 1])
        at = close + 1
        while at < len(text) and text[at].isspace():
            at += 1
        end = _repeat_end(key, tail, text, at)
        if end >= 0:
            return end, tags
    return -1, []
