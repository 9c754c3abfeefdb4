"""Updates received by any instance of the bot (``webhook_updates``): part of the store.

Each instance records the updates it receives in its own journal (``journal``) before Telegram
is told; two instances behind one load balancer share this table as well, so an update that
Telegram sends again to the other instance (a retry, a replay) is handled once in all. Rows
are kept ``KEPT`` (Telegram keeps an update 24 hours).
"""

from __future__ import annotations

import datetime as dt

from .repository import Repository
from .stamps import stamp
from .tx import immediate

KEPT = dt.timedelta(days=2)


class ReceivedStore(Repository):
    """A repository of the Store."""

    def claim(self, update_id: int, *, at: dt.datetime) -> bool:
        """Whether this is the first instance to receive ``update_id`` (and it is now its)."""
        with immediate(self.db):
            self.db.execute(
                "DELETE FROM webhook_updates WHERE received_at < ?", [stamp(at - KEPT)]
            )
            return (
                self.db.execute(
                    "INSERT INTO webhook_updates (update_id, received_at) VALUES (?, ?)"
                    " ON CONFLICT DO NOTHING",
                    [update_id, stamp(at)],
                ).rowcount
                == 1
            )
