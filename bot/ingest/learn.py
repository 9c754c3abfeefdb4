"""Reading a series as a series: its layout learned from all of its files (learning.py), each
file read with it, and what a publisher named for it in the config (``[[series]]``).

Used by the folder scan and by ``check DIR`` alike, so both read a file the same way. Files are
grouped by their series' origin (``series:<name>``, ``folder:<name>`` or "", series.py); a
profile is learned per origin from every file's signature (how it reads alone), and a file
whose reading alone differs from what its series teaches — another rule, or template in it —
is read again with the profile.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from bot.config import SeriesRule
from bot.digest import Reading, rulenames
from bot.digest.learning import Profile, Signature, learn, other_kind
from bot.digest.meta import HeaderError, header
from bot.digest.series import origin, origin_name
from bot.digest.vault import Vault, note_link

WEAK = frozenset({rulenames.PARAGRAPHS, rulenames.PLAIN})


def origin_of(reading: Reading, rel: str) -> str:
    """The origin of the series a reading of the file at ``rel`` belongs to."""
    return origin(dict(reading.meta), rel)


def named_rule(
    rules: Sequence[SeriesRule], key: str, names: Iterable[str] = ()
) -> SeriesRule | None:
    """The ``[[series]]`` table that matches an origin (by its name) or a series' display
    name, case and spaces aside."""
    wanted = {" ".join(n.split()).casefold() for n in (origin_name(key), *names) if n}
    return next((r for r in rules if " ".join(r.match.split()).casefold() in wanted), None)


def profiles(
    signatures: Mapping[str, tuple[str, Signature]],
    *,
    rules: Sequence[SeriesRule] = (),
    names: Mapping[str, Iterable[str]] | None = None,
) -> dict[str, Profile]:
    """The profile of each origin from its files' signatures (rel → (origin, signature));
    ``names``: the display names each origin's digests give their series."""
    by_origin: dict[str, list[Signature]] = {}
    for key, signature in signatures.values():
        by_origin.setdefault(key, []).append(signature)
    out: dict[str, Profile] = {}
    for key, found in by_origin.items():
        rule = named_rule(rules, key, (names or {}).get(key, ()))
        profile = learn(found, named=rule.items if rule else "")
        if rule is not None and rule.skip_sections:
            profile = replace(profile, skip=frozenset(rule.skip_sections))
        out[key] = profile
    return out


def lens(alone: Signature, profile: Profile) -> Profile | None:
    """How a file whose reading alone shows ``alone`` is read as part of its series (None: as
    it read alone). The series' template always goes; its rule is used when the publisher
    named it, or when the file alone found nothing or only what a weak rule finds (bold
    paragraphs, bare bullets) — a file whose own structure carries stories keeps it: an
    edition may mix headings and numbered lines where most of its series' have one kind. A
    file that declares another kind of page than the series' editions is read as none."""
    if other_kind(alone.kind, profile):
        return replace(profile, rule="", template=frozenset(), skip=frozenset())
    if profile.named or profile.skip:
        return profile
    weak = alone.rule.partition(":")[0] in WEAK
    rule = profile.rule if profile.rule and (not alone.items or weak) else ""
    template = profile.template if profile.template & alone.edges else frozenset()
    if not rule and not template:
        return None
    return replace(profile, rule=rule, template=template)


def read_as_series(
    alone: Signature, profile: Profile, read: Callable[[Profile | None], Reading]
) -> Reading:
    """The file read with its series' lens (``read(None)``: alone); when its template leaves
    it nothing, by the series' rule as well. ``alone``: how it reads alone."""
    chosen = lens(alone, profile)
    reading = read(chosen)
    if chosen is None:
        return reading
    if (
        not reading.items
        and profile.rule
        and not chosen.rule
        and not other_kind(alone.kind, profile)
    ):
        reading = read(replace(chosen, rule=profile.rule))
    return told(reading, alone)


def told(reading: Reading, alone: Signature) -> Reading:
    """A reading with its series' profile, saying how the file alone would have read when
    that differs."""
    if alone.rule == reading.layout and alone.items == len(reading.items):
        return reading
    how = describe_rule(alone)
    note = f"read with the series' rule; this file alone would give {how}"
    return replace(reading, warnings=(note, *reading.warnings))


def describe_rule(alone: Signature) -> str:
    count = f"{alone.items} item{'s' if alone.items != 1 else ''}"
    return f"{count} ({alone.rule})" if alone.rule else "no items"


NOTE_HEAD = 64 * 1024  # bytes of a note read for its link: its front matter and first lines


def link_of(data: bytes) -> str:
    """A note's own link (vault.py), from the first ``NOTE_HEAD`` bytes of its file."""
    lines = data[:NOTE_HEAD].decode("utf-8", "replace").replace("\r\n", "\n").split("\n")
    try:
        meta, body_at, _ = header(lines, [])
    except HeaderError:
        meta, body_at = {}, 0
    return note_link(meta, "\n".join(lines[body_at:]))


def vault_of(folder: Path, rels: Iterable[str]) -> Vault:
    """The notes of a digests folder and their links (for its digests' wikilinks)."""
    vault = Vault()
    for rel in rels:
        try:
            with (folder / rel).open("rb") as fh:
                vault.add(rel, link_of(fh.read(NOTE_HEAD)))
        except OSError:
            continue
    return vault
