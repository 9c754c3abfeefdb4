"""The migrations written once for both engines: one row each, in the order they run.

They come after SQLite's own 23 (``schema``; PostgreSQL starts from ``schema_pg``'s baseline,
which stands for those). ``schema`` registers every row for SQLite after its own; ``migrate``
runs the rows PostgreSQL has not applied yet. Each is written in SQL both engines speak, in
the module that owns its table; a new migration is a new last row, never an edit of one that
has run.
"""

from __future__ import annotations

from collections.abc import Callable

from .alert_cadence import alert_cadence_columns
from .alert_feeds import alert_feed_tokens
from .claims import claims_column
from .engines import Sql
from .feedback import feedback_table
from .forwarded import forwarded_table
from .lease import lease_table
from .page_logins import page_logins_table
from .planning import planning_indexes
from .told import story_column

Migration = Callable[[Sql], None]

BOTH: tuple[tuple[str, Migration], ...] = (
    ("0024_leases", lease_table),
    ("0025_forwarded_updates", forwarded_table),
    ("0026_claims", claims_column),
    ("0027_alert_feeds", alert_feed_tokens),
    ("0028_item_stories", story_column),
    ("0029_page_logins", page_logins_table),
    ("0030_feedback_votes", feedback_table),
    ("0031_quiet_alerts", alert_cadence_columns),
    ("0032_planning_indexes", planning_indexes),
)
