"""Login links and sessions of the publisher's page (``page_logins``), on both engines: good
once, until they expire, for their own bot only; forged tokens open nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from bot.store.database import Store
from bot.store.page_logins import LINK_TTL, SESSION_TTL, digest

T0 = dt.datetime(2024, 1, 8, 8, 0, tzinfo=dt.UTC)
BOT, OTHER_BOT, ADMIN = 111, 222, 42


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def stores(database: str, clock: Clock) -> Iterator[tuple[Store, Store]]:
    """Two instances' connections to one database (a shared PostgreSQL, or one file)."""
    first = Store(database, now=clock)
    second = Store(database, now=clock)
    yield first, second
    second.close()
    first.close()


def test_a_link_opens_once_and_its_session_works_on_another_instance(
    stores: tuple[Store, Store],
) -> None:
    """A link made by one instance opens a session on another, once; the session names the
    admin there, and a second opening of the same link is refused."""
    one, two = stores
    link = one.page_logins.issue_link(ADMIN, bot_id=BOT)
    assert link.expires_at == T0 + LINK_TTL
    session = two.page_logins.open_link(link.token, bot_id=BOT)
    assert session is not None
    assert session.expires_at == T0 + SESSION_TTL
    assert one.page_logins.session_user(session.token, bot_id=BOT) == ADMIN
    assert two.page_logins.open_link(link.token, bot_id=BOT) is None


def test_a_link_expires_and_a_session_expires(stores: tuple[Store, Store], clock: Clock) -> None:
    """An unopened link is refused once its 15 minutes are over; a session once its hours
    are."""
    store, _ = stores
    late = store.page_logins.issue_link(ADMIN, bot_id=BOT)
    opened = store.page_logins.issue_link(ADMIN, bot_id=BOT)
    session = store.page_logins.open_link(opened.token, bot_id=BOT)
    assert session is not None
    clock.now = T0 + LINK_TTL
    assert store.page_logins.open_link(late.token, bot_id=BOT) is None
    assert store.page_logins.session_user(session.token, bot_id=BOT) == ADMIN
    clock.now = T0 + SESSION_TTL
    assert store.page_logins.session_user(session.token, bot_id=BOT) is None


def test_forged_and_swapped_tokens_open_nothing(stores: tuple[Store, Store]) -> None:
    """A made-up token, a link used as a session, a session used as a link, or the stored
    digest itself are all refused."""
    store, _ = stores
    link = store.page_logins.issue_link(ADMIN, bot_id=BOT)
    assert store.page_logins.session_user(link.token, bot_id=BOT) is None
    assert store.page_logins.open_link("x" * 43, bot_id=BOT) is None
    assert store.page_logins.open_link(digest(link.token), bot_id=BOT) is None
    session = store.page_logins.open_link(link.token, bot_id=BOT)
    assert session is not None
    assert store.page_logins.open_link(session.token, bot_id=BOT) is None
    assert store.page_logins.session_user("", bot_id=BOT) is None


def test_another_bots_link_and_session_are_refused(stores: tuple[Store, Store]) -> None:
    """Two bots on one database: each honours only the links and sessions made for it."""
    store, _ = stores
    theirs = store.page_logins.issue_link(ADMIN, bot_id=OTHER_BOT)
    assert store.page_logins.open_link(theirs.token, bot_id=BOT) is None
    session = store.page_logins.open_link(theirs.token, bot_id=OTHER_BOT)
    assert session is not None
    assert store.page_logins.session_user(session.token, bot_id=BOT) is None


def test_only_digests_are_stored(stores: tuple[Store, Store]) -> None:
    """The table holds no token itself, only its digest (a copy of the database opens
    nothing)."""
    store, _ = stores
    link = store.page_logins.issue_link(ADMIN, bot_id=BOT)
    session = store.page_logins.open_link(link.token, bot_id=BOT)
    assert session is not None
    rows = store.db.execute("SELECT digest FROM page_logins").fetchall()
    kept = {str(r[0]) for r in rows}
    assert kept == {digest(link.token), digest(session.token)}
    assert link.token not in kept
    assert session.token not in kept
