"""What every repository of the store holds: the connection and the clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlite_utils import Database


class Repository:
    """One family of tables behind methods; SQL stays inside (``db`` is the shared
    connection, ``now`` the store's clock)."""

    def __init__(self, db: Database, now: Callable[[], dt.datetime]) -> None:
        self.db = db
        self.now = now
