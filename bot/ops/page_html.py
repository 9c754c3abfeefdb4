"""The publisher's page as HTML: what the page shows (``PageData``) and how it is written.

Plain server-rendered HTML, every value escaped, no script; its one style sheet is inline and
allowed by its hash in the Content-Security-Policy (``HEADERS``), which allows nothing else
but images from the page's own origin (the chart).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.store.edition_rows import EditionInfo
from bot.store.page_figures import DayCount, FailedRow, Waiting

CSS = (
    "body{font:15px/1.45 system-ui,sans-serif;margin:1.5em auto;max-width:72em;padding:0 1em;"
    "color:#222}h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid"
    " #ddd}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.25em .5em;"
    "border-bottom:1px solid #eee;vertical-align:top}td.n,th.n{text-align:right}"
    "img{max-width:100%;height:auto}.empty{color:#777;font-style:italic}"
    ".failed{color:#b00}.note{color:#555;font-size:.9em}"
)
_CSS_HASH = base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()
CSP = (
    f"default-src 'none'; img-src 'self'; style-src 'sha256-{_CSS_HASH}'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "no-referrer",  # a login link's token never leaves in a Referer
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
ICON = (  # the tab's icon (without one the browser asks for /favicon.ico: a 404)
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16"'
    ' rx="3" fill="#0072B2"/><path d="M3 12V8h2v4zm4 0V4h2v8zm4 0V6h2v6z" fill="#fff"/></svg>'
)
FEEDBACK_MISSING = "Readers' feedback is not built yet: this section fills in when it is."


@dataclass(frozen=True, slots=True)
class EditionProgress:
    """One edition and its outbox rows by status: the edition's own, and its alerts."""

    info: EditionInfo
    edition: Mapping[str, int]
    alerts: Mapping[str, int]

    def count(self, *statuses: str) -> int:
        return sum(self.edition.get(s, 0) for s in statuses)


@dataclass(frozen=True, slots=True)
class Problem:
    """A digest file or remote source that does not load, and why."""

    where: str
    error: str


@dataclass(frozen=True, slots=True)
class PageData:
    """Everything the page shows, read in one go."""

    bot: str
    now: dt.datetime
    editions: Sequence[EditionProgress]
    subscribers: Sequence[DayCount]
    failed: Sequence[FailedRow]
    reasons: Mapping[str, int]
    waiting: Waiting
    problems: Sequence[Problem]


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _table(head: Sequence[str], rows: Iterable[Sequence[object]], *, numeric: int = 0) -> str:
    """A table; its last ``numeric`` columns right-aligned."""
    first = len(head) - numeric

    def cells(tag: str, values: Sequence[object]) -> str:
        return "".join(
            f"<{tag}{' class=n' if i >= first else ''}>{_e(v)}</{tag}>"
            for i, v in enumerate(values)
        )

    body = "".join(f"<tr>{cells('td', r)}</tr>" for r in rows)
    return f"<table><thead><tr>{cells('th', head)}</tr></thead><tbody>{body}</tbody></table>"


def _when(value: dt.datetime | None) -> str:
    return "-" if value is None else value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _editions(data: PageData) -> str:
    if not data.editions:
        return '<p class="empty">No editions yet.</p>'
    rows = [
        (
            p.info.date.isoformat() + (f" #{p.info.issue}" if p.info.issue else ""),
            p.info.series,
            p.info.title,
            p.info.items,
            p.count("sent"),
            p.count("pending"),
            p.count("failed", "ambiguous"),
            p.count("skipped"),
            _alerts(p.alerts),
        )
        for p in data.editions
    ]
    head = ["date", "series", "title", "items", "sent", "pending", "failed", "skipped", "alerts"]
    return _table(head, rows, numeric=6) + (
        '<p class="note">Counts of each edition\'s outbox rows (one per subscribed chat); '
        "alerts: sent / all.</p>"
    )


def _alerts(by_status: Mapping[str, int]) -> str:
    total = sum(by_status.values())
    return f"{by_status.get('sent', 0)}/{total}" if total else "-"


def _subscribers(data: PageData) -> str:
    if not data.subscribers:
        return '<p class="empty">No chat is subscribed.</p>'
    now = data.subscribers[-1].total
    recent = list(reversed(data.subscribers))[:14]
    rows = [("-" if c.day == dt.date.min else c.day.isoformat(), c.added, c.total) for c in recent]
    return f"<p>Subscribed chats now: {_e(now)}.</p>" + _table(
        ["first subscribed", "chats", "total"], rows, numeric=2
    )


def _failures(data: PageData) -> str:
    parts = []
    if data.problems:
        parts.append(_table(["digest or source", "error"],
                            [(p.where, p.error) for p in data.problems]))  # fmt: skip
    if data.reasons:
        parts.append(_table(["reason", "rows"], sorted(data.reasons.items()), numeric=1))
    if data.failed:
        rows = [
            (_when(f.updated_at), f"{f.chat_title} ({f.chat_id})".strip(), f.kind, f.target,
             f.status, f.error, f.attempts)
            for f in data.failed
        ]  # fmt: skip
        head = ["when", "chat", "kind", "for", "status", "error", "attempts"]
        parts.append(_table(head, rows, numeric=1))
    return "".join(parts) or '<p class="empty">Nothing failed.</p>'


def _outbox(data: PageData) -> str:
    waiting = data.waiting
    if not waiting.by_kind:
        return '<p class="empty">Nothing waits to be sent.</p>'
    total = sum(waiting.by_kind.values())
    line = (
        f"<p>{_e(total)} rows to send, {_e(waiting.due)} due now; "
        f"the next at {_e(_when(waiting.next_at))}.</p>"
    )
    return line + _table(["kind", "rows"], sorted(waiting.by_kind.items()), numeric=1)


def page_html(data: PageData) -> str:
    """The whole page."""
    title = f"{data.bot} — publisher's page"
    sections = [
        ("editions", "Editions and their delivery", _editions(data)),
        ("chart", "Over time",
         '<img src="/page/chart.png" alt="Subscribed chats over time and edition deliveries"'
         ' width="1200" height="900">'),
        ("subscribers", "Subscribers", _subscribers(data)),
        ("feedback", "Readers' feedback", f'<p class="empty">{_e(FEEDBACK_MISSING)}</p>'),
        ("failures", "Failures", _failures(data)),
        ("outbox", "Outbox", _outbox(data)),
    ]  # fmt: skip
    body = "".join(
        f'<section id="{key}"><h2>{_e(name)}</h2>{inner}</section>'
        for key, name, inner in sections
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="/page/icon.svg">'
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body>"
        f'<h1>{_e(title)}</h1><p class="note">As of {_e(_when(data.now))}. Read-only.</p>'
        f"{body}</body></html>"
    )


def signed_in_html() -> str:
    """The answer to an opened login link: the session cookie is set, on to the page (a
    redirect would not do: a SameSite=Strict cookie does not travel on a redirect that
    began at another site, such as Telegram's)."""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="refresh" content="0; url=/page"><title>Signed in</title>'
        '<link rel="icon" href="/page/icon.svg">'
        f'<style>{CSS}</style></head><body><p>Signed in. <a href="/page">Open the publisher\'s'
        " page</a>.</p></body></html>"
    )
