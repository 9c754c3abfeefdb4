"""Filling message parts to Telegram's limits: the parts being filled, and the cursor that
cuts an item's text into pieces (at a sentence end, else at whitespace, else anywhere).

Pure; the layout of an edition is edition.py's.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from .fragments import Html, costs, join, plain

CLOSERS = "”’」』》）)\"'"
SENTENCE_END = re.compile(f"[。！？；][{CLOSERS}]*|[.!?;][{CLOSERS}]*(?=\\s|$)")
SPACES = re.compile(r"\s+")


class Parts:
    """Message parts being filled; a part is closed when the next fragment does not fit.

    ``tag``: the item position the fragments now added belong to (0: none); ``tags`` says,
    for each closed part, the positions of the items it holds (a piece of one counts)."""

    def __init__(self, max_visible: int, max_raw: int) -> None:
        self.max_visible, self.max_raw = max_visible, max_raw
        self.done: list[str] = []
        self.tags: list[frozenset[int]] = []
        self.tag = 0
        self._html: list[str] = []
        self._tagged: set[int] = set()
        self._visible = self._raw = 0

    @property
    def empty(self) -> bool:
        return not self._html

    def room(self, sep: Html) -> tuple[int, int]:
        """What a fragment may cost to go into the current part after ``sep``."""
        if not self._html:
            return self.max_visible, self.max_raw
        return (
            self.max_visible - self._visible - sep.visible,
            self.max_raw - self._raw - sep.raw,
        )

    def fits(self, fragment: Html, sep: Html) -> bool:
        visible, raw = self.room(sep)
        return fragment.visible <= visible and fragment.raw <= raw

    def add(self, fragment: Html, sep: Html) -> None:
        if self._html:
            fragment = sep + fragment
        self._html.append(fragment.html)
        self._visible += fragment.visible
        self._raw += fragment.raw
        if self.tag:
            self._tagged.add(self.tag)

    def flush(self) -> None:
        if self._html:
            self.done.append("".join(self._html))
            self.tags.append(frozenset(self._tagged))
            self._html, self._visible, self._raw = [], 0, 0
            self._tagged = set()


class Cursor:
    """Reads an item's runs piece by piece; cuts prefer sentence ends, then whitespace."""

    def __init__(self, runs: tuple[tuple[str, bool], ...]) -> None:
        self.runs = runs
        self.costs = [costs(text) for text, _ in runs]
        self.index = self.offset = 0

    def done(self) -> bool:
        return self.index == len(self.runs)

    def rest(self) -> tuple[int, int]:
        """The cost of everything not yet taken."""
        visible = raw = 0
        for index in range(self.index, len(self.runs)):
            cum_visible, cum_raw = self.costs[index]
            start = self.offset if index == self.index else 0
            visible += cum_visible[-1] - cum_visible[start]
            raw += cum_raw[-1] - cum_raw[start] + 7 * self.runs[index][1]  # <b></b>
        return visible, raw

    def take(self, visible: int, raw: int) -> Html:
        """The longest well-cut piece costing at most ``visible`` and ``raw``."""
        taken: list[Html] = []
        while not self.done():
            text, bold = self.runs[self.index]
            cum_visible, cum_raw = self.costs[self.index]
            start, used = self.offset, join(taken)
            fit_visible = visible - used.visible + cum_visible[start]
            fit_raw = raw - used.raw - 7 * bold + cum_raw[start]
            limit = min(bisect_right(cum_visible, fit_visible), bisect_right(cum_raw, fit_raw)) - 1
            if limit >= len(text):
                taken.append(plain(text[start:], bold=bold))
                self.index, self.offset = self.index + 1, 0
                continue
            if limit > start:
                end, self.offset = cut(text, start, limit)
                taken.append(plain(text[start:end], bold=bold))
            break
        return join(taken)

    def skip_space(self) -> None:
        """Drop whitespace at the start of what is left (a new piece starts there)."""
        while not self.done():
            text = self.runs[self.index][0]
            match = SPACES.match(text, self.offset)
            self.offset = match.end() if match else self.offset
            if self.offset < len(text):
                return
            self.index, self.offset = self.index + 1, 0


def cut(text: str, start: int, limit: int) -> tuple[int, int]:
    """Where a piece of ``text[start:limit]`` ends, and where the next one starts."""
    end = start
    for match in SENTENCE_END.finditer(text, start, min(limit + 1, len(text))):
        if match.end() <= limit:
            end = match.end()
    if end == start:
        for match in SPACES.finditer(text, start + 1, limit + 1):
            end = match.start()
    if end == start:
        return limit, limit
    after = SPACES.match(text, end)
    return end, after.end() if after else end
