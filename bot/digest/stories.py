"""What is not a story: what the layout's candidates lose before they become items (pure).

The filters, in order: the series' template (what recurs at the ends of most of its files:
template.py), a table of contents (a list whose entries name the stories, however worded or
ordered, without links of their own), sections of events, jobs, calls for participation,
analysis and the like (by their headings, in English and Chinese), job offers (by a section's
own words, or an item's title announcing an opening: "X is hiring!", "X 诚聘 …"), changelogs
(lists, and top-level sections, whose links are mostly to pull requests, issues and commits:
one line an entry, not a paragraph of commentary), sponsored items (a ``[推广]`` mark, unless
most items carry a bracketed tag: then it is a category, a forum's board). Each is dropped
only when other items remain, and noted in ``skipped`` for ``digestbot check``.
"""

from __future__ import annotations

import functools
import re
from itertools import pairwise
from pathlib import PurePosixPath

from .numbers import number
from .outline import How, Outline
from .template import is_template
from .text import is_http
from .tree import Kind, Unit

# what a publisher's own furniture is called: a section of it, or the closing heading of a
# file ("Tips and Feedback"), is no story (in Chinese only the names no story title holds:
# 订阅 and 广告 are in stories' titles too)
_FURNITURE = (
    r"(?i)\b(?:sponsors?(?:ed)?|advertis\w*|subscribe|about (?:us|this)|contact(?: us)?"
    r"|contribut\w+|feedback|credits?|recent (?:posts|work|writing|articles))\b"
    r"|关于我们|联系我们|往期回顾|免责声明"
)
# sections that list something other than stories (matched against the heading path)
_NOT_STORIES = re.compile(
    _FURNITURE + r"|(?i:\b(?:upcoming events?|events?|meetups?|conferences?|jobs?|hiring|careers?"
    r"|call(?:s)? for [\w ]{2,30}|cfps?|\w+s? of the (?:week|month)|on this day"
    r"|(?:related|connected) (?:posts|notes|articles|concepts))\b"
    # words that name furniture only as the whole heading ("## Navigation", "Appendix: …"),
    # not inside a section's name ("## Navigation apps")
    r"|^[\W_]*(?:navigation|(?:table of )?contents|appendix|appendices)(?:[:：].*)?[\W_]*$"
    r"|\b(?:analysis|commentary|takeaways|editorial|opinion)\b)"
    r"|活动预告|活动|会议预告|招聘|岗位|内推|广告|赞助|订阅|往期|目录"
    r"|分析|点评|洞察|评论|总结|小结|前瞻|导读|总览"
)
_CLOSING = re.compile(_FURNITURE)
_LETTER = re.compile(r"[^\W_]")
TERSE = 240  # characters: a changelog's entries are shorter, mostly
# a section's line saying it lists offers (招聘信息, "招聘："), not 招聘 in prose ("过度招聘")
_JOBS_TEXT = re.compile(
    r"(?i)\bjob (?:offers?|openings?|postings?)\b|\bare hiring\b"
    r"|招聘(?:信息|启事|岗位|职位|[：:]|\W*$)|(?:正在|长期|诚意)招聘|[【\[]招聘"
)
# an item's title announcing an opening ("X is hiring!", "X Is Hiring a Founding Engineer", "X
# 诚聘 …"): a job ad in any section; not a story about hiring ("Why nobody is hiring juniors");
# a bare 招聘 is as often a headline's verb ("OpenAI 招聘产品经理，…")
_ROLE = (
    r"(?:engineers?|developers?|designers?|executives?|managers?|scientists?|researchers?"
    r"|leads?|roles?|positions?|interns?|hackers?|programmers?|writers?|editors?|admins?"
    r"|administrators?|architects?|analysts?|sres?|devops|contractors?|specialists?)"
)
_JOB_AD = re.compile(
    r"(?i)^(?!\W*(?:why|how|what|who|when|where|which|is|are|does|do)\b)"
    r"(?:.*?(?<!\bnobody )(?<!\bno one )\b(?:is|are|we[’']re|we are)\s+(?:now\s+)?|\W*)hiring\b"
    r"(?:[\s!.！。]*$|[\s:–—-]*[^.!?;,|]{0,60}?\b" + _ROLE + r"\b"
    r"(?:\s*[(（][^()（）]*[)）])?(?:\s+(?:in|at|@)\s+[^.!?;]{1,40})?[\s!.！。]*$)"
    r"|诚聘|急聘|(?:正在|现正)招聘"
)
_HIRED = re.compile(r"(?i)hiring|聘")  # what _JOB_AD needs, found fast: most titles lack it


