"""Item numbers as publishers write them (pure): ``1.`` ``1、`` ``１．`` ``1)`` ``(1)`` ``一、``.

``number(text)`` reads the number that opens a line: its value, its style (``arabic``,
``close``, ``paren``, ``cn``, ``cn-paren``, ``circled`` for ① ❶ ➀), its punctuation and the
rest of the line. A
decimal is no number (``12.5%``), but a date after the dot is (``1.1月5日`` is item 1 about
January 5th). ``Numbering`` keeps each style's running number, so a line is an item only when
it continues the sequence (the next number, 1 to restart, a small jump with a warning).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUMBER = re.compile(
    r"(?:(?P<d>[0-9０-９]{1,6})(?P<p>[.．、)）])"
    r"|[(（](?P<pd>[0-9０-９]{1,3})[)）]"
    r"|(?P<c>[一二三四五六七八九十]{1,3})、"
    r"|[(（](?P<pc>[一二三四五六七八九十]{1,3})[)）])"
)
# circled, parenthesised and dotted numerals: ① … ⑳, ⑴ … ⒇, ⒈ … ⒛, ❶ … ❿, ➀ … ➓
_GLYPHS: dict[str, tuple[int, str]] = {
    **{chr(0x2460 + n): (n + 1, "circled") for n in range(20)},
    **{chr(0x2474 + n): (n + 1, "paren") for n in range(20)},
    **{chr(0x2488 + n): (n + 1, "arabic") for n in range(20)},
    **{chr(0x2776 + n): (n + 1, "circled") for n in range(10)},
    **{chr(0x2780 + n): (n + 1, "circled") for n in range(10)},
    **{chr(0x278A + n): (n + 1, "circled") for n in range(10)},
}
_FIRST = frozenset("0123456789０１２３４５６７８９(（一二三四五六七八九十") | frozenset(_GLYPHS)
_DATE_AFTER_DOT = re.compile(r"[0-9０-９]{1,4}[年月日号]")
_CN = "一二三四五六七八九"
_CN_NUMBERS = {  # 一 … 九十九
    ("" if n < 10 else _CN[n // 10 - 1] * (n >= 20) + "十")
    + (_CN[n % 10 - 1] if n % 10 else ""): n
    for n in range(1, 100)
}
ARABIC = ("arabic", "close", "paren")


@dataclass(frozen=True, slots=True)
class Number:
    value: int
    family: str  # arabic close paren cn cn-paren
    punct: str
    rest: str  # the line after the number


def number(text: str) -> Number | None:
    """The list number that opens ``text``, if it does."""
    if not text or text[0] not in _FIRST:
        return None
    if (glyph := _GLYPHS.get(text[0])) is not None:
        value, family = glyph
        return Number(value, family, "○" if family == "circled" else ".", text[1:].lstrip())
    m = _NUMBER.match(text)
    if m is None:
        return None
    rest = text[m.end() :]
    if m.group("d") is not None:
        punct = m.group("p")
        if punct in ".．" and rest[:1].isdigit() and not _DATE_AFTER_DOT.match(rest):
            return None  # "12.5%" is a decimal
        value, family = int(m.group("d")), "close" if punct in ")）" else "arabic"
    elif m.group("pd") is not None:
        value, family, punct = int(m.group("pd")), "paren", "()"
    else:
        cn = m.group("c") or m.group("pc") or ""
        value, family, punct = _CN_NUMBERS.get(cn, 0), "cn" if m.group("c") else "cn-paren", "、"
    return Number(value, family, punct, rest.lstrip(" \t")) if value > 0 else None


class Numbering:
    """The running number of each numbering style (it continues across sections)."""

    def __init__(self, warnings: list[str]) -> None:
        self.last: dict[str, tuple[int, str]] = {}  # style → (number, punctuation)
        self.warnings = warnings

    def accept(self, key: str, found: Number, line: int) -> bool:
        prev, punct = self.last.get(key, (0, found.punct))
        if found.value not in (1, prev + 1):
            if not prev + 1 < found.value <= prev + 5 or punct != found.punct:
                if 1 < found.value <= prev:
                    why = f"{found.value} does not continue the numbering after {prev}"
                    self.warnings.append(f"line {line}: {why}, read as text")
                return False
            jump = f"jumps from {prev} to {found.value}" if prev else f"starts at {found.value}"
            self.warnings.append(f"line {line}: numbering {jump}")
        self.last[key] = (found.value, found.punct)
        return True
