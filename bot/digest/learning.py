"""The series is the unit of layout: what all of a series' files teach about each of them (pure).

A publisher writes every edition the same way. Each file read alone gives a ``Signature``: the
rule its stories were found by (``numbered``, ``headings:3`` …), how many, and its template
prints (template.py). ``learn`` takes the signatures of a series' files and gives its
``Profile``: the rule most of them agree on (when at least half do) and the template (what
recurs at the ends of most of them), and the kind of page most of them declare (front matter
``layout:`` or ``type:``, ``newsletter``): a file of the series' folder that declares another
kind (a ``post`` announcing the project) is no edition of it. A publisher's ``[[series]]
items`` names the rule instead. Each file is then read with the profile
(``read(text, rule=…, template=…)``): a file that alone would have been read another way
says so, and ``check DIR`` reports per series how many files agree and the line to add
when fewer than ``AGREE`` do.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from .template import MIN_FILES, Edges
from .template import learn as learn_template

AGREE = 0.8  # below this share of files on one rule, check suggests naming it
MAJORITY = 0.5  # a rule most files agree on is the series' rule


@dataclass(frozen=True, slots=True)
class Signature:
    """What one file read alone shows of its layout."""

    rule: str  # its layout's name, "" when it gave no items
    items: int
    edges: frozenset[str] = field(default=frozenset())
    kind: str = ""  # the kind of page it declares (``page_kind``), "" when none

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"rule": self.rule, "items": self.items}
        return out | {"edges": sorted(self.edges)} | ({"kind": self.kind} if self.kind else {})

    @classmethod
    def from_json(cls, data: object) -> Signature | None:
        if not isinstance(data, dict):
            return None
        edges = data.get("edges")
        return cls(
            str(data.get("rule") or ""),
            int(data.get("items") or 0),
            frozenset(str(e) for e in edges) if isinstance(edges, list) else frozenset(),
            str(data.get("kind") or ""),
        )


@dataclass(frozen=True, slots=True)
class Profile:
    """A series' layout: the rule to read its files by ("": each its own), its template, how
    many of its files agree, and whether the publisher named the rule."""

    rule: str = ""
    template: frozenset[str] = frozenset()
    agree: int = 0
    files: int = 0
    named: bool = False
    common: str = ""  # the rule most files were read by, even when too few agree
    skip: frozenset[str] = frozenset()  # sections whose units are never items (the config)
    kind: str = ""  # the kind of page most of its files declare: a file of another is none

    @property
    def share(self) -> float:
        return self.agree / self.files if self.files else 1.0

    def to_json(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "template": sorted(self.template),
            "agree": self.agree,
            "files": self.files,
            "named": self.named,
            "common": self.common,
            "skip": sorted(self.skip),
            "kind": self.kind,
        }

    @classmethod
    def from_json(cls, data: object) -> Profile:
        if not isinstance(data, dict):
            return cls()
        template = data.get("template")
        return cls(
            str(data.get("rule") or ""),
            frozenset(str(t) for t in template) if isinstance(template, list) else frozenset(),
            int(data.get("agree") or 0),
            int(data.get("files") or 0),
            bool(data.get("named")),
            str(data.get("common") or ""),
            frozenset(str(x) for x in skip)
            if isinstance(skip := data.get("skip"), list)
            else frozenset(),
            str(data.get("kind") or ""),
        )


def page_kind(meta: dict[str, object]) -> str:
    """The kind of page a file's front matter declares (``layout: newsletter``, else ``type:
    posts``), "" when it declares none."""
    found = meta.get("layout") or meta.get("type")
    return " ".join(found.split()).casefold() if isinstance(found, str) else ""


def other_kind(kind: str, profile: Profile) -> bool:
    """Whether a file declaring pages of ``kind`` is of another kind than its series'
    editions."""
    return bool(profile.kind and kind and kind != profile.kind)


def _kind(signatures: Sequence[Signature]) -> str:
    """The kind of page more than half of a series' files declare, when they are enough."""
    kind, n = Counter(s.kind for s in signatures).most_common(1)[0] if signatures else ("", 0)
    return kind if n >= MIN_FILES and n * 2 > len(signatures) else ""


def learn(signatures: Sequence[Signature], *, named: str = "") -> Profile:
    """The profile of a series from its files' signatures (``named``: the rule a publisher
    named for it)."""
    kind = _kind(signatures)
    with_items = [  # its editions: every file when no kind wins a majority
        s for s in signatures if s.rule and (not kind or s.kind in ("", kind))
    ]
    votes = Counter(s.rule for s in with_items)
    template = learn_template([Edges(s.edges) for s in signatures])
    if named:
        agree = sum(1 for s in with_items if s.rule == named)
        return Profile(named, template, agree, len(with_items), True, named, kind=kind)
    if not votes:
        return Profile(template=template, files=len(signatures), kind=kind)
    rule, agree = votes.most_common(1)[0]
    enough = len(with_items) >= MIN_FILES and agree >= MAJORITY * len(with_items)
    return Profile(rule if enough else "", template, agree, len(with_items), common=rule,
                   kind=kind)  # fmt: skip


def suggestion(profile: Profile) -> str:
    """The config lines a publisher adds when too few files agree on one rule ("" if none
    is needed)."""
    if profile.named or not profile.files or profile.share >= AGREE or not profile.common:
        return ""
    return f'items = "{profile.common}"'
