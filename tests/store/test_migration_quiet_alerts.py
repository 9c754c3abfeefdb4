"""A bot's database from before alert cadences and quiet hours (schema up to 0030) opens with
its alerts meaning what they meant and going out as they come, and its chats unquieted."""

from __future__ import annotations

from bot.search.textnorm import normalize
from bot.services import LiveAlerts
from bot.store.database import Store
from bot.store.engines import Engine


def as_before_0031(store: Store) -> None:
    """The database as the code before 0031_quiet_alerts left it."""
    table = "_sqlite_migrations" if store.db.engine is Engine.SQLITE else "_migrations"
    for owner, column in (("alerts", "cadence"), ("alerts", "any_of"), ("chats", "quiet")):
        store.db.execute(f"ALTER TABLE {owner} DROP COLUMN {column}")
    store.db.execute("ALTER TABLE chats DROP COLUMN silent")
    store.db.execute("ALTER TABLE alerts DROP COLUMN cadence_since")
    store.db.execute(f"DELETE FROM {table} WHERE name = '0031_quiet_alerts'")  # noqa: S608


def test_alerts_and_chats_carry_over(database: str) -> None:
    """An alert of two words still needs both and comes as it comes; the chat keeps its
    settings, with no quiet hours and its pushes ringing."""
    store = Store(database)
    store.chats.ensure_chat(1, type="private", title="reader")
    store.chats.update_chat(1, push_time="07:30", format="compact")
    store.chats.add_alert(1, ("储能", "氢能"), ("煤炭",))
    as_before_0031(store)
    store.close()
    store = Store(database)
    try:
        [alert] = store.chats.alerts(1)
        assert (alert.terms, alert.excluded, alert.any_of) == (("储能", "氢能"), ("煤炭",), ())
        assert alert.cadence == "now"
        chat = store.chats.get_chat(1)
        assert chat is not None
        assert (chat.format, chat.quiet, chat.silent) == ("compact", "", False)
        live = LiveAlerts(store.chats.alerts())
        assert 1 not in live.index.match(normalize("储能电站"))
        assert 1 in live.index.match(normalize("储能与氢能"))
        assert store.chats.alert_owners() == {1: frozenset({alert.id})}
    finally:
        store.close()
