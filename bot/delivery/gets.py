"""What a chat gets of an edition: the one rule the push, /today, /day, ◀ ▶, an admin's
preview and a correction all follow.

(edition, the chat's settings at a moment) → message parts: the items of the chat's topics
(without those it already got by alert), its alert terms marked 🔔 and bold, in its language
and format, and a closing line saying how many items its topics left out. Pure, in two steps
(``chat_content``, then ``render_content``) so that rendering is cached by what it depends
on; ``Parts.edition_parts`` (content.py) reads what the store and the alert index say of the
edition and is what every one of them calls.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from bot.digest.models import Edition, Item
from bot.render.edition import part_positions, render_edition
from bot.render.i18n import t
from bot.search.matching import AlertMatch
from bot.search.textnorm import normalize
from bot.store.chats import ALL


@dataclass(frozen=True, slots=True)
class Content:
    """One chat's view of an edition: the items it gets, the spans its alerts mark, and how
    many items its topics left out."""

    edition: Edition
    marks: Mapping[int, Sequence[tuple[int, int]]]
    left_out: int = 0

    @property
    def key(self) -> tuple[object, ...]:
        """Everything the rendering depends on besides the chat's language and format."""
        positions = tuple(item.position for item in self.edition.items)
        marks = tuple(sorted((p, tuple(s)) for p, s in self.marks.items()))
        return (self.edition.key, self.edition.content_hash, positions, marks, self.left_out)


def item_texts(edition: Edition) -> list[str]:
    """What alerts and search match: each item's normalised body (its title once, then the
    rest of its text); a match's spans are offsets in ``item.body`` (normalising keeps them)."""
    return [normalize(item.body) for item in edition.items]


def digest_positions(
    edition: Edition, scopes: frozenset[str] | set[str], topics: Mapping[int, set[str]]
) -> set[int]:
    """Positions of the items a chat with these subscription scopes gets in its digest."""
    if not scopes:
        return set()
    if ALL in scopes:
        return {item.position for item in edition.items}
    return {p for p, keys in topics.items() if keys & set(scopes)}


def chat_content(
    edition: Edition,
    *,
    scopes: frozenset[str],
    topics: Mapping[int, set[str]],
    ids: Mapping[int, int],
    already: set[int] | frozenset[int],
    matches: Sequence[AlertMatch],
) -> Content:
    """The items of ``edition`` for a chat (its topics, minus what it got by alert), marked."""
    keep = digest_positions(edition, scopes or frozenset({ALL}), topics)
    items: list[Item] = [
        item
        for item in edition.items
        if item.position in keep and ids.get(item.position) not in already
    ]
    marks: dict[int, list[tuple[int, int]]] = {}
    for match in matches:
        position = edition.items[match.item].position
        marks.setdefault(position, []).extend(match.spans)
    kept = {item.position for item in items}
    left_out = sum(1 for item in edition.items if item.position not in keep)
    return Content(
        replace(edition, items=tuple(items)),
        {p: sorted(set(s)) for p, s in marks.items() if p in kept},
        left_out,
    )


def render_content(
    content: Content,
    *,
    lang: str,
    compact: bool,
    heading: str | None = None,
    always: bool = False,
) -> list[str]:
    """A chat's content as message parts; none when its topics left nothing, unless
    ``always`` (a reader asked for the edition: it says what the topics left out)."""
    if not content.edition.items and not always:
        return []
    footer = t("left_out", lang, n=content.left_out) if content.left_out else ""
    return render_edition(
        content.edition,
        lang=lang,
        compact=compact,
        marks=content.marks,
        heading=heading,
        footer=footer,
    )


def content_positions(
    content: Content, *, lang: str, compact: bool, always: bool = False
) -> list[frozenset[int]]:
    """The item positions in each part ``render_content`` makes of the same content."""
    if not content.edition.items and not always:
        return []
    footer = t("left_out", lang, n=content.left_out) if content.left_out else ""
    return part_positions(
        content.edition, lang=lang, compact=compact, marks=content.marks, footer=footer
    )
