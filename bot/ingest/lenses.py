"""A scan's files read as series: each alone first, then — with what all of its series' files
teach — again where that changes what it says (learn.py, learning.py).

Part of ingest. The store keeps what each file taught when it was last read (``Known``: its
series' origin, its signature, its link as a note), so a scan reads only what changed: the
changed files alone, the profiles of their series from every file's signature, the changed
files again with their series' lens where they need one, and the unchanged files whose lens
the scan changed (a template line that now recurs in most files, a rule most now agree on).
Wikilinks resolve against every note of the folder (vault.py), the notes read in this scan too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from bot.config import SeriesRule
from bot.digest import Reading
from bot.digest.learning import Profile, Signature
from bot.digest.vault import Vault
from bot.store.index import ItemIndexer

from .learn import lens, profiles
from .prepare import Job, Prepared, prepare


@dataclass(frozen=True, slots=True)
class Known:
    """What a file taught its series when it was last read."""

    origin: str | None
    signature: Signature | None
    link: str = ""


@dataclass(frozen=True, slots=True)
class Learned:
    """The scan's files read as series: one ``Prepared`` per job, in order; the unchanged
    files read again (their jobs and theirs); what each file now teaches."""

    prepared: list[Prepared]
    again: list[tuple[Job, Prepared]]


LensKey = tuple[str, frozenset[str], frozenset[str]] | None


def lens_key(alone: Signature, profile: Profile) -> LensKey:
    """What of a series' profile changes how a file is read: its rule, the template lines the
    file holds, the sections skipped (None: it is read alone)."""
    chosen = lens(alone, profile)
    if chosen is None:
        return None
    held = chosen.template if chosen.rule else chosen.template & alone.edges
    return chosen.rule, held, chosen.skip


def read_found(
    jobs: Sequence[Job],
    known: Mapping[str, Known],
    *,
    indexer: ItemIndexer,
    rules: Sequence[SeriesRule] = (),
    names: Mapping[str, Iterable[str]] | None = None,
    load: Callable[[str], Job | None],
) -> Learned:
    """Read ``jobs`` (the changed files) as series, given what the store ``known`` of every
    file of the folder; ``load(rel)``: the job that reads an unchanged file again (None when
    it cannot be read now)."""
    vault = _vault(known.items())
    jobs = [replace(job, vault=vault) for job in jobs]
    first = [p for batch in prepare(list(jobs), indexer) for p in batch]
    now = dict(known)
    named = {origin: set(found) for origin, found in (names or {}).items()}
    for job, prepared in zip(jobs, first, strict=True):
        now[job.rel] = Known(prepared.origin, prepared.signature, prepared.link)
        if isinstance(prepared.result, Reading) and prepared.origin is not None:
            named.setdefault(prepared.origin, set()).add(prepared.result.series)
    before = _profiles(known, rules, named)
    after = _profiles(now, rules, named)
    grown = _vault(now.items())
    new_notes = len(grown) != len(vault)
    redo: list[int] = []
    again: list[Job] = []
    for n, (job, prepared) in enumerate(zip(jobs, first, strict=True)):
        sig, origin = prepared.signature, prepared.origin
        if sig is None or origin is None:
            continue
        if lens(sig, after[origin]) is not None or (new_notes and b"[[" in job.data):
            redo.append(n)
            again.append(replace(job, profile=after[origin], alone=sig, vault=grown))
    changed = {job.rel for job in jobs}
    extra: list[Job] = []
    for rel, was in sorted(now.items()):
        if rel in changed or was.signature is None or was.origin is None:
            continue
        old = lens_key(was.signature, before.get(was.origin, Profile()))
        if old != lens_key(was.signature, after[was.origin]) and (more := load(rel)):
            extra.append(replace(more, profile=after[was.origin], alone=was.signature,
                                 vault=grown))  # fmt: skip
    second = [p for batch in prepare(again + extra, indexer) for p in batch]
    for n, prepared in zip(redo, second, strict=False):
        first[n] = prepared
    return Learned(first, list(zip(extra, second[len(redo) :], strict=True)))


def _profiles(
    known: Mapping[str, Known],
    rules: Sequence[SeriesRule],
    names: Mapping[str, Iterable[str]] | None,
) -> dict[str, Profile]:
    signatures = {
        rel: (k.origin, k.signature)
        for rel, k in known.items()
        if k.origin is not None and k.signature is not None
    }
    return profiles(signatures, rules=rules, names=names)


def _vault(notes: Iterable[tuple[str, Known]]) -> Vault:
    vault = Vault()
    for rel, known in notes:
        vault.add(rel, known.link)
    return vault