_CHANGE_LINK = re.compile(
    r"(?i)^https?://(?:www\.)?(?:github\.com|gitlab\.com|codeberg\.org|bitbucket\.org)/"
    r"[^/]+/[^/]+/(?:-/)?(?:pull|pulls|issues|commit|commits|compare|merge_requests)(?:/|$|\?)"
)
_SPONSOR = re.compile(
    r"(?i)^[\W_]*(?:\[|【|\()?\s*(?:sponsor(?:ed)?|ad|advertisement|赞助|广告|推广)\s*(?:\]|】|\))"
    r"|\((?:sponsor(?:ed)?|赞助|广告)\)|\((?:ad|advertisement)\)\s*$"
)


class Curation:
    """The story filter of one file (see the module doc)."""

    def __init__(
        self,
        outline: Outline,
        *,
        template: frozenset[str] = frozenset(),
        skip: frozenset[str] = frozenset(),
        publication: str = "",
        source: str = "",
    ) -> None:
        self.outline = outline
        self.names = _names(publication)
        self.own = _edition_name(source)
        self._named_shape = self.own is not None and len(_LETTER.findall(self.own[0])) >= 3
        self._navigates: dict[str, bool] = {}
        self.units = outline.units
        heads = (j for j, u in enumerate(self.units) if u.kind is Kind.HEADING)
        self.first_heading = next(heads, len(self.units))  # once: asked of every candidate
        self.template = template
        self.skip = frozenset(" ".join(s.split()).casefold() for s in skip)
        self.skipped: list[str] = []
        self._jobs: dict[int, bool] = {}
        self._item_paras: set[int] | None = None  # the paragraphs that open candidates

    def prune(self, found: list[tuple[int, How]]) -> list[tuple[int, How]]:
        """Drop tables of contents, non-story sections, changelogs and sponsors, when
        something else remains; each drop is noted in ``skipped``."""
        units = self.units
        self._item_paras = None
        titles = {
            self._key(units[k]) for k, how in found if how is How.HEADING or units[k].first.links
        }
        changelogs = self._changelogs(found)
        contents = self._contents(found)
        tagged = sum(1 for k, _ in found if _TAGGED.match(units[k].first.text))
        categories = tagged * 2 >= len(found)  # [board] before most items: categories
        heads = {k for k, _ in found}
        # the file's closing heading, when it says it is furniture ("Tips and Feedback")
        last = max((k for k, how in found if how is How.HEADING), default=-1)
        closing = last if last >= 0 and _CLOSING.search(self._title(last)) else -1
        keep: list[tuple[int, How]] = []
        dropped: dict[str, int] = {}
        by_path: dict[tuple[int, ...], str | None] = {}  # a section's verdict, once
        for k, how in found:
            unit = units[k]
            why = None
            path = self.outline.section_path(k)
            named = [self.outline.name(j) for j in path] if path else []
            if path not in by_path:
                by_path[path] = self._section_verdict(path, named, heads)
            links = candidate_links(self.outline, k, how)
            if _PLACEHOLDER.fullmatch(self._title(k).strip()):
                why = "a placeholder a tool left (undefined, null…), not a story"
            elif by_path[path] is not None and by_path[path] != "jobs":
                why = by_path[path]
            elif k == closing:
                why = f"the closing section {self._title(k)!r}: not a story"
            elif is_template(unit.first.text, links, self.template):
                why = "the series' template (in most of its editions)"
            elif self._publishers_note(k, how):
                why = "the editor's note about the publication itself, not a story"
            elif links and all(self._navigation(u) for u in links):
                why = "navigation (links back to index pages or other editions)"
            elif how is not How.HEADING and not unit.first.links and self._key(unit) in titles:
                why = "a table of contents (it repeats the items' titles)"
            elif k in contents:
                why = "a table of contents (its entries name the stories)"
            elif by_path[path] == "jobs":
                why = f"section {named[-1]!r}: job offers"
            elif _HIRED.search(title := self._title(k)) and _JOB_AD.search(title):
                why = "a job ad (its title announces an opening)"
            elif k in changelogs:
                where = f" under {named[0]!r}" if named else ""
                why = f"a changelog{where} (links to pull requests and issues)"
            elif _SPONSOR.search(unit.first.text) and not categories:
                why = "sponsored"
            if why is None:
                keep.append((k, how))
            else:
                dropped[why] = dropped.get(why, 0) + 1
        if not keep:
            return found  # nothing else: better the lot than nothing
        self.skipped.extend(f"{n} × {why}" for why, n in dropped.items())
        return keep

    def _changelogs(self, found: list[tuple[int, How]]) -> set[int]:
        """Items of lists, and of top-level sections, whose links are mostly to pull requests,
        issues and commits: a changelog, not stories."""
        groups: dict[tuple[str, int], list[int]] = {}
        for k, _ in found:
            unit = self.units[k]
            path = self.outline.section_path(k)
            groups.setdefault(("section", path[0] if path else -1), []).append(k)
            if unit.kind is Kind.ITEM:
                groups.setdefault(("list", unit.list_id), []).append(k)
        out: set[int] = set()
        for ks in groups.values():
            links = [u for k in ks for line in self.units[k].lines for u in line.links]
            if (
                links
                and sum(1 for u in links if _CHANGE_LINK.match(u)) >= 0.7 * len(links)
                and self._terse(ks)
            ):
                out.update(ks)
        return out

    def _terse(self, ks: list[int]) -> bool:
        """Whether most entries are a line each (a changelog's "Fix the crash on start"), not
        a paragraph that tells what a change does and why (a digest of notable changes): a
        heading's entry is its title and the paragraphs under it, whatever it links to."""
        sizes = sorted(self._told(k) for k in ks)
        return sizes[len(sizes) // 2] < TERSE

    def _told(self, k: int) -> int:
        """How much an entry says: its own lines, and a heading's paragraphs (not the lists
        under it: a heading over one-line links is a changelog's section, not commentary)."""
        units = self.units
        said = sum(len(line.text) for line in units[k].lines)
        if units[k].kind is Kind.HEADING:
            said += sum(
                len(line.text)
                for j in range(k + 1, self.outline.end_of(k))
                if units[j].kind is Kind.LINE and units[j].owner < 0
                for line in units[j].lines
            )
        return said

    def _section_verdict(
        self, path: tuple[int, ...], named: list[str], heads: set[int]
    ) -> str | None:
        """Why every candidate of a section is no story ("jobs": its own words say it lists
        job offers), or None."""
        if self.skip and any(" ".join(n.split()).casefold() in self.skip for n in named):
            return f"section {named[-1]!r}: skip_sections"
        if any(_NOT_STORIES.search(n) for n in named):
            return f"section {named[-1]!r}: not stories (events, jobs, calls…)"
        if path and self._jobs_section(path[-1], heads):
            return "jobs"
        return None

    def _contents(self, found: list[tuple[int, How]]) -> set[int]:
        """The candidates of sections that name the file's other stories: a section whose
        entries have no links, most of them sharing most of their words with a story
        elsewhere (a summary of ``###`` stories, worded its own way)."""
        by_section: dict[int, list[int]] = {}
        for k, how in found:
            path = self.outline.section_path(k)
            key = path[-1] if path and how is not How.HEADING else -2 - k  # headings: stories
            by_section.setdefault(key, []).append(k)
        out: set[int] = set()
        for section, ks in by_section.items():
            if section < -1 or any(self._not_an_entry(k) for k in ks):
                continue
            others = [_grams(self._title(j)) for j, _ in found if j not in set(ks) and j > -1]
            others = [g for g in others if g]
            if len(others) < 2:
                continue
            named = sum(1 for k in ks if _named(_grams(self._title(k)), others))
            if named >= max(2, 0.6 * len(ks)):
                out.update(ks)
        return out

    def _not_an_entry(self, k: int) -> bool:
        """A unit with a link, or a paragraph over several lines: a story, no entry of a
        table of contents (one line, naming a story told elsewhere)."""
        unit = self.units[k]
        return bool(unit.first.links) or len(unit.lines) > 1

    def _publishers_note(self, k: int, how: How) -> bool:
        """A story with no link of its own (a ``[@editor](u)：`` credit is the writer's) whose
        headline or first paragraph names the publication: the editor speaking of the
        newsletter itself (a survey, a revamp, a farewell), not news. Before the file's first
        heading, a paragraph that speaks of "this newsletter" (此周刊) is its masthead, the
        tagline every edition opens with, whatever its name."""
        units = self.units
        span = range(k, self.outline.end_of(k) if how is How.HEADING else k + 1)
        if any(line.links[1 if line.credit else 0 :] for j in span for line in units[j].lines):
            return False
        if (
            how is not How.HEADING
            and k < self.first_heading
            and _MASTHEAD.search(" ".join(line.text for line in units[k].lines))
        ):
            return True
        if not self.names:
            return False
        words = [units[k].first.text]
        para = next((units[j].para for j in span[1:] if units[j].kind is Kind.LINE), None)
        words += [units[j].first.text for j in span[1:] if para is not None
                  and units[j].kind is Kind.LINE and units[j].para == para]  # fmt: skip
        said = "".join("".join(words).split()).casefold()
        return any(name in said for name in self.names)

    def _navigation(self, url: str) -> bool:
        """A link to an index page, or to another edition of the publication: a sibling file
        named the way this one is (``issue-199.md`` beside ``issue-200.md``), or a page whose
        name ends in this file's name, its number another (``…/weekly-issue-150.html``)."""
        if _NAVIGATION.search(url):
            return True
        if not self.own:
            return False
        known = self._navigates.get(url)
        if known is None:  # a file's links repeat: each is looked at once
            shape, suffix = self.own
            path = _URL_TAIL.sub("", url)
            name = path.rpartition("/")[2]
            stem = name[:dot] if 0 < (dot := name.rfind(".")) < len(name) - 1 else name
            other = _DIGITS.sub("#", stem.casefold())
            if not is_http(url):  # a site path (link_url): a file beside this one
                beside = "/" not in path.removeprefix("./") and name.casefold().endswith(suffix)
                known = beside and other == shape
            else:
                known = self._named_shape and other.endswith(shape)
            self._navigates[url] = known
        return known

    def _title(self, k: int) -> str:
        unit = self.units[k]
        return unit.first.title or unit.first.text

    def _key(self, unit: Unit) -> str:
        return " ".join((unit.first.title or unit.first.text).split()).casefold()

    def _jobs_section(self, k: int, heads: set[int]) -> bool:
        """Whether the section's own words (not its items) say it lists job offers."""
        if k not in self._jobs:
            if self._item_paras is None:  # once per file, not once per section
                self._item_paras = {
                    self.units[h].para for h in heads if self.units[h].kind is Kind.LINE
                }
            items = self._item_paras
            self._jobs[k] = any(
                u.kind is Kind.LINE
                and u.owner < 0
                and self.outline.paths[j]
                and self.outline.paths[j][-1] == k
                and j not in heads
                and u.para not in items
                and _JOBS_TEXT.search(u.first.text)
                for j, u in enumerate(self.units[k + 1 : self.outline.end_of(k)], start=k + 1)
            )
        return self._jobs[k]


# a link to an index page: "../index.html", "/", "./", "../../README.md" (never a story)
_NAVIGATION = re.compile(r"(?i)^(?:\.{1,2}/)*(?:index\.html?|index\.md|readme\.md)?$|^/$")
# a paragraph that points at the publication it stands in ("follow this weekly", "subscribe
# to this newsletter", 关注此周刊): the newsletter telling what it is, not news
_MASTHEAD = re.compile(
    r"(?i)\b(?:this|our)\s+(?:(?:weekly|monthly|daily)\s+)?(?:newsletter|digest|publication)\b"
    r"|此(?:周刊|周报|月刊|日报|专栏|刊物)"
)
_DIGITS = re.compile(r"[0-9]+")
_URL_TAIL = re.compile(r"[?#].*$")
_PLACEHOLDER = re.compile(r"(?i)undefined|null|none|nan|n/a|todo|tbd|untitled|placeholder")
_TAGGED = re.compile(r"[\s\W_]*(?:\[[^\[\]]{1,12}\]|【[^【】]{1,12}】)")
_PERIODICAL = re.compile(r"[\u4e00-\u9fff][报刊]$")  # a Chinese name ends with what it is
_GRAM_CHARS = re.compile(r"[\w]", re.UNICODE)


@functools.lru_cache(maxsize=4096)  # a series' sections repeat their names file after file
def furniture(name: str) -> bool:
    """Whether a heading ``name`` names a publisher's furniture, or is mostly the name of
    something other than stories ("Quote of the Week", "Key Takeaways", "Rust Jobs"); a
    headline that mentions one (人民日报评论员文章：…, CocoaPods 漏洞分析) is a story."""
    if _CLOSING.search(name):
        return True
    letters = len(_LETTER.findall(name))
    named = sum(len(_LETTER.findall(m.group())) for m in _NOT_STORIES.finditer(name))
    return letters > 0 and named * 2 >= letters


def _edition_name(source: str) -> tuple[str, str] | None:
    """This file's name with its numbers blanked (``issue-#``), and its suffix: how its other
    editions are named; None when its name has no number."""
    path = PurePosixPath(source.replace("\\", "/"))
    shape = _DIGITS.sub("#", path.stem.casefold())
    return (shape, path.suffix.casefold()) if "#" in shape and path.suffix else None


def _names(publication: str) -> tuple[str, ...]:
    """How a file may name its publication ("iOS 摸鱼周报"): its whole name, and a Chinese
    periodical's own noun it ends with (周报, 日报, 周刊), as its editor calls it."""
    name = "".join(publication.split()).casefold()
    names: tuple[str, ...] = (name,) if len(_LETTER.findall(name)) >= 4 else ()
    if _PERIODICAL.search(name):
        names += (name[-2:],)
    return names


def _links(unit: Unit) -> tuple[str, ...]:
    return tuple(u for line in unit.lines for u in line.links)


def candidate_links(outline: Outline, k: int, how: How) -> tuple[str, ...]:
    """The links a candidate story carries: a heading's are its body's too."""
    if how is not How.HEADING:
        return _links(outline.units[k])
    found = (u for j in range(k, outline.end_of(k)) for u in _links(outline.units[j]))
    return tuple(dict.fromkeys(found))


def _grams(text: str) -> frozenset[str]:
    """Character pairs of a title's letters (numbers and punctuation out): how two wordings of
    one story are told alike, in any script."""
    found = number(text)
    chars = [c for c in (found.rest if found else text).casefold() if _GRAM_CHARS.match(c)]
    return frozenset(a + b for a, b in pairwise(chars))


def _named(grams: frozenset[str], others: list[frozenset[str]]) -> bool:
    """Whether an entry names one of the stories: most of its pairs are in that story's."""
    if len(grams) < 3:
        return False
    return any(len(grams & other) >= 0.5 * min(len(grams), len(other)) for other in others)
