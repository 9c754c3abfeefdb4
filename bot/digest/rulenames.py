"""The names of the layout rules, as a publisher writes them in ``[[series]] items`` (pure,
standard library only: the configuration checks a name without loading the reader)."""

from __future__ import annotations

HEADINGS = "headings"
NUMBERED = "numbered"
LINKS = "links"
BULLETS = "bullets"
ROWS = "rows"
TAGGED = "tagged"
PARAGRAPHS = "paragraphs"
PLAIN = "plain"
NAMES = (HEADINGS, NUMBERED, LINKS, BULLETS, ROWS, TAGGED, PARAGRAPHS, PLAIN)


def valid(rule: str) -> bool:
    """``numbered``, ``headings``, ``headings:3`` …: a rule ``layout.infer`` can read by."""
    name, _, level = rule.partition(":")
    return name in NAMES and (
        not level or (name == HEADINGS and level in ("1", "2", "3", "4", "5", "6"))
    )
