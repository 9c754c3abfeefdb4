"""A digest's header: YAML front matter or Pelican-style ``Key: value`` lines (pure).

``header(lines)`` returns the mapping and where the body starts. YAML front matter (between
``---`` lines; Obsidian Digital Garden's one-line JSON map is YAML too) is read safely with
timestamps kept as written (a date is never shifted by a time zone); one that does not parse
is an error (``HeaderError``, with its line: the file is not published until it is fixed) —
unless it says the file is a draft (``draft: true``, ``dg-publish: false``…, read line by
line): a draft stays a draft however broken the rest is. Pelican headers (``Title:``,
``Date:``, ``Number:``, ``Category:`` … up to the first blank line, as This Week in Rust
writes them; any key, ``Description:`` too, once the block names a title or a date, or holds
two lines or more with a key pages carry) give lower-case keys.
"""

from __future__ import annotations

import re

from frontmatter.default_handlers import YAMLHandler

try:
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

MAX_LINES = 2000  # a longer block is not front matter
_FM = YAMLHandler()
_PELICAN = re.compile(r"([A-Z][A-Za-z0-9_-]{1,30}):[ \t]+(\S.*)")
_PELICAN_KEYS = frozenset(
    [
        "title",
        "date",
        "number",
        "category",
        "tags",
        "slug",
        "author",
        "authors",
        "summary",
        "modified",
        "status",
        "lang",
    ]
)


class HeaderError(ValueError):
    """Front matter that cannot be read: why, and its line."""

    def __init__(self, reason: str, line: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


# a backslash before what no YAML (or JSON) escape is: a quoted "\|", "\[" … means the character
_BAD_ESCAPE = re.compile(r'\\(?=[^0abtnvfre "/\\N_LPxuU\t\n])')
_DRAFT_LINE = re.compile(
    r"(?i)\s*[\"']?(draft|dg-publish|publish|published)[\"']?\s*:\s*[\"']?"
    r"(true|false|yes|no|on|off)[\"']?\s*(?:#.*)?"
)


class _Loader(_BaseLoader):
    """Safe YAML, but timestamps stay strings: a date is read as written, never shifted."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}


def header(lines: list[str], warnings: list[str]) -> tuple[dict[str, object], int, str]:
    """(keys, index of the first body line, what the header was: "yaml", "pelican" or "")."""
    found = _yaml(lines, warnings)
    if found is not None:
        return found[0], found[1], "yaml"
    keys: dict[str, object] = {}
    k = 0
    while k < min(len(lines), 40) and (m := _PELICAN.fullmatch(lines[k].strip())):
        keys[m.group(1).lower()] = m.group(2).strip()
        k += 1
    # every ``Key: value`` line at the top is the header, whatever its keys, once it looks
    # like one: it names the title or the date, or two lines or more name a key pages carry
    # (one ``Note: …`` line opening an ordinary digest is its text)
    if "title" in keys or "date" in keys or (k >= 2 and not keys.keys().isdisjoint(_PELICAN_KEYS)):
        return keys, k, "pelican"
    return {}, 0, ""


def _yaml(lines: list[str], warnings: list[str]) -> tuple[dict[str, object], int] | None:
    text = "\n".join(lines[:MAX_LINES])
    if not _FM.detect(text):
        return None
    try:
        block, content = _FM.split(text)
    except ValueError:  # no closing "---"
        warnings.append("line 1: frontmatter is never closed, read as text")
        return None
    body_at = text.count("\n", 0, len(text) - len(content))
    data = None
    try:
        try:
            data = _FM.load(block, Loader=_Loader)
        except Exception:  # "\|" in a JSON map (Obsidian escapes a wikilink's pipe so): unescape
            repaired = _BAD_ESCAPE.sub("", block)
            if repaired == block:
                raise
            data = _FM.load(repaired, Loader=_Loader)
    except Exception as exc:  # YAMLError, or a constructor's ValueError/RecursionError
        mark = getattr(exc, "problem_mark", None)
        line = 2 + mark.line if mark is not None else 2
        flags = {
            m.group(1).lower(): m.group(2)
            for row in block.split("\n")
            if (m := _DRAFT_LINE.fullmatch(row)) is not None
        }
        if not flags:
            problem = getattr(exc, "problem", None) or "it does not parse"
            raise HeaderError(
                f"frontmatter is not valid YAML ({problem}): fix it; the file is not "
                "published until it parses",
                line,
            ) from None
        warnings.append(f"line {line}: frontmatter is not valid YAML: only its draft flag read")
        return dict(flags), body_at
    if data is not None and not isinstance(data, dict):
        warnings.append("line 2: frontmatter is not a mapping of keys to values, ignored")
    return ({str(k): v for k, v in data.items()} if isinstance(data, dict) else {}), body_at
