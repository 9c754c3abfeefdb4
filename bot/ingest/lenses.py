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

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from bot.config import SeriesRule
from bot.digest import Reading
from bot.digest.learning import Profile, Signature, other_kind
from bot.digest.vault import Vault, wikilink_targets
from bot.store.indexing import ItemIndexer

from .learn import lens, profiles
from .prepare import Job, Prepared, Preparer


@dataclass(frozen=True, slots=True)
class Known:
    """What a file taught its series when it was last read."""

    origin: str | None
    signature: Signature | None
    link: str = ""


LensKey = tuple[str, frozenset[str], frozenset[str], str] | None


def lens_key(alone: Signature, profile: Profile) -> LensKey:
    """What of a series' profile changes how a file is read: its rule, the template lines the
    file holds, the sections skipped, the kind of page its editions are when the file's is
    another (None: it is read alone)."""
    chosen = lens(alone, profile)
    if chosen is None:
        return None
    held = chosen.template if chosen.rule else chosen.template & alone.edges
    return chosen.rule, held, chosen.skip, chosen.kind if other_kind(alone.kind, chosen) else ""


SAMPLE = 128  # files of a big scan read first: the series' profiles to read the rest by


def read_found(
    jobs: Sequence[Job],
    known: Mapping[str, Known],
    *,
    indexer: ItemIndexer,
    rules: Sequence[SeriesRule] = (),
    names: Mapping[str, Iterable[str]] | None = None,
    load: Callable[[str], Job | None],
) -> Iterator[tuple[Job, Prepared]]:
    """Read ``jobs`` (the changed files) as series, given what the store ``known`` of every
    file of the folder; ``load(rel)``: the job that reads an unchanged file again (None when
    it cannot be read now). Each job's file as it reads, in order; then the files read again:
    unchanged ones whose lens the scan changed and, after a big scan, its own files that read
    otherwise than the sample said (each given twice: the later is what it says).

    Each file is read alone and, in the same parse, with the lens of its series as far as
    it is known (what the store knew, and a sample of a big scan read first); what every
    file teaches then gives the series' profiles, and a file is read again only where they
    lens it otherwise. A big scan's files are given as they are read (their writing overlaps
    the reading of the rest); a small one's once all are read."""
    with Preparer(indexer) as run:
        yield from _read_found(run, jobs, known, rules=rules, names=names, load=load)


def _read_found(
    run: Preparer,
    jobs: Sequence[Job],
    known: Mapping[str, Known],
    *,
    rules: Sequence[SeriesRule],
    names: Mapping[str, Iterable[str]] | None,
    load: Callable[[str], Job | None],
) -> Iterator[tuple[Job, Prepared]]:
    vault = _vault(known.items())
    named = {origin: set(found) for origin, found in (names or {}).items()}
    guess = dict(known)
    streamed = len(jobs) > 2 * SAMPLE
    if streamed:  # a cold ingest: learn from a sample before reading it all
        step = len(jobs) / SAMPLE
        sample = [replace(jobs[int(k * step)], vault=vault) for k in range(SAMPLE)]
        for job, prepared in zip(sample, _all(run, sample), strict=True):
            _learn(guess, named, job, prepared)
    provisional = _profiles(guess, rules, named)
    jobs = [replace(job, vault=vault, profiles=provisional) for job in jobs]
    now = dict(known)
    first: list[Prepared] = []
    for batch in run(jobs):
        for job, prepared in zip(jobs[len(first) :], batch, strict=False):
            _learn(now, named, job, prepared)
            if streamed:
                yield job, prepared
        first += batch
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
        read_by = lens_key(sig, provisional.get(origin, Profile()))
        if read_by != lens_key(sig, after[origin]) or (new_notes and _resolves(job, grown)):
            redo.append(n)
            again.append(replace(job, profile=after[origin], alone=sig, vault=grown,
                                 profiles=None))  # fmt: skip
    changed = {job.rel for job in jobs}
    extra: list[Job] = []
    for rel, was in sorted(now.items()):
        if rel in changed or was.signature is None or was.origin is None:
            continue
        old = lens_key(was.signature, before.get(was.origin, Profile()))
        if old != lens_key(was.signature, after[was.origin]) and (more := load(rel)):
            extra.append(replace(more, profile=after[was.origin], alone=was.signature,
                                 vault=grown))  # fmt: skip
    second = _all(run, again + extra)
    if streamed:
        yield from zip(again, second, strict=False)
    else:
        for n, prepared in zip(redo, second, strict=False):
            first[n] = prepared
        yield from zip(jobs, first, strict=True)
    yield from zip(extra, second[len(redo) :], strict=True)


def _resolves(job: Job, grown: Vault) -> bool:
    """Whether a wikilink of the file names a note the scan added to the vault it was read
    with (then it reads otherwise now)."""
    if b"[[" not in job.data or b"]]" not in job.data:
        return False
    read_with = job.vault or Vault()
    targets = wikilink_targets(job.data.decode("utf-8", "replace"))
    return any(read_with.link(t) != grown.link(t) for t in targets)


def _all(run: Preparer, jobs: list[Job]) -> list[Prepared]:
    return [p for batch in run(jobs) for p in batch]


def _learn(
    known: dict[str, Known], named: dict[str, set[str]], job: Job, prepared: Prepared
) -> None:
    """What ``prepared`` teaches its series, into ``known`` and ``named``."""
    known[job.rel] = Known(prepared.origin, prepared.signature, prepared.link)
    if isinstance(prepared.result, Reading) and prepared.origin is not None:
        named.setdefault(prepared.origin, set()).add(prepared.result.series)


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
